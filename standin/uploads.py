"""The files of an edit or variation: decoding, types, byte caps, masks, markup.

Owns `Upload` (a file part as it arrived), `InputImage` (one decoded), and
`check_uploads`, which applies the spec's file rules for the model: MIME type
from the part header, "less than" byte caps, the content must decode and be
what its type says, dall-e-2 squares, masks and markups that are PNG with real
transparency at the first image's size. Also `json_uploads`, which reads the
data: URLs of a JSON edit (`EditImageBodyJsonParam`). Imports `errors`,
`rules` and Pillow.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image

from . import rules as R
from .errors import (
    ApiError,
    bad_file,
    invalid_type,
    missing_parameter,
    unsupported_mimetype,
    value_words,
)

FORMAT_MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?((?:;[^;,]*)*),(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Upload:
    field: str  # the multipart part name (image, image[], mask, markup) or images[i]
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class InputImage:
    upload: Upload
    image: Image.Image  # decoded and loaded, in its own mode
    mime: str


def check_uploads(
    endpoint: str, uploads: list[Upload], rules: R.ModelRules
) -> tuple[list[InputImage], InputImage | None, InputImage | None]:
    """The input images, mask and markup of an edit or variation, decoded and checked."""
    if endpoint == "generations":
        return [], None, None
    json_refs = any(u.field.startswith("images[") for u in uploads)
    param = "images" if json_refs else "image"
    sources = [
        u for u in uploads if u.field in ("image", "image[]") or u.field.startswith("images[")
    ]
    if endpoint == "variations":
        return [_check_variation_image(sources)], None, None
    _check_image_count(sources, rules, param)
    images = [
        _decode(u, param, rules.edit_mimes, rules.edit_image_max_bytes, rules.square_png_only)
        for u in sources
    ]
    first = images[0].image.size
    masks = [u for u in uploads if u.field == "mask"]
    markups = [u for u in uploads if u.field == "markup"]
    if len(masks) > 1 or len(markups) > 1:
        raise _duplicate("mask" if len(masks) > 1 else "markup")
    if masks and markups:
        # Section A: markup "cannot be combined with mask".
        raise ApiError(
            400, "'markup' cannot be combined with 'mask'.", param="markup", code="invalid_value"
        )
    mask = _check_overlay(masks[0], "mask", rules.mask_max_bytes, first) if masks else None
    markup = (
        _check_overlay(markups[0], "markup", rules.edit_image_max_bytes, first) if markups else None
    )
    return images, mask, markup


def _check_image_count(sources: list[Upload], rules: R.ModelRules, param: str) -> None:
    if not sources:
        raise missing_parameter(param)
    names = {u.field for u in sources}
    if "image" in names and len(sources) > 1:
        # The SDKs send one file as `image` and a list as repeated `image[]`.
        raise _duplicate("image")
    if len(sources) > rules.edit_images_max:
        raise ApiError(
            400,
            f"Invalid 'image': array too long. Expected an array with maximum length "
            f"{rules.edit_images_max}, but got an array with length {len(sources)} instead.",
            param="image",
            code="array_above_max_length",
        )


def _duplicate(name: str) -> ApiError:
    return ApiError(
        400,
        f"Duplicate parameter: '{name}'. Send one '{name}' file, or several images as "
        f"repeated 'image[]' parts.",
        param=name,
        code="invalid_value",
    )


def _check_variation_image(sources: list[Upload]) -> InputImage:
    if not sources:
        raise missing_parameter("image")
    if len(sources) > 1 or sources[0].field != "image":
        raise invalid_type("image", "a file", "an array of files")
    # Spec `CreateImageVariationRequest.image`: "a valid PNG file, less than 4MB, and square".
    return _decode(sources[0], "image", ("image/png",), 4 * R.MIB, square=True)


def _decode(
    upload: Upload, param: str, mimes: tuple[str, ...], max_bytes: int, square: bool = False
) -> InputImage:
    mime = upload.content_type
    if not mime:
        raise bad_file(
            param,
            "failed to determine mimetype. Supported file formats are "
            + ", ".join(f"'{m}'" for m in sorted(mimes))
            + ".",
            "missing_file_mimetype",
        )
    if mime not in mimes:
        raise unsupported_mimetype(param, mime, mimes)
    if len(upload.data) >= max_bytes:
        raise bad_file(
            param,
            f"the file is {len(upload.data)} bytes; it must be less than "
            f"{max_bytes // R.MIB} MB ({max_bytes} bytes).",
            "image_too_large",
        )
    image = _open(upload.data)
    if image is None:
        raise bad_file(param, f"the file could not be decoded as '{mime}'.", "invalid_image_file")
    found = FORMAT_MIME.get(image.format or "", image.format or "unknown")
    if found != mime:
        raise bad_file(
            param,
            f"the file holds '{found}' data, which does not match its declared type '{mime}'.",
            "invalid_image_format",
        )
    if square and image.width != image.height:
        raise bad_file(
            param,
            f"the image must be square, but it is {image.width}x{image.height}.",
            "invalid_image_dimensions",
        )
    return InputImage(upload=upload, image=image, mime=mime)


def _open(data: bytes) -> Image.Image | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
        return image
    except Exception:  # Pillow raises many types for a bad file; all mean "not an image"
        return None


def _check_overlay(
    upload: Upload, param: str, max_bytes: int, first: tuple[int, int]
) -> InputImage:
    """Mask and markup: PNG with real transparency, the size of the first image."""
    decoded = _decode(upload, param, ("image/png",), max_bytes)
    image = decoded.image
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    if not has_alpha:
        raise bad_file(
            param,
            f"the {param} must have an alpha channel (for example RGBA), but its mode is "
            f"'{image.mode}'.",
            f"invalid_{param}_format",
        )
    alpha = image.convert("RGBA").getchannel("A")
    if alpha.getextrema()[0] != 0:
        # Spec: "fully transparent areas (e.g. where alpha is zero) indicate where
        # image should be edited"; none means the mask marks nothing.
        raise bad_file(
            param, f"the {param} has no fully transparent pixels (alpha 0).", f"invalid_{param}"
        )
    if image.size != first:
        raise ApiError(
            400,
            f"Invalid {param}: the {param} is {image.width}x{image.height} but the first image "
            f"is {first[0]}x{first[1]}; they must have the same dimensions.",
            param=param,
            code=f"invalid_{param}_size",
        )
    return decoded


def json_uploads(fields: dict[str, Any]) -> list[Upload]:
    """JSON edits (`EditImageBodyJsonParam`): `images` and `mask` as data: URLs."""
    refs = fields.get("images")
    if not isinstance(refs, list):
        raise invalid_type("images", "an array", value_words(refs))
    if not 1 <= len(refs) <= 16:
        raise ApiError(
            400,
            f"Invalid 'images': expected between 1 and 16 items, but got {len(refs)}.",
            param="images",
            code="invalid_value",
        )
    uploads = [_from_ref(ref, f"images[{i}]", "images") for i, ref in enumerate(refs)]
    if fields.get("mask") is not None:
        uploads.append(_from_ref(fields["mask"], "mask", "mask"))
    return uploads


def _from_ref(ref: Any, name: str, param: str) -> Upload:
    if not isinstance(ref, dict) or len(ref) != 1 or set(ref) - {"image_url", "file_id"}:
        raise ApiError(
            400,
            f"Invalid '{name}': provide exactly one of 'image_url' or 'file_id'.",
            param=param,
            code="invalid_value",
        )
    if "file_id" in ref:
        raise ApiError(
            400,
            f"Invalid '{name}': the stand-in has no Files API; send a data: URL.",
            param=param,
            code="invalid_value",
        )
    url = ref["image_url"]
    match = DATA_URL.match(url) if isinstance(url, str) else None
    if match is None or "base64" not in match.group(2):
        # The stand-in never fetches from the network.
        raise ApiError(
            400,
            f"Invalid '{name}': the stand-in only takes base64 data: URLs.",
            param=param,
            code="invalid_image_url",
        )
    try:
        data = base64.b64decode(match.group(3), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            400, f"Invalid '{name}': bad base64 data.", param=param, code="invalid_image_url"
        ) from None
    return Upload(field=name, filename=None, content_type=match.group(1), data=data)
