"""Pure helpers between GIMP's Gegl bytes and the core's values: formats, regions, bands.

`canvas.py` does the GIMP calls (duplicate, convert, Gegl get/set) and hands the
bytes here. Bytes come in the explicit formats `canvas.py` asks Gegl for:
"R'G'B'A u8" (4 bytes per pixel, R,G,B,A, straight alpha, sRGB) and "Y u8"
for the selection (1 byte of coverage per pixel). Coordinates are canvas
coordinates unless a name says otherwise. No `gi` and no numpy here (the lean
pixel engine runs without it, issue 16), so the unit tests run without GIMP.
"""

from __future__ import annotations

from collections.abc import Sequence

from .core.jobs.canvas_port import stack_order
from .core.pixels.geometry import Bounds, Point

RGBA_FORMAT = "R'G'B'A u8"  # sRGB, perceptual (gamma) channels, straight alpha
# What results are written in. babl's u8 path into a 16-bit image of another profile
# is wrong (ClayRGB u16: the lower half of a layer halved, alpha 254, issue 15; seen in
# GIMP 3.0.4 and 3.2.6), while float sRGB converts exactly into every precision and
# profile: tests/hosts/scenarios/gimp_colour proves it case by case.
WRITE_FORMAT = "R'G'B'A float"
WRITE_BAND_ROWS = 256  # rows converted to float at a time: 16 MB for a 4096-wide patch
COVERAGE_FORMAT = "Y u8"  # selection coverage is linear: 128 means half selected


def band_rows(height: int, rows: int = WRITE_BAND_ROWS):
    """(first row, row count) per band of a patch `height` rows tall: results are
    converted to float a band at a time, so a large patch never needs four times
    its bytes at once."""
    for top in range(0, height, rows):
        yield top, min(rows, height - top)


def canvas_bounds(width: int, height: int) -> Bounds:
    return Bounds(0, 0, width, height)


def selection_bounds(result: Sequence) -> Bounds | None:
    """`Gimp.Selection.bounds(image)` -> Bounds, or None when nothing is selected.

    Python gets (success, non_empty, x1, y1, x2, y2), x2/y2 exclusive.
    """
    ok, non_empty, x1, y1, x2, y2 = result
    if not ok or not non_empty:
        return None
    bounds = Bounds.from_edges(x1, y1, x2, y2)
    return None if bounds.is_empty else bounds


def layer_read_rect(region: Bounds, layer_offset: Point) -> Bounds:
    """A canvas region in the layer's own buffer coordinates (layers may be offset)."""
    return region.relative_to(layer_offset)


def stacking_positions(anchor_position: int, count: int) -> list[tuple[int, int]]:
    """(candidate index, position among its siblings, 0 = top) for each new layer, in
    the core's stacking order (core.jobs.canvas_port.stack_order): all directly above the
    anchor layer, the first candidate uppermost."""
    return [(index, anchor_position + rank) for rank, index in enumerate(stack_order(count))]
