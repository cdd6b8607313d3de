"""One estimate for a job, before anything is sent: the figure every panel shows
and the one the spend caps check.

`price` prices what the plan will send: the API size it chose (not the dearest
listed one for "auto"), the quality (or the model's default), n, the prompt as
sent, every input image's shape (edits and variations upload them: image tokens)
and the streamed partial images. The runner calls it on the real plan; the
panels call `quote_generate` / `quote_edit` / `quote_variation`, which plan the
same geometry from bounds alone, without reading or encoding a pixel.

Imports the core's catalogue, cost, planning and sizing; no host, no network.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models.catalogue import ModelSpec, get_model
from ..pixels.geometry import Bounds, Extent
from ..pixels.planning import context_region, variation_region
from ..pixels.sizing import choose_api_size
from .cost import CostEstimate, estimate
from .options import JobOptions
from .recipes import Recipe, edit_prompt, sent_prompt


def price(
    spec: ModelSpec,
    options: JobOptions,
    api_extent: Extent,
    prompt: str,
    inputs: Sequence[Extent] = (),
) -> CostEstimate:
    """USD for `options.n` images of `api_extent`, with `inputs` uploaded alongside."""
    quality = options.quality or spec.default_quality
    partials = 0
    if options.stream and spec.streaming:
        partials = min(options.partial_images, spec.partial_images_max)
    return estimate(
        spec.id,
        quality,
        f"{api_extent.width}x{api_extent.height}",
        options.n,
        len(sent_prompt(prompt, spec, options)),
        partial_images=partials,
        input_sizes=[(e.width, e.height) for e in inputs],
    )


def price_recipe(recipe: Recipe, plan: object) -> CostEstimate:
    """The estimate of a planned job: what the caps check and the history records."""
    api = plan.api_extent  # type: ignore[attr-defined]
    inputs: list[Extent] = []
    image = getattr(plan, "image", None)
    if image is not None:  # edits and variations upload the context crop at the API size
        inputs.append(image.extent)
    inputs.extend(recipe.extra_inputs)
    return price(recipe.spec, recipe.options, api, recipe.prompt, inputs)


def quote_generate(target: Bounds, options: JobOptions, prompt: str) -> CostEstimate:
    """The estimate for generating into `target` (the selection's box or the canvas)."""
    spec = get_model(options.model)
    return price(spec, options, choose_api_size(spec, target.extent, options.size), prompt)


def quote_edit(
    selection: Bounds | None,
    canvas: Bounds,
    options: JobOptions,
    prompt: str,
    extra_inputs: Sequence[Extent] = (),
) -> CostEstimate:
    """The estimate for an edit of `selection` (its bounds; None: the layer's
    transparent pixels, whose extent is only known once read, so quoted as the
    canvas, the most they can cover)."""
    spec = get_model(options.model)
    target = (selection or canvas).clamp(canvas)
    if target.is_empty:
        target = canvas
    _, api = context_region(target, canvas, spec, options.context, options.size)
    return price(spec, options, api, edit_prompt(prompt)[0], [api, *extra_inputs])


def quote_variation(
    selection: Bounds | None, canvas: Bounds, options: JobOptions, prompt: str = ""
) -> CostEstimate:
    """The estimate for variations of the selection's box (or the canvas)."""
    spec = get_model(options.model)
    region = (selection or canvas).clamp(canvas)
    if region.is_empty:
        region = canvas
    _, api, _ = variation_region(region, canvas, spec, options.size)
    return price(spec, options, api, prompt, [api])


def describe(est: CostEstimate) -> str:
    """The estimate as every panel words it."""
    guess = ", a guess: no published price" if est.guess else ""
    return f"Estimated cost: about ${est.usd:.3f} (${est.low:.3f}–${est.high:.3f}{guess})"
