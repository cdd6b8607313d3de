"""bench_host, checked from outside: the benchmark's in-host steps ran and measured
something (the figures themselves are `make bench`'s business, never asserted)."""

from __future__ import annotations

TIMEOUT = 300
# a job takes about 2 s per image at the stand-in: long enough to watch the GUI
STANDIN_ARGS = ["--latency", "2"]


def _step(facts, name):
    step = facts.get(name)
    assert step is not None, f"step {name} did not run"
    assert "error" not in step, f"step {name} raised:\n{step['error']}"
    return step


def check(result) -> None:
    if result.app == "gimp":
        edit = _step(result.facts, "engine_edit")
        assert edit["layers"] == 1 and set(edit["steps"]) == {
            "read", "plan", "decode", "composite", "write"}, edit
    startup = _step(result.facts, "startup")
    assert len(startup["seconds"]) >= 3, startup
    ours = startup["runs"][0]["ours"]
    if result.app == "krita":
        calls = [c[0] for c in startup["runs"][0]["calls"]]
        assert calls == ["addExtension", "addDockWidgetFactory"], f"registered {calls}"
        assert "openai_images.docker" in ours, ours
        assert len(startup["docker_seconds"]) == 3, startup
        gui = _step(result.facts, "gui")
        assert gui["state"] == "done", f"the job ended {gui['state']}: {gui['stages']}"
        assert gui["layers"] == 1, gui
        assert gui["partials_shown"] >= 1, "no partial preview reached the canvas"
        assert gui["beats"] > 200, f"only {gui['beats']} heartbeats"
    else:
        assert "openai_images.procedures" in ours and "openai_images.workflows" in ours, ours
