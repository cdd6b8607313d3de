"""The rules a request value checks itself against, before a byte is sent.

Owns the checks that requests.py's `validate(spec)` methods share: endpoint,
prompt length, closed choices, counts, the options common to every job, and
the uploaded images (format read from the file header, byte limits, square
PNGs for dall-e-2, masks and markup the size of the first image with at least
one fully transparent pixel). Each raises ValidationError(field, rule) naming
the field the caller set; the model's catalogue entry says what is allowed.

Imports the standard library, core.formats (headers and our PNG reader),
catalogue.py, errors.py and wire_format.py; Pillow only where it loads, to read
a mask's alpha faster. No httpx.
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import ValidationError
from ..formats.headers import DEFAULT_MAX_PIXELS, HeaderError, read_header
from ..formats.png import has_clear_pixel
from ..models.catalogue import ModelSpec
from .wire_format import UploadFile, sniff_format

BACKGROUNDS = ("transparent", "opaque", "auto")
MODERATIONS = ("low", "auto")


def check_endpoint(spec: ModelSpec, endpoint: str) -> None:
    if not spec.supports(endpoint):
        raise ValidationError("model", f"{spec.id} does not support image {endpoint}")


def check_prompt(prompt: str, spec: ModelSpec) -> None:
    if not prompt.strip():
        raise ValidationError("prompt", "must not be empty")
    if len(prompt) > spec.prompt_limit:
        raise ValidationError(
            "prompt",
            f"at most {spec.prompt_limit} characters for {spec.id} (this one has {len(prompt)})",
        )


def check_choice(name: str, value: str | None, allowed: tuple[str, ...], spec: ModelSpec) -> None:
    """None always passes (not sent); an empty `allowed` means the model has no such option."""
    if value is None:
        return
    if not allowed:
        raise ValidationError(name, f"not supported by {spec.id}")
    if value not in allowed:
        raise ValidationError(name, "must be one of " + ", ".join(allowed))


def check_count(name: str, value: int, low: int, high: int) -> None:
    # bool is a subclass of int: True must not pass for 1.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(name, f"must be a whole number from {low} to {high}")


def check_model_id(model: str) -> None:
    """A model id the server can be sent: an empty or unprintable one was sent as is."""
    if not isinstance(model, str) or not model.strip() or not model.isprintable():
        raise ValidationError("model", "must name a model, for example gpt-image-2")


def check_options(req: Any, spec: ModelSpec) -> None:
    """The options every request type shares (n, size, quality, formats, streaming...)."""
    check_model_id(req.model)
    check_count("n", req.n, 1, spec.n_max)
    broken = spec.size_rule.check(req.size)
    if broken:
        raise ValidationError("size", broken)
    check_choice("quality", req.quality, spec.qualities, spec)
    check_choice("background", req.background, BACKGROUNDS if spec.background else (), spec)
    check_choice("output_format", req.output_format, spec.output_formats, spec)
    if req.background == "transparent" and req.output_format not in (None, "png", "webp"):
        raise ValidationError(
            "background", "a transparent background needs output_format png or webp"
        )
    if req.output_compression is not None:
        if req.output_format not in ("jpeg", "webp"):
            raise ValidationError("output_compression", "only with output_format jpeg or webp")
        check_count("output_compression", req.output_compression, 0, 100)
    check_choice("complexity", req.complexity, spec.complexity, spec)
    if req.stream and not spec.streaming:
        raise ValidationError("stream", f"{spec.id} cannot stream")
    if req.partial_images is not None:
        if not req.stream:
            raise ValidationError("partial_images", "only with stream=True")
        check_count("partial_images", req.partial_images, 0, spec.partial_images_max)
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
        header = read_header(upload.data)
    except HeaderError:
        raise ValidationError(name, "the image cannot be read") from None
    return fmt, (header.width, header.height)


def _has_clear_pixel(upload: UploadFile) -> bool:
    """Whether any pixel has alpha 0 (decodes the whole image: masks are small).

    Our own masks use PNG's Up filter, which core.formats.png reads at C speed;
    a mask from elsewhere may use Paeth rows, which it reads byte by byte, so
    Pillow reads those where it loads (the CLI, Krita). Both say the same."""
    try:
        from PIL import Image
    except ImportError:  # GIMP on Windows: no Pillow
        return has_clear_pixel(upload.data, DEFAULT_MAX_PIXELS)
    try:
        with Image.open(io.BytesIO(upload.data)) as im:
            if "A" not in im.getbands() and "transparency" not in im.info:
                return False
            alpha = im.convert("RGBA").getchannel("A")
            return alpha.getextrema()[0] == 0
    except (OSError, ValueError):  # UnidentifiedImageError is an OSError
        return False


def check_image(name: str, upload: UploadFile, spec: ModelSpec) -> tuple[int, int]:
    """An input image the model takes for edits; returns its (width, height)."""
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


def check_overlay(
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
