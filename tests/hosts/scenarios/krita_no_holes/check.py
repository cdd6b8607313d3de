"""Krita edit with the stand-in forcing 21.7 % holes (issue 12), checked from outside.

default: the stand-in received background "opaque" and really sent holes back;
the new layer is alpha 255 over the whole (hard) selection, the flattened image
there is the new layer's pixels (nothing of the old layer shows through), and
outside the selection the flattened image is bit-identical to before.
transparent: "transparent" and png were received, and the new layer keeps
alpha-0 pixels inside the selection. Every pixel fact is checked twice: in the
host (the documents' own bytes) and here, from the exported PNGs.
"""

from __future__ import annotations

import numpy as np

TIMEOUT = 300
W, H = 160, 120
SELECTION = [40, 30, 70, 50]
HOLES = 0.217


def _case(facts, name):
    case = facts.get(name)
    assert case is not None, f"case {name} did not run"
    assert "error" not in case, f"case {name} raised:\n{case['error']}"
    return case


def _one_edit(case, name, more_allowed=False):
    """The case's one edit request, as received and as answered: its result came back
    with the forced share of alpha-0 pixels (more where a transparent background was
    asked: the picture's own transparency comes on top)."""
    wire = [r for r in case["wire"] if r["path"].endswith("/images/edits")]
    assert len(wire) == 1, f"{name}: {len(wire)} edit requests went to the stand-in: {case['wire']}"
    assert len(case["wire"]) == 1, f"{name}: other Images requests too: {case['wire']}"
    edit = wire[0]
    assert edit["status"] == 200 and "parse_error" not in edit, f"{name}: {edit}"
    answered = case["standin_edits"]
    assert [(r["valid"], r["outcome"], r["status"]) for r in answered] == [(True, "ok", 200)], (
        f"{name}: the stand-in's own log of the edit: {answered}"
    )
    back = edit["images_back"]
    assert back and all("alpha0_fraction" in b for b in back), f"{name}: images back {back}"
    final = back[-1]["alpha0_fraction"]
    close = final > HOLES - 0.005 if more_allowed else abs(final - HOLES) < 0.005
    assert close, (
        f"{name}: the stand-in's result had {final:.1%} alpha-0 pixels, not the forced {HOLES:.1%}"
    )
    return edit


def _pixels(result, name):
    coverage = np.load(result.out / f"{name}-coverage.npy")
    inside, outside = coverage == 255, coverage == 0
    before = result.image(f"{name}-before.png")
    after = result.image(f"{name}-after.png")
    new = result.image(f"{name}-new-layer.png")
    assert inside.sum() == SELECTION[2] * SELECTION[3], f"{name}: {inside.sum()} selected"
    assert (inside | outside).all(), f"{name}: the selection has soft pixels"
    changed = np.any(before != after, axis=2)
    assert not changed[outside].any(), (
        f"{name}: {int(changed[outside].sum())} exported pixels outside the selection differ"
    )
    return inside, before, after, new


def check(result) -> None:
    facts = result.facts
    assert facts["holes_order"] == {"forced_holes": HOLES}, facts["holes_order"]

    # -- default: no background asked ------------------------------------------------
    case = _case(facts, "default")
    edit = _one_edit(case, "default")
    assert edit["fields"].get("background") == "opaque", (
        f"default: the stand-in received background {edit['fields'].get('background')!r}"
    )
    assert facts["background_received_default"] == "opaque", facts["background_received_default"]
    assert len(case["layers"]) == 1, case["layers"]
    after = case["children_after"]
    assert [n for n in after if n != case["layers"][0]] == case["children_before"], after
    assert after.index(case["layers"][0]) > after.index("painted"), f"not above the source: {after}"
    assert case["new_layer_color"] == ["RGBA", "U8"], case["new_layer_color"]
    assert case["soft_pixels"] == 0 and case["coverage_box"] == SELECTION, (
        f"default: the selection is not the hard rectangle {SELECTION}: {case['coverage_box']}, "
        f"{case['soft_pixels']} soft pixels"
    )
    assert case["inside_alpha_below_255"] == 0, (
        f"default: {case['inside_alpha_below_255']} of {case['inside_pixels']} new-layer pixels "
        f"inside the selection are not opaque (min alpha {case['inside_alpha_min']})"
    )
    assert case["inside_flat_differs_from_new"] == 0, (
        f"default: {case['inside_flat_differs_from_new']} flattened pixels inside the selection "
        "are not the new layer's: the old layer shows through"
    )
    assert case["outside_changed"] == 0, (
        f"default: {case['outside_changed']} of {case['outside_pixels']} pixels outside changed"
    )
    assert case["inside_changed"] > case["inside_pixels"] // 2, case["inside_changed"]
    assert case["source_unchanged"], "default: the source layer was modified"
    inside, before, after, new = _pixels(result, "default")
    assert (new[inside][:, 3] == 255).all(), "default: exported new layer not opaque inside"
    assert np.array_equal(after[inside], new[inside]), (
        f"default: {int(np.any(after[inside] != new[inside], axis=1).sum())} exported flattened "
        "pixels inside the selection differ from the new layer"
    )

    # -- transparent asked: kept --------------------------------------------------------
    case = _case(facts, "transparent")
    edit = _one_edit(case, "transparent", more_allowed=True)
    assert edit["fields"].get("background") == "transparent", edit["fields"]
    # png is the API default: sent as nothing, like an unchosen format
    assert edit["fields"].get("output_format", "png") == "png", edit["fields"]
    assert len(case["layers"]) == 1, case["layers"]
    assert case["inside_alpha_0"] > 0, (
        "transparent: the new layer has no transparent pixel inside the selection: "
        "the transparency asked for was not kept"
    )
    assert case["inside_alpha_0"] < case["inside_pixels"] and case["inside_changed"] > 0, (
        f"transparent: {case['inside_alpha_0']} of {case['inside_pixels']} selected pixels are "
        f"alpha 0 and {case['inside_changed']} changed: the edit painted nothing"
    )
    assert case["outside_changed"] == 0, case["outside_changed"]
    assert case["source_unchanged"], "transparent: the source layer was modified"
    inside, before, after, new = _pixels(result, "transparent")
    assert (new[inside][:, 3] == 0).any(), "transparent: exported new layer has no alpha 0 inside"
