"""Masks: where the model may paint, in the API's terms and in ours.

Two views of one selection are kept apart on purpose:
- the soft coverage (0..255, 255 = fully selected) stays local and blends the
  result into the layer, so feathered edges fade without a seam;
- the API mask is binary: OpenAI repaints only where the mask's alpha is 0 and
  treats every other alpha as "keep". Any coverage above 0 must therefore become
  alpha 0 there, or a feathered edge would be protected by accident; the area is
  grown a little so the model's own transition lands where we blend.

Pure numpy + Pillow; imports nothing from hosts, GUIs or the network.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image as PILImage

from .geometry import Bounds, Extent
from .imaging import Image, Mask


def coverage_from_alpha(image: Image) -> np.ndarray:
    """Transparent pixels are the area to fill (outpainting): coverage = 255 - alpha."""
    return 255 - image.alpha


def coverage_bounds(coverage: np.ndarray) -> Bounds | None:
    """Bounding box of the nonzero coverage in the array's own coordinates; None if empty."""
    rows = np.flatnonzero(coverage.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(coverage.any(axis=0))
    return Bounds.from_edges(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def selection_bounds(mask: Mask) -> Bounds | None:
    """Bounding box of the nonzero coverage in document coordinates; None if empty."""
    local = coverage_bounds(mask.coverage)
    return None if local is None else local.translate(mask.bounds.x, mask.bounds.y)


def grow(edit: np.ndarray, px: int) -> np.ndarray:
    """Dilate a boolean mask by a disc of radius `px` (Euclidean, not a square, so
    corners stay round). Work is limited to the area around the True pixels."""
    edit = np.asarray(edit, dtype=bool)
    found = coverage_bounds(edit)
    if px <= 0 or found is None:
        return edit.copy()
    h, w = edit.shape
    area = found.pad(px).intersect(Bounds(0, 0, w, h))
    src = edit[area.y : area.bottom, area.x : area.right]
    ah, aw = src.shape
    # Pad by px so every shifted window stays inside; prefix sums along rows
    # give "any True within +-half" for each half-width in O(pixels).
    padded = np.pad(src, px)
    sums = np.zeros((ah + 2 * px, aw + 2 * px + 1), np.int32)
    np.cumsum(padded, axis=1, out=sums[:, 1:])
    grown = np.zeros((ah, aw), bool)
    spans: dict[int, np.ndarray] = {}
    for dy in range(-px, px + 1):
        half = math.isqrt(px * px - dy * dy)
        if half not in spans:
            right = sums[:, px + half + 1 : px + half + 1 + aw]
            left = sums[:, px - half : px - half + aw]
            spans[half] = right > left
        grown |= spans[half][px + dy : px + dy + ah]
    out = edit.copy()
    out[area.y : area.bottom, area.x : area.right] = grown
    return out


def resize_edit_area(edit: np.ndarray, extent: Extent) -> np.ndarray:
    """Scale a boolean mask so that every target pixel touching a True source pixel
    is True. (Nearest-neighbour could drop a thin selected line when shrinking.)"""
    edit = np.asarray(edit, dtype=bool)
    if (edit.shape[1], edit.shape[0]) == (extent.width, extent.height):
        return edit.copy()
    img = PILImage.fromarray(edit.astype(np.uint8) * 255)
    # BOX averages each target pixel's footprint: above 0 means "touched".
    scaled = img.resize((extent.width, extent.height), PILImage.Resampling.BOX)
    return np.asarray(scaled) > 0


def to_api_mask(mask_coverage: np.ndarray | Mask, extent: Extent, grow_px: int = 0) -> Image:
    """The OpenAI mask for `extent`: alpha 0 = edit here, alpha 255 = keep.

    Binary (any coverage above 0 is edited), scaled to the API extent, then grown
    by `grow_px` API pixels. RGB is black; only alpha carries meaning.
    """
    coverage = mask_coverage.coverage if isinstance(mask_coverage, Mask) else mask_coverage
    edit = grow(resize_edit_area(coverage > 0, extent), grow_px)
    out = np.zeros((extent.height, extent.width, 4), np.uint8)
    out[..., 3] = np.where(edit, 0, 255)
    return Image(out)


def edit_area_of_api_mask(mask: Image) -> np.ndarray:
    """The inverse reading: True where the API mask says "edit" (alpha 0)."""
    return mask.alpha == 0
