"""The docker's words, enabled states, progress, plain text, recent prompts and layout
(issue 18); see krita.py for what each step does."""

from __future__ import annotations

import re

TIMEOUT = 300
# 2 s per image spread over the stream: partial previews and the elapsed time to sample
STANDIN_ARGS = ["--latency", "2"]
HOSTILE = "a cat <b>bold</b> <img src='http://127.0.0.1:9/x.png'>"
SCREEN_H = 1024
NARROWEST = 320  # px: a docker wider than this at its smallest crowds a 1280 px window


def _step(facts, name):
    step = facts.get(name)
    assert step is not None, f"step {name} did not run"
    assert "error" not in step, f"step {name} raised:\n{step['error']}"
    return step


def check(result) -> None:
    names = _step(result.facts, "names")
    assert names["generate"] == {"button": "Generate", "picker": "Generate"}, names
    assert names["edit"] == {"button": "Fill selection", "picker": "Fill selection"}, names
    assert names["variation"] == {"button": "Variations", "picker": "Variations"}, names
    assert "Candidates" in names["form_labels"] and "Images" not in names["form_labels"], names

    job = _step(result.facts, "job")
    off = {"apply": False, "apply_all": False, "discard": False}
    assert job["before"] == off, f"result buttons enabled with no results: {job['before']}"
    assert job["state"] == "done" and job["thumbnails"] == 2, (job["state"], job["status"])
    assert job["after_job"] == dict.fromkeys(off, True), job["after_job"]
    assert job["after_discard"] == off and job["thumbnails_after_discard"] == 0, job
    assert job["final_format"] == "Done", job["final_format"]
    texts = [s[0] for s in job["samples"]]
    assert any(t.startswith("Rendering") for t in texts), texts
    assert any("(candidate 2 of 2)" in t for t in texts), texts
    timed = [t for t in texts if re.search(r" · \d+ s$", t)]
    assert timed, f"no elapsed time in the bar: {texts}"
    assert any(re.search(r" · [1-9]\d* s$", t) for t in timed), f"the time never ran: {texts}"
    busy = [s for s in job["samples"] if s[1] == 0 and s[2] == 0]
    measured = [s for s in job["samples"] if s[2] == 1000]
    assert busy, f"no busy bar while rendering: {job['samples']}"
    assert job["stream_enabled"], "the model streams, the box should be enabled"
    assert measured, f"no determinate bar while previews arrive: {job['samples']}"
    assert all(t.startswith("Rendering, preview") for t, *_ in measured
               if "Sending" not in t and "Receiving" not in t), measured
    assert re.match(r"Done in \d+ s", job["status"]), f"no time in the status: {job['status']}"

    plain = _step(result.facts, "plain_text")
    assert plain["state"] == "done", f"the dall-e-3 job: {plain['state']} {plain['failure']}"
    assert HOSTILE in (plain["revised_prompt"] or ""), plain["revised_prompt"]
    assert plain["revised_prompt"] in plain["tooltip_rendered"], plain["tooltip_rendered"]
    assert "<b>bold</b>" in plain["tooltip_rendered"], plain["tooltip_rendered"]
    assert "<img src='http://127.0.0.1:9/x.png'>" in plain["tooltip_rendered"], plain
    assert plain["status_plain"] and plain["status_text"] == HOSTILE, plain
    assert plain["cost_plain"], "the estimate label renders rich text"

    recent = _step(result.facts, "recent")
    assert recent["in_config_dir"], recent["path"]
    assert recent["stored"][:2] == [HOSTILE, "a lighthouse on a cliff, states"], recent["stored"]
    assert recent["fresh_panel"][1:3] == recent["stored"][:2], recent["fresh_panel"]
    assert recent["fresh_panel"][0] == "Recent prompts…", recent["fresh_panel"]

    layout = _step(result.facts, "layout")
    assert layout["window"] == [1280, 1024], layout["window"]
    assert layout["thumbnails"] == 2, layout
    for state in ("folded", "unfolded", "narrow"):
        shown = layout[f"results_{state}"]
        assert shown["visible"] and shown["rect"][3] >= 96, (state, shown)
        assert shown["bottom_in_window"] <= SCREEN_H, (state, shown)
    for state in ("folded", "unfolded"):
        apply = layout[f"apply_{state}"]
        assert apply["visible"] and apply["bottom_in_window"] <= SCREEN_H, (state, apply)
    assert layout["narrow_hint"] <= NARROWEST, f"the docker needs {layout['narrow_hint']} px"
    assert layout["narrow_width"] <= NARROWEST, layout["narrow_width"]
    assert not layout["horizontal_scroll"], "the options scroll sideways at the smallest width"
    assert not layout["cramped_buttons"], f"buttons cut at the smallest width: {layout}"
    assert layout["screenshot"] and layout["narrow_screenshot"], layout

    german = _step(result.facts, "german")
    assert "Kandidaten" in german["form_labels"] and "Modell" in german["form_labels"], german
    assert german["button"] == "Auswahl füllen" and german["apply_all"] == "Alle übernehmen", german
    assert german["quality_first"] == "Automatisch", german
