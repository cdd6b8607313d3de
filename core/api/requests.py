"""Request values for the three image jobs: they validate themselves and say what to send.

`GenerateRequest`, `EditRequest` and `VariationRequest` are frozen dataclasses.
`validate(spec)` raises ValidationError(field, rule) for anything the model's
catalogue entry rules out, before a byte is sent (the rules themselves are in
request_rules.py). `to_wire(spec)` returns a `WireRequest` (wire_format.py): the
path relative to the base URL plus either the JSON body (generations) or the
form fields and files (multipart edits and variations). Which fields each job
sends is decided here: one image is part `image`, several are repeated
`image[]`; `style` only for DALL·E; no `moderation` on multipart edits.

Imports the standard library, catalogue.py, errors.py, request_rules.py and
wire_format.py. No httpx: client.py turns a WireRequest into HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from ..models.catalogue import ModelSpec
from .request_rules import (
    MODERATIONS,
    check_choice,
    check_count,
    check_endpoint,
    check_image,
    check_model_id,
    check_options,
    check_overlay,
    check_prompt,
)
from .wire_format import (
    MIME_BY_FORMAT,
    UploadFile,
    WireRequest,
    common_fields,
    expected_images,
    form_fields,
    image_pixels,
    sniff_format,
)

DEFAULT_VARIATION_PROMPT = (
    "Create a variation of this image: keep its subject, composition and style, vary the details."
)


@dataclass(frozen=True)
class GenerateRequest:
    prompt: str
    model: str
    n: int = 1
    size: str = "auto"
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    moderation: str | None = None
    style: str | None = None
    stream: bool = False
    partial_images: int | None = None
    complexity: str | None = None
    safety_identifier: str | None = None

    def validate(self, spec: ModelSpec) -> None:
        check_endpoint(spec, "generations")
        check_prompt(self.prompt, spec)
        check_options(self, spec)
        check_choice("moderation", self.moderation, MODERATIONS if spec.moderation else (), spec)
        check_choice("style", self.style, spec.styles, spec)

    def to_wire(self, spec: ModelSpec) -> WireRequest:
        body = {"prompt": self.prompt, **common_fields(self, spec)}
        if spec.is_gpt_image and self.moderation is not None:
            body["moderation"] = self.moderation
        if not spec.is_gpt_image and self.style is not None:
            body["style"] = self.style
        return WireRequest(
            "images/generations",
            json_body=body,
            stream=self.stream,
            expected_images=expected_images(self),
            image_pixels=image_pixels(self.size, spec),
        )


@dataclass(frozen=True)
class EditRequest:
    """An edit: `images[0]` is the one the mask (alpha 0 = edit here) or markup applies to."""

    prompt: str
    model: str
    images: tuple[UploadFile, ...]
    mask: UploadFile | None = None
    markup: UploadFile | None = None
    input_fidelity: str | None = None
    n: int = 1
    size: str = "auto"
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    moderation: str | None = (
        None  # kept for symmetry; multipart edits have no such field, never sent
    )
    style: str | None = None
    stream: bool = False
    partial_images: int | None = None
    complexity: str | None = None
    safety_identifier: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.images, tuple):
            object.__setattr__(self, "images", tuple(self.images))

    def validate(self, spec: ModelSpec) -> None:
        check_endpoint(spec, "edits")
        check_prompt(self.prompt, spec)
        check_options(self, spec)
        check_choice("style", self.style, spec.styles, spec)
        check_choice("input_fidelity", self.input_fidelity, spec.input_fidelity, spec)
        count = len(self.images)
        if not 1 <= count <= spec.edit_images_max:
            raise ValidationError(
                "images", f"{spec.id} takes 1 to {spec.edit_images_max} images, not {count}"
            )
        sizes = [check_image(f"images[{i}]", im, spec) for i, im in enumerate(self.images)]
        if self.mask is not None and self.markup is not None:
            raise ValidationError("markup", "cannot be combined with a mask")
        if self.mask is not None:
            if not spec.mask:
                raise ValidationError("mask", f"{spec.id} does not take a mask")
            check_overlay("mask", self.mask, sizes[0], spec, spec.mask_max_bytes)
        if self.markup is not None:
            if not spec.markup:
                raise ValidationError("markup", f"{spec.id} does not take markup")
            check_overlay("markup", self.markup, sizes[0], spec, spec.edit_image_max_bytes)

    def to_wire(self, spec: ModelSpec) -> WireRequest:
        body = {"prompt": self.prompt, **common_fields(self, spec)}
        if self.input_fidelity is not None and spec.input_fidelity:
            body["input_fidelity"] = self.input_fidelity
        name = "image" if len(self.images) == 1 else "image[]"
        files = [(name, im) for im in self.images]
        if self.mask is not None:
            files.append(("mask", self.mask))
        if self.markup is not None:
            files.append(("markup", self.markup))
        return WireRequest(
            "images/edits",
            fields=form_fields(body),
            files=tuple(files),
            stream=self.stream,
            expected_images=expected_images(self),
            image_pixels=image_pixels(self.size, spec),
        )


@dataclass(frozen=True)
class VariationRequest:
    """A variation of one image. Models with the legacy /images/variations endpoint use it;
    the others (every live OpenAI model) get an edit of the whole image, no mask, with `prompt`."""

    model: str
    image: UploadFile
    n: int = 1
    size: str = "auto"
    prompt: str = DEFAULT_VARIATION_PROMPT
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    input_fidelity: str | None = None
    stream: bool = False
    partial_images: int | None = None
    complexity: str | None = None
    safety_identifier: str | None = None

    def as_edit(self) -> EditRequest:
        return EditRequest(
            self.prompt,
            self.model,
            (self.image,),
            input_fidelity=self.input_fidelity,
            n=self.n,
            size=self.size,
            quality=self.quality,
            background=self.background,
            output_format=self.output_format,
            output_compression=self.output_compression,
            stream=self.stream,
            partial_images=self.partial_images,
            complexity=self.complexity,
            safety_identifier=self.safety_identifier,
        )

    def validate(self, spec: ModelSpec) -> None:
        if spec.variation_endpoint == "edits":
            try:
                self.as_edit().validate(spec)
            except ValidationError as err:
                if err.field.startswith("images"):  # name the field the caller set
                    raise ValidationError("image", err.rule) from None
                raise
            return
        # The legacy endpoint knows only image, model, n, size, response_format and user.
        for name in (
            "quality",
            "background",
            "output_format",
            "output_compression",
            "input_fidelity",
            "partial_images",
            "complexity",
        ):
            if getattr(self, name) is not None:
                raise ValidationError(name, "not accepted by the legacy variations endpoint")
        if self.stream:
            raise ValidationError("stream", "not accepted by the legacy variations endpoint")
        check_model_id(self.model)
        check_count("n", self.n, 1, spec.n_max)
        broken = spec.size_rule.check(self.size)
        if broken:
            raise ValidationError("size", broken)
        check_image("image", self.image, spec)

    def to_wire(self, spec: ModelSpec) -> WireRequest:
        if spec.variation_endpoint == "edits":
            return self.as_edit().to_wire(spec)
        body: dict[str, Any] = {
            "model": self.model,
            "n": self.n,
            "size": self.size,
            "response_format": "b64_json",
            "user": self.safety_identifier,
        }
        return WireRequest(
            "images/variations",
            fields=form_fields(body),
            files=(("image", self.image),),
            expected_images=self.n,
            image_pixels=image_pixels(self.size, spec),
        )


ImageRequest = GenerateRequest | EditRequest | VariationRequest

# MIME_BY_FORMAT, UploadFile, WireRequest and sniff_format live in wire_format.py and are
# re-exported: the client, recipes.py, jobs.py and tests import them from here.
__all__ = [
    "DEFAULT_VARIATION_PROMPT",
    "EditRequest",
    "GenerateRequest",
    "ImageRequest",
    "MIME_BY_FORMAT",
    "UploadFile",
    "VariationRequest",
    "WireRequest",
    "sniff_format",
]
