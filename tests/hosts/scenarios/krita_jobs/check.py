"""Krita jobs, checked from outside: layer sizes and places, n layers, and the
feathered edit leaving every pixel outside the selection bit-identical in
8-bit RGBA, 16-bit RGBA and CMYK documents."""

from __future__ import annotations

import numpy as np

TIMEOUT = 420
W, H = 160, 120


def _step(facts, name):
    step = facts.get(name)
    assert step is not None, f"step {name} did not run"
    assert "error" not in step, f"step {name} raised:\n{step['error']}"
    return step


def check(result) -> None:
    facts = result.facts
    gen = _step(facts, "generate")
    assert len(gen["layers"]) == 1, gen
    layer = gen["layers"][0]
    assert layer["type"] == "paintlayer" and not layer["locked"], layer
    assert layer["bounds"] == [0, 0, W, H], f"generated layer bounds {layer['bounds']}"
    assert "lighthouse" in layer["name"], layer["name"]
    assert layer["name"].startswith("AI: "), layer["name"]  # marked as AI-made (issue 21)
    assert gen["children_after"] == gen["children_before"] + 1, gen
    assert layer["index"] == gen["painted_index"] + 1, "the new layer is not above the active one"
    assert [x["bounds"] for x in gen["boxed"]] == [[20, 30, 64, 48]], gen["boxed"]

    var = _step(facts, "variations")
    assert len(var["layers"]) == 3, var["layers"]
    assert len({x["name"] for x in var["layers"]}) == 3, "variation layers share a name"
    assert var["source_unchanged"], "variations changed the source layer"
    assert var["projection_changed"], "variations did not change the image"

    for name, color in (
        ("edit_rgba8", ["RGBA", "U8"]),
        ("edit_rgba16", ["RGBA", "U16"]),
        ("edit_cmyk8", ["CMYKA", "U8"]),
    ):
        edit = _step(facts, name)
        assert edit["doc_color"] == color, (name, edit["doc_color"])
        assert len(edit["layers"]) == 1, (name, edit["layers"])
        assert edit["layers"][0]["color"] == color, f"{name}: layer in {edit['layers'][0]['color']}"
        assert edit["soft_pixels"] > 0, f"{name}: the selection is not feathered"
        assert edit["outside_changed"] == 0, (
            f"{name}: {edit['outside_changed']} of {edit['outside_pixels']} pixels outside "
            "the selection changed"
        )
        assert edit["inside_changed"] > edit["inside_pixels"] // 2, (
            f"{name}: only {edit['inside_changed']} of {edit['inside_pixels']} inside changed"
        )
        assert edit["source_unchanged"], f"{name}: the source layer was modified"

    # the same from the exported PNGs, for the 8-bit RGBA edit
    before = result.image("edit-rgba-u8-before.png")
    after = result.image("edit-rgba-u8-after.png")
    coverage = np.load(result.out / "edit-rgba-u8-coverage.npy")
    outside = coverage == 0
    assert np.array_equal(before[outside], after[outside]), "exported PNG differs outside"
    assert (before[coverage == 255] != after[coverage == 255]).any(), "no change inside"
