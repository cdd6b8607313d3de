"""The requests the stand-in received from Krita scripting and the docker, checked from outside.

The expectations are same_choices.py's, which judge gimp_request_fields too.
chosen: every job (generate, edit, variations; scripting and the docker) is one
request with exactly the chosen model, quality, size, n and background and the
prompt (a variation's: the core's default one); scripting's also output_format
webp, the docker's none (its form has no output format, and the saved default
png is not sent). Edits carry an image and a mask part of 1024x1024, variations
an image only, generations no file; the docker's request of each kind equals
scripting's field for field (but output_format) and part for part.
stream_unchosen: scripting with streaming not chosen sends one request of n=2;
the docker, whose box starts ticked from the saved stream_previews (on), sends
n=2 as two streamed requests of n=1. saved: settings.json's
output_format webp arrives where no output format is chosen (scripting's
generate and edit, the docker's generate), and its grow_px reaches the job's
options. cap: a saved per-job cap of $0.0001 refuses the job (scripting and the
docker) with a SpendCapError naming the core's estimate and the cap, and no
request of any kind reaches the stand-in.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

TIMEOUT = 300


def _same():
    path = Path(__file__).resolve().parent / "same_choices.py"
    spec = importlib.util.spec_from_file_location("same_choices_krita", path)
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
    if "raised" in step:
        raise AssertionError(f"{where}: the call raised {step['raised']}")
    if "state" in step:
        assert step["started"], f"{where}: the docker did not start the job: {step['status']!r}"
        assert step["state"] == "done", (
            f"{where}: the docker's job ended {step['state']}: {step['error']} {step['status']!r}"
        )
        assert step["thumbnails"] == same.N, f"{where}: {step['thumbnails']} thumbnails"
    else:
        assert step["layers"] == same.N, f"{where}: {step['layers']} layers added"


def check(result) -> None:
    facts = result.facts
    assert not facts["settings_at_start"], "a settings file was there before the scenario"

    # -- chosen ------------------------------------------------------------------------------
    chosen = facts["chosen"]
    for kind in ("generate", "edit", "variation"):
        script = _step(chosen, f"scripting_{kind}", f"scripting {kind}")
        dock = _step(chosen, f"docker_{kind}", f"docker {kind}")
        _done(script, f"scripting {kind}")
        _done(dock, f"docker {kind}")
        if kind == "edit":
            want = list(same.SELECTION)
            assert script["selection"] == want and dock["selection"] == want, (
                f"edit: the selection was {script['selection']} / {dock['selection']}, not {want}"
            )
        s_fields = same.check_requests(
            f"scripting {kind}", script["requests"], kind, same.OUTPUT_FORMAT
        )
        d_fields = same.check_requests(f"docker {kind}", dock["requests"], kind)
        s_rest = {k: v for k, v in s_fields.items() if k != "output_format"}
        differ = same.differences(d_fields, s_rest)
        assert not differ, (
            f"{kind}: scripting and the docker sent different fields "
            f"(field: (docker, scripting)): {differ}"
        )
        s_parts = same.shapes(script["requests"][0])
        d_parts = same.shapes(dock["requests"][0])
        assert s_parts == d_parts, f"{kind}: file parts scripting {s_parts}, docker {d_parts}"

    # -- streaming: on only when chosen (the docker ticks its box from the settings) --------
    loaded = facts["docker_loaded"]
    assert loaded["stream"] is True, f"the docker's form loaded streaming {loaded['stream']}"
    unchosen = facts["stream_unchosen"]
    step = _step(unchosen, "scripting", "stream unchosen, scripting")
    _done(step, "stream unchosen, scripting")
    same.check_requests("scripting generate, streaming not chosen (previews only when chosen)",
                        step["requests"], "generate", same.OUTPUT_FORMAT)
    step = _step(unchosen, "docker", "stream unchosen, docker")
    _done(step, "stream unchosen, docker")
    same.check_streamed("docker generate, its box ticked from the saved stream_previews",
                        step["requests"])

    # -- saved settings ---------------------------------------------------------------------
    saved = facts["saved"]
    assert saved["settings_restored"], "the settings file was not put back after 'saved'"
    options = _step(saved, "options", "saved")
    assert options["output_format"] == "webp" and options["grow_px"] == same.SAVED["grow_px"], (
        f"saved: the job options read output_format {options['output_format']!r} and grow_px "
        f"{options['grow_px']} from settings {same.SAVED}"
    )
    chosen_fields = {
        kind: same.fields_of(chosen[f"scripting_{kind}"]["requests"][0])
        for kind in ("generate", "edit")
    }
    for name, kind in (
        ("scripting_generate", "generate"),
        ("scripting_edit", "edit"),
        ("docker_generate", "generate"),
    ):
        step = _step(saved, name, f"saved {name}")
        _done(step, f"saved {name}")
        fields = same.check_requests(f"saved {name}", step["requests"], kind, "webp")
        assert fields == chosen_fields[kind], (
            f"saved {name}: with output_format webp saved, not chosen, the fields differ from "
            f"scripting's with webp chosen: {fields} vs {chosen_fields[kind]}"
        )

    # -- saved per-job cap --------------------------------------------------------------------
    cap = facts["cap"]
    assert cap["settings_restored"], "the settings file was not put back after 'cap'"
    options = _step(cap, "options", "cap")
    assert options["spend_cap_job_usd"] == same.CAP, f"cap: the job options read {options}"
    script = _step(cap, "scripting_generate", "cap scripting")
    raised = script.get("raised")
    assert raised is not None, f"cap: the scripting call went through: {script}"
    assert raised["type"] == "SpendCapError" and raised["kind"] == "job", f"cap: {raised}"
    assert raised["cap"] == same.CAP and raised["estimate"] > same.CAP, f"cap: {raised}"
    message = raised["message"]
    estimate = same.core_facts()["generate_estimate"]
    assert abs(raised["estimate"] - estimate) < 1e-9, (
        f"cap: the refusal's estimate is ${raised['estimate']}, the core quotes ${estimate}"
    )
    same.check_cap_message("cap, scripting", message, estimate)
    assert not script["requests"] and not cap["any_request_scripting"], (
        f"cap: requests reached the stand-in: {cap['any_request_scripting']}"
    )
    dock = _step(cap, "docker_generate", "cap docker")
    assert dock["state"] == "failed" and dock["error"]["type"] == "SpendCapError", (
        f"cap: the docker's job ended {dock['state']}: {dock['error']}"
    )
    assert dock["status"] == message, (
        f"cap: the docker said {dock['status']!r}, scripting raised {message!r}"
    )
    assert not dock["requests"] and not cap["any_request_docker"], (
        f"cap: requests reached the stand-in from the docker: {cap['any_request_docker']}"
    )
