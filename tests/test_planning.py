"""Snapshot in, patch out (core/pixels/planning.py): context crops, masks, compositing
back through the soft selection, and the guarantee that untouched pixels stay
bit-identical."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from core.models.catalogue import get_model
from core.pixels.geometry import Bounds, Extent, Point
from core.pixels.imaging import Image, Mask, UploadImage
from core.pixels.masks import coverage_bounds, edit_area_of_api_mask
from core.pixels.planning import (
    CanvasSnapshot,
    ContextOptions,
    EditPlan,
    GeneratePlan,
    LayerPatch,
    NothingToEditError,
    apply_patch,
    composite,
    context_region,
    edit_window,
    layer_name,
    patch_from_generation,
    plan_edit,
    plan_generate,
    plan_variation,
    variation_window,
)

GPT2 = get_model("gpt-image-2")


def noise(w: int, h: int, seed: int = 0, opaque: bool = True) -> Image:
    px = np.random.default_rng(seed).integers(0, 256, (h, w, 4), dtype=np.uint8)
    if opaque:
        px[..., 3] = 255
    return Image(px)


def selection(canvas: Bounds, box: Bounds, value: int = 255) -> Mask:
    cov = np.zeros((canvas.height, canvas.width), np.uint8)
    local = box.relative_to(canvas.offset)
    cov[local.y : local.bottom, local.x : local.right] = value
    return Mask(cov, canvas)


def tiny_plan(source: Image, soft: np.ndarray, fill: str, at: Point | None = None) -> EditPlan:
    """A plan whose API extent equals its region, so composite does no resampling."""
    region = Bounds.from_extent(source.extent, at)
    upload = UploadImage("image.png", b"", "image/png", source.extent)
    return EditPlan(region, source.extent, upload, None, soft, source, fill, "edits", region)


# -- where the plan looks -------------------------------------------------------


def test_context_crop_is_the_padded_selection_grown_to_the_api_aspect() -> None:
    canvas = Bounds(0, 0, 800, 600)
    snap = CanvasSnapshot(
        noise(800, 600), Point(0, 0), selection(canvas, Bounds(300, 200, 100, 50)), "doc"
    )
    plan = plan_edit(snap, GPT2, ContextOptions(padding_px=20))
    # Padded: (280, 180, 140, 90); the API size has that aspect already (1.556).
    assert plan.region.contains(Bounds(280, 180, 140, 90))
    assert abs(plan.region.extent.aspect - plan.api_extent.aspect) < 0.02
    assert plan.api_extent.pixels >= 1536 * 1536 * 0.95  # a small selection is enlarged
    assert plan.soft_mask.shape == (plan.region.height, plan.region.width)
    assert plan.source.extent == plan.region.extent


def test_crop_is_clamped_at_the_canvas_edges() -> None:
    canvas = Bounds(0, 0, 500, 400)
    snap = CanvasSnapshot(
        noise(500, 400), Point(0, 0), selection(canvas, Bounds(0, 0, 30, 30)), "doc"
    )
    plan = plan_edit(snap, GPT2, ContextOptions(padding_px=64))
    assert (plan.region.x, plan.region.y) == (0, 0)
    assert canvas.contains(plan.region)
    assert plan.region.contains(Bounds(0, 0, 94, 94))
    # Bottom-right corner too.
    snap = CanvasSnapshot(
        noise(500, 400), Point(0, 0), selection(canvas, Bounds(480, 390, 20, 10)), "doc"
    )
    plan = plan_edit(snap, GPT2, ContextOptions(padding_px=64))
    assert (plan.region.right, plan.region.bottom) == (500, 400)


def test_padding_share_and_whole_image() -> None:
    canvas = Bounds(0, 0, 1000, 1000)
    target = Bounds(400, 400, 200, 100)
    region, _ = context_region(
        target, canvas, GPT2, ContextOptions(padding_px=10, padding_share=0.5)
    )
    assert region.contains(target.pad(100))
    region, api = context_region(target, canvas, GPT2, ContextOptions(whole_image=True))
    assert region == canvas and api == Extent(1536, 1536)


def test_layer_offset_from_the_canvas_is_respected() -> None:
    # A GIMP layer of 200x100 at (50, 30) on a 400x300 canvas.
    canvas = Bounds(0, 0, 400, 300)
    layer = noise(200, 100, seed=4)
    snap = CanvasSnapshot(
        layer, Point(50, 30), selection(canvas, Bounds(100, 60, 40, 20)), "doc", "layer", canvas
    )
    plan = plan_edit(snap, GPT2, ContextOptions(padding_px=8))
    r = plan.region
    for doc_x, doc_y in [(100, 60), (139, 79), (r.x, r.y)]:
        expected = (
            layer.pixels[doc_y - 30, doc_x - 50]
            if 50 <= doc_x < 250 and 30 <= doc_y < 130
            else np.zeros(4, np.uint8)
        )
        assert plan.source.pixels[doc_y - r.y, doc_x - r.x].tolist() == expected.tolist()
    # Canvas pixels the layer does not reach are transparent in the crop.
    if r.x < 50:
        assert not plan.source.pixels[:, : 50 - r.x, 3].any()


def test_mask_upload_is_a_png_the_size_of_the_image_with_alpha_zero_inside() -> None:
    canvas = Bounds(0, 0, 300, 300)
    snap = CanvasSnapshot(
        noise(300, 300), Point(0, 0), selection(canvas, Bounds(100, 100, 100, 100), value=60), "doc"
    )
    plan = plan_edit(snap, GPT2)
    assert plan.mask is not None and plan.mask_image is not None
    assert (plan.mask.filename, plan.mask.mime) == ("mask.png", "image/png")
    assert plan.mask.data.startswith(b"\x89PNG")
    assert plan.mask.extent == plan.image.extent == plan.api_extent
    edit = edit_area_of_api_mask(plan.mask_image)
    sx = plan.api_extent.width / plan.region.width
    cx = int((150 - plan.region.x) * sx)
    assert edit[cx, cx]  # the (faintly) selected centre is "edit"
    assert not edit[0, 0]  # the context is "keep"
    assert (plan.soft_mask.max(), plan.soft_mask.min()) == (60, 0)  # soft coverage kept as is


def test_transparent_pixels_are_the_area_to_fill_without_a_selection() -> None:
    layer = noise(400, 300)
    layer.pixels[100:150, 200:300, 3] = 0
    layer.pixels[150, 200:300, 3] = 100  # a soft edge
    snap = CanvasSnapshot(layer, Point(0, 0), None, "doc")
    plan = plan_edit(snap, GPT2, ContextOptions(padding_px=16))
    assert plan.fill == "alpha"
    assert plan.region.contains(Bounds(184, 84, 132, 83))
    local = Bounds(200, 100, 100, 51).relative_to(plan.region.offset)
    assert coverage_bounds(plan.soft_mask) == local
    assert plan.soft_mask[local.bottom - 1, local.x] == 155


def test_canvas_the_layer_does_not_reach_is_filled() -> None:
    canvas = Bounds(0, 0, 300, 200)
    snap = CanvasSnapshot(noise(200, 200), Point(0, 0), None, "doc", canvas=canvas)
    plan = plan_edit(snap, GPT2, ContextOptions(padding_px=0))
    assert plan.fill == "alpha"
    assert plan.region.contains(Bounds(200, 0, 100, 200))


@pytest.mark.parametrize(
    ("sel", "use_alpha", "reason"),
    [
        ("empty", True, "empty_selection"),
        (None, True, "opaque_layer"),
        (None, False, "no_selection"),
        ("outside", True, "outside_canvas"),
    ],
)
def test_nothing_to_edit(sel: str | None, use_alpha: bool, reason: str) -> None:
    canvas = Bounds(0, 0, 50, 50)
    mask = None
    if sel == "empty":
        mask = Mask(np.zeros((50, 50), np.uint8), canvas)
    elif sel == "outside":
        mask = Mask(np.full((10, 10), 255, np.uint8), Bounds(60, 60, 10, 10))
    snap = CanvasSnapshot(noise(50, 50), Point(0, 0), mask, "doc", canvas=canvas)
    with pytest.raises(NothingToEditError) as err:
        plan_edit(snap, GPT2, use_alpha_when_no_selection=use_alpha)
    assert err.value.reason == reason and str(err.value)


def test_dall_e_2_edit_is_a_square_png() -> None:
    canvas = Bounds(0, 0, 600, 300)
    snap = CanvasSnapshot(
        noise(600, 300), Point(0, 0), selection(canvas, Bounds(100, 100, 200, 50)), "doc"
    )
    plan = plan_edit(snap, get_model("dall-e-2"))
    assert plan.api_extent == Extent(1024, 1024)
    assert plan.region.width == plan.region.height  # grown to a square, not stretched
    assert plan.image.mime == "image/png" and plan.image.extent.width == plan.image.extent.height


# -- reading only the window -------------------------------------------------------


def windowed(snap: CanvasSnapshot, window: Bounds) -> CanvasSnapshot:
    """What an adapter that read only `window` hands over: the same canvas and selection."""
    pixels = snap.image.crop(window.relative_to(snap.origin))
    return CanvasSnapshot(pixels, window.offset, snap.selection, "doc", canvas=snap.canvas_bounds)


def same_plan(a: EditPlan, b: EditPlan) -> None:
    assert (a.region, a.api_extent, a.fill) == (b.region, b.api_extent, b.fill)
    assert a.endpoint == b.endpoint
    assert a.image.data == b.image.data
    assert (a.mask and a.mask.data) == (b.mask and b.mask.data)
    assert np.array_equal(a.soft_mask, b.soft_mask)
    assert np.array_equal(a.source.pixels, b.source.pixels)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(
    x=st.integers(-40, 700),
    y=st.integers(-40, 500),
    w=st.integers(1, 400),
    h=st.integers(1, 400),
    pad=st.integers(0, 200),
    model=st.sampled_from(["gpt-image-2", "gpt-image-1.5", "dall-e-2"]),
    size=st.sampled_from(["auto", "1024x1024", "small"]),
    roomy=st.booleans(),  # a canvas with room for the API size: the crop grows to it
)
def test_an_edit_of_the_window_alone_plans_exactly_as_one_of_the_whole_canvas(
    x: int, y: int, w: int, h: int, pad: int, model: str, size: str, roomy: bool
) -> None:
    canvas = Bounds(0, 0, 1900, 1700) if roomy else Bounds(0, 0, 720, 520)
    box = Bounds(x, y, w, h).clamp(canvas)
    if box.is_empty:
        return
    spec = get_model(model)
    pixels = noise(canvas.width, canvas.height, seed=3)
    snap = CanvasSnapshot(pixels, Point(0, 0), selection(canvas, box, 200), "doc")
    options = ContextOptions(padding_px=pad)
    try:
        whole = plan_edit(snap, spec, options, size)
    except ValueError:  # a size this model does not take: the window refuses it the same way
        with pytest.raises(ValueError):
            edit_window(snap.selection, canvas, spec, options, size)
        return
    window = edit_window(snap.selection, canvas, spec, options, size)
    assert window == whole.region
    same_plan(whole, plan_edit(windowed(snap, window), spec, options, size))


def test_the_window_of_a_small_selection_on_a_huge_canvas_is_small() -> None:
    canvas = Bounds(0, 0, 16384, 16384)
    sel = Mask(np.full((96, 128), 255, np.uint8), Bounds(8128, 8144, 128, 96))
    window = edit_window(sel, canvas, GPT2, ContextOptions(padding_px=64))
    # The padded selection (256x224) grown to the API size, which the canvas has room
    # for (issue 19): about 9 MB of RGBA to read, where the canvas holds 1 GiB.
    _, api = context_region(Bounds(8128, 8144, 128, 96), canvas, GPT2)
    assert window.contains(Bounds(8064, 8080, 256, 224)) and window.extent == api
    assert window.width * window.height * 4 < 10 * 2**20
    assert edit_window(None, canvas, GPT2) == canvas  # transparent pixels: every one counts
    assert edit_window(sel, canvas, GPT2, ContextOptions(whole_image=True)) == canvas
    empty = Mask(np.zeros((4, 4), np.uint8), Bounds(10, 10, 4, 4))
    outside = Mask(np.full((4, 4), 255, np.uint8), Bounds(20000, 0, 4, 4))
    for nothing in (empty, outside):  # refused by the plan before it reads a pixel
        assert edit_window(nothing, canvas, GPT2) == Bounds(0, 0, 1, 1)


@pytest.mark.parametrize("model", ["gpt-image-2", "dall-e-2"])
@pytest.mark.parametrize("box", [Bounds(50, 40, 150, 60), Bounds(0, 300, 30, 200), None])
def test_a_variation_of_the_window_alone_plans_exactly_as_one_of_the_whole_canvas(
    model: str, box: Bounds | None
) -> None:
    canvas = Bounds(0, 0, 400, 500)
    spec = get_model(model)
    sel = None if box is None else selection(canvas, box)
    snap = CanvasSnapshot(noise(400, 500, seed=5), Point(0, 0), sel, "doc")
    window = variation_window(sel, canvas, spec)
    whole = plan_variation(snap, spec)
    assert window == whole.region
    same_plan(whole, plan_variation(windowed(snap, window), spec))


# -- variations and generations ---------------------------------------------------


def test_variation_through_the_legacy_endpoint_is_a_square_png_without_mask() -> None:
    snap = CanvasSnapshot(noise(400, 300), Point(0, 0), None, "doc")
    plan = plan_variation(snap, get_model("dall-e-2"))
    assert plan.endpoint == "variations" and plan.mask is None
    assert plan.image.mime == "image/png" and plan.api_extent == Extent(1024, 1024)
    assert plan.region == Bounds(0, 0, 400, 300)  # the canvas cannot be made square
    assert (plan.soft_mask == 255).all()


def test_variation_on_gpt_image_is_an_unmasked_edit_of_the_selection_box() -> None:
    canvas = Bounds(0, 0, 400, 300)
    snap = CanvasSnapshot(
        noise(400, 300), Point(0, 0), selection(canvas, Bounds(50, 50, 150, 100)), "doc"
    )
    plan = plan_variation(snap, GPT2)
    assert plan.endpoint == "edits" and plan.mask is None and plan.fill == "variation"
    assert plan.region.contains(Bounds(50, 50, 150, 100))


def test_generate_plan_fits_the_target() -> None:
    plan = plan_generate(Bounds(10, 20, 900, 300), GPT2)
    assert plan.region == Bounds(10, 20, 900, 300)
    assert plan.size == str(plan.api_extent) and abs(plan.api_extent.aspect - 3) < 0.01
    with pytest.raises(NothingToEditError):
        plan_generate(Bounds(0, 0, 0, 10), GPT2)


def test_generation_is_scaled_to_cover_without_stretching() -> None:
    thirds = np.zeros((64, 96, 4), np.uint8)  # red | green | blue, 3:2
    thirds[..., 3] = 255
    thirds[:, :32, 0] = thirds[:, 32:64, 1] = thirds[:, 64:, 2] = 255
    patch = patch_from_generation(
        GeneratePlan(Bounds(5, 5, 60, 60), Extent(96, 64)), Image(thirds), "sky"
    )
    assert patch.bounds == Bounds(5, 5, 60, 60) and patch.name == "sky"
    # Cover scale 60/64: 90x60, centre crop from x=15: red 0..14, green 15..44, blue 45..59.
    row = patch.image.pixels[30]
    assert row[5, 0] > 200 and row[30, 1] > 200 and row[55, 2] > 200
    assert row[5, 1] < 50 and row[55, 1] < 50


# -- compositing ------------------------------------------------------------


def test_composite_alpha_is_result_alpha_times_soft_coverage() -> None:
    source = noise(4, 1, seed=2)
    result = Image(np.array([[[10, 20, 30, 255]] * 3 + [[10, 20, 30, 128]]], np.uint8))
    soft = np.array([[0, 64, 255, 128]], np.uint8)
    plan = tiny_plan(source, soft, "selection", Point(7, 9))
    patch = composite(plan, result, keep_result_alpha=True)  # a transparent background asked
    # 255*64/255 = 64; 255; 128*128/255 = 64.25 -> 64. The 0 column is cropped away.
    assert patch.bounds == Bounds(8, 9, 3, 1)
    assert patch.image.pixels[0, :, 3].tolist() == [64, 255, 64]
    assert patch.image.pixels[0, :, :3].tolist() == [[10, 20, 30]] * 3


def test_transparent_background_results_keep_their_alpha() -> None:
    source = noise(2, 1)
    result = Image(np.array([[[1, 2, 3, 0], [4, 5, 6, 200]]], np.uint8))
    plan = tiny_plan(source, np.full((1, 2), 255, np.uint8), "selection")
    patch = composite(plan, result, keep_result_alpha=True)
    assert patch.bounds == Bounds(1, 0, 1, 1)
    assert patch.image.pixels[0, 0].tolist() == [4, 5, 6, 200]


def test_a_partly_transparent_result_punches_no_hole_in_an_opaque_layer() -> None:
    """As seen in the field: an inpaint with background "auto" came back with 21.7 % of
    its pixels fully transparent. Unless transparency was asked, the new layer is at
    least as opaque as the source under it, so no old pixel shows through."""
    rng = np.random.default_rng(5)
    source = Image(np.dstack([rng.integers(0, 256, (20, 30, 3), np.uint8),
                              np.full((20, 30), 255, np.uint8)]))
    result_px = rng.integers(0, 256, (20, 30, 4), np.uint8)
    result_px[..., 3] = np.where(rng.random((20, 30)) < 0.217, 0, 255)
    result_px[:2, :, 3] = 100  # and a half-transparent band
    full = np.full((20, 30), 255, np.uint8)
    patch = composite(tiny_plan(source, full, "selection"), Image(result_px.copy()))
    assert patch.bounds == Bounds(0, 0, 30, 20)
    assert (patch.image.pixels[..., 3] == 255).all()
    flat = apply_patch(source, patch, Point(0, 0)).pixels
    assert np.array_equal(flat[..., :3], result_px[..., :3])  # the result's colours, no old pixel
    # over a transparent layer the result's own alpha stands (the model may keep it clear)
    clear = Image(np.zeros((20, 30, 4), np.uint8))
    patch = composite(tiny_plan(clear, full, "selection"), Image(result_px.copy()))
    assert np.array_equal(patch.image.pixels[..., 3], result_px[patch.bounds.y:, :, 3][:20])
    # and a transparent background asked for keeps the holes
    patch = composite(tiny_plan(source, full, "selection"), Image(result_px.copy()), "", True)
    assert (patch.image.pixels[..., 3] == 0).mean() > 0.15


def test_alpha_fill_puts_the_result_under_half_transparent_pixels() -> None:
    source = Image(np.array([[[0, 0, 255, 128], [9, 9, 9, 255], [0, 0, 0, 0]]], np.uint8))
    soft = 255 - source.alpha
    result = Image(np.array([[[255, 0, 0, 255]] * 3], np.uint8))
    patch = composite(tiny_plan(source, soft, "alpha"), result)
    px = patch.image.pixels[0].tolist()
    # Source (a = 0.502) over opaque red: red 255(1-a) = 127, blue 255a = 128, opaque.
    assert patch.bounds == Bounds(0, 0, 3, 1)
    assert px[0] == [127, 0, 128, 255]
    assert px[1][3] == 0  # the opaque source pixel is not touched
    assert px[2] == [255, 0, 0, 255]
    flat = apply_patch(source, patch, Point(0, 0)).pixels[0].tolist()
    assert flat == [[127, 0, 128, 255], [9, 9, 9, 255], [255, 0, 0, 255]]


def test_apply_patch_places_the_patch_in_document_coordinates() -> None:
    base = Image(np.zeros((4, 5, 4), np.uint8))
    patch = LayerPatch(Image(np.full((2, 2, 4), 255, np.uint8)), Bounds(13, 22, 2, 2), "p")
    out = apply_patch(base, patch, Point(10, 20)).pixels[..., 3]
    assert out.tolist() == [[0] * 5, [0] * 5, [0, 0, 0, 255, 255], [0, 0, 0, 255, 255]]


def test_pixels_outside_the_selection_stay_bit_identical_end_to_end() -> None:
    """The real models re-render every pixel; only the selection may change."""
    canvas = Bounds(0, 0, 320, 240)
    layer = noise(320, 240, seed=11, opaque=False)
    cov = np.zeros((240, 320), np.uint8)
    yy, xx = np.mgrid[:240, :320]
    dist = np.hypot(xx - 150, yy - 120)
    cov[...] = np.clip((60 - dist) * 20, 0, 255).astype(np.uint8)  # feathered disc
    snap = CanvasSnapshot(layer, Point(0, 0), Mask(cov, canvas), "doc")
    plan = plan_edit(snap, GPT2)
    result = noise(plan.api_extent.width, plan.api_extent.height, seed=12)  # every pixel differs
    patch = composite(plan, result, "edit")
    flat = apply_patch(layer, patch, Point(0, 0))
    outside = cov == 0
    assert np.array_equal(flat.pixels[outside], layer.pixels[outside])
    assert not np.array_equal(flat.pixels[cov == 255], layer.pixels[cov == 255])
    # Fully selected pixels take the (opaque) result exactly.
    inner = (cov == 255) & (layer.pixels[..., 3] < 255)
    assert (flat.pixels[inner][:, 3] == 255).all()


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(np.uint8, (6, 7, 4)),
    hnp.arrays(np.uint8, (6, 7)),
    hnp.arrays(np.uint8, (6, 7, 4)),
    st.integers(-3, 3),
    st.integers(-3, 3),
)
def test_zero_coverage_leaves_the_base_untouched(
    base_px: np.ndarray, soft: np.ndarray, result_px: np.ndarray, dx: int, dy: int
) -> None:
    soft[::3, ::2] = 0
    base = Image(base_px)
    at = Point(10 + dx, 20 + dy)
    plan = tiny_plan(base.crop(Bounds(dx, dy, 7, 6)), soft, "selection", at)
    patch = composite(plan, Image(result_px), keep_result_alpha=True)
    flat = apply_patch(base, patch, Point(10, 20)).pixels
    for y in range(6):
        for x in range(7):
            by, bx = y + dy, x + dx
            if 0 <= by < 6 and 0 <= bx < 7 and (soft[y, x] == 0 or result_px[y, x, 3] == 0):
                assert flat[by, bx].tolist() == base_px[by, bx].tolist()
    # without a transparent background asked for, unselected pixels are still untouched
    solid = apply_patch(base, composite(plan, Image(result_px)), Point(10, 20)).pixels
    for y in range(6):
        for x in range(7):
            by, bx = y + dy, x + dx
            if 0 <= by < 6 and 0 <= bx < 7 and soft[y, x] == 0:
                assert solid[by, bx].tolist() == base_px[by, bx].tolist()


def test_work_grows_with_the_region_not_the_canvas() -> None:
    """An 8192x8192 canvas, a 1000x1000 selection: no step may copy the canvas.
    (A broadcast view stands for the host's canvas; memory is measured, not time.)"""
    big = Image(np.broadcast_to(np.array([90, 120, 200, 255], np.uint8), (8192, 8192, 4)))
    sel = Mask(np.full((1000, 1000), 255, np.uint8), Bounds(3000, 4000, 1000, 1000))
    snap = CanvasSnapshot(big, Point(0, 0), sel, "doc")
    canvas_bytes = 8192 * 8192 * 4
    tracemalloc.start()
    try:
        plan = plan_edit(snap, GPT2)
        result = Image(np.full((plan.api_extent.height, plan.api_extent.width, 4), 7, np.uint8))
        composite(plan, result)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the crop is the request's size (grown to it: there is room, issue 19), not the canvas
    assert plan.region.extent == plan.api_extent == Extent(1536, 1536)
    assert peak < canvas_bytes / 2


# -- names ------------------------------------------------------------------


def test_layer_name_is_short_single_line_and_says_ai() -> None:
    # "AI: " first (issue 21): the layer stack says a model made these pixels
    assert layer_name("a red fox\nin the snow\t", 2) == "AI: a red fox in the snow (2)"
    long = layer_name("a very detailed painting of a lighthouse on a cliff at dawn with gulls")
    assert len(long) <= 40 and long.endswith("…") and "\n" not in long
    assert long.startswith("AI: a very detailed painting of")
    assert layer_name("   ") == "AI: OpenAI image"
    assert layer_name("x\u2028y\x00z") == "AI: x y z"
