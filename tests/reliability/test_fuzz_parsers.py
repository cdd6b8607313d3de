"""Fuzzing the three parsers that read what the network sends: replies, event streams, images.

The property in every test: on any input, the parser either returns a value or
raises an error of our own tree (errors.ImagesError; imaging.ImageDecodeError for
the decoder); never a KeyError, TypeError, zlib.error or the like, which a host
would show as a crash. tests/test_sse.py already proves that any chunking gives
the same events; these tests feed inputs no server should send.

Run length: FUZZ_EXAMPLES examples per test (conftest.py); `make fuzz` runs many more.
"""

from __future__ import annotations

import base64
import io
import json

import httpx
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image as PILImage

from core.api.client import ClientConfig, ImagesClient
from core.api.requests import GenerateRequest
from core.api.sse import SSEParser, image_events
from core.errors import (
    APIStatusError,
    ImagesError,
    error_from_response,
    error_from_stream_event,
)
from core.pixels.imaging import Image, ImageDecodeError

from ..conftest import TEST_KEY
from .conftest import FUZZ

GEN = GenerateRequest("a fox", "gpt-image-2", size="1024x1024")
STREAM = GenerateRequest("a fox", "gpt-image-2", size="1024x1024", stream=True, partial_images=1)


def small_png(colour: int = 7) -> bytes:
    return Image(np.full((3, 5, 4), colour, np.uint8)).to_png()


def encoded(fmt: str) -> bytes:
    buf = io.BytesIO()
    mode = "RGBA" if fmt in ("PNG", "WEBP") else ("P" if fmt == "GIF" else "RGB")
    rng = np.random.default_rng(1)
    PILImage.fromarray(rng.integers(0, 256, (12, 9, 4), np.uint8), "RGBA").convert(mode).save(
        buf, fmt
    )
    return buf.getvalue()


SEEDS = [encoded(f) for f in ("PNG", "WEBP", "JPEG", "GIF")]

# ---- JSON values shaped like Images API replies ----------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["", "png", "1024x1024", "data:,", "https://127.0.0.1:9/a.png"]),
)
b64_values = st.one_of(
    st.just(base64.b64encode(small_png()).decode()),
    st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()),
    st.text(max_size=40),
    st.integers(),
    st.none(),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
image_items = st.fixed_dictionaries(
    {},
    optional={
        "b64_json": b64_values,
        "url": st.sampled_from(["", "ftp://x", "http://example.com/a.png", "https://[::1", "x"]),
        "revised_prompt": scalars,
    },
)
replies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"data": st.one_of(st.lists(st.one_of(image_items, json_values), max_size=3), json_values)},
        optional={
            "usage": json_values,
            "created": scalars,
            "size": scalars,
            "error": json_values,
        },
    ),
)
statuses = st.sampled_from([200, 201, 204, 301, 302, 400, 401, 403, 404, 409, 422, 429, 500, 503])
headers = st.dictionaries(
    st.sampled_from(
        ["x-request-id", "retry-after", "retry-after-ms", "x-should-retry", "location"]
    ),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    max_size=3,
)


def client_answering(status: int, head: dict[str, str], body: bytes, ctype: str) -> ImagesClient:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={**head, "content-type": ctype}, content=body)

    http = httpx.Client(transport=httpx.MockTransport(reply))
    config = ClientConfig(api_key=TEST_KEY, max_retries=1, max_image_bytes=1 << 20)
    return ImagesClient(config, http=http, sleep=lambda s: None, random=lambda: 0.5)


def only_our_errors(client: ImagesClient, req: GenerateRequest) -> None:
    try:
        result = client.generate(req)
    except ImagesError:
        return
    finally:
        client.close()
    assert result.images and all(isinstance(i, bytes) for i in result.images)


@FUZZ
@given(statuses, headers, replies)
def test_any_json_reply_gives_a_result_or_our_error(status, head, reply):
    body = json.dumps(reply).encode()
    only_our_errors(client_answering(status, head, body, "application/json"), GEN)


@FUZZ
@given(statuses, headers, st.binary(max_size=300))
def test_any_raw_body_gives_a_result_or_our_error(status, head, body):
    only_our_errors(client_answering(status, head, body, "application/json"), GEN)


