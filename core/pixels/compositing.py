"""Putting the API's answer back: the `LayerPatch` an adapter adds, and its name.

Owns `LayerPatch` (an image placed at document bounds, with its layer name),
`composite` (an edit's result through the plan's soft coverage over the
source), `patch_from_generation` (a generated image covering its region),
`apply_patch` (a patch flattened onto an image: the CLI's `--out`) and
`layer_name` (a prompt as a one-line layer name).

Pixels outside the selection stay exactly as they were: GPT image models
re-render the whole frame even with a mask, so the patch's alpha is the result's
alpha times our own soft coverage, and compositing copies every pixel the patch
leaves at alpha 0. A patch is cropped to its visible pixels, so work grows with
the region, not with the canvas.

Written once for both pixel engines (imaging.py's names only). Imports the
standard library and the core's geometry, imaging, masks and plans modules; no
host, GUI or network.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .geometry import Bounds, Extent, Point
from .imaging import Image, composite_over, planes
from .masks import coverage_bounds
from .plans import EditPlan, GeneratePlan

LAYER_NAME_MAX = 40
DEFAULT_LAYER_NAME = "OpenAI image"
_BREAKS = ("Cc", "Zl", "Zp", "Zs")
# Bidi embeddings, overrides and isolates: in a layer name they reorder what the
# artist reads (a prompt, or a revised one from the server, can carry them)
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True, eq=False)
class LayerPatch:
    """A new layer: `image` placed at `bounds` (document coordinates)."""

    image: Image
    bounds: Bounds
    name: str


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
    alpha = scaled.alpha
    if not keep_result_alpha:
        if plan.fill == "alpha":  # filling the layer's transparent pixels is the whole job
            alpha = planes.full(plan.region.extent, 255)
        else:
            alpha = planes.maximum(alpha, plan.source.alpha)
    soft = plan.soft_mask
    if plan.fill == "alpha":
        filled = composite_over(scaled.with_alpha(alpha), plan.source, Point(0, 0))
        image = filled.with_alpha(planes.keep_where(filled.alpha, soft))
    else:
        image = scaled.with_alpha(planes.weight(alpha, soft))
    return _visible_patch(image, plan.region, name)


def patch_from_generation(plan: GeneratePlan, result: Image, name: str = "") -> LayerPatch:
    """A generated image as a layer filling the plan's region: scaled to cover it
    (aspect kept, no stretching) and centred, the overhang cut off.

    An answer of the region's shape is scaled whole, then cut. One of another shape
    (a server may send 16x8192 for a square) is cut first, to the part that will
    show, and only that is scaled: scaling it whole to cover took 15.9 GB (issue 14),
    cutting first never allocates more than the region."""
    region = plan.region.extent
    scale = max(region.width / result.width, region.height / result.height)
    cover = Extent(
        max(region.width, round(result.width * scale)),
        max(region.height, round(result.height * scale)),
    )
    if cover.width * cover.height <= 2 * region.width * region.height:
        scaled = result.resize(cover)
        x, y = (cover.width - region.width) // 2, (cover.height - region.height) // 2
        image = scaled.crop(Bounds(x, y, region.width, region.height))
    else:
        w = max(1, min(result.width, round(region.width / scale)))
        h = max(1, min(result.height, round(region.height / scale)))
        seen = Bounds((result.width - w) // 2, (result.height - h) // 2, w, h)
        image = result.crop(seen).resize(region)
    return LayerPatch(image, plan.region, name or DEFAULT_LAYER_NAME)


def apply_patch(base: Image, patch: LayerPatch, base_origin: Point) -> Image:
    """`patch` flattened onto `base` (which sits at `base_origin` in the document).

    Exact straight-alpha "over": where the patch's alpha is 0 the output is
    bit-identical to base; parts of the patch outside base are dropped.
    """
    return composite_over(base, patch.image, patch.bounds.offset - base_origin)


def _visible_patch(image: Image, region: Bounds, name: str) -> LayerPatch:
    """Crop a patch to its visible pixels: a smaller layer, the same picture."""
    seen = coverage_bounds(image.alpha)
    label = name or DEFAULT_LAYER_NAME
    if seen is None or seen == Bounds.from_extent(image.extent):
        return LayerPatch(image, region, label)
    return LayerPatch(image.crop(seen), seen.translate(region.x, region.y), label)


def layer_name(prompt: str, index: int | None = None) -> str:
    """A short single-line layer name from the prompt: 'AI: a red fox in snow (2)'."""
    # "AI: " in front says in the layer stack, where artists look, that a model made
    # the pixels (issue 21), in both hosts and in .ora files. In front, because
    # narrow layer panels cut a name's end; two letters, because names must stay short
    # (the prompt gets what is left of LAYER_NAME_MAX).
    mark = "AI: "
    budget = LAYER_NAME_MAX - len(mark)
    # Control characters and line/paragraph separators become spaces: hosts show
    # a layer name on one line.
    spaced = "".join(
        " " if unicodedata.category(ch) in _BREAKS else ch for ch in prompt if ch not in _BIDI
    )
    text = " ".join(spaced.split())
    if len(text) > budget:
        cut = text[: budget - 1]
        space = cut.rfind(" ")
        text = (cut[:space] if space > budget // 2 else cut).rstrip(" ,;:.") + "…"
    text = mark + (text or DEFAULT_LAYER_NAME)
    return text if index is None else f"{text} ({index})"
