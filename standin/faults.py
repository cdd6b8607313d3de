"""Injected faults: what each one does to a response, and which real behaviour it mimics.

Owns `Plan` (how the server must misbehave for one request), `Reply` (a canned
response), the `FAULTS` registry, `make_plan` and `parse_fault_header`. A fault
is chosen per server (`StandinServer.inject`, a queue consumed by the next API
requests) or per request (`X-Standin-Fault: <name>[; key=value]...`).

Every fault takes `should_retry=true|false`, which adds the non-standard
`x-should-retry` header the SDKs obey over the status (shared/openai-images.md
section 10.4). Sources for the bodies: sections 2, 8, 9 of that file.
Pure: builds data, never touches a socket. Imports `errors`, and `render` for
the share of transparent pixels seen in the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, invalid_api_key
from .render import HOLE_FRACTION

Params = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    name: str
    reply: Reply | None = None  # answer this instead of the real result
    reset: bool = False  # start the response, then drop the connection with a RST
    delay: float = 0.0  # seconds before the status line
    body_seconds: float = 0.0  # seconds over which the body trickles out
    truncate: bool = False  # cut the body short (a stream: before `completed`)
    garble: bool = False  # 200 with a body that is not valid JSON
    oversize_mb: float = 0.0  # replace the first image with a huge, valid PNG
    stream_error: dict[str, Any] | None = None  # an error frame in place of `completed`
    holes: float = 0.0  # share of each edit result punched to alpha 0, whatever was asked
    headers: dict[str, str] = field(default_factory=dict)  # added to whatever is sent

    def replaces_answer(self, streaming: bool) -> bool:
        """True when the fault answers instead of the job (a stream error lets it run)."""
        if self.reset:
            return True
        return self.reply is not None and not (streaming and self.stream_error is not None)


def _error_reply(error: ApiError, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(error.body(), indent=2).encode()
    return Reply(error.status, body, headers={**error.headers, **(headers or {})})


def rate_limit(p: Params, request_id: str) -> Plan:
    """429 `rate_limit_exceeded` with `retry-after` (seconds) and `retry-after-ms`.

    Mimics the per-minute image limit (IPM). `retry_after` (s, default 1);
    `hints` = both | seconds | ms | none picks which retry headers are sent.
    """
    wait = float(p.get("retry_after", 1))
    hints = str(p.get("hints", "both"))
    headers = {
        "x-ratelimit-limit-requests": "5",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": f"{wait:g}s",
    }
    if hints in ("both", "seconds"):
        headers["retry-after"] = str(max(0, math.ceil(wait)))
    if hints in ("both", "ms"):
        headers["retry-after-ms"] = str(round(wait * 1000))
    error = ApiError(
        429,
        "Rate limit reached for images per minute (IPM) in organization org-standin: "
        f"Limit 5, Used 5, Requested 1. Please try again in {wait:g}s. Visit "
        "https://platform.openai.com/account/rate-limits to learn more.",
        type="requests",
        code="rate_limit_exceeded",
    )
    return Plan("429", reply=_error_reply(error, headers))


def insufficient_quota(p: Params, request_id: str) -> Plan:
    """429 `insufficient_quota` with no retry-after: billing, not load; retries cannot help.

    The spec's TooManyRequests: Retry-After "may be omitted for 429 responses that
    require user action".
    """
    error = ApiError(
        429,
        "You exceeded your current quota, please check your plan and billing details. For "
        "more information on this error, read the docs: "
        "https://platform.openai.com/docs/guides/error-codes/api-errors.",
        type="insufficient_quota",
        code="insufficient_quota",
    )
    return Plan("insufficient_quota", reply=_error_reply(error))


def server_error(p: Params, request_id: str) -> Plan:
    """500 `server_error`: the service's generic internal failure (retryable)."""
    error = ApiError(
        500,
        "The server had an error while processing your request. Sorry about that! You can "
        f"retry your request, or contact us through our help center at help.openai.com if "
        f"the error persists. (Please include the request ID {request_id} in your message.)",
        type="server_error",
    )
    return Plan("500", reply=_error_reply(error))


