"""Server-sent events: an incremental parser (bytes in, events out) and the image events on top.

No I/O and no httpx: the client feeds the chunks it reads. The parser follows the
WHATWG event-stream rules (lines end in \\r\\n, \\n or \\r; `data:` lines join with
\\n; lines starting with ':' are comments; a blank line dispatches the event).
`image_events` turns the Images API's events into `PartialImage` and
`CompletedImage` values and raises errors.py errors for error frames and for a
stream that ends before an image is complete.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import ResponseError, error_from_stream_event

_EOL = re.compile(rb"[\r\n]")


@dataclass(frozen=True)
class ServerSentEvent:
    event: str = "message"
    data: str = ""
    id: str | None = None
    retry: int | None = None


class SSEParser:
    """Feed it bytes as they arrive; it returns the events each chunk completes."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._scan = 0  # bytes before this offset hold no line ending: do not search them again
        self._skip_lf = (
            False  # the last line ended in '\r'; a '\n' starting the next chunk belongs to it
        )
        self._first_line = True
        self._reset()

    def _reset(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        if chunk:
            self._skip_lf = False
        self._buf += chunk
        events: list[ServerSentEvent] = []
        start = 0
        while True:
            match = _EOL.search(self._buf, max(start, self._scan))
            if match is None:
                break
            end = match.start()
            line = bytes(self._buf[start:end])
            start = end + 1
            if self._buf[end : end + 1] == b"\r":
                if start < len(self._buf):
                    if self._buf[start : start + 1] == b"\n":
                        start += 1
                else:
                    self._skip_lf = True
            event = self._line(line)
            if event is not None:
                events.append(event)
        del self._buf[:start]
        self._scan = len(self._buf)
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of stream. An event whose lines all arrived but whose blank line did not is
        still dispatched (servers that drop the last blank line lose no image); a
        half-received line is discarded."""
        self._buf.clear()
        self._scan = 0
        if self._data or self._event:
            event = self._dispatch()
            return [event] if event is not None else []
        return []

    def _line(self, raw: bytes) -> ServerSentEvent | None:
        line = raw.decode("utf-8", errors="replace")
        if self._first_line:
            self._first_line = False
            line = line.removeprefix("\ufeff")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._data:
            self._reset()  # an event with no data is dropped, per the standard
            return None
        event = ServerSentEvent(
            self._event or "message", "\n".join(self._data), self._id, self._retry
        )
        self._reset()
        return event


@dataclass(frozen=True)
class PartialImage:
    index: int
    b64_json: str = field(repr=False)
    size: str | None = None
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None


@dataclass(frozen=True)
class CompletedImage:
    b64_json: str = field(repr=False)
    usage: dict[str, Any] | None = None
    size: str | None = None
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None
    created_at: int | None = None


ImageEvent = PartialImage | CompletedImage


def _str(payload: dict[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) else None


def bounded_int(text: str) -> int | float:
    """A JSON integer of a reply; one of more than 30 digits (no honest count or date has
    them) becomes infinity, which every reader refuses as a number. Python's own parse
    refuses more than 4300 digits, which made the whole reply, paid image and all, an error."""
    return int(text) if len(text) <= 30 else math.inf


def _payload(event: ServerSentEvent) -> dict[str, Any]:
    try:
        payload = json.loads(event.data, parse_int=bounded_int)
    except RecursionError:  # nested deeper than Python's stack
        raise ResponseError(f"malformed stream event {event.event!r}: nested too deeply") from None
    except ValueError:
        raise ResponseError(f"malformed stream event {event.event!r}: not JSON") from None
    if not isinstance(payload, dict):
        raise ResponseError(f"malformed stream event {event.event!r}: not a JSON object")
    return payload


def _image_event(payload: dict[str, Any], kind: str) -> ImageEvent | None:
    b64 = payload.get("b64_json")
    if kind.endswith(".partial_image"):
        index = payload.get("partial_image_index")
        if not isinstance(b64, str) or not isinstance(index, int):
            raise ResponseError("malformed partial image event")
        return PartialImage(
            index,
            b64,
            _str(payload, "size"),
            _str(payload, "quality"),
            _str(payload, "background"),
            _str(payload, "output_format"),
        )
    if kind.endswith(".completed"):
        if not isinstance(b64, str) or not b64:
            raise ResponseError("the completed event holds no image")
        usage = payload.get("usage")
        created = payload.get("created_at")
        return CompletedImage(
            b64,
            usage if isinstance(usage, dict) else None,
            _str(payload, "size"),
            _str(payload, "quality"),
            _str(payload, "background"),
            _str(payload, "output_format"),
            created if isinstance(created, int) else None,
        )
    return None  # an event type this client does not know: newer servers may add some


def image_events(
    events: Iterable[ServerSentEvent], request_id: str | None = None
) -> Iterator[ImageEvent]:
    """Partial and completed images from an Images API stream, in order.

    Raises the matching APIStatusError for an error frame, ResponseError for a
    malformed event or for a stream that ends with no completed image.
    """
    completed = 0
    for event in events:
        if event.data.startswith("[DONE]"):
            break
        payload = _payload(event)
        kind = _str(payload, "type") or event.event
        if "error" in payload or kind == "error" or event.event == "error":
            raise error_from_stream_event(payload, request_id)
        image = _image_event(payload, kind)
        if isinstance(image, CompletedImage):
            completed += 1
        if image is not None:
            yield image
    if not completed:
        raise ResponseError("stream ended before the image was complete", request_id)
