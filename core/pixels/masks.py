"""Masks: where the model may paint, in the API's terms and in ours.

Two views of one selection are kept apart on purpose:
- the soft coverage (0..255, 255 = fully selected) stays local and blends the
  result into the layer, so feathered edges fade without a seam;
- the API mask is binary: OpenAI repaints only where the mask's alpha is 0 and
  treats every other alpha as "keep". Any coverage above 0 must therefore become
  alpha 0 there, or a feathered edge would be protected by accident; the area is
  grown a little so the model's own transition lands where we blend.

Written once for both pixel engines: the planes are imaging.py's (numpy arrays
or the lean engine's byte planes), and binary planes hold 0 or 255. Imports
only the core's geometry and imaging; nothing from hosts, GUIs or the network.
"""

from __future__ import annotations

from .geometry import Bounds, Extent
from .imaging import Image, Mask, Plane, planes


def coverage_from_alpha(image: Image) -> Plane:
    """Transparent pixels are the area to fill (outpainting): coverage = 255 - alpha."""
    return planes.invert(image.alpha)


def coverage_bounds(coverage: Plane) -> Bounds | None:
    """Bounding box of the nonzero coverage in the plane's own coordinates; None if empty."""
    return planes.bounds(coverage)


def selection_bounds(mask: Mask) -> Bounds | None:
    """Bounding box of the nonzero coverage in document coordinates; None if empty."""
    local = coverage_bounds(mask.coverage)
    return None if local is None else local.translate(mask.bounds.x, mask.bounds.y)


def grow(edit: Plane, px: int) -> Plane:
    """Dilate a binary plane by a disc of radius `px` (Euclidean, so corners stay round)."""
    return planes.grow(edit, px)


def footprints(source: int, target: int) -> list[tuple[int, int]]:
    """For each target index, the source indices [start, stop) its footprint touches when
    `source` pixels are scaled to `target`: target t spans source t*s/T .. (t+1)*s/T."""
    return [(t * source // target, max(t * source // target + 1, -(-(t + 1) * source // target)))
            for t in range(target)]


def resize_edit_area(edit: Plane, extent: Extent) -> Plane:
    """Scale a binary plane so that every target pixel touching a set source pixel is set
    (255). Nearest-neighbour could drop a thin selected line when shrinking."""
    return planes.touched_resize(planes.nonzero(edit), extent, footprints)


def to_api_mask(mask_coverage: Plane | Mask, extent: Extent, grow_px: int = 0) -> Image:
    """The OpenAI mask for `extent`: alpha 0 = edit here, alpha 255 = keep.

    Binary (any coverage above 0 is edited), scaled to the API extent, then grown
    by `grow_px` API pixels. RGB is black; only alpha carries meaning.
    """
    coverage = mask_coverage.coverage if isinstance(mask_coverage, Mask) else mask_coverage
    edit = grow(resize_edit_area(coverage, extent), grow_px)
    return Image.blank(extent).with_alpha(planes.invert(edit))


def edit_area_of_api_mask(mask: Image) -> Plane:
    """The inverse reading: 255 where the API mask says "edit" (alpha 0), else 0."""
    return planes.nonzero(planes.invert(mask.alpha))
