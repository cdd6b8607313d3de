"""The one error tree of the Images API client, and the mapping from HTTP replies to it.

Imports nothing but the standard library; no httpx here (client.py maps httpx's
exceptions onto this tree). The core never formats UI text: each error carries
its own plain message and the facts (status, code, request id) an adapter needs
to phrase one.

    ImagesError
    ├── ConfigurationError          bad base URL, plain http to a remote host, bad CA file
    │   └── MissingKeyError         no API key anywhere: each entry point says where to put one
    ├── ValidationError             a request the model cannot take (field, rule); nothing was sent
    ├── CancelledError              the caller's CancelToken fired
    └── APIError                    (message, request_id)
        ├── APIStatusError          (status, code, type, param, body, request_id)
        │   ├── BadRequestError             400
        │   │   └── ModerationError         moderation_blocked, content_policy_violation, ...
        │   ├── AuthenticationError         401
        │   ├── PermissionDeniedError       403
        │   ├── NotFoundError               404
        │   ├── ConflictError               409
        │   ├── UnprocessableEntityError    422
        │   ├── RateLimitError              429
        │   │   └── QuotaError              insufficient_quota, credit_balance_exhausted, billing
        │   └── InternalServerError         >= 500
        ├── APIConnectionError      the network failed (DNS, TCP, TLS, proxy, dropped connection)
        │   └── APITimeoutError     connect or read timeout
        └── ResponseError           a reply we cannot use: malformed JSON, truncated stream,
                                    an image over the size cap, a bad image URL
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

# Refusals by the safety system: retrying them only spends money and time.
MODERATION_CODES = frozenset(
    {"moderation_blocked", "content_policy_violation", "contentFilter", "content_filter"}
)
# Azure puts its own code one level down, in error.inner_error.code.
_AZURE_MODERATION_INNER = frozenset({"ResponsibleAIPolicyViolation"})
# 429s that need the user to pay, not to wait.
QUOTA_CODES = frozenset({"insufficient_quota", "credit_balance_exhausted"})

_BODY_TEXT_LIMIT = 300


class ImagesError(Exception):
    """Root of every error the core raises."""


class ConfigurationError(ImagesError):
    """The client cannot be set up as configured; fix the settings, not the request."""


class MissingKeyError(ConfigurationError):
    """No API key in the environment, the keychain or the key file."""


class ValidationError(ImagesError):
    """A request field breaks a rule of the chosen model; raised before anything is sent."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class CancelledError(ImagesError):
    """The job was cancelled through its CancelToken."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class APIError(ImagesError):
    """Something went wrong talking to the API."""

    def __init__(self, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id

    def __str__(self) -> str:
        if self.request_id:
            return f"{self.message} [request id {self.request_id}]"
        return self.message


class APIStatusError(APIError):
    """The API answered with an error status (or an error event inside a stream)."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        type: str | None = None,
        param: str | None = None,
        body: Any = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, request_id)
        self.status = status
        self.code = code
        self.type = type
        self.param = param
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})

    def __str__(self) -> str:
        head = f"HTTP {self.status}" if self.status else "stream error"
        if self.code:
            head += f" ({self.code})"
        return f"{head}: {super().__str__()}"


class BadRequestError(APIStatusError):
    pass


class ModerationError(BadRequestError):
    """The safety system refused the prompt or the image. Never retried."""


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class UnprocessableEntityError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    pass


class QuotaError(RateLimitError):
    """Out of credit or over the billing limit: waiting does not help. Never retried."""


class InternalServerError(APIStatusError):
    pass


class APIConnectionError(APIError):
    pass


class APITimeoutError(APIConnectionError):
    pass


class ResponseError(APIError):
    pass


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def is_moderation(code: str | None, message: str = "", inner_code: str | None = None) -> bool:
    """True for a refusal by the safety system (OpenAI, DALL·E and Azure shapes)."""
    return (
        code in MODERATION_CODES
        or inner_code in _AZURE_MODERATION_INNER
        or "safety system" in message.lower()
    )


def is_quota(code: str | None, type: str | None = None) -> bool:
    """True for 'out of money' rather than 'too fast'."""
    return (
        code in QUOTA_CODES
        or type in QUOTA_CODES
        or (code is not None and "billing" in code.lower())
    )


