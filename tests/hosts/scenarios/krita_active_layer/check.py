"""The active-layer path, checked from outside (issue 15): with the layer given, or
active where Krita allows it, the result lands directly above that layer inside its
group, and an edit uploads that layer's colours, not the visible (red) image. On
Krita 5.2 run headless no layer can be made active (the in-host script lists what
was tried); there the active case must show the no-active-layer behaviour: the
result on top of the document, the visible image uploaded."""

from __future__ import annotations

TIMEOUT = 300
RED = [255, 0, 0, 255]


def _case(facts, key):
    case = facts.get(key)
    assert case is not None, f"{key} did not run"
    assert "error" not in case, f"{key} raised:\n{case['error']}"
    assert len(case["new"]) == 1, f"{key}: {case['new']}"
    return case


def _above_low(key, case):
    parent, siblings = case["place"]
    assert parent == "G", f"{key}: the result is in {parent!r}, not in the group G: {case['tree']}"
    new = case["new"][0]
    assert siblings.index(new) == siblings.index("low") + 1, (
        f"{key}: not directly above 'low' in G: {siblings}")


def _uploaded_low(key, case, palette):
    cells = case["upload_cells"]
    assert cells, f"{key}: no upload cells logged"
    for i, cell in enumerate(cells):
        assert max(abs(a - b) for a, b in zip(cell[:3], palette[i], strict=True)) <= 2, (
            f"{key}: upload cell {i} is {cell}, not the layer's {palette[i]}")


def check(result):
    facts = result.facts
    palette = facts["palette"]
    for kind in ("generate", "edit"):
        key = f"{kind}_explicit"
        case = _case(facts, key)
        _above_low(key, case)
        source = "trainedAlgorithmicMedia" if kind == "generate" else "compositeWith"
        assert "digitalsourcetype/" + source in case["annotation"], (
            f"{key}: the document's provenance annotation: {case['annotation'][:300]!r}")
        if kind == "edit":
            _uploaded_low(key, case, palette)
        key = f"{kind}_active"
        case = _case(facts, key)
        if result.host == "krita-5.2":
            assert case["active_seen"] is None, (
                "Krita 5.2 took the active layer: run the active case there too "
                f"(README, Krita 5.2): {case['active_seen']}")
            parent, siblings = case["place"]
            assert parent != "G", f"{key}: with no active layer the result belongs on top"
            assert siblings[-1] == case["new"][0], f"{key}: not on top: {siblings}"
            if kind == "edit":
                assert all(c == RED for c in case["upload_cells"]), (
                    f"{key}: with no active layer the visible image is read")
            continue
        assert case["active_seen"] == "low", f"{key}: the active layer is {case['active_seen']}"
        _above_low(key, case)
        if kind == "edit":
            _uploaded_low(key, case, palette)
