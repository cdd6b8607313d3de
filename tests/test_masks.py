"""Coverage, growth and the OpenAI mask convention (core/pixels/masks.py)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from core.pixels.geometry import Bounds, Extent
from core.pixels.imaging import Image, Mask
from core.pixels.masks import (
    coverage_bounds,
    coverage_from_alpha,
    edit_area_of_api_mask,
    grow,
    resize_edit_area,
    selection_bounds,
    to_api_mask,
)


def pattern(rows: list[str]) -> np.ndarray:
    return np.array([[c == "#" for c in r] for r in rows])


def show(a: np.ndarray) -> list[str]:
    return ["".join("#" if v else "." for v in r) for r in a]


def test_coverage_from_alpha_marks_transparent_pixels() -> None:
    px = np.zeros((1, 3, 4), np.uint8)
    px[0, :, 3] = (0, 100, 255)
    assert coverage_from_alpha(Image(px)).tolist() == [[255, 155, 0]]


def test_selection_bounds_in_document_coordinates() -> None:
    cov = np.zeros((5, 6), np.uint8)
    cov[1, 2] = 1  # even the faintest coverage counts
    cov[3, 4] = 255
    mask = Mask(cov, Bounds(100, 50, 6, 5))
    assert selection_bounds(mask) == Bounds(102, 51, 3, 3)
    assert coverage_bounds(cov) == Bounds(2, 1, 3, 3)
    assert selection_bounds(Mask(np.zeros((5, 6), np.uint8), Bounds(0, 0, 6, 5))) is None


def test_grow_by_one_is_a_cross_and_by_two_a_disc() -> None:
    dot = np.zeros((7, 7), bool)
    dot[3, 3] = True
    assert show(grow(dot, 1))[2:5] == ["...#...", "..###..", "...#..."]
    assert show(grow(dot, 2)) == [
        ".......",
        "...#...",
        "..###..",
        ".#####.",
        "..###..",
        "...#...",
        ".......",
    ]
    three = show(grow(dot, 3))
    assert three[3] == "#######" and three[0] == "...#..." and three[1] == ".#####."


def test_grow_clips_at_the_array_edge() -> None:
    corner = pattern(["#...", "....", "...."])
    assert show(grow(corner, 2)) == ["###.", "##..", "#..."]


def test_grow_by_zero_or_of_nothing_changes_nothing() -> None:
    m = pattern([".#.", "..."])
    assert np.array_equal(grow(m, 0), m)
    assert not grow(np.zeros((4, 4), bool), 3).any()


def reference_grow(edit: np.ndarray, px: int) -> np.ndarray:
    h, w = edit.shape
    out = np.zeros_like(edit)
    for y, x in np.argwhere(edit):
        for dy in range(-px, px + 1):
            for dx in range(-px, px + 1):
                if dx * dx + dy * dy <= px * px and 0 <= y + dy < h and 0 <= x + dx < w:
                    out[y + dy, x + dx] = True
    return out


@settings(max_examples=50)
@given(hnp.arrays(bool, st.tuples(st.integers(1, 12), st.integers(1, 12))), st.integers(0, 5))
def test_grow_matches_a_brute_force_disc(edit: np.ndarray, px: int) -> None:
    assert np.array_equal(grow(edit, px), reference_grow(edit, px))


def test_shrinking_keeps_a_one_pixel_line() -> None:
    edit = np.zeros((100, 100), bool)
    edit[37, :] = True  # nearest-neighbour at 1/10 would skip row 37
    small = resize_edit_area(edit, Extent(10, 10))
    assert small.any(axis=1).tolist() == [False] * 3 + [True] + [False] * 6


def test_enlarging_by_an_integer_factor_replicates() -> None:
    edit = pattern(["#.", ".."])
    assert show(resize_edit_area(edit, Extent(4, 4))) == ["##..", "##..", "....", "...."]


def test_api_mask_is_binary_alpha_zero_where_any_coverage() -> None:
    cov = np.array([[0, 1, 128, 255, 0, 0]], np.uint8)  # a feathered edge
    api = to_api_mask(cov, Extent(6, 1), grow_px=0)
    assert api.pixels[0, :, 3].tolist() == [255, 0, 0, 0, 255, 255]
    assert not api.pixels[..., :3].any()
    assert (edit_area_of_api_mask(api) > 0).tolist() == [[False, True, True, True, False, False]]


def test_api_mask_is_scaled_then_grown_in_api_pixels() -> None:
    cov = np.zeros((10, 10), np.uint8)
    cov[4:6, 4:6] = 40
    api = to_api_mask(Mask(cov, Bounds(0, 0, 10, 10)), Extent(20, 20), grow_px=2)
    edit = edit_area_of_api_mask(api)
    assert api.extent == Extent(20, 20)
    # 4x4 block at (8..11) grown by a radius-2 disc: rows 6..13, corners rounded.
    assert coverage_bounds(edit) == Bounds(6, 6, 8, 8)
    assert edit[8:12, 8:12].all() and not edit[6, 6]
    assert api.to_png().startswith(b"\x89PNG")