def _lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The id OpenAI support asks for; Azure's gateway sends its own when OpenAI's is absent."""
    low = _lower_keys(headers)
    return low.get("x-request-id") or low.get("apim-request-id")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _error_fields(body: Any) -> tuple[str | None, dict[str, Any]]:
    """(message, error object) from an error body in any of the shapes seen in the wild."""
    if not isinstance(body, dict):
        return None, {}
    err = body.get("error")
    if isinstance(err, dict):
        return _text(err.get("message")), err
    if isinstance(err, str):  # some proxies: {"error": "text"}
        return err, {}
    return _text(body.get("message")), body  # {"message": ..., "code": ...} with no wrapper


def _status_class(
    status: int, code: str | None, type_: str | None, message: str, inner: str | None
) -> type[APIStatusError]:
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = InternalServerError if status >= 500 else APIStatusError
    if cls is BadRequestError and is_moderation(code, message, inner):
        return ModerationError
    if cls is RateLimitError and is_quota(code, type_):
        return QuotaError
    return cls


def _build(
    status: int,
    body: Any,
    message: str | None,
    err: dict[str, Any],
    request_id: str | None,
    headers: Mapping[str, str] | None,
    cls: type[APIStatusError] | None = None,
) -> APIStatusError:
    code = _text(err.get("code")) if err else None
    if code is None and isinstance(err.get("code"), int):
        code = str(err["code"])
    type_ = _text(err.get("type"))
    inner_obj = err.get("inner_error") or err.get("innererror")
    inner = _text(inner_obj.get("code")) if isinstance(inner_obj, dict) else None
    text = message or f"HTTP {status}"
    if cls is None:
        cls = _status_class(status, code, type_, text, inner)
    return cls(
        text,
        status=status,
        code=code,
        type=type_,
        param=_text(err.get("param")),
        body=body,
        request_id=request_id,
        headers=headers,
    )


def error_from_response(
    status: int, headers: Mapping[str, str], body_bytes: bytes
) -> APIStatusError:
    """The error for an HTTP reply with an error status; never raises itself."""
    text = body_bytes.decode("utf-8", errors="replace")
    body: Any
    try:
        body = json.loads(text) if text.strip() else None
    except RecursionError:  # nested deeper than Python's stack: say so, keep no body
        body = "the error reply is JSON nested too deeply to read"
    except ValueError:
        body = text
    message, err = _error_fields(body)
    if message is None and isinstance(body, str) and body.strip():
        # An HTML page from a proxy or gateway: keep a short, single-line excerpt.
        message = " ".join(body.split())[:_BODY_TEXT_LIMIT]
    return _build(status, body, message, err, request_id_of(headers), headers)


def error_from_stream_event(
    payload: Mapping[str, Any], request_id: str | None = None
) -> APIStatusError:
    """The error for a `data: {"error": ...}` (or `type: error`) event inside an SSE stream.

    The HTTP status was already 200, so the class comes from the code and type
    alone; `status` is the one a plain reply would have carried (0 when unknown).
    """
    body = dict(payload)
    message, err = _error_fields(body)
    if not err and not isinstance(body.get("error"), str):
        err = body
    code = _text(err.get("code"))
    type_ = _text(err.get("type"))
    text = message or "an error occurred during streaming"
    status, cls = 0, APIStatusError
    if is_moderation(code, text):
        status, cls = 400, ModerationError
    elif is_quota(code, type_):
        status, cls = 429, QuotaError
    elif code == "rate_limit_exceeded" or type_ in ("rate_limit_error", "requests", "tokens"):
        status, cls = 429, RateLimitError
    elif type_ == "server_error" or code == "server_error":
        status, cls = 500, InternalServerError
    elif type_ == "invalid_request_error":
        status, cls = 400, BadRequestError
    return _build(status, body, text, err, request_id, None, cls)


NothingToEditReason = Literal["empty_selection", "no_selection", "opaque_layer", "outside_canvas"]


class NothingToEditError(ImagesError, ValueError):
    """Neither a selection nor transparent pixels say where to paint.

    `reason` is one of `NothingToEditReason`, so each host words its own message.
    """

    def __init__(self, reason: NothingToEditReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
