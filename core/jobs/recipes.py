"""What each job sends, and how its images become patches: one `Recipe` per job.

A recipe is built on the caller's thread from what the adapter read (cheap);
its `plan` runs on the worker (encoding is slow). The runner (core.jobs) does
the rest of the path the same way for all three kinds: caps, send, book,
history, patch.

Imports the core's catalogue, planning, pixels and request types; no network.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..api.requests import EditRequest, GenerateRequest, UploadFile, VariationRequest
from ..errors import ValidationError
from ..models.catalogue import ModelSpec, get_model, max_candidates
from ..pixels.geometry import Bounds, Extent
from ..pixels.imaging import Image, UploadImage, encode_upload
from ..pixels.planning import (
    CanvasSnapshot,
    EditPlan,
    GeneratePlan,
    LayerPatch,
    composite,
    layer_name,
    patch_from_generation,
    plan_edit,
    plan_generate,
    plan_variation,
)
from .options import JobKind, JobOptions

# OpenAI's documented wording for keeping DALL-E 3 from rewriting a prompt
# (the "Prompting" note of the DALL-E 3 guide); sent only to models that rewrite.
AS_IS_PREFIX = (
    "I NEED to test how the tool works with extremely simple prompts. "
    "DO NOT add any detail, just use it AS-IS: "
)

# What an edit with an empty prompt asks for (issue 19): as in Photoshop's Generative
# Fill, selecting something and pressing the button with no words removes it. Said
# once, here; the sidecar keeps it with task "remove". It names what must not come
# back, since models asked to "fill" an area tend to put a new object in it.
REMOVAL_PROMPT = (
    "Remove whatever is in the masked area and fill it in so that it continues the "
    "surrounding image seamlessly: the same background, surfaces, textures, lighting "
    "and perspective, as if nothing had ever been there. Do not add any new object, "
    "person, animal, text or detail."
)
REMOVAL_LAYER_NAME = "Remove"

Endpoint = Literal["generate", "edit", "vary"]
Task = Literal["remove"]  # an edit whose prompt the core chose (ResultMeta.task)
Plan = GeneratePlan | EditPlan
ApiRequest = GenerateRequest | EditRequest | VariationRequest


@dataclass(frozen=True)
class Recipe:
    """How to run one job. `inputs` gives the extents of the images sent besides
    the plan's own (references, markup), so the price counts their tokens."""

    kind: JobKind
    prompt: str
    spec: ModelSpec
    options: JobOptions
    document: str
    plan: Callable[[], Any]
    request: Callable[[Any, int], Any]
    to_patch: Callable[[Any, Image, int], LayerPatch]
    endpoint: Endpoint
    extra_inputs: tuple[Extent, ...] = ()
    task: Task | None = None


def generate_recipe(
    prompt: str, target: Bounds, options: JobOptions, document_name: str = ""
) -> Recipe:
    """A new image for `target` (the selection's box, else the canvas)."""
    spec = get_model(options.model)

    def request(plan: GeneratePlan, n: int) -> GenerateRequest:
        return GenerateRequest(
            prompt=sent_prompt(prompt, spec, options),
            model=spec.id,
            n=n,
            size=size_of(plan),
            **_common(options),
            **_stream_fields(spec, options),
        )

    def to_patch(plan: GeneratePlan, img: Image, index: int) -> LayerPatch:
        return replace(
            patch_from_generation(plan, img), name=layer_name(prompt, _ordinal(index, options.n))
        )

    def plan() -> GeneratePlan:
        return plan_generate(target, spec, options.size)

    return Recipe("generate", prompt, spec, options, document_name, plan, request, to_patch,
                  "generate")


def edit_recipe(
    prompt: str,
    snapshot: CanvasSnapshot,
    options: JobOptions,
    references: Sequence[Image] = (),
    markup: Image | None = None,
    whole_image: bool = False,
) -> Recipe:
    """An inpainting job; `whole_image` edits everything with no mask (several
    images combined by the prompt, say). `markup` is in the snapshot's coordinates.
    An empty prompt removes what is selected (`edit_prompt`)."""
    spec = get_model(options.model)
    prompt, task = edit_prompt(prompt)
    if task == "remove" and whole_image:
        raise ValidationError(
            "prompt", "an empty one removes what is selected: select the area to remove "
            "(or fill transparency), or say what to change"
        )
    title = REMOVAL_LAYER_NAME if task == "remove" else prompt

    def plan() -> EditPlan:
        if whole_image:
            return plan_variation(snapshot, spec, options.size)
        return plan_edit(snapshot, spec, options.context, options.size)

    def request(plan: EditPlan, n: int) -> EditRequest:
        refs = tuple(
            _upload(encode_upload(img, spec, f"reference-{i + 1}"))
            for i, img in enumerate(references)
        )
        guide = _markup_upload(plan, snapshot, markup) if markup is not None else None
        return EditRequest(
            prompt=sent_prompt(prompt, spec, options),
            model=spec.id,
            images=(_upload(plan.image), *refs),
            mask=None if guide or plan.mask is None else _upload(plan.mask),
            markup=guide,
            input_fidelity=options.input_fidelity,
            n=n,
            size=size_of(plan),
            **_common(options, _edit_background(options, spec, plan)),
            **_stream_fields(spec, options),
        )

    def to_patch(plan: EditPlan, img: Image, index: int) -> LayerPatch:
        patch = composite(plan, img, keep_result_alpha=wants_transparency(options))
        return replace(patch, name=layer_name(title, _ordinal(index, options.n)))

    extra = tuple(img.extent for img in references)
    if markup is not None:
        extra += (markup.extent,)
    return Recipe("edit", prompt, spec, options, snapshot.document_name, plan, request, to_patch,
                  "edit", extra, task)


