"""The client's byte counts (`on_bytes`) and the job events made of them.

The client must count exactly the bytes of the request body it sends and of the
reply it reads: over httpx.MockTransport the handler reads the very body the
client built; over loopback the stand-in records what crossed the socket.
`ByteEvents` runs on a fake clock, so the rate limit is counted, not timed.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from core.api.client_exchange import UPLOAD_PIECE
from core.api.requests import EditRequest, GenerateRequest, UploadFile
from core.jobs.job_handle import Job
from core.jobs.options import JobOptions
from core.jobs.transfer import ByteEvents
from standin.server import running_standin
from tests.test_client import (
    IMG,
    Server,
    api_error,
    client_for,
    done,
    ok_json,
    partial,
    sse_body,
    sse_reply,
)
from tests.test_client_loopback import make_client


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: its size is about side² x 4 bytes."""
    pixels = np.random.default_rng(side).integers(0, 256, (side, side, 4), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buf, "PNG")
    return buf.getvalue()


BIG = noise_png(256)  # about 260 kB: several upload pieces


def edit_request() -> EditRequest:
    return EditRequest("a hat", "gpt-image-2", (UploadFile("layer.png", BIG, "image/png"),))


class Counts:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int | None]] = []

    def __call__(self, direction: str, done: int, total: int | None) -> None:
        self.seen.append((direction, done, total))

    def of(self, direction: str) -> list[tuple[int, int | None]]:
        return [(d, t) for kind, d, t in self.seen if kind == direction]


def test_the_upload_is_counted_piece_by_piece_to_exactly_the_body():
    reply = ok_json(IMG)
    server = Server(reply)
    counts = Counts()
    client_for(server).edit(edit_request(), on_bytes=counts)
    [sent] = server.requests
    body = len(sent.content)
    uploads = counts.of("upload")
    assert uploads[0] == (0, body) and uploads[-1] == (body, body)
    assert int(sent.headers["content-length"]) == body
    steps = [b - a for (a, _), (b, _) in zip(uploads, uploads[1:], strict=False)]
    assert all(0 < step <= UPLOAD_PIECE for step in steps) and len(steps) > len(BIG) // UPLOAD_PIECE
    downloads = counts.of("download")
    assert downloads[-1] == (len(reply.content), len(reply.content))
    # the upload is all counted before the first byte of the reply
    assert [kind for kind, _, _ in counts.seen].index("download") > len(uploads) - 1


def test_a_json_body_is_counted_too():
    # over a socket: httpx hands a mock transport a JSON body it already holds, unread
    with running_standin() as server:
        counts = Counts()
        make_client(server).generate(GenerateRequest("a fox", "gpt-image-2"), on_bytes=counts)
        [record] = server.requests
    assert counts.of("upload") == [(0, record.body_bytes), (record.body_bytes, record.body_bytes)]
    assert record.body_bytes > len('{"prompt": "a fox"}')


def test_a_retry_counts_its_upload_again_and_an_error_reply_is_no_download():
    error = api_error(500)
    reply = ok_json(IMG)
    server = Server(error, reply)
    counts = Counts()
    client_for(server).edit(edit_request(), on_bytes=counts)
    body = len(server.requests[1].content)
    uploads = counts.of("upload")
    starts = [i for i, (d, _) in enumerate(uploads) if d == 0]
    assert len(starts) == 2 and uploads[starts[1] - 1] == (body, body) == uploads[-1]
    # only the successful reply is counted as a download: the 500's body is not the result
    assert {t for _, t in counts.of("download")} == {len(reply.content)}


def test_a_stream_is_counted_as_it_is_read_without_a_total():
    body = sse_body(partial(0, IMG), done(IMG), "[DONE]")
    reply = sse_reply(body)
    del reply.headers["content-length"]  # a stream's length is not known in advance
    counts = Counts()
    req = GenerateRequest("x", "gpt-image-2", stream=True, partial_images=1)
    client_for(Server(reply)).generate(req, on_bytes=counts)
    downloads = counts.of("download")
    assert downloads[-1] == (len(body), None)
    assert all(total is None for _, total in downloads)


def test_over_a_real_socket_the_counts_are_what_the_server_received_and_sent():
    with running_standin() as server:
        counts = Counts()
        make_client(server).edit(edit_request(), on_bytes=counts)
        [record] = server.requests
    assert counts.of("upload")[-1] == (record.body_bytes, record.body_bytes)
    assert counts.of("download")[-1] == (record.bytes_out, record.bytes_out)
    assert record.body_bytes > len(BIG)


# ---- ByteEvents: the counts as job events ------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def job() -> Job:
    made = Job("edit", "x", JobOptions())
    made.poll_events()  # "queued"
    return made


def test_events_are_held_to_ten_a_second_and_the_last_count_always_goes():
    clock, handle = Clock(), job()
    events = ByteEvents(handle, 2, clock=clock)
    for step in range(101):  # 100 pieces over one second
        clock.now = step / 100
        events.report("upload", step * 10, 1000)
    sent = handle.poll_events()
    uploads = [e for e in sent if e.stage == "uploading"]
    assert 10 <= len(uploads) <= 12  # about ten a second, plus the final one
    assert (uploads[0].bytes_done, uploads[-1].bytes_done) == (0, 1000)
    assert all(e.bytes_total == 1000 and e.candidate == 2 for e in uploads)
    # once all of it is out, the model is at work
    assert [e.stage for e in sent][-1] == "rendering"
    assert [e.stage for e in sent].count("rendering") == 1


def test_a_reply_of_unknown_size_ends_with_its_size_as_the_total():
    clock, handle = Clock(), job()
    events = ByteEvents(handle, 0, clock=clock)
    for step in range(1, 6):
        clock.now = step * 0.01  # faster than the limit: only the first goes at once
        events.report("download", step * 100, None)
    first = handle.poll_events()
    assert [(e.bytes_done, e.bytes_total) for e in first] == [(100, None)]
    events.finish()
    [last] = handle.poll_events()
    assert (last.stage, last.bytes_done, last.bytes_total) == ("downloading", 500, 500)


def test_finish_repeats_nothing_when_the_total_was_already_shown():
    clock, handle = Clock(), job()
    events = ByteEvents(handle, 0, clock=clock)
    events.report("download", 700, 700)
    events.finish()
    assert [(e.bytes_done, e.bytes_total) for e in handle.poll_events()] == [(700, 700)]
