"""GIMP's colour matrix (issue 15), checked from outside: for every precision x
profile (and greyscale), the generated layer shows the API's colours within 2 levels
of what the image can hold, an edit shows them inside the selection, is transparent
outside and leaves the merged image there unchanged, and the upload is the layer's
colours in sRGB. Before the fix, 16-bit perceptual ClayRGB images got a generated
layer whose bottom half was wrong and an edit that changed every pixel outside."""

from __future__ import annotations

TIMEOUT = 600
TOLERANCE = 2
REQUIRED = {"srgb-u8", "linear-u8", "srgb-u16", "linear-u16", "linear-float", "adobe-u16",
            "linear-srgb-profile-u16", "grey-u8", "grey-u16", "indexed"}
INSIDE = (5, 6, 9, 10)  # the cells under the selection (64, 64, 128, 128) of a 4x4 grid


def _compare(name, what, cells, expected, indexes):
    problems = []
    for i in indexes:
        off = max(abs(g - w) for g, w in zip(cells[i][:3], expected[i][:3], strict=True))
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
        everywhere = range(len(case["expected_api"]))
        gen = case["generate"]
        assert gen["call"]["success"] and gen["new"], f"{name}: generate {gen['call']}"
        _compare(name, "generate", gen["cells"], case["expected_api"], everywhere)
        edit = case["edit"]
        assert edit["call"]["success"] and edit["new"], f"{name}: edit {edit['call']}"
        assert edit["requests"] == 1, f"{name}: {edit['requests']} edit requests"
        _compare(name, "edit inside", edit["cells"], case["expected_api"], INSIDE)
        assert edit["outside_alpha_max"] == 0.0, (
            f"{name}: the new layer's alpha outside the selection reaches "
            f"{edit['outside_alpha_max']}")
        assert edit["outside_changed"] == 0, (
            f"{name}: {edit['outside_changed']} merged pixels outside the selection differ from "
            "GIMP's composite with an empty layer in the result's place")
        assert edit["source_changed"] == 0, f"{name}: the source layer changed"
        [upload] = edit["upload_cells"]
        assert upload, f"{name}: the stand-in logged no cells for the upload"
        _compare(name, "upload", upload, case["expected_layer"], everywhere)
