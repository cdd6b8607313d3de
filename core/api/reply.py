"""Reading the Images API's replies: JSON bodies, event streams, base64 images, usage.

Owns `ImagesResult` (what one call returned) and the parsers that build it from
a 2xx reply: a JSON body (`result_from_json`), the event stream of a streamed
request (`result_from_stream`, over sse.py), and the model list
(`model_entries`). Every malformed reply becomes a ResponseError carrying the
request id; nothing else of a reply's shape escapes. Error replies (4xx/5xx) are
errors.py's to read (`error_from_response`).

No httpx and no I/O: the client hands in the bytes it read, as a whole body or
as an iterator of chunks, and a callback for the rare image that comes as a URL.
Imports the standard library, sse.py, errors.py, cancel.py and client_config.py.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..cancel import CancelToken
from ..errors import APIConnectionError, APITimeoutError, ResponseError
from .client_config import MiB
from .sse import CompletedImage, PartialImage, SSEParser, bounded_int, image_events

# (index, image bytes) of a partial image, as the stream delivers it.
OnPartial = Callable[[int, bytes], None]


@dataclass(frozen=True)
class ImagesResult:
    images: list[bytes] = field(repr=False)
    revised_prompts: list[str | None]
    usage: dict[str, Any] | None
    size: str | None
    quality: str | None
    background: str | None
    output_format: str | None
    request_id: str | None
    created: int | None


def json_object(body: bytes, rid: str | None) -> dict[str, Any]:
    try:
        payload = json.loads(body, parse_int=bounded_int)
    except RecursionError:  # nested deeper than Python's stack: a hostile reply, not a crash
        raise ResponseError("the reply is JSON nested too deeply to read", rid) from None
    except ValueError:
        raise ResponseError("the reply is not valid JSON", rid) from None
    if not isinstance(payload, dict):
        raise ResponseError("the reply is not a JSON object", rid)
    return payload


def decode_image(b64: str, cap: int, rid: str | None) -> bytes:
    """A base64 image; refused before decoding when it would exceed `cap` bytes."""
    if len(b64) // 4 * 3 > cap + 2:
        raise ResponseError(f"an image is larger than the {cap // MiB} MB limit", rid)
    try:
        return base64.b64decode("".join(b64.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ResponseError("an image is not valid base64", rid) from None


def _str(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) else None


def result_from_json(
    payload: dict[str, Any],
    rid: str | None,
    cap: int,
    download: Callable[[str], bytes],
) -> ImagesResult:
    """A JSON reply's images: base64 ones decoded, `url` ones fetched through `download`
    (DALL·E's links expire, so they are fetched now, in reply order)."""
    data = payload.get("data")
    if not isinstance(data, list) or not data:
        raise ResponseError("the reply holds no image", rid)
    images: list[bytes] = []
    revised: list[str | None] = []
    for item in data:
        if not isinstance(item, dict):
            raise ResponseError("the reply's data holds a non-object", rid)
        if isinstance(item.get("b64_json"), str):
            images.append(decode_image(item["b64_json"], cap, rid))
        elif isinstance(item.get("url"), str):
            images.append(download(item["url"]))
        else:
            raise ResponseError("an image in the reply has neither b64_json nor url", rid)
        revised.append(_str(item, "revised_prompt"))
    usage = payload.get("usage")
    created = payload.get("created")
    return ImagesResult(
        images,
        revised,
        usage if isinstance(usage, dict) else None,
        _str(payload, "size"),
        _str(payload, "quality"),
        _str(payload, "background"),
        _str(payload, "output_format"),
        rid,
        created if isinstance(created, int) else None,
    )


def result_from_stream(
    chunks: Iterable[bytes],
    rid: str | None,
    cap: int,
    on_partial: OnPartial | None,
    cancel: CancelToken | None,
) -> ImagesResult:
    """A streamed reply's finished images (partials go to `on_partial` as they come);
    usage and the image's settings are those of the last completed event."""
    parser = SSEParser()

    def events() -> Iterator[Any]:
        try:
            for chunk in chunks:
                yield from parser.feed(chunk)
        except APIConnectionError as err:
            # A stream cut short is a truncated reply (errors.py files those under
            # ResponseError), whatever broke the connection; a timeout stays a timeout.
            if isinstance(err, APITimeoutError):
                raise
            raise ResponseError(f"stream ended before the image was complete ({err})", rid) from err
        yield from parser.close()

    images: list[bytes] = []
    last: CompletedImage | None = None
    for event in image_events(events(), rid):
        if cancel is not None:  # one chunk may hold several events: no callbacks after a cancel
            cancel.raise_if_cancelled()
        if isinstance(event, PartialImage):
            if on_partial is not None:
                on_partial(event.index, decode_image(event.b64_json, cap, rid))
            continue
        images.append(decode_image(event.b64_json, cap, rid))
        last = event
    assert last is not None  # image_events raises when no image completed
    return ImagesResult(
        images,
        [None] * len(images),
        last.usage,
        last.size,
        last.quality,
        last.background,
        last.output_format,
        rid,
        last.created_at,
    )


def model_entries(body: bytes | None, rid: str | None) -> list[dict[str, object]]:
    """GET /models as {"id", "shutdown_date"} entries (the date as sent: YYYY-MM-DD,
    null or absent). Only those two keys are kept: nothing else of the server's text
    travels further. `body` is None when the server answered with an event stream."""
    data = json_object(body, rid).get("data") if body is not None else None
    if not isinstance(data, list):
        raise ResponseError("the model list has no 'data' array", rid)
    return [
        {"id": m["id"], "shutdown_date": m.get("shutdown_date")}
        for m in data
        if isinstance(m, dict) and isinstance(m.get("id"), str)
    ]
