"""Krita's colour matrix (issue 15), checked from outside: for every depth x profile,
the generated layer shows the API's colours (within 2 levels of what the document can
hold), an edit shows them inside the selection and leaves every byte outside alone,
and the upload is the layer's colours in sRGB. Before the fix, 8-bit documents in a
linear profile whose name holds "srgb" were 73-74 levels off both ways."""

from __future__ import annotations

TIMEOUT = 600
TOLERANCE = 2
# The cases every Krita of the harness must run: a matrix that shrinks silently proves
# nothing. (Rec.2020, scRGB and "sRGB built-in" are checked where Krita ships them.)
REQUIRED = {"srgb-u8", "linear-srgb-u8", "linear-truegamma-u8", "clayrgb-u8", "srgb-u16",
            "clayrgb-u16", "linear-srgb-f32", "grey-u8"}
INSIDE = (5, 6, 9, 10)  # the cells under the selection (64, 64, 128, 128) of a 4x4 grid


def _off(got, want):
    return max(abs(int(g) - int(w)) for g, w in zip(got[:3], want[:3], strict=True))


def _compare(name, what, cells, expected, indexes):
    problems = []
    for i in indexes:
        off = _off(cells[i], expected[i])
        if off > TOLERANCE or cells[i][3] != 255:
            problems.append(f"cell {i}: {cells[i]} for {expected[i]} ({off} levels off)")
    assert not problems, f"{name} {what}: " + "; ".join(problems)


def check(result):
    facts = result.facts
    cases = facts["cases"]
    missing = REQUIRED - set(cases)
    assert not missing, f"cases that did not run: {sorted(missing)} (missing: {facts['missing']})"
    for name, case in cases.items():
        assert "error" not in case, f"{name} raised:\n{case['error']}"
        assert case["converted"], f"{name}: Krita did not convert the document to {case['space']}"
        everywhere = range(len(case["expected_api"]))
        gen = case["generate"]
        assert gen["layers"] == 1, f"{name}: generate made {gen['layers']} layers"
        _compare(name, "generate", gen["cells"], case["expected_api"], everywhere)
        edit = case["edit"]
        assert edit["layers"] == 1 and edit["requests"] == 1, f"{name}: edit {edit}"
        _compare(name, "edit inside", edit["cells"], case["expected_api"], INSIDE)
        outside = [i for i in everywhere if i not in INSIDE]
        clear = [i for i in outside if edit["cells"][i][3] != 0]
        assert not clear, f"{name}: the new layer is not transparent outside at cells {clear}"
        assert edit["outside_changed"] == 0, (
            f"{name}: {edit['outside_changed']} of {edit['outside_pixels']} pixels outside the "
            "selection changed in the document's own bytes"
        )
        [upload] = edit["upload_cells"]
        assert upload, f"{name}: the stand-in logged no cells for the upload"
        _compare(name, "upload", upload, case["expected_layer"], everywhere)
