"""The context crop grown to the API size where the canvas has room (issue 19, point 5;
P1 in docs/performance.md): the crop is sent and put back pixel for pixel, with no
resample either way; where the canvas is too small on an axis, the crop keeps the
request's aspect and is scaled, as before."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.models.catalogue import get_model
from core.pixels.geometry import Bounds, Extent, Point
from core.pixels.imaging import Image, Mask
from core.pixels.planning import (
    CanvasSnapshot,
    ContextOptions,
    apply_patch,
    composite,
    context_region,
    plan_edit,
)
from core.pixels.sizing import grow_region_to_api_size

GPT2 = get_model("gpt-image-2")


def noise(w: int, h: int, seed: int) -> Image:
    px = np.random.default_rng(seed).integers(0, 256, (h, w, 4), dtype=np.uint8)
    px[..., 3] = 255
    return Image(px)


def test_p1s_selection_on_a_roomy_canvas_is_sent_and_put_back_without_resampling() -> None:
    """P1's edit: a 1024² selection in the middle of a 4096² canvas. The crop was the
    padded 1152² grown to 1216², enlarged to 1536² and shrunk back; now it is the
    1536² around the selection, the same request size (so the same price)."""
    layer = noise(4096, 4096, seed=1)
    coverage = np.full((1024, 1024), 255, np.uint8)
    snap = CanvasSnapshot(layer, Point(0, 0), Mask(coverage, Bounds(1536, 1536, 1024, 1024)), "d")
    plan = plan_edit(snap, GPT2)
    assert plan.api_extent == Extent(1536, 1536)
    assert plan.region == Bounds(1280, 1280, 1536, 1536)
    # The upload is the canvas's own pixels (lossless WebP): nothing was resampled.
    sent = Image.decode(plan.image.data)
    assert np.array_equal(sent.pixels, layer.pixels[1280:2816, 1280:2816])
    # Put back pixel for pixel: where the selection is full, the answer's own pixels.
    answer = noise(1536, 1536, seed=2)
    flat = apply_patch(layer, composite(plan, answer), Point(0, 0)).pixels
    assert np.array_equal(flat[1536:2560, 1536:2560], answer.pixels[256:1280, 256:1280])
    outside = np.ones((4096, 4096), bool)
    outside[1536:2560, 1536:2560] = False
    assert np.array_equal(flat[outside], layer.pixels[outside])


@pytest.mark.parametrize(
    ("target", "region", "api"),
    [
        # at the corners the grown crop is shifted inside the canvas, selection kept
        (Bounds(0, 0, 300, 200), Bounds(0, 0, 1808, 1312), Extent(1808, 1312)),
        (Bounds(3900, 3950, 190, 140), Bounds(2384, 2720, 1712, 1376), Extent(1712, 1376)),
        # the padded selection (1628²) a little short of the request (1632²)
        (Bounds(1000, 1000, 1500, 1500), Bounds(934, 934, 1632, 1632), Extent(1632, 1632)),
    ],
)
def test_the_crop_is_the_api_size_where_the_canvas_has_room(
    target: Bounds, region: Bounds, api: Extent
) -> None:
    assert context_region(target, Bounds(0, 0, 4096, 4096), GPT2) == (region, api)


@pytest.mark.parametrize(
    ("target", "canvas", "region", "api"),
    [
        # P1 at 1024²: the canvas is smaller than 1536² both ways, so it is enlarged
        (Bounds(0, 0, 1024, 1024), Bounds(0, 0, 1024, 1024), Bounds(0, 0, 1024, 1024),
         Extent(1536, 1536)),
        # 1100 px high, the request 1504: the crop keeps the request's aspect (not
        # 1568 wide, which the request would squeeze) and is scaled, as before
        (Bounds(988, 38, 1024, 1024), Bounds(0, 0, 3000, 1100), Bounds(926, 0, 1147, 1100),
         Extent(1568, 1504)),
        # 1200 px wide, the request 1280 wide: the same on the other axis
        (Bounds(100, 100, 200, 100), Bounds(0, 0, 1200, 3000), Bounds(36, 36, 328, 228),
         Extent(1840, 1280)),
        # a selection larger than the request: shrunk, as before
        (Bounds(500, 500, 3000, 3000), Bounds(0, 0, 4096, 4096), Bounds(436, 436, 3128, 3128),
         Extent(1920, 1920)),
    ],
)
def test_where_the_canvas_has_no_room_the_crop_is_scaled_as_before(
    target: Bounds, canvas: Bounds, region: Bounds, api: Extent
) -> None:
    assert context_region(target, canvas, GPT2) == (region, api)


def test_explicit_and_native_sizes_and_fixed_sizes_grow_too_whole_image_never() -> None:
    canvas, target = Bounds(0, 0, 4096, 4096), Bounds(100, 100, 200, 100)
    assert context_region(target, canvas, GPT2, size_pref="1024x1536") == (
        Bounds(0, 0, 1024, 1536), Extent(1024, 1536))
    # "native" asks for the model's smallest size here (976x672), larger than the crop
    assert context_region(target, canvas, GPT2, size_pref="native")[0].extent == Extent(976, 672)
    assert context_region(target, canvas, get_model("dall-e-2")) == (
        Bounds(0, 0, 1024, 1024), Extent(1024, 1024))
    whole = ContextOptions(whole_image=True)
    assert context_region(target, canvas, GPT2, whole) == (canvas, Extent(1920, 1920))


def test_growing_takes_both_axes_or_neither() -> None:
    canvas = Bounds(0, 0, 2000, 1000)
    assert grow_region_to_api_size(Bounds(50, 40, 600, 400), Extent(1500, 1000), canvas) == (
        Bounds(0, 0, 1500, 1000))
    short = Bounds(50, 40, 600, 400)  # the canvas is 1000 high, the request 1100
    assert grow_region_to_api_size(short, Extent(1650, 1100), canvas) == short
    taller = Bounds(50, 40, 600, 700)  # the crop is taller than the request: scaled
    assert grow_region_to_api_size(taller, Extent(1200, 600), canvas) == taller


def _boxes(at: tuple[int, int], side: tuple[int, int]) -> st.SearchStrategy[Bounds]:
    place, size = st.integers(*at), st.integers(*side)
    return st.builds(Bounds, place, place, size, size)


@settings(max_examples=200, deadline=None)
@given(
    _boxes((-100, 3000), (1, 2500)),
    _boxes((0, 0), (200, 3200)),
    st.integers(0, 300),
    st.sampled_from(["gpt-image-2", "gpt-image-1.5", "dall-e-2"]),
)
def test_the_crop_holds_the_selection_and_is_the_api_size_whenever_it_can_be(
    box: Bounds, canvas: Bounds, pad: int, model: str
) -> None:
    target = box.clamp(canvas)
    if target.is_empty:
        return
    region, api = context_region(target, canvas, get_model(model), ContextOptions(padding_px=pad))
    assert canvas.contains(region) and region.contains(target)
    room = api.width <= canvas.width and api.height <= canvas.height
    if room and region.extent.fits_in(api):
        assert region.extent == api
