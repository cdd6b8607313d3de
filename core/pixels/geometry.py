"""Integer geometry of the canvas: `Point`, `Extent` and `Bounds`.

Small immutable values with pure operations (pad, clamp, fit, round to a
multiple). Every coordinate is a whole pixel; a `Bounds` is half-open, so its
right edge `x + width` is the first column outside it (GIMP's selection bounds
x2/y2 follow the same convention). Host rectangles are converted in the
adapters. Imports nothing but the standard library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    x: int
    y: int

    def __add__(self, other: Point) -> Point:
        return Point(self.x + other.x, self.y + other.y)

    def __sub__(self, other: Point) -> Point:
        return Point(self.x - other.x, self.y - other.y)


@dataclass(frozen=True)
class Extent:
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.width < 0 or self.height < 0:
            raise ValueError(f"negative extent {self.width}x{self.height}")

    def __str__(self) -> str:
        """The API's spelling: '1536x1024'."""
        return f"{self.width}x{self.height}"

    @staticmethod
    def parse(size: str) -> Extent:
        """'1536x1024' -> Extent(1536, 1024); ValueError for anything else."""
        parts = size.strip().lower().split("x")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise ValueError(f"not a WIDTHxHEIGHT size: {size!r}")
        return Extent(int(parts[0]), int(parts[1]))

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def is_empty(self) -> bool:
        return self.width == 0 or self.height == 0

    @property
    def aspect(self) -> float:
        """Width over height; an empty extent has aspect 1 rather than a division error."""
        return self.width / self.height if self.height else 1.0

    @property
    def longest_side(self) -> int:
        return max(self.width, self.height)

    def scale(self, factor: float) -> Extent:
        return Extent(round(self.width * factor), round(self.height * factor))

    def round_to_multiple(self, multiple: int) -> Extent:
        """Each side to the nearest multiple (never below one multiple)."""

        def side(v: int) -> int:
            return max(multiple, int(math.floor(v / multiple + 0.5)) * multiple)

        return Extent(side(self.width), side(self.height))

    def fits_in(self, other: Extent) -> bool:
        return self.width <= other.width and self.height <= other.height


@dataclass(frozen=True)
class Bounds:
    """A rectangle at (x, y) with a size, half-open: columns x .. x+width-1."""

    x: int
    y: int
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.width < 0 or self.height < 0:
            raise ValueError(f"negative bounds size {self.width}x{self.height}")

    @staticmethod
    def from_extent(extent: Extent, offset: Point | None = None) -> Bounds:
        at = offset or Point(0, 0)
        return Bounds(at.x, at.y, extent.width, extent.height)

    @staticmethod
    def from_edges(left: int, top: int, right: int, bottom: int) -> Bounds:
        """From exclusive right/bottom edges (GIMP's x2, y2); inverted edges give empty bounds."""
        return Bounds(left, top, max(0, right - left), max(0, bottom - top))

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @property
    def offset(self) -> Point:
        return Point(self.x, self.y)

    @property
    def extent(self) -> Extent:
        return Extent(self.width, self.height)

    @property
    def is_empty(self) -> bool:
        return self.width == 0 or self.height == 0

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)

    def translate(self, dx: int, dy: int) -> Bounds:
        return Bounds(self.x + dx, self.y + dy, self.width, self.height)

    def relative_to(self, origin: Point) -> Bounds:
        """The same rectangle in coordinates whose (0, 0) is `origin`."""
        return Bounds(self.x - origin.x, self.y - origin.y, self.width, self.height)

    def pad(self, px: int) -> Bounds:
        """Grow by `px` on every side (a negative `px` shrinks, down to empty)."""
        return Bounds.from_edges(self.x - px, self.y - px, self.right + px, self.bottom + px)

    def intersect(self, other: Bounds) -> Bounds:
        """The overlap; empty (width or height 0) when they do not meet."""
        left, top = max(self.x, other.x), max(self.y, other.y)
        right, bottom = min(self.right, other.right), min(self.bottom, other.bottom)
        return Bounds(left, top, max(0, right - left), max(0, bottom - top))

    def union(self, other: Bounds) -> Bounds:
        """The smallest rectangle holding both; an empty side is ignored."""
        if other.is_empty:
            return self
        if self.is_empty:
            return other
        return Bounds.from_edges(
            min(self.x, other.x),
            min(self.y, other.y),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )

    def clamp(self, to: Bounds) -> Bounds:
        """Cut off whatever lies outside `to` (the canvas); same as `intersect`."""
        return self.intersect(to)

    def move_inside(self, to: Bounds) -> Bounds:
        """Shift (not resize) so that as much as possible lies inside `to`.

        A rectangle larger than `to` on one axis is centred on it along that axis.
        """

        def axis(start: int, size: int, lo: int, span: int) -> int:
            if size >= span:
                return lo - (size - span) // 2
            return min(max(start, lo), lo + span - size)

        return Bounds(
            axis(self.x, self.width, to.x, to.width),
            axis(self.y, self.height, to.y, to.height),
            self.width,
            self.height,
        )

    def contains(self, other: Bounds) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def scale(self, factor: float) -> Bounds:
        """Scale about the origin (0, 0), rounding outwards so the result covers every
        pixel the scaled rectangle touches."""
        return Bounds.from_edges(
            math.floor(self.x * factor),
            math.floor(self.y * factor),
            math.ceil(self.right * factor),
            math.ceil(self.bottom * factor),
        )

    def grow_to_aspect(self, aspect: float) -> Bounds:
        """The smallest rectangle of width/height `aspect` around the same centre that
        holds this one (only one axis grows)."""
        if self.is_empty or aspect <= 0:
            return self
        width, height = self.width, self.height
        if width / height < aspect:
            width = max(width, round(height * aspect))
        else:
            height = max(height, round(width / aspect))
        return Bounds(
            self.x - (width - self.width) // 2,
            self.y - (height - self.height) // 2,
            width,
            height,
        )
