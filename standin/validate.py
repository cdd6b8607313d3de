"""Checks one Images API request the way the real service states it would.

Owns `Upload`, `Submission` (a request as it arrived, already split into fields
and file parts), `InputImage` and `Job` (a request that passed, with every
default filled in), and `validate`. Order of checks: unknown field names and
types first (schema level), then the model, then per-model fields, then files.
The first broken rule raises `ApiError`, as the service answers with one error.
Imports `errors`, `rules` and Pillow; no HTTP.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from . import rules as R
from .errors import (
    ApiError,
    bad_file,
    deployment_not_found,
    integer_out_of_range,
    invalid_type,
    invalid_value,
    missing_parameter,
    model_not_found,
    unknown_parameter,
    unsupported_mimetype,
    unsupported_parameter,
)

FIELD_TYPES: dict[str, type] = {
    "prompt": str,
    "model": str,
    "n": int,
    "quality": str,
    "size": str,
    "user": str,
    "safety_identifier": str,
    "response_format": str,
    "output_format": str,
    "output_compression": int,
    "stream": bool,
    "partial_images": int,
    "moderation": str,
    "background": str,
    "style": str,
    "complexity": str,
    "input_fidelity": str,
}
_COMMON = {"prompt", "model", "n", "quality", "size", "user", "safety_identifier"}
_GPT_OUTPUT = {"output_format", "output_compression", "stream", "partial_images", "background"}
# Field names each request shape knows (spec schemas plus section A). `moderation`
# is not a field of the multipart edit schema (section 4.1), so it is refused there.
ALLOWED_FIELDS = {
    ("generations", "json"): _COMMON
    | _GPT_OUTPUT
    | {"response_format", "moderation", "style", "complexity"},
    ("edits", "multipart"): _COMMON
    | _GPT_OUTPUT
    | {"response_format", "input_fidelity", "complexity"},
    ("edits", "json"): _COMMON
    | _GPT_OUTPUT
    | {"images", "mask", "moderation", "input_fidelity", "complexity"},
    ("variations", "multipart"): {"model", "n", "response_format", "size", "user"},
}
ALLOWED_FILES = {
    ("edits", "multipart"): {"image", "image[]", "mask", "markup"},
    ("variations", "multipart"): {"image"},
}
# Fields only GPT image models take; a DALL-E model refuses them.
GPT_ONLY = _GPT_OUTPUT | {"moderation", "input_fidelity", "complexity"}
FORMAT_MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
OUTPUT_FORMATS = ("png", "jpeg", "webp")
DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?((?:;[^;,]*)*),(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Upload:
    field: str  # the multipart part name (image, image[], mask, markup) or images[i]
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class Submission:
    endpoint: str  # generations, edits, variations
    encoding: str  # json or multipart
    fields: dict[str, Any]
    uploads: list[Upload] = field(default_factory=list)
    deployment: str | None = None  # Azure classic URLs name the model in the path


@dataclass
class InputImage:
    upload: Upload
    image: Image.Image  # decoded and loaded, in its own mode
    mime: str


@dataclass
class Job:
    endpoint: str
    rules: R.ModelRules
    prompt: str
    n: int
    width: int
    height: int
    quality: str  # as reported back: "auto" is resolved
    background: str  # "transparent" or "opaque"
    output_format: str
    compression: int
    stream: bool
    partial_images: int
    response_format: str  # "b64_json" or "url"
    style: str | None = None
    images: list[InputImage] = field(default_factory=list)
    mask: InputImage | None = None
    markup: InputImage | None = None
    input_fidelity: str | None = None
    safety_identifier: str | None = None
    model_defaulted: bool = False

    @property
    def model(self) -> str:
        return self.rules.id

    @property
    def size(self) -> str:
        return R.format_size(self.width, self.height)


def validate(
    sub: Submission, *, legacy: bool, models: Mapping[str, R.ModelRules] | None = None
) -> Job:
    table = R.MODELS if models is None else models
    values = _typed_fields(sub)
    rules, defaulted = _resolve_model(sub, values, legacy, table)
    _refuse_foreign_fields(sub, values, rules)
    prompt = _check_prompt(sub.endpoint, values, rules)
    n = _check_int(values, "n", 1, 1, rules.n_max)
    quality = _check_enum(values, "quality", rules.qualities, "auto" if rules.gpt else "standard")
    output_format = _check_enum(values, "output_format", OUTPUT_FORMATS, "png")
    background = _check_background(values, output_format)
    compression = _check_compression(values, output_format)
    stream = bool(values.get("stream", False))
    partial_images = _check_int(values, "partial_images", 0, 0, 3)
    response_format = _check_enum(
        values, "response_format", ("url", "b64_json"), "b64_json" if rules.gpt else "url"
    )
    style = _check_enum(values, "style", rules.styles, "vivid") if rules.styles else None
    fidelity = values.get("input_fidelity")
    if fidelity is not None:
        _check_enum(values, "input_fidelity", rules.input_fidelity, "low")
    if "complexity" in values:
        _check_enum(values, "complexity", rules.complexity, "medium")
    _check_enum(values, "moderation", ("low", "auto"), "auto")
    images, mask, markup = _check_uploads(sub, rules)
    width, height = _check_size(sub.endpoint, values, rules, images)
    return Job(
        endpoint=sub.endpoint,
        rules=rules,
        prompt=prompt,
        n=n,
        width=width,
        height=height,
        quality="high" if quality == "auto" else quality,
        background=background,
        output_format=output_format,
        compression=compression,
        stream=stream,
        partial_images=partial_images,
        response_format=response_format,
        style=style,
        images=images,
        mask=mask,
        markup=markup,
        input_fidelity=fidelity,
        safety_identifier=values.get("safety_identifier"),
        model_defaulted=defaulted,
    )


# ----------------------------------------------------------------- fields


def _typed_fields(sub: Submission) -> dict[str, Any]:
    """Known names only, each of the right type; nulls dropped (the SDKs omit them)."""
    allowed = ALLOWED_FIELDS[(sub.endpoint, sub.encoding)]
    files = ALLOWED_FILES.get((sub.endpoint, sub.encoding), set())
    values: dict[str, Any] = {}
    for name, raw in sub.fields.items():
        if name in files:
            # A text part where a file belongs.
            raise invalid_type(name.rstrip("[]"), "one of an array of files or file", "a string")
        if name not in allowed:
            raise unknown_parameter(name)
        if raw is None or name in ("images", "mask"):
            if raw is not None:
                values[name] = raw
            continue
        values[name] = _coerce(name, raw, sub.encoding)
    for upload in sub.uploads:
        if upload.field in files or upload.field.startswith("images["):
            continue
        if upload.field in allowed:
            raise invalid_type(upload.field, _type_words(FIELD_TYPES[upload.field]), "a file")
        raise unknown_parameter(upload.field)
    return values


def _coerce(name: str, raw: Any, encoding: str) -> Any:
    wanted = FIELD_TYPES[name]
    if encoding == "multipart":
        return _from_text(name, str(raw), wanted)
    if wanted is int and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if wanted is not int and isinstance(raw, wanted):
        return raw
    raise invalid_type(name, _type_words(wanted), _value_words(raw))


def _from_text(name: str, text: str, wanted: type) -> Any:
    if wanted is int:
        if re.fullmatch(r"-?[0-9]+", text.strip()):
            return int(text)
        raise invalid_type(name, "an integer", "a string")
    if wanted is bool:
        # The SDKs send "true"/"false" (PY `_qs.py`).
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise invalid_type(name, "a boolean", "a string")
    return text


def _type_words(kind: type) -> str:
    return {int: "an integer", bool: "a boolean", str: "a string"}[kind]


def _value_words(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _resolve_model(
    sub: Submission,
    values: dict[str, Any],
    legacy: bool,
    table: Mapping[str, R.ModelRules],
) -> tuple[R.ModelRules, bool]:
    defaulted = False
    if sub.deployment is not None:
        model_id = sub.deployment
        if model_id not in table:
            raise deployment_not_found()
    elif "model" in values:
        model_id = values["model"]
    else:
        defaulted = True
        model_id = R.DEFAULT_MODEL[sub.endpoint]
        if sub.endpoint == "generations" and any(f in values for f in R.GPT_ONLY_GENERATION_FIELDS):
            model_id = "gpt-image-1"
    rules = table.get(model_id)
    if rules is None or (rules.retired and not legacy):
        raise model_not_found(model_id)
    if sub.endpoint not in rules.endpoints:
        able = [m for m, r in table.items() if sub.endpoint in r.endpoints]
        raise invalid_value("model", model_id, able)
    if sub.endpoint == "edits" and sub.encoding == "json" and not rules.gpt:
        raise ApiError(
            400,
            "JSON edits take GPT image models only; DALL-E edits require multipart/form-data.",
            param="model",
            code="invalid_value",
        )
    return rules, defaulted


def _refuse_foreign_fields(sub: Submission, values: dict[str, Any], rules: R.ModelRules) -> None:
    """Fields that exist in the schema but not for this model."""
    for name in values:
        if rules.gpt and name in ("response_format", "style"):
            # GPT image models answer exactly this (vercel/ai#6102, lofcz/LLMTornado#155).
            raise unknown_parameter(name)
        if not rules.gpt and name in GPT_ONLY:
            raise unsupported_parameter(name, rules.id)
        if name == "style" and not rules.styles:
            raise unsupported_parameter(name, rules.id)
        if name == "input_fidelity" and not rules.input_fidelity:
            # Section A: "omit input_fidelity for gpt-image-2".
            raise unsupported_parameter(name, rules.id)
        if name == "complexity" and not rules.complexity:
            raise unsupported_parameter(name, rules.id)
    if any(u.field == "markup" for u in sub.uploads) and not rules.markup:
        raise unsupported_parameter("markup", rules.id)


def _check_prompt(endpoint: str, values: dict[str, Any], rules: R.ModelRules) -> str:
    if endpoint == "variations":
        return ""
    prompt = values.get("prompt")
    if prompt is None:
        raise missing_parameter("prompt")
    if prompt == "":
        raise ApiError(
            400,
            "Invalid 'prompt': empty string. Expected a string with minimum length 1, "
            "but got an empty string instead.",
            param="prompt",
            code="empty_string",
        )
    if len(prompt) > rules.prompt_max:
        raise ApiError(
            400,
            f"Invalid 'prompt': string too long. Expected a string with maximum length "
            f"{rules.prompt_max}, but got a string with length {len(prompt)} instead.",
            param="prompt",
            code="string_above_max_length",
        )
    return str(prompt)


def _check_int(values: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = int(values.get(name, default))
    if not low <= value <= high:
        raise integer_out_of_range(name, value, low, high)
    return value


def _check_enum(values: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = values.get(name, default)
    if value not in allowed:
        raise invalid_value(name, value, allowed)
    return str(value)


def _check_background(values: dict[str, Any], output_format: str) -> str:
    background = _check_enum(values, "background", ("transparent", "opaque", "auto"), "auto")
    if background == "transparent" and output_format not in ("png", "webp"):
        # Spec: "When using transparent, set the output format to png or webp."
        raise ApiError(
            400,
            f"Transparent backgrounds need the output format 'png' or 'webp', "
            f"but got '{output_format}'.",
            param="background",
            code="invalid_value",
        )
    return "transparent" if background == "transparent" else "opaque"


def _check_compression(values: dict[str, Any], output_format: str) -> int:
    if "output_compression" not in values:
        return 100
    value = _check_int(values, "output_compression", 100, 0, 100)
    if output_format not in ("jpeg", "webp"):
        # Spec: "only supported ... with the webp or jpeg output formats".
        raise ApiError(
            400,
            f"'output_compression' is only supported with the 'jpeg' and 'webp' output "
            f"formats, but the output format is '{output_format}'.",
            param="output_compression",
            code="invalid_value",
        )
    return value


def _check_size(
    endpoint: str, values: dict[str, Any], rules: R.ModelRules, images: list[InputImage]
) -> tuple[int, int]:
    # GPT edits without a size come back at the input's shape in practice ("auto",
    # Bike4Mind/bike4mind#2419), although the spec prints 1024x1024 as the default.
    default = "auto" if rules.auto_size else "1024x1024"
    size = values.get("size", default)
    error = R.check_size(rules, size)
    if error is not None:
        raise error
    if size == "auto":
        return R.auto_size(rules, images[0].image.size if images else None)
    parsed = R.parse_size(size)
    assert parsed is not None  # check_size accepted it
    return parsed


# ----------------------------------------------------------------- files


def _check_uploads(
    sub: Submission, rules: R.ModelRules
) -> tuple[list[InputImage], InputImage | None, InputImage | None]:
    if sub.endpoint == "generations":
        return [], None, None
    uploads = json_uploads(sub) if sub.encoding == "json" else sub.uploads
    param = "images" if sub.encoding == "json" else "image"
    sources = [
        u for u in uploads if u.field in ("image", "image[]") or u.field.startswith("images[")
    ]
    if sub.endpoint == "variations":
        return [_check_variation_image(sources)], None, None
    _check_image_count(sources, rules, sub.encoding)
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


def _check_image_count(sources: list[Upload], rules: R.ModelRules, encoding: str) -> None:
    if not sources:
        raise missing_parameter("images" if encoding == "json" else "image")
    names = {u.field for u in sources}
    if encoding == "multipart" and ("image" in names and len(sources) > 1):
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


def json_uploads(sub: Submission) -> list[Upload]:
    """JSON edits (`EditImageBodyJsonParam`): `images` and `mask` as data: URLs."""
    refs = sub.fields.get("images")
    if not isinstance(refs, list):
        raise invalid_type("images", "an array", _value_words(refs))
    if not 1 <= len(refs) <= 16:
        raise ApiError(
            400,
            f"Invalid 'images': expected between 1 and 16 items, but got {len(refs)}.",
            param="images",
            code="invalid_value",
        )
    uploads = [_from_ref(ref, f"images[{i}]", "images") for i, ref in enumerate(refs)]
    if sub.fields.get("mask") is not None:
        uploads.append(_from_ref(sub.fields["mask"], "mask", "mask"))
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
