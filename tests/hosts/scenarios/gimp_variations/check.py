"""GIMP variations, checked from outside: two new layers over the source's area above it,
the first visible, the source untouched; also with Sample merged."""

from __future__ import annotations

TIMEOUT = 240


def check(result) -> None:
    for case, facts in result.facts.items():
        assert facts["call"]["success"], f"{case}: variations failed: {facts['call']}"
        assert facts["call"]["count"] == 2, f"{case}: {facts['call']}"
        new, rest = facts["layers"][:2], facts["layers"][2:]
        assert [r["name"] for r in rest] == ["photo"], f"{case}: {facts['layers']}"
        for layer in new:
            assert (layer["x"], layer["y"], layer["w"], layer["h"]) == (0, 0, 128, 96), layer
        assert [n["visible"] for n in new] == [True, False], f"{case}: {new}"
        assert facts["source_untouched"], f"{case}: the source layer changed"