def edit_prompt(prompt: str) -> tuple[str, Task | None]:
    """The prompt an edit sends, and its task: an empty or blank one is a removal,
    sent as REMOVAL_PROMPT. Generations and variations keep their own rules."""
    if prompt.strip():
        return prompt, None
    return REMOVAL_PROMPT, "remove"


def variation_recipe(
    snapshot: CanvasSnapshot, options: JobOptions, prompt: str | None = None
) -> Recipe:
    """Variations of the snapshot's region: the legacy endpoint where the model has
    it, else an unmasked edit, which takes the same fields as any edit."""
    spec = get_model(options.model)
    title = prompt or f"variation of {snapshot.layer_name or snapshot.document_name}"

    def request(plan: EditPlan, n: int) -> VariationRequest:
        extra: dict[str, Any] = {}
        if prompt:
            extra["prompt"] = sent_prompt(prompt, spec, options)
        if spec.variation_endpoint == "edits":  # the legacy endpoint takes none of these
            extra.update(_common(options, _edit_background(options, spec, plan)))
            extra.update(_stream_fields(spec, options))
            extra["input_fidelity"] = options.input_fidelity
        return VariationRequest(
            model=spec.id, image=_upload(plan.image), n=n, size=size_of(plan), **extra
        )

    def to_patch(plan: EditPlan, img: Image, index: int) -> LayerPatch:
        patch = composite(plan, img, keep_result_alpha=wants_transparency(options))
        return replace(patch, name=layer_name(title, _ordinal(index, options.n)))

    def plan() -> EditPlan:
        return plan_variation(snapshot, spec, options.size)

    return Recipe("variation", prompt or "", spec, options, snapshot.document_name, plan,
                  request, to_patch, "vary")


def spans(recipe: Recipe) -> dict[int, int]:
    """{first candidate index: images in that request}: one request with n where the
    model allows it; otherwise (more than its `n_max`, or streaming, whose events
    carry no image index) one request per image. Refuses n over max_candidates."""
    n, spec = recipe.options.n, recipe.spec
    if not 1 <= n <= max_candidates(spec):
        raise ValidationError(
            "n", f"{spec.id} takes 1 to {max_candidates(spec)} candidates per job, not {n}"
        )
    if n <= spec.n_max and not (streams(recipe) and n > 1):
        return {0: n}
    return dict.fromkeys(range(n), 1)


def split(recipe: Recipe, plan: Any) -> list[tuple[int, Any]]:
    """(first candidate index, request) pairs covering the n candidates (see spans)."""
    return [(first, recipe.request(plan, count)) for first, count in spans(recipe).items()]


def streams(recipe: Recipe) -> bool:
    return recipe.options.stream and recipe.spec.streaming


def size_of(plan: Any) -> str:
    extent = plan.api_extent
    return f"{extent.width}x{extent.height}"


def sent_prompt(prompt: str, spec: ModelSpec, options: JobOptions) -> str:
    """The prompt as it goes over the wire; the request validates this one, prefix
    included, against the model's limit. The history keeps the user's own words."""
    if options.prompt_as_is and spec.rewrites_prompt:
        return AS_IS_PREFIX + prompt
    return prompt


def wants_transparency(options: JobOptions) -> bool:
    return options.background == "transparent"


def _ordinal(index: int, n: int) -> int | None:
    """Layer names count candidates from 1, and a single result has no number."""
    return index + 1 if n > 1 else None


def _common(options: JobOptions, background: str | None = None) -> dict[str, Any]:
    return {
        "quality": options.quality,
        "background": background or options.background,
        "output_format": options.output_format,
        "output_compression": options.output_compression,
        "complexity": options.complexity,
    }


def _edit_background(options: JobOptions, spec: ModelSpec, plan: EditPlan) -> str | None:
    """What an edit asks for when the artist left the background to the API: "opaque",
    where the model takes the field. With "auto" edits have come back partly
    transparent (section A), a fifth of their pixels and the edited area first, and
    "opaque" costs the same. That holds over transparent pixels too: an artist who
    selects an empty part of a layer and asks for "a red umbrella" wants it painted
    there (Krita 5.3 and 6 showed nothing changed inside such a selection); whoever
    wants a cut-out asks for a transparent background, which is sent as asked."""
    if options.background is not None or not spec.background:
        return options.background
    return "opaque"


def _stream_fields(spec: ModelSpec, options: JobOptions) -> dict[str, Any]:
    if not (options.stream and spec.streaming):
        return {}
    return {"stream": True, "partial_images": min(options.partial_images, spec.partial_images_max)}


def _upload(image: UploadImage) -> UploadFile:
    return UploadFile(image.filename, image.data, image.mime)


def _markup_upload(plan: EditPlan, snapshot: CanvasSnapshot, markup: Image) -> UploadFile:
    """The markup layer cut and scaled exactly like the first image, as the API requires."""
    r = plan.region
    local = Bounds(r.x - snapshot.origin.x, r.y - snapshot.origin.y, r.width, r.height)
    guide = markup.crop(local).resize(plan.api_extent)
    return UploadFile("markup.png", guide.to_png(), "image/png")
