"""Size choice for every kind of size rule in the catalogue (core/pixels/sizing.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.models.catalogue import get_model, known_models
from core.pixels.geometry import Bounds, Extent
from core.pixels.sizing import SizeError, choose_api_size, fit_region_to_aspect

FREE = ["gpt-image-2", "gpt-image-2-2026-04-21", "gpt-image-2.5-flare", "gpt-image-2.6-sunburst"]
ALL_MODELS = [s.id for s in known_models()] + ["some-future-model"]


@pytest.mark.parametrize("model", FREE)
def test_free_size_small_region_goes_up_to_the_working_size(model: str) -> None:
    spec = get_model(model)
    assert choose_api_size(spec, Extent(100, 100)) == Extent(1536, 1536)
    assert spec.working_size == 1536


def test_free_size_keeps_a_region_between_working_size_and_the_cap() -> None:
    spec = get_model("gpt-image-2")
    assert choose_api_size(spec, Extent(2560, 1440)) == Extent(2560, 1440)
    assert choose_api_size(spec, Extent(1792, 1600)) == Extent(1792, 1600)


def test_free_size_large_region_shrinks_below_the_experimental_area() -> None:
    spec = get_model("gpt-image-2")
    size = choose_api_size(spec, Extent(6000, 4000))
    assert size.pixels <= 2560 * 1440
    assert size.pixels > 0.97 * 2560 * 1440
    assert abs(size.aspect - 1.5) < 0.01


def test_native_allows_experimental_sizes_up_to_the_limits() -> None:
    spec = get_model("gpt-image-2")
    size = choose_api_size(spec, Extent(3000, 2000), "native")
    assert size == Extent(3008, 2000)
    assert spec.size_rule.is_experimental(str(size))
    huge = choose_api_size(spec, Extent(9000, 6000), "native")
    assert huge.pixels <= spec.size_rule.max_pixels and huge.longest_side <= 3840


def test_free_size_clamps_the_aspect_to_three_to_one() -> None:
    spec = get_model("gpt-image-2")
    assert choose_api_size(spec, Extent(300, 100)) == Extent(2640, 880)
    wide = choose_api_size(spec, Extent(9000, 100))
    tall = choose_api_size(spec, Extent(100, 9000))
    assert wide.aspect <= 3.0 and wide.aspect > 2.9
    assert tall.aspect >= 1 / 3 and tall.aspect < 1 / 2.9
    assert wide.longest_side <= 3840


@pytest.mark.parametrize(
    ("model", "region", "expected"),
    [
        ("gpt-image-1.5", Extent(1600, 1000), Extent(1536, 1024)),
        ("gpt-image-1.5", Extent(1000, 1700), Extent(1024, 1536)),
        ("gpt-image-1.5", Extent(1200, 1000), Extent(1024, 1024)),
        ("gpt-image-1-mini", Extent(50, 45), Extent(1024, 1024)),
        ("chatgpt-image-latest", Extent(4000, 2500), Extent(1536, 1024)),
        ("some-future-model", Extent(3000, 2000), Extent(1536, 1024)),
        ("dall-e-3", Extent(1900, 1000), Extent(1792, 1024)),
        ("dall-e-3", Extent(500, 900), Extent(1024, 1792)),
        ("dall-e-2", Extent(300, 100), Extent(1024, 1024)),
        ("dall-e-2", Extent(64, 64), Extent(1024, 1024)),
    ],
)
def test_fixed_sizes_pick_the_closest_aspect(model: str, region: Extent, expected: Extent) -> None:
    assert choose_api_size(get_model(model), region) == expected


def test_explicit_sizes_are_checked_against_the_rule() -> None:
    assert choose_api_size(get_model("gpt-image-2"), Extent(10, 10), "2048x1152") == Extent(
        2048, 1152
    )
    assert choose_api_size(get_model("dall-e-2"), Extent(10, 10), "512x512") == Extent(512, 512)
    with pytest.raises(SizeError, match="multiples of 16"):
        choose_api_size(get_model("gpt-image-2"), Extent(10, 10), "1000x1000")
    with pytest.raises(SizeError, match="must be one of"):
        choose_api_size(get_model("gpt-image-1.5"), Extent(10, 10), "512x512")
    with pytest.raises(SizeError, match="aspect ratio"):
        choose_api_size(get_model("gpt-image-2"), Extent(10, 10), "3840x960")
    with pytest.raises(SizeError, match="WIDTHxHEIGHT"):
        choose_api_size(get_model("gpt-image-2"), Extent(10, 10), "huge")
    assert issubclass(SizeError, ValueError)


def test_empty_region_is_an_error() -> None:
    with pytest.raises(SizeError):
        choose_api_size(get_model("gpt-image-2"), Extent(0, 10))


regions = st.builds(Extent, st.integers(1, 12000), st.integers(1, 12000))


@settings(max_examples=150)
@given(st.sampled_from(ALL_MODELS), regions, st.sampled_from(["auto", "native"]))
def test_every_chosen_size_passes_the_models_rule(model: str, region: Extent, pref: str) -> None:
    spec = get_model(model)
    size = choose_api_size(spec, region, pref)
    assert spec.size_rule.check(str(size)) is None
    if spec.size_rule.kind == "free" and pref == "auto":
        assert not spec.size_rule.is_experimental(str(size))


@settings(max_examples=100)
@given(regions)
def test_free_sizes_follow_the_region_aspect_within_the_clamp(region: Extent) -> None:
    size = choose_api_size(get_model("gpt-image-2"), region)
    wanted = min(max(region.aspect, 1 / 3), 3)
    assert abs(math.log(size.aspect / wanted)) < 0.03


CANVAS = Bounds(0, 0, 1000, 600)


def test_fit_region_grows_to_the_aspect_and_shifts_inside_the_canvas() -> None:
    # A 100x100 crop in the top-left corner, request aspect 3:2.
    fitted = fit_region_to_aspect(Bounds(0, 0, 100, 100), 1.5, CANVAS)
    assert fitted == Bounds(0, 0, 150, 100)
    fitted = fit_region_to_aspect(Bounds(950, 500, 50, 100), 1.5, CANVAS)
    assert fitted == Bounds(850, 500, 150, 100)


def test_fit_region_is_cut_to_a_canvas_too_small_for_the_aspect() -> None:
    fitted = fit_region_to_aspect(Bounds(0, 0, 1000, 300), 1.0, CANVAS)
    assert fitted == CANVAS  # the rest of the aspect difference is absorbed by scaling


@given(
    st.builds(
        Bounds, st.integers(0, 900), st.integers(0, 500), st.integers(1, 100), st.integers(1, 100)
    ),
    st.floats(1 / 3, 3),
)
def test_fitted_region_holds_the_region_and_stays_on_the_canvas(b: Bounds, aspect: float) -> None:
    fitted = fit_region_to_aspect(b, aspect, CANVAS)
    assert fitted.contains(b) and CANVAS.contains(fitted)


def test_fit_region_trims_padding_not_the_selection_when_the_canvas_is_short() -> None:
    wide_canvas = Bounds(0, 0, 600, 300)
    padded, selected = Bounds(36, 36, 328, 178), Bounds(100, 100, 200, 50)
    fitted = fit_region_to_aspect(padded, 1.0, wide_canvas, keep=selected)
    assert fitted == Bounds(50, 0, 300, 300)  # square: the model's aspect, no stretching


@given(
    st.builds(
        Bounds, st.integers(0, 900), st.integers(0, 500), st.integers(1, 100), st.integers(1, 100)
    ),
    st.integers(0, 300),
    st.floats(1 / 3, 3),
)
def test_fitted_region_always_holds_the_selection(keep: Bounds, pad: int, aspect: float) -> None:
    region = keep.pad(pad).clamp(CANVAS)
    fitted = fit_region_to_aspect(region, aspect, CANVAS, keep=keep.clamp(CANVAS))
    assert fitted.contains(keep.clamp(CANVAS)) and CANVAS.contains(fitted)
