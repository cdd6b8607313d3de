"""Planes in the numpy engine: H x W uint8 arrays (coverage, alpha, a binary edit area).

The functions lean/planes.py implements on `bytes`, here on numpy arrays, with the
same results to the bit (tests/test_engines.py compares the two). A binary plane
holds 0 or 255, as the lean engine's does, so the two read alike.

Imports numpy and the core's geometry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeAlias

import numpy as np

from .geometry import Bounds, Extent

Plane: TypeAlias = np.ndarray  # H x W uint8 (a boolean mask is accepted where noted)
Footprints: TypeAlias = Callable[[int, int], list[tuple[int, int]]]


def full(extent: Extent, value: int) -> np.ndarray:
    return np.full((extent.height, extent.width), value, np.uint8)


def from_bytes(data: bytes, width: int, height: int) -> np.ndarray:
    return np.frombuffer(data, np.uint8, count=width * height).reshape(height, width).copy()


def invert(plane: np.ndarray) -> np.ndarray:
    return 255 - plane


def nonzero(plane: np.ndarray) -> np.ndarray:
    return np.where(plane > 0, 255, 0).astype(np.uint8)


def below_full(plane: np.ndarray) -> np.ndarray:
    return np.where(plane < 255, 255, 0).astype(np.uint8)


def bounds(plane: np.ndarray) -> Bounds | None:
    """Bounding box of the nonzero values in the array's own coordinates; None if none."""
    rows = np.flatnonzero(plane.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(plane.any(axis=0))
    return Bounds.from_edges(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def maximum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum(a, b)


def weight(a: np.ndarray, s: np.ndarray) -> np.ndarray:
    """a x s / 255, rounded half up."""
    return ((a.astype(np.uint32) * s + 127) // 255).astype(np.uint8)


def keep_where(a: np.ndarray, s: np.ndarray) -> np.ndarray:
    return np.where(s > 0, a, 0).astype(np.uint8)


def touched_resize(edit: np.ndarray, extent: Extent, footprints: Footprints) -> np.ndarray:
    """A binary plane scaled so that a target pixel is 255 when its footprint (the
    source range [start, stop) `footprints` gives) touches a 255 source pixel."""
    h, w = edit.shape
    if (w, h) == (extent.width, extent.height):
        return edit.copy()

    def any_over(values: np.ndarray, ranges, axis: int) -> np.ndarray:
        sums = np.cumsum(values > 0, axis=axis, dtype=np.int32)
        sums = np.insert(sums, 0, 0, axis=axis)
        starts = np.array([a for a, _ in ranges])
        stops = np.array([b for _, b in ranges])
        return np.take(sums, stops, axis=axis) > np.take(sums, starts, axis=axis)

    rows = any_over(edit, footprints(h, extent.height), 0)
    both = any_over(rows, footprints(w, extent.width), 1)
    return np.where(both, 255, 0).astype(np.uint8)


def grow(edit: np.ndarray, px: int) -> np.ndarray:
    """Dilate a binary plane (or a boolean mask) by a disc of radius `px` (Euclidean,
    not a square, so corners stay round); work stays near the set pixels. A boolean
    input gives a boolean output."""
    as_bool = np.asarray(edit) > 0
    found = bounds(as_bool)
    if px <= 0 or found is None:
        grown_all = as_bool.copy()
    else:
        h, w = as_bool.shape
        area = found.pad(px).intersect(Bounds(0, 0, w, h))
        src = as_bool[area.y : area.bottom, area.x : area.right]
        ah, aw = src.shape
        # Pad by px so every shifted window stays inside; prefix sums along rows
        # give "any set within +-half" for each half-width in O(pixels).
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
        grown_all = as_bool.copy()
        grown_all[area.y : area.bottom, area.x : area.right] = grown
    if np.asarray(edit).dtype == np.bool_:
        return grown_all
    return np.where(grown_all, 255, 0).astype(np.uint8)


def crop(plane: np.ndarray, inside: Bounds) -> np.ndarray:
    """The part of the plane inside `inside`, which lies within it (a view)."""
    return plane[inside.y : inside.bottom, inside.x : inside.right]
