"""Golden and property tests of the integer geometry (core/pixels/geometry.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.pixels.geometry import Bounds, Extent, Point

CANVAS = Bounds(0, 0, 100, 80)


def test_point_arithmetic() -> None:
    assert Point(3, 4) + Point(10, -2) == Point(13, 2)
    assert Point(3, 4) - Point(10, -2) == Point(-7, 6)


def test_extent_string_round_trip_and_parse_errors() -> None:
    assert str(Extent(1536, 1024)) == "1536x1024"
    assert Extent.parse(" 1536X1024 ") == Extent(1536, 1024)
    for bad in ("auto", "1536", "15x10x2", "-5x3", "axb"):
        with pytest.raises(ValueError):
            Extent.parse(bad)


def test_negative_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        Extent(-1, 5)
    with pytest.raises(ValueError):
        Bounds(0, 0, 5, -1)


def test_extent_round_to_multiple_is_nearest_and_never_zero() -> None:
    assert Extent(1000, 30).round_to_multiple(16) == Extent(1008, 32)
    assert Extent(1031, 1032).round_to_multiple(16) == Extent(1024, 1040)
    assert Extent(5, 0).round_to_multiple(16) == Extent(16, 16)


def test_extent_aspect_pixels_and_scale() -> None:
    assert Extent(300, 100).aspect == 3.0
    assert Extent(0, 0).aspect == 1.0  # no ZeroDivisionError for an empty extent
    assert Extent(30, 20).pixels == 600
    assert Extent(30, 20).scale(0.5) == Extent(15, 10)
    assert Extent(10, 0).is_empty and not Extent(1, 1).is_empty
    assert Extent(10, 20).fits_in(Extent(10, 20)) and not Extent(11, 20).fits_in(Extent(10, 20))


def test_bounds_edges_offset_extent() -> None:
    b = Bounds(10, 20, 30, 40)
    assert (b.right, b.bottom) == (40, 60)
    assert b.offset == Point(10, 20) and b.extent == Extent(30, 40)
    assert Bounds.from_edges(10, 20, 40, 60) == b
    assert Bounds.from_edges(10, 20, 5, 60).is_empty  # inverted edges: empty, not negative
    assert Bounds.from_extent(Extent(3, 4), Point(1, 2)) == Bounds(1, 2, 3, 4)
    assert Bounds.from_extent(Extent(3, 4)) == Bounds(0, 0, 3, 4)


def test_pad_grows_every_side_and_negative_pad_shrinks_to_empty() -> None:
    assert Bounds(10, 10, 5, 5).pad(3) == Bounds(7, 7, 11, 11)
    assert Bounds(10, 10, 5, 5).pad(-2) == Bounds(12, 12, 1, 1)
    assert Bounds(10, 10, 5, 5).pad(-3).is_empty


def test_intersect_and_clamp_at_canvas_edges() -> None:
    # A padded selection sticking out of the top-left and bottom-right corners.
    assert Bounds(-20, -5, 50, 30).clamp(CANVAS) == Bounds(0, 0, 30, 25)
    assert Bounds(90, 70, 50, 50).clamp(CANVAS) == Bounds(90, 70, 10, 10)
    assert Bounds(200, 0, 5, 5).intersect(CANVAS).is_empty


def test_union_ignores_empty_sides() -> None:
    a, b = Bounds(0, 0, 10, 10), Bounds(20, 5, 5, 20)
    assert a.union(b) == Bounds(0, 0, 25, 25)
    assert a.union(Bounds(500, 500, 0, 0)) == a
    assert Bounds(-7, -7, 0, 3).union(b) == b


def test_move_inside_shifts_without_resizing() -> None:
    assert Bounds(-10, 75, 20, 20).move_inside(CANVAS) == Bounds(0, 60, 20, 20)
    assert Bounds(95, -3, 20, 20).move_inside(CANVAS) == Bounds(80, 0, 20, 20)
    # Wider than the canvas: centred on that axis.
    assert Bounds(7, 10, 120, 20).move_inside(CANVAS) == Bounds(-10, 10, 120, 20)


def test_relative_to_and_translate() -> None:
    b = Bounds(60, 40, 10, 10)
    assert b.relative_to(Point(50, 30)) == Bounds(10, 10, 10, 10)
    assert b.translate(-60, 5) == Bounds(0, 45, 10, 10)


def test_scale_rounds_outwards_to_cover() -> None:
    assert Bounds(1, 1, 3, 3).scale(0.5) == Bounds(0, 0, 2, 2)
    assert Bounds(10, 20, 30, 40).scale(2) == Bounds(20, 40, 60, 80)


def test_grow_to_aspect_grows_one_axis_about_the_centre() -> None:
    assert Bounds(10, 10, 100, 50).grow_to_aspect(1.0) == Bounds(10, -15, 100, 100)
    assert Bounds(0, 0, 30, 60).grow_to_aspect(1.5) == Bounds(-30, 0, 90, 60)
    assert Bounds(0, 0, 90, 60).grow_to_aspect(1.5) == Bounds(0, 0, 90, 60)


def test_contains() -> None:
    assert CANVAS.contains(Bounds(0, 0, 100, 80))
    assert not CANVAS.contains(Bounds(1, 0, 100, 80))


coords = st.integers(-200, 200)
sizes = st.integers(0, 200)
bounds = st.builds(Bounds, coords, coords, sizes, sizes)


@given(bounds, bounds)
def test_intersection_lies_in_both_and_union_holds_both(a: Bounds, b: Bounds) -> None:
    overlap = a.intersect(b)
    if not overlap.is_empty:
        assert a.contains(overlap) and b.contains(overlap)
    joined = a.union(b)
    for part in (a, b):
        if not part.is_empty:
            assert joined.contains(part)


@given(bounds, st.floats(1 / 3, 3))
def test_grow_to_aspect_contains_the_original(b: Bounds, aspect: float) -> None:
    grown = b.grow_to_aspect(aspect)
    assert grown.contains(b)
    if not b.is_empty:
        assert (
            abs(grown.width / grown.height - aspect) <= max(1 / grown.height, 1 / grown.width) * 4
        )
