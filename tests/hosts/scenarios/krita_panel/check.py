"""The actions exist with their shortcuts; the panel runs a job to thumbnails,
previews the chosen one as a locked layer, applies it, and discards the rest;
the model list includes the account's image models; "Use prompt as-is" follows
the model."""

from __future__ import annotations

TIMEOUT = 300
# legacy: the stand-in also lists the retired dall-e-3, dall-e-2 and gpt-image-1,
# which the catalogue leaves out of the combo box: they must come from the account
STANDIN_ARGS = ["--legacy"]
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
    assert applied[applied.index("painted") + 1].startswith("a lighthouse"), applied
    assert len(panel["layers_second_preview"]) == len(applied) + 1, panel["layers_second_preview"]
    assert panel["layers_after_discard"] == applied, panel["layers_after_discard"]
    assert panel["screenshot"], "no screenshot"
    assert panel["history_entries"] >= 2, panel["history_entries"]
    reapplied = panel["layers_after_reapply"]
    assert len(reapplied) == len(applied) + 1, (applied, reapplied)

    models = _step(result.facts, "models")
    image_models = {m for m in models["served"] if "image" in m or m.startswith("dall-e")}
    in_combo = {data: text for text, data in models["items"]}
    assert image_models <= set(in_combo), (image_models - set(in_combo), models["items"])
    assert in_combo["dall-e-3"] == "dall-e-3 (account)", models["items"]
    assert in_combo["gpt-image-2"] == "gpt-image-2", models["items"]
    marked = {data for text, data in models["items"] if text.endswith(" (account)")}
    assert marked and marked <= image_models, (marked, models["served"])
    assert models["dall-e-3"] == {"text": "dall-e-3 (account)", "as_is_enabled": True,
                                  "options_as_is": True, "options_model": "dall-e-3"}, models
    assert models["gpt-image-2"] == {"text": "gpt-image-2", "as_is_enabled": False,
                                     "options_as_is": False, "options_model": "gpt-image-2"}, models

    settings = _step(result.facts, "settings")
    assert settings["key_masked"], "the API key field is not masked"
    # the harness's dummy key comes from the environment: shown masked, never whole
    assert "sk-test-host-harness-not-a-real-key" not in settings["key_placeholder"], settings
    assert "env:OPENAI_API_KEY" in settings["key_placeholder"], settings["key_placeholder"]
    for name in ("base_url", "azure_deployment", "organization", "project", "proxy", "ca_bundle"):
        assert name in settings["fields"], settings["fields"]
