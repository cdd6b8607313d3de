"""Checks one Images API request the way the real service states it would.

Owns `Submission` (a request as it arrived, already split into fields and file
parts), `Job` (a request that passed, with every default filled in), and
`validate`. Order of checks: unknown field names and types first (schema
level), then the model, then per-model fields, then files (uploads.py). The
first broken rule raises `ApiError`, as the service answers with one error.
Imports `errors`, `rules`, `uploads`; no HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import rules as R
from .errors import (
    ApiError,
    deployment_not_found,
    integer_out_of_range,
    invalid_type,
    invalid_value,
    missing_parameter,
    model_not_found,
    unknown_parameter,
    unsupported_parameter,
    value_words,
)
from .uploads import InputImage, Upload, check_uploads, json_uploads

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
OUTPUT_FORMATS = ("png", "jpeg", "webp")


@dataclass
class Submission:
    endpoint: str  # generations, edits, variations
    encoding: str  # json or multipart
    fields: dict[str, Any]
    uploads: list[Upload] = field(default_factory=list)
    deployment: str | None = None  # Azure classic URLs name the model in the path


@dataclass
class Job:
    endpoint: str
    rules: R.ModelRules
    prompt: str
    n: int
    width: int
    height: int
    quality: str  # as reported back: "auto" is resolved
    background: str  # as reported back: "transparent" or "opaque" ("auto" reads opaque)
    background_asked: str  # "auto" (also when absent), "opaque" or "transparent"
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
    # how many identical requests this server answered before: the real model renders
    # anew each time, so a repeat gets other pictures (a fresh server repeats itself)
    repeat: int = 0

    @property
    def model(self) -> str:
        return self.rules.id

    @property
    def size(self) -> str:
        return R.format_size(self.width, self.height)


def validate(
    sub: Submission,
    *,
    alive: Callable[[R.ModelRules], bool],
    models: Mapping[str, R.ModelRules] | None = None,
) -> Job:
    """The job, or the first `ApiError`. `alive` says whether a model still answers
    on this server today (lifecycle.py); a model that does not is "not found"."""
    table = R.MODELS if models is None else models
    values = _typed_fields(sub)
    rules, defaulted = _resolve_model(sub, values, alive, table)
    _refuse_foreign_fields(sub, values, rules)
    prompt = _check_prompt(sub.endpoint, values, rules)
    n = _check_int(values, "n", 1, 1, rules.n_max)
    quality = _check_enum(values, "quality", rules.qualities, "auto" if rules.gpt else "standard")
    output_format = _check_enum(values, "output_format", OUTPUT_FORMATS, "png")
    background = _check_background(values, output_format)
    background_asked = str(values.get("background", "auto"))
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
    images, mask, markup = check_uploads(sub.endpoint, _uploads_of(sub), rules)
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
        background_asked=background_asked,
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
    raise invalid_type(name, _type_words(wanted), value_words(raw))


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


def _resolve_model(
    sub: Submission,
    values: dict[str, Any],
    alive: Callable[[R.ModelRules], bool],
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
    if rules is None or not alive(rules):
        # A shut-down model answers exactly as one that never existed (section 1).
        # Without `model`, this is also what the shut-down spec default answers.
        raise model_not_found(model_id)
    if sub.endpoint not in rules.endpoints:
        able = [m for m, r in table.items() if sub.endpoint in r.endpoints and alive(r)]
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


def _uploads_of(sub: Submission) -> list[Upload]:
    if sub.endpoint == "edits" and sub.encoding == "json":
        return json_uploads(sub.fields)
    return sub.uploads
