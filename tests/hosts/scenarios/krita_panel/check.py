"""The actions exist with their shortcuts; the panel runs a job to thumbnails,
previews the chosen one as a locked layer, applies it, and discards the rest;
the panel starts on the catalogue's default model; the model list is the live
models, never a shut-down one, unless the account lists it with no shutdown
date (then it is available to that account); an account's shutdown date ahead
marks the model "(ends ...)"; "Use prompt as-is" follows the model."""

from __future__ import annotations

from core.models.catalogue import DEFAULT_MODEL  # the project's .venv has the core

TIMEOUT = 300
# The stand-in in its normal mode (no STANDIN_ARGS): GET /v1/models lists only the
# models alive today, as OpenAI does. dall-e-3 is made available to the account
# through the stand-in's lifecycle control route during the run.
SHUT_DOWN = ("dall-e-3", "dall-e-2", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5",
             "gpt-image-1.5-2025-12-16", "chatgpt-image-latest")
SHORTCUTS = {
    "openai_images_generate": "Ctrl+Alt+G",
    "openai_images_edit": "Ctrl+Alt+E",
    "openai_images_variations": "Ctrl+Alt+V",
    "openai_images_apply": "Ctrl+Alt+Return",
    "openai_images_cancel": "Ctrl+Alt+Backspace",
}


def _step(facts, name):
    step = facts.get(name)
    assert step is not None, f"step {name} did not run"
    assert "error" not in step, f"step {name} raised:\n{step['error']}"
    return step


def check(result) -> None:
    actions = _step(result.facts, "actions")
    for name, shortcut in SHORTCUTS.items():
        assert actions[name] is not None, f"action {name} is not registered"
        assert actions[name]["shortcut"] == shortcut, (name, actions[name])

    panel = _step(result.facts, "panel")
    assert panel["panel_found"] and panel["title"] == "OpenAI Images", panel
    texts = panel["progress_texts"]
    assert any(t.startswith("Rendering") for t in texts), texts
    assert panel["progress_texts"][-1] == "Done", panel["progress_texts"]
    assert panel["thumbnails"] == 2, panel
    preview = [n for n in panel["layers_with_preview"] if n.startswith("[preview]")]
    assert len(preview) == 1 and panel["preview_locked"], panel["layers_with_preview"]
    applied = panel["layers_after_apply"]
    assert not any(n.startswith("[preview]") for n in applied), applied
    before = panel["layers_before"]
    assert len(applied) == len(before) + 1, (before, applied)
    assert applied[applied.index("painted") + 1].startswith("AI: a lighthouse"), applied
    assert len(panel["layers_second_preview"]) == len(applied) + 1, panel["layers_second_preview"]
    assert panel["layers_after_discard"] == applied, panel["layers_after_discard"]
    assert panel["screenshot"], "no screenshot"
    assert panel["history_entries"] >= 2, panel["history_entries"]
    reapplied = panel["layers_after_reapply"]
    assert len(reapplied) == len(applied) + 1, (applied, reapplied)

    start = panel["model_at_start"]
    assert start == {"id": DEFAULT_MODEL, "text": DEFAULT_MODEL}, (
        f"the panel starts on {start}, not the default {DEFAULT_MODEL}")

    models = _step(result.facts, "models")
    for stage in ("normal", "account", "cleared"):
        fetch = models[stage]
        assert fetch["asked"] and fetch["finished"], f"{stage}: the model list fetch: {fetch}"
        assert "more model(s) from the account" in fetch["tooltip"], (stage, fetch["tooltip"])
        served = {m for m in fetch["served"] if "image" in m or m.startswith("dall-e")}
        ids = [data for _text, data in fetch["items"]]
        # every image model the account lists is offered, once, and nothing else
        assert sorted(ids) == sorted(served), (stage, sorted(served), fetch["items"])
        assert DEFAULT_MODEL in ids, (stage, fetch["items"])
        assert not any(text.endswith(" (account)") for text, _ in fetch["items"]), (
            f"{stage}: every listed model is catalogued, none is an extra: {fetch['items']}")
        assert fetch["current"] == DEFAULT_MODEL, f"{stage}: the choice moved to {fetch['current']}"

    normal, account, cleared = models["normal"], models["account"], models["cleared"]
    for stage, fetch in (("normal", normal), ("cleared", cleared)):
        assert fetch["served"] == models["normal"]["served"], (stage, fetch["served"])
        assert all(date is None for date in fetch["served"].values()), fetch["served"]
        offered = {data for _text, data in fetch["items"]}
        assert not offered & set(SHUT_DOWN), (
            f"{stage}: shut-down models offered: {sorted(offered & set(SHUT_DOWN))}")
        assert all(text == data for text, data in fetch["items"]), (stage, fetch["items"])

    # the account lists dall-e-3 without a date: available to it; gpt-image-2 ends soon
    labels = {data: text for text, data in account["items"]}
    assert account["served"].get("dall-e-3", "absent") is None, account["served"]
    assert labels.get("dall-e-3") == "dall-e-3", account["items"]
    assert labels.get("gpt-image-2") == f"gpt-image-2 (ends {models['ends']})", account["items"]
    assert not set(labels) & (set(SHUT_DOWN) - {"dall-e-3"}), account["items"]

    as_is = models["as_is"]
    assert as_is["dall-e-3"] == {"text": "dall-e-3", "as_is_enabled": True,
                                 "options_as_is": True, "options_model": "dall-e-3"}, as_is
    assert as_is["gpt-image-2"] == {"text": f"gpt-image-2 (ends {models['ends']})",
                                    "as_is_enabled": False, "options_as_is": False,
                                    "options_model": "gpt-image-2"}, as_is
    assert as_is[DEFAULT_MODEL] == {"text": DEFAULT_MODEL, "as_is_enabled": False,
                                    "options_as_is": False, "options_model": DEFAULT_MODEL}, as_is

    settings = _step(result.facts, "settings")
    assert settings["key_masked"], "the API key field is not masked"
    # the harness's dummy key comes from the environment: shown masked, never whole
    assert "sk-test-host-harness-not-a-real-key" not in settings["key_placeholder"], settings
    assert "env:OPENAI_API_KEY" in settings["key_placeholder"], settings["key_placeholder"]
    for name in ("base_url", "azure_deployment", "organization", "project", "proxy", "ca_bundle"):
        assert name in settings["fields"], settings["fields"]