@FUZZ
@given(st.integers(100, 599), headers, st.binary(max_size=200))
def test_error_replies_never_raise_while_being_read(status, head, body):
    err = error_from_response(status, head, body)
    assert isinstance(err, APIStatusError) and err.status == status
    text = str(err)
    # the status first, then a message of its own (never empty), then the request id
    assert text.startswith(f"HTTP {status}") and err.message and err.message in text
    request_id = head.get("x-request-id") or None
    assert err.request_id == request_id
    assert text.endswith(f" [request id {request_id}]" if request_id else err.message)
    try:
        parsed = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        # no JSON error object (an HTML page, raw bytes): a short one-line excerpt
        assert len(text.splitlines()) == 1 and len(err.message) <= 300, text


def strings_in(value) -> set[str]:
    """Every string anywhere in a JSON value."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {s for item in value.values() for s in strings_in(item)}
    if isinstance(value, list):
        return {s for item in value for s in strings_in(item)}
    return set()


@FUZZ
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=5), st.none() | st.text())
def test_error_frames_never_raise_while_being_read(payload, request_id):
    err = error_from_stream_event(payload, request_id)
    assert isinstance(err, APIStatusError)
    # the server's own words or our default, never a dump of the payload ("{'error': ...}")
    default = "an error occurred during streaming"
    assert err.message == default or err.message in strings_in(payload), err.message
    head = f"HTTP {err.status}" if err.status else "stream error"
    assert str(err).startswith(head) and err.message in str(err)
    assert err.request_id == request_id
    assert str(err).endswith(f" [request id {request_id}]" if request_id else err.message)


# ---- event streams ---------------------------------------------------------------------------

event_types = st.sampled_from(
    [
        "image_generation.partial_image",
        "image_generation.completed",
        "image_edit.completed",
        "error",
        "message",
        "",
    ]
)
image_events_json = st.fixed_dictionaries(
    {"type": event_types},
    optional={
        "b64_json": b64_values,
        "partial_image_index": scalars,
        "usage": json_values,
        "created_at": scalars,
        "error": json_values,
    },
)


def sse_frame(payload, name: str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    head = f"event: {name}\n" if name else ""
    return (head + "".join(f"data: {line}\n" for line in data.split("\n")) + "\n").encode()


frames = st.tuples(
    st.one_of(image_events_json, json_values, st.sampled_from(["[DONE]", "{", "not json"])),
    event_types,
).map(lambda t: sse_frame(*t))
streams = st.lists(st.one_of(frames, st.binary(max_size=30)), max_size=5).map(b"".join)


@FUZZ
@given(st.lists(st.binary(max_size=50), max_size=10))
def test_the_sse_parser_takes_any_bytes(chunks):
    parser = SSEParser()
    events = [e for chunk in chunks for e in parser.feed(chunk)] + parser.close()
    for event in events:
        assert isinstance(event.data, str) and isinstance(event.event, str)


@FUZZ
@given(streams, st.integers(1, 40))
def test_image_events_of_any_stream_give_images_or_our_error(stream, cut):
    parser = SSEParser()
    events = []
    for i in range(0, len(stream), cut):
        events += parser.feed(stream[i : i + cut])
    events += parser.close()
    try:
        for item in image_events(events, "req_fuzz"):
            assert isinstance(item.b64_json, str)
    except ImagesError:
        pass


@FUZZ
@given(streams)
def test_the_client_reads_any_event_stream_to_a_result_or_our_error(stream):
    only_our_errors(client_answering(200, {}, stream, "text/event-stream"), STREAM)


# ---- the image decoder -----------------------------------------------------------------------


def decode_or_our_error(data: bytes) -> None:
    try:
        image = Image.decode(data, max_pixels=1 << 20)
    except ImageDecodeError:
        return
    assert image.pixels.dtype == np.uint8 and image.pixels.shape[2] == 4


@FUZZ
@given(st.binary(max_size=400))
def test_the_decoder_takes_any_bytes(data):
    decode_or_our_error(data)


@FUZZ
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(0, 10_000),
)
def test_the_decoder_takes_damaged_real_images(seed, flips, cut):
    data = bytearray(seed)
    for at, value in flips:
        data[at % len(data)] = value
    decode_or_our_error(bytes(data[: max(1, len(data) - cut % len(data))]))
