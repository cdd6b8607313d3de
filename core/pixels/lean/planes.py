"""Planes: one byte per pixel (coverage, alpha, a binary edit area), on `bytes`.

The lean engine's twin of numpy_planes.py: the same functions, the same results
to the bit (tests/test_engines.py compares them). No pixel goes through a Python
loop on these paths:
- one-input maps are `bytes.translate` with a 256-byte table;
- two-input maps (max, weighting alpha by coverage) interleave the two planes
  and read the pairs as 16-bit integers through a 65536-entry table;
- dilation treats each row as one big integer whose bytes are lanes (0 or 0xFF),
  so shifting it by 8 bits moves every pixel one place at once.

Imports only the standard library and the core's geometry.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..geometry import Bounds, Extent

_INVERT = bytes(range(255, -1, -1))
_NONZERO = b"\x00" + b"\xff" * 255
_BELOW_FULL = b"\xff" * 255 + b"\x00"  # 255 -> 0, anything less -> 255


@dataclass(frozen=True, eq=False)
class Plane:
    """H x W bytes, rows top to bottom. `data` is never changed after construction."""

    width: int
    height: int
    data: bytes

    def __post_init__(self) -> None:
        if len(self.data) != self.width * self.height:
            raise ValueError(f"plane {self.width}x{self.height} needs "
                             f"{self.width * self.height} bytes, got {len(self.data)}")

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    @property
    def extent(self) -> Extent:
        return Extent(self.width, self.height)

    def row(self, y: int) -> bytes:
        return self.data[y * self.width : (y + 1) * self.width]

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:  # tests compare with numpy
        import numpy as np

        out = np.frombuffer(self.data, np.uint8).reshape(self.height, self.width)
        return out.astype(dtype) if dtype is not None else out.copy()

    def crop(self, bounds: Bounds) -> Plane:
        """The bytes inside `bounds` (this plane's coordinates), 0 outside it."""
        out = bytearray(bounds.width * bounds.height)
        inside = bounds.intersect(Bounds(0, 0, self.width, self.height))
        if not inside.is_empty:
            for y in range(inside.y, inside.bottom):
                dst = (y - bounds.y) * bounds.width + inside.x - bounds.x
                src = y * self.width + inside.x
                out[dst : dst + inside.width] = self.data[src : src + inside.width]
        return Plane(bounds.width, bounds.height, bytes(out))


def full(extent: Extent, value: int) -> Plane:
    return Plane(extent.width, extent.height, bytes([value]) * (extent.width * extent.height))


def from_bytes(data: bytes, width: int, height: int) -> Plane:
    return Plane(width, height, bytes(data[: width * height]))


def invert(plane: Plane) -> Plane:
    return Plane(plane.width, plane.height, plane.data.translate(_INVERT))


def nonzero(plane: Plane) -> Plane:
    """255 where the plane is above 0: the binary edit area of a soft coverage."""
    return Plane(plane.width, plane.height, plane.data.translate(_NONZERO))


def below_full(plane: Plane) -> Plane:
    """255 where the plane is below 255 (a pixel that is not opaque)."""
    return Plane(plane.width, plane.height, plane.data.translate(_BELOW_FULL))


def bounds(plane: Plane) -> Bounds | None:
    """Bounding box of the nonzero bytes; None when there are none."""
    top: int | None = None
    bottom = 0
    left, right = plane.width, 0
    for y in range(plane.height):
        row = plane.row(y)
        rest = row.lstrip(b"\x00")
        if not rest:
            continue
        top = y if top is None else top
        bottom = y
        left = min(left, plane.width - len(rest))
        right = max(right, len(row.rstrip(b"\x00")))
    if top is None:
        return None
    return Bounds.from_edges(left, top, right, bottom + 1)


def _pair_map(a: Plane, b: Plane, table: bytes) -> Plane:
    if a.shape != b.shape:
        raise ValueError(f"planes of {a.extent} and {b.extent} cannot be combined")
    pairs = bytearray(2 * len(a.data))
    first, second = (0, 1) if sys.byteorder == "little" else (1, 0)
    pairs[first::2] = a.data
    pairs[second::2] = b.data
    return Plane(a.width, a.height, bytes(map(table.__getitem__, memoryview(pairs).cast("H"))))


@cache
def _table(kind: str) -> bytes:
    if kind == "max":
        return bytes(max(i & 255, i >> 8) for i in range(65536))
    if kind == "weight":  # a * s / 255, rounded half up: numpy_planes.weight's rule
        return bytes(((i & 255) * (i >> 8) + 127) // 255 for i in range(65536))
    return bytes((i & 255) if i >> 8 else 0 for i in range(65536))  # "keep where"


def _all(plane: Plane, value: bytes) -> bool:
    return not plane.data.strip(value)


# Shortcuts for the common cases (an opaque layer, a hard selection) give the same
# bytes as the table and skip the pass that costs most (0.1 s a megapixel).
def maximum(a: Plane, b: Plane) -> Plane:
    if a.shape == b.shape and (_all(a, b"\xff") or _all(b, b"\x00")):
        return a
    if a.shape == b.shape and (_all(b, b"\xff") or _all(a, b"\x00")):
        return b
    return _pair_map(a, b, _table("max"))


def weight(a: Plane, s: Plane) -> Plane:
    """a x s / 255, rounded: alpha weighted by a soft coverage."""
    if a.shape == s.shape and _all(a, b"\xff"):
        return s
    if a.shape == s.shape and _all(s, b"\xff"):
        return a
    return _pair_map(a, s, _table("weight"))


def keep_where(a: Plane, s: Plane) -> Plane:
    """a where s is above 0, else 0."""
    return _pair_map(a, s, _table("keep"))


def touched_resize(
    edit: Plane, extent: Extent, footprints: Callable[[int, int], list[tuple[int, int]]]
) -> Plane:
    """A binary plane scaled so that a target pixel is 255 when its footprint touches a
    255 source pixel. `footprints(source, target)` gives each target index's source
    range [start, stop): the same ranges numpy_planes uses (masks.footprints)."""
    if edit.extent == extent:
        return edit
    cols = footprints(edit.width, extent.width)
    rows = footprints(edit.height, extent.height)
    ints = [int.from_bytes(edit.row(y), "big") for y in range(edit.height)]
    # Horizontal "any" over [start, start + w) for each footprint width w: the row
    # dilated towards the left by w - 1 places, then read at `start`.
    widths = sorted({stop - start for start, stop in cols})
    offsets = {w: i * edit.width for i, w in enumerate(widths)}
    picks = [offsets[stop - start] + start for start, stop in cols]
    out = bytearray()
    full_row = (1 << (8 * edit.width)) - 1
    for start, stop in rows:
        value = 0
        for y in range(start, stop):
            value |= ints[y]
        if not value:
            out += bytes(extent.width)
            continue
        spans = []
        for w in widths:
            spread = value
            for k in range(1, w):
                spread |= (value << (8 * k)) & full_row
            spans.append(spread.to_bytes(edit.width, "big"))
        joined = b"".join(spans)
        out += bytes(map(joined.__getitem__, picks))
    return Plane(extent.width, extent.height, bytes(out))


def grow(edit: Plane, px: int) -> Plane:
    """Dilate a binary plane by a disc of radius `px` (numpy_planes.grow's disc: each
    row offset dy spreads by isqrt(px² - dy²)). Work stays near the 255 pixels."""
    found = bounds(edit)
    if px <= 0 or found is None:
        return edit
    area = found.pad(px).intersect(Bounds(0, 0, edit.width, edit.height))
    width = area.width
    full_row = (1 << (8 * width)) - 1
    src = [int.from_bytes(edit.data[(area.y + y) * edit.width + area.x :][:width], "big")
           for y in range(area.height)]
    # spread[h][y]: row y dilated sideways by h places, built one place at a time
    spread = [src]
    for h in range(1, px + 1):
        last = spread[-1]
        spread.append([(v | (s << (8 * h)) | (s >> (8 * h))) & full_row if s else v
                       for v, s in zip(last, src, strict=True)])
    halves = {dy: math.isqrt(px * px - dy * dy) for dy in range(-px, px + 1)}
    out = bytearray(edit.data)
    for y in range(area.height):
        value = 0
        for dy, half in halves.items():
            if 0 <= y + dy < area.height:
                value |= spread[half][y + dy]
        start = (area.y + y) * edit.width + area.x
        out[start : start + width] = value.to_bytes(width, "big")
    return Plane(edit.width, edit.height, bytes(out))


def crop(plane: Plane, inside: Bounds) -> Plane:
    """The part of the plane inside `inside` (0 where it reaches beyond the plane)."""
    return plane.crop(inside)
