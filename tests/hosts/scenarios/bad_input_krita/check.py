"""Bad input in Krita, checked from outside: each case gives a clear message (an error of
the core's tree, the adapter's CanvasError or a ValueError, one line, no traceback text)
with every layer exactly as before, or a correct conversion (new layers in the document's
colour space, old layers bit-identical, the image outside the selection unchanged)."""

from __future__ import annotations

TIMEOUT = 600
# The error rows raise to the calling script; none of them logs a line naming our files
# (checked on 5.2.9, 5.3.4, 6.0.4), so nothing is excused.
EXPECTED_LOG = ()

CLEAR_ERRORS = {"ImagesError", "CanvasError", "ValueError"}

# case -> words the message must hold, and how many requests may have been sent
REFUSED = {
    "no_document_generate": (["document"], 0),
    "no_document_edit": (["document"], 0),
    "no_document_variations": (["document"], 0),
    "no_active_document": (["document"], 0),
    "no_selection_opaque": (["select"], 0),
    "empty_selection": (["select"], 0),
    "prompt_over_limit": (["prompt"], 0),
    "size_not_accepted": (["size"], 0),
    "http_401": (["401", "req_"], 1),
    "moderation_blocked": (["safety", "req_"], 1),
}
# edits that must work: new layers, nothing outside the selection changed
CONVERTED = (
    "rgba_u16",
    "rgba_f32",
    "graya_u8",
    "cmyka_u8",
    "offset_layer",
    "group_layer_active",
    "vector_layer_active",
    "filter_layer_active",
    "large_8192",
    "large_16384",
)
# either outcome is correct, as long as it is clean
EITHER = ("selection_outside_layer", "one_pixel_generate", "one_pixel_edit", "unknown_model")
GENERATES = ("one_pixel_generate",)
# the row only means something when this kind of layer was the active one
ACTIVE = {
    "group_layer_active": "grouplayer",
    "vector_layer_active": "vectorlayer",
    "filter_layer_active": "filterlayer",
    "selection_outside_layer": "paintlayer",
    "offset_layer": "paintlayer",
}


def clean_failure(case: str, f: dict, words: list[str]) -> None:
    assert not f["success"], f"{case}: succeeded, expected a refusal: {f['new_layers']}"
    error = f["error"]
    assert CLEAR_ERRORS & set(error["bases"]), (
        f"{case}: {error['class']} is not a clear error:\n{error['traceback']}"
    )
    message = error["message"]
    assert message and "Traceback" not in message and "\n" not in message.strip(), (
        f"{case}: message {message!r}"
    )
    for word in words:
        assert word.lower() in message.lower(), f"{case}: {word!r} not in {message!r}"
    if "unchanged" in f:
        assert f["unchanged"], f"{case}: the document changed on error"
        assert f.get("inside_changed", 0) == 0 and f.get("outside_changed", 0) == 0, (
            f"{case}: the image changed on error"
        )


def clean_success(case: str, f: dict) -> None:
    error = f["error"]
    assert f["success"], f"{case}: failed: {error and error['traceback']}"
    assert f["new_layers"], f"{case}: no layer was added"
    assert f["old_layers_kept"], f"{case}: existing layers changed: {f['changed_layers']}"
    assert f["sent"] >= 1, f"{case}: nothing was sent"
    for layer in f["new_layers"]:
        assert layer["type"] == "paintlayer", f"{case}: {layer}"
        assert layer["color"] == f["doc_color"], f"{case}: layer in {layer['color']}"
    added = len(f["layers_after"]) - len(f["layers_before"])
    assert added == len(f["new_layers"]), f"{case}: {f['layers_before']} -> {f['layers_after']}"
    if case not in GENERATES:
        assert f["outside_changed"] == 0, (
            f"{case}: {f['outside_changed']} of {f['outside_pixels']} pixels outside the "
            "selection changed"
        )
        assert f["inside_changed"] > 0, f"{case}: nothing changed inside the selection"


def check(result) -> None:
    facts = result.facts
    problems = []
    for case in (*REFUSED, *CONVERTED, *EITHER):
        f = facts.get(case)
        try:
            assert f is not None, f"{case}: not run"
            assert "crash" not in f, f"{case}: the scenario crashed:\n{f.get('crash')}"
            # Krita 5.2 under the harness ignores Document.setActiveNode (activeNode()
            # stays None): there these rows run with no active layer (documented limit)
            if case in ACTIVE and result.host != "krita-5.2":
                active = f.get("active_layer")
                assert active and active[1] == ACTIVE[case], f"{case}: active layer {active}"
            if case in REFUSED:
                words, sent = REFUSED[case]
                clean_failure(case, f, words)
                assert f["sent"] == sent, f"{case}: {f['sent']} requests sent, expected {sent}"
            elif case in CONVERTED or f["success"]:
                clean_success(case, f)
            else:
                clean_failure(case, f, [])
        except AssertionError as exc:
            problems.append(str(exc))
    assert not problems, "\n".join(problems)
