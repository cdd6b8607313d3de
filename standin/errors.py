"""Error bodies in the real Images API shape, and the helpers that word them.

Owns `ApiError` (raised by validation, turned into a response by the server)
and the message builders. The shape is the one the spec requires
(`{"error": {"message", "type", "param", "code"}}`, all four keys present,
shared/openai-openapi/openapi.yaml `Error`, line 38249). Where a message was
seen in the field it is copied in spirit (see the comments); the others are the
stand-in's own wording in the same style, with codes from the same family.
Imports nothing from the rest of the stand-in.
"""

from __future__ import annotations

from typing import Any

INVALID_REQUEST = "invalid_request_error"


class ApiError(Exception):
    """A request the real service would refuse: status plus the error object."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = INVALID_REQUEST,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.type,
            "param": self.param,
            "code": self.code,
        }
        error.update(self.extra)
        return {"error": error}


def quoted_list(values: list[str] | tuple[str, ...]) -> str:
    """'a', 'b', and 'c': how the API lists supported values."""
    items = [f"'{v}'" for v in values]
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def invalid_value(param: str, value: object, allowed: list[str] | tuple[str, ...]) -> ApiError:
    # Seen in the field: "Invalid value: '1254x836'. Supported values are: '1024x1024',
    # '1024x1536', '1536x1024', and 'auto'." (pollinations/pollinations#5037).
    return ApiError(
        400,
        f"Invalid value: '{value}'. Supported values are: {quoted_list(allowed)}.",
        param=param,
        code="invalid_value",
    )


def unknown_parameter(name: str) -> ApiError:
    # Seen in the field for response_format on GPT image models (vercel/ai#6102).
    return ApiError(400, f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")


def unsupported_parameter(name: str, model: str) -> ApiError:
    # The API's wording for a known field that this model does not take.
    return ApiError(
        400,
        f"Unsupported parameter: '{name}' is not supported with the model '{model}'.",
        param=name,
        code="unsupported_parameter",
    )


def missing_parameter(name: str) -> ApiError:
    return ApiError(
        400,
        f"Missing required parameter: '{name}'.",
        param=name,
        code="missing_required_parameter",
    )


def invalid_type(name: str, expected: str, got: str) -> ApiError:
    # Seen in the field: "Invalid type for 'image': expected one of an array of files
    # or file, but got a string instead." (openai/openai-ruby#147).
    return ApiError(
        400,
        f"Invalid type for '{name}': expected {expected}, but got {got} instead.",
        param=name,
        code="invalid_type",
    )


def value_words(value: Any) -> str:
    """How the API names the JSON type of a value it did not expect."""
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


def integer_out_of_range(name: str, value: int, low: int, high: int) -> ApiError:
    if value < low:
        return ApiError(
            400,
            f"Invalid '{name}': integer below minimum value. Expected a value >= {low}, "
            f"but got {value} instead.",
            param=name,
            code="integer_below_min_value",
        )
    return ApiError(
        400,
        f"Invalid '{name}': integer above maximum value. Expected a value <= {high}, "
        f"but got {value} instead.",
        param=name,
        code="integer_above_max_value",
    )


def model_not_found(model: str) -> ApiError:
    # What retired and unknown ids get (404, as for other endpoints; e.g.
    # jdmnk/codex-imagegen-cli#18). Secondary sources report `model_not_found`
    # for dall-e after 2026-05-12 (shared/openai-images.md section 1).
    return ApiError(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        code="model_not_found",
    )


def deployment_not_found() -> ApiError:
    # Azure's wording for an unknown deployment name.
    return ApiError(
        404,
        "The API deployment for this resource does not exist. If you created the deployment "
        "within the last 5 minutes, please wait a moment and try again.",
        code="DeploymentNotFound",
    )


def bad_file(param: str, message: str, code: str) -> ApiError:
    return ApiError(400, f"Invalid file '{param}': {message}", param=param, code=code)


def unsupported_mimetype(param: str, mime: str, allowed: tuple[str, ...]) -> ApiError:
    # Seen in the field (backblaze-labs/genblaze#253, openai/openai-python#2341):
    # "Invalid file 'image': unsupported mimetype ('application/octet-stream').
    # Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'."
    return bad_file(
        param,
        f"unsupported mimetype ('{mime}'). Supported file formats are "
        f"{quoted_list(sorted(allowed))}.",
        "unsupported_file_mimetype",
    )


def invalid_url(method: str, path: str) -> ApiError:
    # The real 404 for a route that does not exist.
    return ApiError(404, f"Invalid URL ({method} {path})")


def missing_auth() -> ApiError:
    return ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    )


def invalid_api_key() -> ApiError:
    # The real message echoes a masked key; the stand-in never echoes any part of it.
    return ApiError(
        401,
        "Incorrect API key provided: sk-***. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        code="invalid_api_key",
    )
