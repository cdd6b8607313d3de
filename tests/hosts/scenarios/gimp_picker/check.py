"""GIMP's candidate picker, its model driven in batch GIMP: previews are one temporary
layer on top with the undo frozen, Keep and Keep all add layers in the stacking every
run uses, and closing removes the preview and thaws the undo (see gimp.py)."""

from __future__ import annotations

TIMEOUT = 240
COLOURS = {"cand A": [220, 30, 30, 255], "cand B": [30, 200, 40, 255],
           "cand C": [40, 60, 230, 255]}


def _step(facts, name):
    step = facts.get(name)
    assert step is not None, f"step {name} did not run"
    assert "error" not in step, f"step {name} raised:\n{step['error']}"
    return step


def _names(stack):
    return [layer["name"] for layer in stack]


def check(result) -> None:
    prefix = result.facts["preview_prefix"]
    s = _step(result.facts, "session")
    base = ["painted", "Background"]
    assert s["undo_before"] and not s["undo_while_open"], "previews would enter the undo history"
    assert _names(s["preview_a"]) == [prefix + "cand A", *base], s["preview_a"]
    assert _names(s["preview_b"]) == [prefix + "cand B", *base], "one preview at a time"
    assert s["preview_b_colour"] == COLOURS["cand B"], s["preview_b_colour"]
    assert s["keep_b"] == ["cand B"], s["keep_b"]
    assert _names(s["after_keep_b"]) == ["cand B", *base], s["after_keep_b"]
    assert s["keep_b_again"] == 0, "a kept candidate was added twice"
    assert not s["undo_after_keep"], "the undo is not frozen again after Keep"
    assert _names(s["preview_c"]) == [prefix + "cand C", "cand B", *base], (
        "the preview is not above what was kept", s["preview_c"])
    assert s["keep_all"] == ["cand A", "cand C"], s["keep_all"]
    # Keep all stacks like a script's run: the first uppermost and the only one visible
    assert s["after_keep_all"] == [
        {"name": "cand A", "visible": True}, {"name": "cand C", "visible": False},
        {"name": "cand B", "visible": True},
        {"name": "painted", "visible": True}, {"name": "Background", "visible": True},
    ], s["after_keep_all"]
    assert s["kept"] == [1, 0, 2], s["kept"]
    assert s["colours"] == COLOURS, s["colours"]
    assert s["undo_after_close"], "the undo stays frozen after the picker closed"
    assert not any(n.startswith(prefix) for n in _names(s["after_close"])), s["after_close"]

    g = _step(result.facts, "german")
    assert g["has_catalogues"], "the bundle ships no catalogue where the plug-in looks"
    assert g["labels"]["count"] == "Ka_ndidaten" and g["labels"]["model"] == "_Modell", g
    assert g["size_auto"] == "Automatisch (passend zur Auswahl)", g["size_auto"]
    assert g["line"] == "Wird gerendert (Kandidat 2 von 3)", g["line"]

    d = _step(result.facts, "discard")
    assert _names(d["during"]) == [prefix + "cand A", *_names(d["before"])], d["during"]
    assert d["after"] == d["before"], "Discard left something in the image"
    assert d["selected"] == ["painted"], d["selected"]
    assert d["undo_after_close"], d
