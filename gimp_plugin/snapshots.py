"""Pure helpers between GIMP's Gegl bytes and the core's values: regions, masks, pixel arrays.

`canvas.py` does the GIMP calls (duplicate, convert, Gegl get/set) and hands the
bytes here. Bytes come in the explicit formats `canvas.py` asks Gegl for:
"R'G'B'A u8" (4 bytes per pixel, R,G,B,A, straight alpha, sRGB) and "Y u8"
for the selection (1 byte of coverage per pixel). Coordinates are canvas
coordinates unless a name says otherwise. No `gi` here, so the unit tests run
without GIMP.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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


def rgba_from_bytes(data: bytes, width: int, height: int) -> np.ndarray:
    """Gegl "R'G'B'A u8" bytes -> an H x W x 4 uint8 array (a copy, writable)."""
    expected = width * height * 4
    if len(data) != expected:
        raise ValueError(f"expected {expected} bytes of RGBA, got {len(data)}")
    return np.frombuffer(data, np.uint8).reshape(height, width, 4).copy()


def coverage_from_bytes(data: bytes, width: int, height: int) -> np.ndarray:
    """Gegl "Y u8" bytes of the selection -> an H x W uint8 coverage array."""
    if len(data) != width * height:
        raise ValueError(f"expected {width * height} bytes of coverage, got {len(data)}")
    return np.frombuffer(data, np.uint8).reshape(height, width).copy()


def float_bands(pixels: np.ndarray, rows: int = WRITE_BAND_ROWS):
    """(first row, row count, bytes for Gegl's "R'G'B'A float") per band of `pixels`,
    so a large patch never needs four times its bytes at once."""
    if pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.dtype != np.uint8:
        raise ValueError(f"expected H x W x 4 uint8 pixels, got {pixels.shape} {pixels.dtype}")
    for top in range(0, pixels.shape[0], rows):
        band = pixels[top : top + rows].astype(np.float32)
        band /= 255.0
        yield top, band.shape[0], band.tobytes()


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
