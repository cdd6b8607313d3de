"""Cancel leaves the document as it was; streaming shows a locked partial
preview layer before the final layer, and removes it afterwards; closing the
document mid-job is harmless and the result is still in the history."""

from __future__ import annotations

TIMEOUT = 300
# the stand-in takes 2 s per image, spread over the stream: time to cancel, partials to see
STANDIN_ARGS = ["--latency", "2"]


def _step(facts, name):
    step = facts.get(name)
    assert step is not None, f"step {name} did not run"
    assert "error" not in step, f"step {name} raised:\n{step['error']}"
    return step


def check(result) -> None:
    cancel = _step(result.facts, "cancel")
    assert "rendering" in cancel["stages"], cancel["stages"]
    assert cancel["state"] == "cancelled", f"state {cancel['state']}, stages {cancel['stages']}"
    assert cancel["raised"] == "CancelledError", cancel["raised"]
    assert cancel["layers_after"] == cancel["layers_before"], (
        f"layers changed: {cancel['layers_before']} -> {cancel['layers_after']}"
    )
    assert cancel["pixels_unchanged"], "cancel changed the image"

    stream = _step(result.facts, "stream")
    events = stream["events"]
    stages = [e["stage"] for e in events]
    assert "partial" in stages, f"no partial event: {stages}"
    assert stream["partials_shown"] >= 1, stream["partials_shown"]
    first_partial = stages.index("partial")
    shown = events[first_partial]
    assert shown["preview_locked"] == [True], f"no locked preview layer at {shown}"
    assert first_partial < stages.index("done"), "the partial came after the final image"
    assert len(stream["result_layers"]) == 1, stream["result_layers"]
    leftovers = [n for n in stream["layers_after"] if n.startswith("[preview]")]
    assert not leftovers, f"preview layers left behind: {leftovers}"

    close = _step(result.facts, "close")
    assert close["closed"], "the document was not closed mid-job"
    assert close["state"] == "done" and close["layers"] == 0, close
    assert close["history_files"] == [True], f"result not in the history: {close}"
    assert "closed mid-job" not in close["documents_open"], close["documents_open"]
