"""The requests the stand-in received from the GIMP procedures, checked from outside.

Judged by the same expectations as Krita's scenario (krita_request_fields/
same_choices.py). chosen: generate, edit and variations are each one request
with exactly the chosen model, quality, size, n and background and the prompt
(a variation's: the core's default one), no output_format (the procedures have
no such argument, and the saved default png is not sent); edits carry an image
and a mask part of 1024x1024, variations an image only, generations no file.
saved: settings.json's output_format webp arrives instead. cap: a saved per-job
cap of $0.0001 makes the call fail with a message naming the core's estimate
and the cap, no request of any kind reaches the stand-in, and no layer is added.
stream_unchosen (last, so that it hides nothing else): generate with
stream-previews not passed does not stream, as Krita scripting when streaming is
not chosen: one request of n=2.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

TIMEOUT = 240
# GIMP prints a failed procedure's message itself: the cap case provokes it on purpose
EXPECTED_LOG = (r"error for procedure 'plug-in-openai-images-(generate|edit)'", r"OpenAI Images: ")


def _same():
    path = Path(__file__).resolve().parent.parent / "krita_request_fields" / "same_choices.py"
    spec = importlib.util.spec_from_file_location("same_choices_gimp", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


same = _same()


def _step(group, name, where):
    step = group.get(name)
    assert step is not None, f"{where}: step {name} did not run"
    assert "crashed" not in step, f"{where}: step {name} raised:\n{step['crashed']}"
    return step


def _done(step, where):
    called = step["call"]
    assert called["success"] and called["count"] == same.N, f"{where}: the call failed: {called}"


def check(result) -> None:
    facts = result.facts
    assert not facts["settings_at_start"], "a settings file was there before the scenario"

    # -- chosen ------------------------------------------------------------------------------
    chosen = facts["chosen"]
    for kind in ("generate", "edit", "variation"):
        step = _step(chosen, kind, f"chosen {kind}")
        _done(step, f"chosen {kind}")
        if kind == "edit":
            assert step["selection"] == list(same.SELECTION), (
                f"edit: the selection was {step['selection']}, not {list(same.SELECTION)}"
            )
        same.check_requests(f"GIMP {kind}", step["requests"], kind)

    # -- saved settings: output_format webp ---------------------------------------------------
    saved = facts["saved"]
    assert saved["settings_restored"], "the settings file was not put back after 'saved'"
    for kind in ("generate", "edit"):
        step = _step(saved, kind, f"saved {kind}")
        where = f"GIMP {kind} with output_format webp saved"
        if not facts["plugin_reads_webp"]:  # the lean engine without a WebP decoder
            called = step["call"]
            assert not called["success"] and "cannot read WEBP answers" in called["message"], (
                f"{where}, no WebP decoder: not refused in one line: {called}")
            assert not step["requests"], f"{where}: sent {len(step['requests'])} requests"
            continue
        _done(step, f"saved {kind}")
        same.check_requests(where, step["requests"], kind, "webp")

    # -- saved per-job cap ----------------------------------------------------------------------
    cap = facts["cap"]
    assert cap["settings_restored"], "the settings file was not put back after 'cap'"
    step = _step(cap, "generate", "cap")
    called = step["call"]
    assert not called["success"], f"cap: the call went through: {called}"
    message = called["message"] or ""
    assert message.startswith("OpenAI Images: Not sent: the estimated $"), f"cap: {message!r}"
    same.check_cap_message("cap, GIMP", message, same.core_facts()["generate_estimate"])
    assert not step["requests"] and not step["any_request"], (
        f"cap: requests reached the stand-in: {step['any_request']}"
    )
    assert len(step["layers"]) == 1, f"cap: layers were added: {step['layers']}"

    # -- streaming not chosen: no streaming, as Krita scripting and the CLI ---------------
    unchosen = _step(facts["stream_unchosen"], "generate", "stream unchosen")
    _done(unchosen, "stream unchosen")
    same.check_requests(
        "GIMP generate with stream-previews not passed (previews stream only when chosen)",
        unchosen["requests"],
        "generate",
    )
