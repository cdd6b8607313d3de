"""sse.py: the incremental event-stream parser and the Images API events built on it."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.api.sse import CompletedImage, PartialImage, ServerSentEvent, SSEParser, image_events
from core.errors import APIStatusError, BadRequestError, ModerationError, ResponseError


def parse(*chunks: bytes) -> list[ServerSentEvent]:
    parser = SSEParser()
    events = [e for chunk in chunks for e in parser.feed(chunk)]
    return events + parser.close()


def test_one_event():
    assert parse(b"event: ping\ndata: hello\n\n") == [ServerSentEvent("ping", "hello")]


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending(eol):
    stream = b"event: a" + eol + b"data: 1" + eol + eol + b"data: 2" + eol + eol
    assert parse(stream) == [ServerSentEvent("a", "1"), ServerSentEvent("message", "2")]


def test_multi_line_data_comments_and_field_rules():
    stream = (
        b": keep-alive comment\n"
        b"data: first\n"
        b": another comment\n"
        b"data:second\n"  # no space after the colon
        b"data:  third\n"  # only one leading space is removed
        b"data\n"  # a field with no colon has an empty value
        b"id: 7\nretry: 1500\n\n"
    )
    assert parse(stream) == [ServerSentEvent("message", "first\nsecond\n third\n", "7", 1500)]


def test_an_event_with_no_data_is_dropped():
    assert parse(b"event: empty\n\n: only a comment\n\ndata: x\n\n") == [
        ServerSentEvent("message", "x")
    ]


def test_byte_order_mark_is_stripped_once():
    assert parse(b"\xef\xbb\xbfdata: a\n\n") == [ServerSentEvent("message", "a")]


def test_cr_at_a_chunk_end_and_lf_at_the_next_start_are_one_line_end():
    # If the '\n' counted as its own line end, the blank line would split the event.
    assert parse(b"data: a\r", b"\ndata: b\r\n\r\n") == [ServerSentEvent("message", "a\nb")]
    assert parse(b"data: a\r", b"\n", b"\r\n") == [ServerSentEvent("message", "a")]


def test_multibyte_characters_split_across_chunks():
    raw = "data: café ☕\n\n".encode()
    cut = raw.index(b"\xe2") + 1
    assert parse(raw[:cut], raw[cut:]) == [ServerSentEvent("message", "café ☕")]


def test_close_keeps_a_complete_event_missing_its_blank_line_and_drops_a_half_line():
    assert parse(b"data: whole\n") == [ServerSentEvent("message", "whole")]
    assert parse(b'data: whole\n\ndata: {"trunc') == [ServerSentEvent("message", "whole")]


def test_events_come_out_as_soon_as_they_are_complete():
    parser = SSEParser()
    assert parser.feed(b"data: a\n") == []
    assert parser.feed(b"\ndata: b") == [ServerSentEvent("message", "a")]
    assert parser.feed(b"\n\n") == [ServerSentEvent("message", "b")]


STREAM = (
    b"event: image_generation.partial_image\r\n"
    b'data: {"type":"image_generation.partial_image","b64_json":"QUJD","partial_image_index":0}\r\n'
    b"\r\n"
    b": comment\n"
    b"event: image_generation.completed\n"
    b'data: {"type":"image_generation.completed",\n'
    b'data: "b64_json":"REVG","usage":{"total_tokens":3}}\n\n'
    b"data: [DONE]\n\n"
)


@given(st.lists(st.integers(0, len(STREAM)), max_size=12))
def test_any_chunking_gives_the_same_events(cuts):
    points = sorted(set(cuts))
    chunks = [STREAM[a:b] for a, b in zip([0, *points], [*points, len(STREAM)], strict=True)]
    assert parse(*chunks) == parse(STREAM)
    assert len(parse(STREAM)) == 3


def test_byte_by_byte():
    assert parse(*[STREAM[i : i + 1] for i in range(len(STREAM))]) == parse(STREAM)


def sse(*payloads, event=None) -> list[ServerSentEvent]:
    out = []
    for p in payloads:
        data = p if isinstance(p, str) else json.dumps(p)
        out.append(ServerSentEvent(event or "message", data))
    return out


def partial(i, b64="UA==", kind="image_generation"):
    return {"type": f"{kind}.partial_image", "b64_json": b64, "partial_image_index": i}


def completed(b64="RklOQUw=", kind="image_generation", **extra):
    return {"type": f"{kind}.completed", "b64_json": b64, **extra}


def test_image_events_partials_then_the_completed_image():
    done = completed(
        usage={"total_tokens": 100},
        size="1536x864",
        quality="high",
        background="opaque",
        output_format="webp",
        created_at=1700000000,
    )
    events = list(image_events(sse(partial(0), partial(1, "UTI="), done)))
    assert events[:2] == [PartialImage(0, "UA=="), PartialImage(1, "UTI=")]
    assert events[2] == CompletedImage(
        "RklOQUw=", {"total_tokens": 100}, "1536x864", "high", "opaque", "webp", 1700000000
    )


def test_edit_events_and_the_type_taken_from_the_event_name():
    no_type = {"b64_json": "QQ==", "partial_image_index": 2}
    events = list(
        image_events(
            [ServerSentEvent("image_edit.partial_image", json.dumps(no_type))]
            + sse(completed(kind="image_edit"))
        )
    )
    assert isinstance(events[0], PartialImage) and events[0].index == 2
    assert isinstance(events[1], CompletedImage)


def test_done_ends_the_stream_and_unknown_events_are_skipped():
    stream = sse({"type": "image_generation.heartbeat"}, completed(), "[DONE]", "not json at all")
    assert [type(e) for e in image_events(stream)] == [CompletedImage]


def test_error_frame_raises_the_matching_error_with_the_request_id():
    frame = {"error": {"message": "rejected by the safety system", "code": "moderation_blocked"}}
    with pytest.raises(ModerationError) as info:
        list(image_events(sse(partial(0), frame), request_id="req_9"))
    assert info.value.request_id == "req_9"


def test_error_typed_events():
    flat = {"type": "error", "message": "bad value", "code": "invalid_value"}
    with pytest.raises(APIStatusError) as info:
        list(image_events(sse(flat)))
    assert (info.value.message, info.value.code) == ("bad value", "invalid_value")
    named = ServerSentEvent("error", json.dumps({"message": "m", "type": "invalid_request_error"}))
    with pytest.raises(BadRequestError):
        list(image_events([named]))


@pytest.mark.parametrize(
    "stream",
    [[], sse(partial(0)), sse(partial(0), "[DONE]")],
)
def test_a_stream_without_a_completed_image_is_an_error(stream):
    with pytest.raises(ResponseError, match="stream ended before the image was complete"):
        list(image_events(stream))


@pytest.mark.parametrize(
    "payload, message",
    [
        ("{not json", "not JSON"),
        ("[1]", "not a JSON object"),
        (json.dumps({"type": "image_generation.partial_image", "b64_json": "QQ=="}), "partial"),
        (json.dumps({"type": "image_generation.completed"}), "no image"),
    ],
)
def test_malformed_events(payload, message):
    with pytest.raises(ResponseError, match=message):
        list(image_events(sse(payload)))
