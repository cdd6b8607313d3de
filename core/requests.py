"""Request values for the three image jobs: they validate themselves and say what to send.

`GenerateRequest`, `EditRequest` and `VariationRequest` are frozen dataclasses.
`validate(spec)` raises ValidationError(field, rule) for anything the model's
catalogue entry rules out, before a byte is sent. `to_wire(spec)` returns a
`WireRequest`: the path relative to the base URL plus either the JSON body
(generations) or the form fields and files (multipart edits and variations).
The wire rules come from shared/openai-images.md section A and 4.3: always send
`model`; None is never sent; multipart booleans are "true"; one image is part
`image`, several are repeated `image[]`; every file part has a real filename and
image MIME type; `response_format`/`style` only for DALL·E; no `moderation` on
multipart edits.

Imports: the standard library, Pillow (to read image headers) and catalogue.py.
No httpx: client.py turns a WireRequest into HTTP.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

from .catalogue import ModelSpec
from .errors import ValidationError

MIME_BY_FORMAT = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
_EXT_BY_FORMAT = {"png": "png", "jpeg": "jpg", "webp": "webp"}
BACKGROUNDS = ("transparent", "opaque", "auto")
MODERATIONS = ("low", "auto")

DEFAULT_VARIATION_PROMPT = (
    "Create a variation of this image: keep its subject, composition and style, vary the details."
)


def sniff_format(data: bytes) -> str | None:
    """'png', 'jpeg' or 'webp' from the file's magic bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


@dataclass(frozen=True)
class UploadFile:
    """One image file for a multipart upload; bytes stay in memory so a retry can resend them."""

    filename: str
    data: bytes = field(repr=False)
    mime: str

    @classmethod
    def from_bytes(cls, data: bytes, stem: str = "image") -> UploadFile:
        """Name and type the file from its content; unknown content is labelled PNG
        and rejected by validation (the API refuses parts without an image type)."""
        fmt = sniff_format(data) or "png"
        return cls(f"{stem}.{_EXT_BY_FORMAT[fmt]}", data, MIME_BY_FORMAT[fmt])

    @property
    def format(self) -> str | None:
        for fmt, mime in MIME_BY_FORMAT.items():
            if mime == self.mime:
                return fmt
        return None


@dataclass(frozen=True)
class WireRequest:
    """What goes over HTTP. `json_body` for JSON requests; `fields` and `files` for multipart."""

    path: str
    json_body: dict[str, Any] | None = None
    fields: tuple[tuple[str, str], ...] = ()
    files: tuple[tuple[str, UploadFile], ...] = ()
    stream: bool = False
    expected_images: int = (
        1  # finished images (plus partials) the reply may hold: sizes the read cap
    )

    @property
    def multipart(self) -> bool:
        return self.json_body is None


# ---- validation rules shared by the three requests -------------------------------------------


def _check_endpoint(spec: ModelSpec, endpoint: str) -> None:
    if not spec.supports(endpoint):
        raise ValidationError("model", f"{spec.id} does not support image {endpoint}")


def _check_prompt(prompt: str, spec: ModelSpec) -> None:
    if not prompt.strip():
        raise ValidationError("prompt", "must not be empty")
    if len(prompt) > spec.prompt_limit:
        raise ValidationError(
            "prompt",
            f"at most {spec.prompt_limit} characters for {spec.id} (this one has {len(prompt)})",
        )


def _check_choice(name: str, value: str | None, allowed: tuple[str, ...], spec: ModelSpec) -> None:
    if value is None:
        return
    if not allowed:
        raise ValidationError(name, f"not supported by {spec.id}")
    if value not in allowed:
        raise ValidationError(name, "must be one of " + ", ".join(allowed))