def bad_gateway(p: Params, request_id: str) -> Plan:
    """502 from the edge proxy (Cloudflare): an HTML page, not JSON. Clients must cope."""
    html = (
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return Plan("502", reply=Reply(502, html.encode(), "text/html"))


def overloaded(p: Params, request_id: str) -> Plan:
    """503: the engine is overloaded (retryable, usually without a retry-after)."""
    error = ApiError(
        503, "The engine is currently overloaded, please try again later.", type="server_error"
    )
    return Plan("503", reply=_error_reply(error))


def reset(p: Params, request_id: str) -> Plan:
    """The connection drops mid-response (TCP RST): a proxy or network failure."""
    return Plan("reset", reset=True)


def slow(p: Params, request_id: str) -> Plan:
    """A long render then a slow network: `delay` s before answering (default 2), then
    the body trickles out over `body_seconds` (default 2). For timeout and cancel tests."""
    return Plan(
        "slow", delay=float(p.get("delay", 2.0)), body_seconds=float(p.get("body_seconds", 2.0))
    )


def truncated(p: Params, request_id: str) -> Plan:
    """The stream (or body) ends early: partial images arrive, `completed` never does.

    Spec section 8 open point: a stream may end with an abrupt close."""
    return Plan("truncated_stream", truncate=True)


def malformed_json(p: Params, request_id: str) -> Plan:
    """200 with `application/json` that does not parse: a proxy cut or garbled body."""
    return Plan("malformed_json", garble=True)


def moderation_blocked(p: Params, request_id: str) -> Plan:
    """400 `moderation_blocked`, as GPT image models answer a refused prompt.

    Body as seen in the field (shared/openai-images.md section 9.3): type
    `image_generation_user_error`, the request id and `safety_violations=[...]`
    in the message. Not retryable; the client shows it to the user."""
    categories = str(p.get("categories", "sexual"))
    return Plan("moderation_blocked", reply=_error_reply(_moderation_error(request_id, categories)))


def _moderation_error(request_id: str, categories: str, stage: str | None = None) -> ApiError:
    extra = {}
    if stage:
        extra["moderation_details"] = {
            "moderation_stage": stage,
            "categories": categories.split(","),
        }
    return ApiError(
        400,
        "Your request was rejected by the safety system. If you believe this is an error, "
        f"contact us at help.openai.com and include the request ID {request_id}. "
        f"safety_violations=[{categories}].",
        type="image_generation_user_error",
        code="moderation_blocked",
        extra=extra,
    )


def stream_error(p: Params, request_id: str) -> Plan:
    """A refusal at the output stage: streams get a `data: {"error": ...}` frame instead of
    `completed` (the SDK raises on any data with an `error` key); plain requests get the
    400 with `moderation_details.moderation_stage = "output"`."""
    error = _moderation_error(request_id, str(p.get("categories", "violence")), "output")
    return Plan("stream_error", reply=_error_reply(error), stream_error=error.body())


def unauthorized(p: Params, request_id: str) -> Plan:
    """401 `invalid_api_key`: a revoked or mistyped key."""
    return Plan("401", reply=_error_reply(invalid_api_key()))


def unverified(p: Params, request_id: str) -> Plan:
    """403: GPT image models need a verified organization (openai-php/client#565)."""
    model = str(p.get("model", "gpt-image-2"))
    error = ApiError(
        403,
        f"Your organization must be verified to use the model `{model}`. Please go to: "
        "https://platform.openai.com/settings/organization/general and click on Verify "
        "Organization. If you just verified, it can take up to 15 minutes for access to "
        "propagate.",
    )
    return Plan("403", reply=_error_reply(error))


def oversized(p: Params, request_id: str) -> Plan:
    """A 200 whose image is very large but valid (`megabytes`, default 64 MiB of PNG):
    for the client's response-size cap. The real service can return tens of MB at 4K."""
    return Plan("oversized", oversize_mb=float(p.get("megabytes", 64)))


def holes(p: Params, request_id: str) -> Plan:
    """A 200 edit whose images have `fraction` (default 0.217) of their pixels at alpha 0
    even when `background=opaque` was asked, reported as asked: the holes seen in the
    field with "auto" (section A), for testing the client's own backstop. PNG and WebP
    results only (JPEG has no alpha); generations are left as they are."""
    return Plan("holes", holes=float(p.get("fraction", HOLE_FRACTION)))


def retry_true(p: Params, request_id: str) -> Plan:
    """400 with `x-should-retry: true`: the server overrides the status rule (retry a 4xx)."""
    error = ApiError(400, "The request could not be processed right now.", code=None)
    return Plan("should_retry_true", reply=_error_reply(error), headers={"x-should-retry": "true"})


def retry_false(p: Params, request_id: str) -> Plan:
    """500 with `x-should-retry: false`: the server overrides the status rule (do not retry)."""
    plan = server_error(p, request_id)
    plan.name, plan.headers = "should_retry_false", {"x-should-retry": "false"}
    return plan


FAULTS: dict[str, Callable[[Params, str], Plan]] = {
    "429": rate_limit,
    "insufficient_quota": insufficient_quota,
    "500": server_error,
    "502": bad_gateway,
    "503": overloaded,
    "reset": reset,
    "slow": slow,
    "truncated_stream": truncated,
    "malformed_json": malformed_json,
    "moderation_blocked": moderation_blocked,
    "stream_error": stream_error,
    "401": unauthorized,
    "403": unverified,
    "oversized": oversized,
    "holes": holes,
    "should_retry_true": retry_true,
    "should_retry_false": retry_false,
}
ALIASES = {
    "rate_limit": "429",
    "quota": "insufficient_quota",
    "429_quota": "insufficient_quota",
    "server_error": "500",
    "bad_gateway": "502",
    "overloaded": "503",
    "truncated": "truncated_stream",
    "moderation": "moderation_blocked",
    "invalid_key": "401",
    "unverified": "403",
    "transparent_holes": "holes",
    "x-should-retry-true": "should_retry_true",
    "x-should-retry-false": "should_retry_false",
}


def canonical(name: str) -> str:
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
    return key


def make_plan(name: str, params: Params, request_id: str) -> Plan:
    plan = FAULTS[canonical(name)](params, request_id)
    if "should_retry" in params:
        plan.headers["x-should-retry"] = "true" if _truthy(params["should_retry"]) else "false"
    return plan


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")


def parse_fault_header(value: str) -> tuple[str, Params]:
    """`429; retry_after=2; hints=ms` -> ("429", {"retry_after": 2.0, "hints": "ms"})."""
    name, *pairs = [piece.strip() for piece in value.split(";")]
    params: Params = {}
    for pair in pairs:
        if "=" in pair:
            key, _, raw = pair.partition("=")
            params[key.strip()] = _param_value(raw.strip())
    return canonical(name), params


def _param_value(raw: str) -> Any:
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    try:
        return float(raw)
    except ValueError:
        return raw
