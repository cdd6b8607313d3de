"""Snapshot in, patch out: what to send for a canvas, and how to put the answer back.

The contract with the host adapters and the job runner:
- an adapter reads a `CanvasSnapshot` (pixels of the context source, selection
  coverage, where they sit in the document);
- `plan_edit` / `plan_variation` / `plan_generate` turn it into a plan: the
  context crop (`region`, document coordinates), the API size, the encoded
  upload and mask, the soft coverage kept for blending;
- `composite` / `patch_from_generation` turn the API's image into a
  `LayerPatch` the adapter adds as a new layer above the source, and
  `apply_patch` flattens one onto an image (the CLI's `--out`).

Pixels outside the selection stay exactly as they were: GPT image models
re-render the whole frame even with a mask, so the patch's alpha is the result's
alpha times our own soft coverage, and compositing copies every pixel the patch
leaves at alpha 0. Work grows with the region, not with the canvas.

Imports only the core's pixel and size modules; no host, GUI or network.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .catalogue import ModelSpec
from .errors import NothingToEditError
from .geometry import Bounds, Extent, Point
from .imaging import Image, Mask, UploadImage, composite_over, encode_mask, encode_upload
from .masks import coverage_bounds, coverage_from_alpha, selection_bounds, to_api_mask
from .sizing import PREFERENCES, SizeError, choose_api_size, fit_region_to_aspect

LAYER_NAME_MAX = 40
DEFAULT_LAYER_NAME = "OpenAI image"
_BREAKS = ("Cc", "Zl", "Zp", "Zs")


@dataclass(frozen=True, eq=False)
class CanvasSnapshot:
    """What an adapter read: `image` covers `Bounds(origin, image.extent)` in
    document coordinates (a GIMP layer may be offset from the canvas and smaller
    than it); `selection` is coverage in document coordinates, None when nothing
    is selected; `canvas` is the document's rectangle (None: the image's)."""

    image: Image
    origin: Point
    selection: Mask | None
    document_name: str
    layer_name: str = ""
    canvas: Bounds | None = None

    @property
    def image_bounds(self) -> Bounds:
        return Bounds.from_extent(self.image.extent, self.origin)

    @property
    def canvas_bounds(self) -> Bounds:
        return self.canvas if self.canvas is not None else self.image_bounds


@dataclass(frozen=True)
class ContextOptions:
    """How much of the canvas around the selection the model sees.

    `padding_px` is added on every side; `padding_share`, when set, pads by that
    share of the selection's longer side instead if that is more. `whole_image`
    sends the whole canvas. `grow_px` widens the API mask, in API pixels.
    """

    padding_px: int = 64
    padding_share: float | None = None
    whole_image: bool = False
    grow_px: int = 8

    def padding_for(self, target: Bounds) -> int:
        pad = self.padding_px
        if self.padding_share is not None:
            pad = max(pad, round(self.padding_share * max(target.width, target.height)))
        return max(0, pad)


@dataclass(frozen=True, eq=False)
class EditPlan:
    """One edit (or variation) request and where its answer goes.

    `fill` is "selection" (blend through the selection), "alpha" (fill the
    layer's transparent pixels) or "variation" (the whole region is replaced).
    `soft_mask` is coverage at region size; `source` is the original crop.
    """

    region: Bounds
    api_extent: Extent
    image: UploadImage
    mask: UploadImage | None
    soft_mask: np.ndarray = field(repr=False)
    source: Image
    fill: str
    endpoint: str
    canvas: Bounds
    mask_image: Image | None = None

    @property
    def size(self) -> str:
        return str(self.api_extent)


@dataclass(frozen=True)
class GeneratePlan:
    region: Bounds
    api_extent: Extent

    @property
    def size(self) -> str:
        return str(self.api_extent)


@dataclass(frozen=True, eq=False)
class LayerPatch:
    """A new layer: `image` placed at `bounds` (document coordinates)."""

    image: Image
    bounds: Bounds
    name: str


def context_region(
    target: Bounds,
    canvas: Bounds,
    spec: ModelSpec,
    options: ContextOptions | None = None,
    size_pref: str = "auto",
) -> tuple[Bounds, Extent]:
    """The context crop around `target` (padded, clamped to the canvas, grown to the
    request's aspect) and the API extent. An adapter that knows the selection's
    bounds can call this first and read only the crop's pixels."""
    options = options or ContextOptions()
    if options.whole_image:
        region = canvas
    else:
        region = target.pad(options.padding_for(target)).clamp(canvas)
    if region.is_empty:
        raise NothingToEditError("outside_canvas", "the area to edit lies outside the canvas")
    keep = None if options.whole_image else target.clamp(canvas)
    api = choose_api_size(spec, region.extent, size_pref)
    fitted = fit_region_to_aspect(region, api.aspect, canvas, keep)
    if fitted != region and size_pref.strip().lower() in PREFERENCES:
        api = choose_api_size(spec, fitted.extent, size_pref)
    return fitted, api


def edit_window(
    selection: Mask | None,
    canvas: Bounds,
    spec: ModelSpec,
    options: ContextOptions | None = None,
    size_pref: str = "auto",
) -> Bounds:
    """The part of the canvas an adapter must read for an edit: `plan_edit` on a
    snapshot of exactly this window makes the same plan as on the whole canvas.

    With a selection that is the context crop around it, so a small selection on a
    16384² canvas reads megabytes, not a gigabyte. Without one it is the whole
    canvas: the layer's transparent pixels say where to paint, and finding them
    takes every pixel. A selection that is empty or off the canvas reads one pixel,
    since the plan refuses it before looking at any.
    """
    if selection is None:
        return canvas
    found = selection_bounds(selection)
    target = None if found is None else found.clamp(canvas)
    if target is None or target.is_empty:
        return Bounds(canvas.x, canvas.y, min(1, canvas.width), min(1, canvas.height))
    region, _ = context_region(target, canvas, spec, options, size_pref)
    return region


def variation_window(
    selection: Mask | None, canvas: Bounds, spec: ModelSpec, size_pref: str = "auto"
) -> Bounds:
    """The part of the canvas a variation reads (see `edit_window`): the selection's
    box grown to the request's aspect, or the whole canvas."""
    target = None if selection is None else selection_bounds(selection)
    region = canvas if target is None else target.clamp(canvas)
    if region.is_empty:
        return Bounds(canvas.x, canvas.y, min(1, canvas.width), min(1, canvas.height))
    return variation_region(region, canvas, spec, size_pref)[0]


def plan_edit(
    snapshot: CanvasSnapshot,
    spec: ModelSpec,
    options: ContextOptions | None = None,
    size_pref: str = "auto",
    use_alpha_when_no_selection: bool = True,
) -> EditPlan:
    """An inpainting request: the selection (or, with none, the layer's transparent
    pixels) is repainted; the padded context around it is sent with it."""
    options = options or ContextOptions()
    canvas = snapshot.canvas_bounds
    fill, target = edit_target(snapshot, use_alpha_when_no_selection)
    region, api = context_region(target, canvas, spec, options, size_pref)
    source = snapshot.image.crop(region.relative_to(snapshot.origin))
    if fill == "selection":
        assert snapshot.selection is not None
        soft = snapshot.selection.crop(region)
    else:
        soft = coverage_from_alpha(source)  # outside the layer counts as transparent
    upload = encode_upload(source.resize(api), spec, name="image")
    mask_image = to_api_mask(soft, upload.extent, options.grow_px)
    mask = encode_mask(mask_image)
    return EditPlan(
        region=region,
        api_extent=api,
        image=upload,
        mask=mask,
        soft_mask=soft,
        source=source,
        fill=fill,
        endpoint="edits",
        canvas=canvas,
        mask_image=mask_image,
    )


def plan_variation(snapshot: CanvasSnapshot, spec: ModelSpec, size_pref: str = "auto") -> EditPlan:
    """A variation of the selection's bounding box (or the whole canvas): through the
    legacy endpoint as a square PNG where the model has it, else an unmasked edit."""
    canvas = snapshot.canvas_bounds
    target = None
    if snapshot.selection is not None:
        target = selection_bounds(snapshot.selection)
    region = canvas if target is None else target.clamp(canvas)
    if region.is_empty:
        raise NothingToEditError("outside_canvas", "the selection lies outside the canvas")
    region, api, endpoint = variation_region(region, canvas, spec, size_pref)
    source = snapshot.image.crop(region.relative_to(snapshot.origin))
    square = endpoint == "variations"
    upload = encode_upload(source.resize(api), spec, name="image", square_png=square)
    return EditPlan(
        region=region,
        api_extent=api,
        image=upload,
        mask=None,
        soft_mask=np.full((region.height, region.width), 255, np.uint8),
        source=source,
        fill="variation",
        endpoint=endpoint,
        canvas=canvas,
    )


def variation_region(
    region: Bounds, canvas: Bounds, spec: ModelSpec, size_pref: str
) -> tuple[Bounds, Extent, str]:
    """`region` grown to the variation request's aspect, the API extent and the endpoint."""
    endpoint = spec.variation_endpoint
    square = endpoint == "variations"
    shape = Extent(region.extent.longest_side, region.extent.longest_side) if square else None
    api = choose_api_size(spec, shape or region.extent, size_pref)
    if square and api.width != api.height:
        raise SizeError(f"the variations endpoint needs a square size, not {api}")
    return fit_region_to_aspect(region, api.aspect, canvas, keep=region), api, endpoint


def plan_generate(target: Bounds, spec: ModelSpec, size_pref: str = "auto") -> GeneratePlan:
    """A new image for `target` (the selection's bounds or the canvas)."""
    if target.is_empty:
        raise NothingToEditError("outside_canvas", "the area to fill is empty")
    return GeneratePlan(region=target, api_extent=choose_api_size(spec, target.extent, size_pref))


def composite(
    plan: EditPlan, result: Image, name: str = "", keep_result_alpha: bool = False
) -> LayerPatch:
    """The API's `result` as a layer over the source: scaled back to the region,
    alpha = result alpha x soft coverage / 255, cropped to what is visible.

    No holes: unless the artist asked for a transparent background
    (`keep_result_alpha`), the result is at least as opaque as the source under
    it (fully opaque for an "alpha" fill, whose job is to fill the gaps). Edits
    sent with background "auto" have come back with a fifth of their pixels fully
    transparent (shared/openai-images.md, section A); multiplied in, that alpha
    would let the old layer show through the new one.

    For "alpha" fills the patch is the source laid over the result wherever the
    source is not opaque: laid over the source again this reproduces it exactly,
    so half-transparent edge pixels end up opaque instead of keeping a faint
    fringe (result x (255 - alpha) over alpha would leave 0.75 at alpha 0.5).
    """
    scaled = result.resize(plan.region.extent)
    if not keep_result_alpha:
        alpha = scaled.pixels[..., 3]
        if plan.fill == "alpha":  # filling the layer's transparent pixels is the whole job
            alpha[...] = 255
        else:
            np.maximum(alpha, plan.source.pixels[..., 3], out=alpha)
    soft = plan.soft_mask
    if plan.fill == "alpha":
        pixels = composite_over(scaled, plan.source, Point(0, 0)).pixels
        pixels[..., 3] = np.where(soft > 0, pixels[..., 3], 0)
    else:
        pixels = scaled.pixels
        weighted = (pixels[..., 3].astype(np.uint32) * soft + 127) // 255
        pixels[..., 3] = weighted.astype(np.uint8)
    return _visible_patch(Image(pixels), plan.region, name)


def patch_from_generation(plan: GeneratePlan, result: Image, name: str = "") -> LayerPatch:
    """A generated image as a layer filling the plan's region: scaled to cover it
    (aspect kept, no stretching) and centred, the overhang cut off."""
    region = plan.region.extent
    scale = max(region.width / result.width, region.height / result.height)
    cover = Extent(
        max(region.width, round(result.width * scale)),
        max(region.height, round(result.height * scale)),
    )
    scaled = result.resize(cover)
    x, y = (cover.width - region.width) // 2, (cover.height - region.height) // 2
    image = scaled.crop(Bounds(x, y, region.width, region.height))
    return LayerPatch(image, plan.region, name or DEFAULT_LAYER_NAME)


def apply_patch(base: Image, patch: LayerPatch, base_origin: Point) -> Image:
    """`patch` flattened onto `base` (which sits at `base_origin` in the document).

    Exact straight-alpha "over": where the patch's alpha is 0 the output is
    bit-identical to base; parts of the patch outside base are dropped.
    """
    return composite_over(base, patch.image, patch.bounds.offset - base_origin)


def layer_name(prompt: str, index: int | None = None) -> str:
    """A short single-line layer name from the prompt: 'a red fox in snow (2)'."""
    # Control characters and line/paragraph separators become spaces: hosts show
    # a layer name on one line.
    spaced = "".join(" " if unicodedata.category(ch) in _BREAKS else ch for ch in prompt)
    text = " ".join(spaced.split())
    if len(text) > LAYER_NAME_MAX:
        cut = text[: LAYER_NAME_MAX - 1]
        space = cut.rfind(" ")
        text = (cut[:space] if space > LAYER_NAME_MAX // 2 else cut).rstrip(" ,;:.") + "…"
    text = text or DEFAULT_LAYER_NAME
    return text if index is None else f"{text} ({index})"


def edit_target(snapshot: CanvasSnapshot, use_alpha: bool = True) -> tuple[str, Bounds]:
    """What an edit repaints: ("selection", its box) or, with nothing selected,
    ("alpha", the box of the pixels the layer leaves less than opaque). The one
    "nothing to edit" rule for every entry point: raises NothingToEditError,
    whose `reason` lets each host word its own message."""
    canvas = snapshot.canvas_bounds
    if snapshot.selection is not None:
        found = selection_bounds(snapshot.selection)
        if found is None:
            raise NothingToEditError("empty_selection", "the selection is empty")
        inside = found.clamp(canvas)
        if inside.is_empty:
            raise NothingToEditError("outside_canvas", "the selection lies outside the canvas")
        return "selection", inside
    if not use_alpha:
        raise NothingToEditError("no_selection", "nothing is selected: select the area to repaint")
    found = _transparent_bounds(snapshot, canvas)
    if found is None:
        raise NothingToEditError(
            "opaque_layer",
            "nothing is selected and the layer has no transparent pixels: select the "
            "area to repaint, or erase it to transparency",
        )
    return "alpha", found


def _transparent_bounds(snapshot: CanvasSnapshot, canvas: Bounds) -> Bounds | None:
    """Bounds of the canvas pixels the layer leaves (partly) transparent; canvas
    areas the layer does not reach count as transparent."""
    inside = snapshot.image_bounds.intersect(canvas)
    found: Bounds | None = None
    if not inside.is_empty:
        local = inside.relative_to(snapshot.origin)
        alpha = snapshot.image.alpha[local.y : local.bottom, local.x : local.right]
        seen = coverage_bounds(alpha < 255)
        found = None if seen is None else seen.translate(inside.x, inside.y)
    uncovered = _outside(canvas, inside)
    if uncovered is None:
        return found
    return uncovered if found is None else found.union(uncovered)


def _outside(outer: Bounds, inner: Bounds) -> Bounds | None:
    """Bounding box of `outer` minus `inner` (inner lies within outer)."""
    if inner.is_empty:
        return None if outer.is_empty else outer
    strips = [
        Bounds.from_edges(outer.x, outer.y, inner.x, outer.bottom),
        Bounds.from_edges(inner.right, outer.y, outer.right, outer.bottom),
        Bounds.from_edges(outer.x, outer.y, outer.right, inner.y),
        Bounds.from_edges(outer.x, inner.bottom, outer.right, outer.bottom),
    ]
    found: Bounds | None = None
    for strip in strips:
        if not strip.is_empty:
            found = strip if found is None else found.union(strip)
    return found


def _visible_patch(image: Image, region: Bounds, name: str) -> LayerPatch:
    """Crop a patch to its visible pixels: a smaller layer, the same picture."""
    seen = coverage_bounds(image.alpha)
    label = name or DEFAULT_LAYER_NAME
    if seen is None or seen == Bounds.from_extent(image.extent):
        return LayerPatch(image, region, label)
    return LayerPatch(image.crop(seen), seen.translate(region.x, region.y), label)
