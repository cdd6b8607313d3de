"""errors.py: the tree, error_from_response for every status and body shape, stream errors."""

from __future__ import annotations

import json

import pytest

from core import errors as E
from core.errors import error_from_response, error_from_stream_event


def body(code=None, message="boom", type_="invalid_request_error", param=None, **extra):
    return json.dumps(
        {"error": {"message": message, "type": type_, "param": param, "code": code, **extra}}
    ).encode()


@pytest.mark.parametrize(
    "status, cls",
    [
        (400, E.BadRequestError),
        (401, E.AuthenticationError),
        (403, E.PermissionDeniedError),
        (404, E.NotFoundError),
        (409, E.ConflictError),
        (422, E.UnprocessableEntityError),
        (429, E.RateLimitError),
        (500, E.InternalServerError),
        (503, E.InternalServerError),
        (599, E.InternalServerError),
    ],
)
def test_status_picks_the_class(status, cls):
    err = error_from_response(status, {}, body())
    assert type(err) is cls
    assert err.status == status


def test_other_statuses_get_the_base_class():
    for status in (302, 402, 413, 418):
        assert type(error_from_response(status, {}, body())) is E.APIStatusError


def test_fields_and_message_are_kept():
    err = error_from_response(
        400,
        {"X-Request-Id": "req_42"},
        body(code="invalid_value", message="Invalid size", param="size"),
    )
    assert (err.code, err.type, err.param, err.request_id) == (
        "invalid_value",
        "invalid_request_error",
        "size",
        "req_42",
    )
    assert err.message == "Invalid size"
    assert err.body["error"]["param"] == "size"
    text = str(err)
    for part in ("400", "invalid_value", "Invalid size", "req_42"):
        assert part in text


@pytest.mark.parametrize(
    "code", ["moderation_blocked", "content_policy_violation", "contentFilter"]
)
def test_moderation_codes(code):
    err = error_from_response(400, {}, body(code=code, message="no"))
    assert isinstance(err, E.ModerationError)
    assert isinstance(err, E.BadRequestError)


def test_moderation_by_message_and_by_azure_inner_code():
    msg = "Your request was rejected by the safety system. safety_violations=[sexual]."
    assert isinstance(error_from_response(400, {}, body(message=msg)), E.ModerationError)
    azure = body(
        code="content_policy_violation_x",
        inner_error={"code": "ResponsibleAIPolicyViolation"},
    )
    assert isinstance(error_from_response(400, {}, azure), E.ModerationError)
    assert type(error_from_response(400, {}, body(code="invalid_size"))) is E.BadRequestError


@pytest.mark.parametrize(
    "code", ["insufficient_quota", "credit_balance_exhausted", "billing_hard_limit_reached"]
)
def test_quota_codes(code):
    err = error_from_response(429, {}, body(code=code, type_="insufficient_quota"))
    assert isinstance(err, E.QuotaError) and isinstance(err, E.RateLimitError)


def test_plain_rate_limit_is_not_quota():
    err = error_from_response(429, {}, body(code="rate_limit_exceeded", type_="requests"))
    assert type(err) is E.RateLimitError


def test_quota_by_type_when_code_is_null():
    err = error_from_response(429, {}, body(code=None, type_="insufficient_quota"))
    assert type(err) is E.QuotaError


def test_html_body_from_a_proxy_gives_a_short_single_line_message():
    page = b"<html>\n<head><title>502 Bad Gateway</title></head>\n" + b"x" * 1000 + b"</html>"
    err = error_from_response(502, {"apim-request-id": "azure-1"}, page)
    assert type(err) is E.InternalServerError
    assert "\n" not in err.message and err.message.startswith("<html> <head><title>502")
    assert len(err.message) == 300
    assert err.request_id == "azure-1"
    assert err.body.startswith("<html>")


def test_empty_body_and_other_shapes():
    assert error_from_response(503, {}, b"").message == "HTTP 503"
    assert error_from_response(400, {}, b'{"error": "bad thing"}').message == "bad thing"
    flat = error_from_response(
        404, {}, b'{"message": "no deployment", "code": "DeploymentNotFound"}'
    )
    assert (flat.message, flat.code) == ("no deployment", "DeploymentNotFound")
    assert error_from_response(500, {}, b"[1, 2]").message == "HTTP 500"
    # undecodable bytes do not raise, and reach the message as text, not as b'\xff\xfe'
    undecodable = error_from_response(500, {}, b"\xff\xfe")
    assert undecodable.message == "\ufffd\ufffd" and "\\x" not in str(undecodable)


def test_stream_error_events():
    mod = error_from_stream_event(
        {"error": {"message": "rejected", "code": "moderation_blocked", "type": "x"}}, "req_s"
    )
    assert type(mod) is E.ModerationError and mod.status == 400 and mod.request_id == "req_s"
    flat = error_from_stream_event({"type": "error", "message": "oops", "code": "x"})
    assert (flat.message, flat.code, flat.status) == ("oops", "x", 0)
    server = error_from_stream_event({"error": {"message": "m", "type": "server_error"}})
    assert type(server) is E.InternalServerError
    quota = error_from_stream_event({"error": {"code": "insufficient_quota", "message": "pay"}})
    assert type(quota) is E.QuotaError
    bare = error_from_stream_event({"error": {}})
    assert type(bare) is E.APIStatusError and bare.message == "an error occurred during streaming"
    assert str(bare).startswith("stream error")


def test_tree():
    for cls in (E.ConfigurationError, E.ValidationError, E.CancelledError, E.APIError):
        assert issubclass(cls, E.ImagesError)
    assert issubclass(E.APITimeoutError, E.APIConnectionError)
    assert issubclass(E.ResponseError, E.APIError)
    assert issubclass(E.InternalServerError, E.APIStatusError)
    err = E.ValidationError("size", "must be one of 1024x1024")
    assert (err.field, err.rule) == ("size", "must be one of 1024x1024")
    assert str(err) == "size: must be one of 1024x1024"
    assert str(E.APIConnectionError("down", "req_1")) == "down [request id req_1]"
    assert str(E.CancelledError()) == "cancelled"