def _check_count(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(name, f"must be a whole number from {low} to {high}")


def _check_options(req: Any, spec: ModelSpec) -> None:
    """The options every request type shares (n, size, quality, formats, streaming...)."""
    _check_count("n", req.n, 1, spec.n_max)
    broken = spec.size_rule.check(req.size)
    if broken:
        raise ValidationError("size", broken)
    _check_choice("quality", req.quality, spec.qualities, spec)
    _check_choice("background", req.background, BACKGROUNDS if spec.background else (), spec)
    _check_choice("output_format", req.output_format, spec.output_formats, spec)
    if req.background == "transparent" and req.output_format not in (None, "png", "webp"):
        raise ValidationError(
            "background", "a transparent background needs output_format png or webp"
        )
    if req.output_compression is not None:
        if req.output_format not in ("jpeg", "webp"):
            raise ValidationError("output_compression", "only with output_format jpeg or webp")
        _check_count("output_compression", req.output_compression, 0, 100)
    _check_choice("complexity", req.complexity, spec.complexity, spec)
    if req.stream and not spec.streaming:
        raise ValidationError("stream", f"{spec.id} cannot stream")
    if req.partial_images is not None:
        if not req.stream:
            raise ValidationError("partial_images", "only with stream=True")
        _check_count("partial_images", req.partial_images, 0, spec.partial_images_max)
    if req.safety_identifier is not None and not req.safety_identifier.strip():
        raise ValidationError("safety_identifier", "must not be empty when given")


def _image_info(name: str, upload: UploadFile) -> tuple[str, tuple[int, int]]:
    """(format, size) from the file header, after checking the MIME type matches it."""
    fmt = sniff_format(upload.data)
    if upload.format is None:
        raise ValidationError(
            name, f"MIME type {upload.mime!r} is not image/png, image/jpeg or image/webp"
        )
    if fmt != upload.format:
        raise ValidationError(name, f"the file is not {upload.mime} data")
    if not upload.filename or any(c in upload.filename for c in '/\\"\r\n'):
        raise ValidationError(name, "needs a plain file name such as image.png")
    try:
        with Image.open(io.BytesIO(upload.data)) as im:
            return fmt, im.size
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationError(name, "the image cannot be read") from None


def _has_clear_pixel(upload: UploadFile) -> bool:
    """Whether any pixel has alpha 0 (decodes the whole image: masks are small)."""
    try:
        with Image.open(io.BytesIO(upload.data)) as im:
            if "A" not in im.getbands() and "transparency" not in im.info:
                return False
            alpha = im.convert("RGBA").getchannel("A")
            return alpha.getextrema()[0] == 0
    except (UnidentifiedImageError, OSError, ValueError):
        return False


def _check_image(name: str, upload: UploadFile, spec: ModelSpec) -> tuple[int, int]:
    fmt, size = _image_info(name, upload)
    if fmt not in spec.edit_input_formats:
        raise ValidationError(
            name, f"{spec.id} takes " + ", ".join(spec.edit_input_formats) + " images"
        )
    if len(upload.data) >= spec.edit_image_max_bytes:
        raise ValidationError(name, f"must be smaller than {_megabytes(spec.edit_image_max_bytes)}")
    if spec.edit_square_png_only and size[0] != size[1]:
        raise ValidationError(name, f"{spec.id} takes only square images")
    return size


def _check_overlay(
    name: str, upload: UploadFile, first: tuple[int, int], spec: ModelSpec, max_bytes: int
) -> None:
    """A mask or markup: a PNG the size of the first image with fully transparent pixels
    (for a mask they mark the area to edit; markup is drawn over the image)."""
    fmt, size = _image_info(name, upload)
    if fmt != "png":
        raise ValidationError(name, "must be a PNG")
    if len(upload.data) >= max_bytes:
        raise ValidationError(name, f"must be smaller than {_megabytes(max_bytes)}")
    if size != first:
        raise ValidationError(
            name,
            f"must be the size of the first image ({first[0]}x{first[1]}), not {size[0]}x{size[1]}",
        )
    if not _has_clear_pixel(upload):
        raise ValidationError(name, "has no fully transparent pixel (alpha 0)")


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


# ---- wire encoding ---------------------------------------------------------------------------


def _common_wire(req: Any, spec: ModelSpec) -> dict[str, Any]:
    """Fields shared by generations and edits, None left out, in the order the SDK sends them."""
    body: dict[str, Any] = {"model": req.model, "n": req.n, "size": req.size}
    if req.quality is not None:
        body["quality"] = req.quality
    if spec.is_gpt_image:
        for key in ("background", "output_format", "output_compression", "complexity"):
            value = getattr(req, key)
            if value is not None:
                body[key] = value
        if req.stream:
            body["stream"] = True
            if req.partial_images is not None:
                body["partial_images"] = req.partial_images
        if req.safety_identifier is not None:
            body["safety_identifier"] = req.safety_identifier
    else:
        # Retired DALL·E: answer in base64 (no second download), and the old `user` field.
        body["response_format"] = "b64_json"
        if req.safety_identifier is not None:
            body["user"] = req.safety_identifier
    return body


def _form(body: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    def text(value: Any) -> str:
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    return tuple((key, text(value)) for key, value in body.items() if value is not None)


def _expected(req: Any) -> int:
    partials = (req.partial_images or 0) if req.stream else 0
    return int(req.n * (1 + partials))


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
        _check_endpoint(spec, "generations")
        _check_prompt(self.prompt, spec)
        _check_options(self, spec)
        _check_choice("moderation", self.moderation, MODERATIONS if spec.moderation else (), spec)
        _check_choice("style", self.style, spec.styles, spec)

    def to_wire(self, spec: ModelSpec) -> WireRequest:
        body = {"prompt": self.prompt, **_common_wire(self, spec)}
        if spec.is_gpt_image and self.moderation is not None:
            body["moderation"] = self.moderation
        if not spec.is_gpt_image and self.style is not None:
            body["style"] = self.style
        return WireRequest(
            "images/generations",
            json_body=body,
            stream=self.stream,
            expected_images=_expected(self),
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
        _check_endpoint(spec, "edits")
        _check_prompt(self.prompt, spec)
        _check_options(self, spec)
        _check_choice("style", self.style, spec.styles, spec)
        _check_choice("input_fidelity", self.input_fidelity, spec.input_fidelity, spec)
        count = len(self.images)
        if not 1 <= count <= spec.edit_images_max:
            raise ValidationError(
                "images", f"{spec.id} takes 1 to {spec.edit_images_max} images, not {count}"
            )
        sizes = [_check_image(f"images[{i}]", im, spec) for i, im in enumerate(self.images)]
        if self.mask is not None and self.markup is not None:
            raise ValidationError("markup", "cannot be combined with a mask")
        if self.mask is not None:
            if not spec.mask:
                raise ValidationError("mask", f"{spec.id} does not take a mask")
            _check_overlay("mask", self.mask, sizes[0], spec, spec.mask_max_bytes)
        if self.markup is not None:
            if not spec.markup:
                raise ValidationError("markup", f"{spec.id} does not take markup")
            _check_overlay("markup", self.markup, sizes[0], spec, spec.edit_image_max_bytes)

    def to_wire(self, spec: ModelSpec) -> WireRequest:
        body = {"prompt": self.prompt, **_common_wire(self, spec)}
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
            fields=_form(body),
            files=tuple(files),
            stream=self.stream,
            expected_images=_expected(self),
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
        _check_count("n", self.n, 1, spec.n_max)
        broken = spec.size_rule.check(self.size)
        if broken:
            raise ValidationError("size", broken)
        _check_image("image", self.image, spec)

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
            fields=_form(body),
            files=(("image", self.image),),
            expected_images=self.n,
        )


ImageRequest = GenerateRequest | EditRequest | VariationRequest

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
