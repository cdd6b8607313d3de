"""GIMP edit, checked from outside: every pixel outside the feathered selection is
bit-identical (PNG before/after, and the in-host comparison at the image's own
precision), the results are two new layers directly above the source, the first
visible and the second hidden, in the image's own pixel format, and the source
layer is untouched."""

from __future__ import annotations

import numpy as np

W, H = 160, 120
TIMEOUT = 240


def check(result) -> None:
    for case, facts in result.facts["cases"].items():
        call = facts["call"]
        assert call["success"], f"{case}: the edit failed: {call}"
        assert call["count"] == 2, f"{case}: {call['count']} layers reported"
        before, after = facts["layers_before"], facts["layers_after"]
        assert len(after) == len(before) + 2, f"{case}: layers {after}"
        new, rest = after[:2], after[2:]
        assert rest == before, f"{case}: the existing layers changed: {rest} vs {before}"
        assert [n["visible"] for n in new] == [True, False], f"{case}: visibility {new}"
        assert all(n["bpp"] == before[0]["bpp"] for n in new), f"{case}: layer format {new}"
        assert all("balloon" in n["name"].lower() for n in new), f"{case}: names {new}"
        assert facts["source_untouched"], f"{case}: the source layer's pixels changed"
        assert facts["outside_changed"] == 0, (
            f"{case}: {facts['outside_changed']} pixels outside the selection changed"
        )
        assert facts["inside_changed"] > 0, f"{case}: nothing changed inside the selection"
        assert facts["soft_pixels"] > 0, f"{case}: the selection was not feathered"

        coverage = np.frombuffer((result.out / f"sel-{case}.bin").read_bytes(), np.uint8)
        outside = coverage.reshape(H, W) == 0
        png_before = result.image(f"before-{case}.png")
        png_after = result.image(f"after-{case}.png")
        changed = np.any(png_before != png_after, axis=2)
        assert not changed[outside].any(), (
            f"{case}: {int(changed[outside].sum())} exported pixels outside the selection differ"
        )
        assert changed[~outside].any(), f"{case}: the exported PNG shows no edit"

    # issue 19: no prompt is a removal: the core's removal prompt is what the server got
    removal = result.facts["removal"]
    assert removal["call"]["success"], f"the removal failed: {removal['call']}"
    [request] = removal["requests"]
    prompt = request["fields"]["prompt"]
    prompt = prompt if isinstance(prompt, str) else str(prompt)
    assert prompt.startswith("Remove whatever is in the masked area"), prompt
    assert removal["layers"][0].startswith("AI: Remove"), removal["layers"]
