"""Bad input in GIMP, checked from outside: each case gives a clear one-line message with
the image exactly as before (and nothing sent when the request was refused locally), or
a correct result (new layers only, every old layer untouched). Reading only a window of
the canvas gives exactly the whole-canvas read cut to it, for awkward layers."""

from __future__ import annotations

TIMEOUT = 300
# GIMP prints a failed procedure's message itself: expected on the error paths here.
EXPECTED_LOG = (
    "error for procedure 'plug-in-openai-images-edit'",
    "error for procedure 'plug-in-openai-images-generate'",
    "OpenAI Images: ",
)

# case -> words the message must hold, and how many requests may have been sent
REFUSED = {
    "empty_selection": (["Select the area"], 0),
    "prompt_over_limit": (["prompt"], 0),
    "size_not_accepted": (["size"], 0),
    "http_401": (["401", "req_"], 1),
    "moderation_blocked": (["safety", "req_"], 1),
}
# cases that must work: a correct conversion, the result as new layers
CONVERTED = ("u16_perceptual", "float32_linear", "grey", "large_8192", "large_16384")
# huge canvases with a small selection: the result covers the selection and no more
# than its context (the plug-in reads only that part of the canvas)
LARGE = ("large_8192", "large_16384")
# cases where either outcome is correct, as long as it is clean
EITHER = ("selection_outside_layer", "group_layer_active", "one_pixel_generate", "one_pixel_edit")


def clean_failure(case: str, facts: dict, words: list[str]) -> None:
    message = facts["message"] or ""
    assert not facts["success"], f"{case}: succeeded, expected a refusal"
    assert message.startswith("OpenAI Images: "), f"{case}: message {message!r}"
    assert "Traceback" not in message and "\n" not in message, f"{case}: {message!r}"
    for word in words:
        assert word.lower() in message.lower(), f"{case}: {word!r} not in {message!r}"
    assert facts["unchanged"], f"{case}: the image changed on error"


def clean_success(case: str, facts: dict) -> None:
    assert facts["success"], f"{case}: failed: {facts['message']!r}"
    assert facts["old_layers_kept"], f"{case}: an existing layer changed"
    assert facts["new_layers"], f"{case}: no layer was added"
    assert facts["sent"] >= 1, f"{case}: nothing was sent"


def covers_only_the_context(case: str, facts: dict) -> None:
    x, y, w, h = facts["selection"]
    for layer in facts["new_layers"]:
        assert layer["x"] <= x and layer["y"] <= y, f"{case}: {layer} misses the selection"
        assert layer["x"] + layer["w"] >= x + w, f"{case}: {layer} misses the selection"
        assert layer["y"] + layer["h"] >= y + h, f"{case}: {layer} misses the selection"
        assert layer["w"] * layer["h"] <= 1024 * 1024, f"{case}: {layer} is not a small patch"


def check(result) -> None:
    facts = result.facts
    problems = []
    reads = facts.get("window_reads", {"crash": "not run"})
    wrong = [name for name, same in reads.items() if same is not True]
    if wrong:
        problems.append(f"window_reads: not the whole-canvas read cut to the window: {reads}")
    for case in (*REFUSED, *CONVERTED, *EITHER):
        f = facts.get(case)
        try:
            assert f is not None, f"{case}: not run"
            assert "crash" not in f, f"{case}: the scenario crashed: {f.get('crash')}"
            if case in REFUSED:
                words, sent = REFUSED[case]
                clean_failure(case, f, words)
                assert f["sent"] == sent, f"{case}: {f['sent']} requests sent, expected {sent}"
            elif case in CONVERTED:
                clean_success(case, f)
                if case in LARGE:
                    covers_only_the_context(case, f)
            elif f["success"]:
                clean_success(case, f)
            else:
                clean_failure(case, f, [])
        except AssertionError as exc:
            problems.append(str(exc))
    assert not problems, "; ".join(problems)
