"""Snapshot in, plan out: what to send for a canvas, and which part of it to read.

The contract with the host adapters and the job runner:
- an adapter reads a `CanvasSnapshot` (pixels of the context source, selection
  coverage, where they sit in the document), of the window `edit_window` /
  `variation_window` name;
- `plan_edit` / `plan_variation` / `plan_generate` turn it into a plan: the
  context crop (`region`, document coordinates), the API size, the encoded
  upload and mask, the soft coverage kept for blending;
- compositing.py turns the API's image into the `LayerPatch` the adapter adds
  as a new layer above the source.

`edit_target` is the one "nothing to edit" rule for every entry point. The
values (snapshot, options, plans) live in plans.py; they and compositing.py's
names are re-exported here, where the adapters and the core import them.

Imports only the core's pixel, mask, size and plan modules; no host, GUI or network.
"""

from __future__ import annotations

from ..errors import NothingToEditError
from ..models.catalogue import ModelSpec
from .compositing import (
    DEFAULT_LAYER_NAME,
    LAYER_NAME_MAX,
    LayerPatch,
    apply_patch,
    composite,
    layer_name,
    patch_from_generation,
)
from .geometry import Bounds, Extent
from .imaging import Mask, encode_mask, encode_upload, planes
from .masks import coverage_bounds, coverage_from_alpha, selection_bounds, to_api_mask
from .plans import CanvasSnapshot, ContextOptions, EditPlan, GeneratePlan
from .sizing import (
    PREFERENCES,
    SizeError,
    choose_api_size,
    fit_region_to_aspect,
    grow_region_to_api_size,
)

# Besides this module's own functions, the names of plans.py, compositing.py and
# NothingToEditError: the adapters, the core and tests import them from here.
__all__ = [
    "DEFAULT_LAYER_NAME",
    "LAYER_NAME_MAX",
    "CanvasSnapshot",
    "ContextOptions",
    "EditPlan",
    "GeneratePlan",
    "LayerPatch",
    "NothingToEditError",
    "apply_patch",
    "composite",
    "context_region",
    "edit_target",
    "edit_window",
    "layer_name",
    "patch_from_generation",
    "plan_edit",
    "plan_generate",
    "plan_variation",
    "variation_region",
    "variation_window",
]


def context_region(
    target: Bounds,
    canvas: Bounds,
    spec: ModelSpec,
    options: ContextOptions | None = None,
    size_pref: str = "auto",
) -> tuple[Bounds, Extent]:
    """The context crop around `target` (padded, clamped to the canvas, grown to the
    request's aspect, then to the API size where the canvas has room) and the API
    extent. An adapter that knows the selection's bounds can call this first and
    read only the crop's pixels."""
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
    return grow_region_to_api_size(fitted, api, canvas), api


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
        soft_mask=planes.full(region.extent, 255),
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
        alpha = planes.crop(snapshot.image.alpha, local)
        seen = coverage_bounds(planes.below_full(alpha))
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
