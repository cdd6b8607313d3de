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
from typing import TYPE_CHECKING

import numpy as np

from .core.catalogue import get_model
from .core.errors import ImagesError
from .core.geometry import Bounds, Point
from .core.imaging import Mask
from .core.planning import edit_window

if TYPE_CHECKING:
    from .core.jobs import JobOptions  # the type only: jobs brings the HTTP client

RGBA_FORMAT = "R'G'B'A u8"  # sRGB, perceptual (gamma) channels, straight alpha
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


def rgba_to_bytes(pixels: np.ndarray) -> bytes:
    """An H x W x 4 uint8 array -> bytes for Gegl's "R'G'B'A u8" (row-major, no padding)."""
    if pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.dtype != np.uint8:
        raise ValueError(f"expected H x W x 4 uint8 pixels, got {pixels.shape} {pixels.dtype}")
    return np.ascontiguousarray(pixels).tobytes()


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


def edit_read_window(selection: Mask | None, canvas: Bounds, options: JobOptions) -> Bounds:
    """The part of the canvas an edit run reads: the core's `edit_window` for the run's
    model, size and context options (the whole canvas when nothing is selected).

    When the core refuses the geometry itself (a size the model does not take, say),
    one pixel: the job's plan raises the same error in its turn, after any setup
    error, as it always did, and no canvas is read just to be refused.
    """
    try:
        spec = get_model(options.model)
        return edit_window(selection, canvas, spec, options.context, options.size)
    except ImagesError:
        return Bounds(canvas.x, canvas.y, min(1, canvas.width), min(1, canvas.height))


def layer_read_rect(region: Bounds, layer_offset: Point) -> Bounds:
    """A canvas region in the layer's own buffer coordinates (layers may be offset)."""
    return region.relative_to(layer_offset)


def transparent_area(pixels: np.ndarray) -> np.ndarray:
    """Coverage of the pixels to fill when there is no selection: 255 where alpha is 0.

    Only fully transparent pixels count; a half-transparent edge stays the
    artist's (outpainting fills the empty canvas, it does not repaint edges).
    """
    return np.where(pixels[..., 3] == 0, 255, 0).astype(np.uint8)


def stacking_positions(anchor_position: int, count: int) -> list[int]:
    """Where candidate i goes among its siblings (0 = top) so that all sit directly above
    the anchor layer, candidate 0 uppermost: insert each at anchor_position + i."""
    return [anchor_position + i for i in range(count)]
