"""A server that never finishes (issue 14, bounded time): httpx's timeouts are per
read, so before the deadlines a server trickling one byte a second, or an event
stream of keep-alive comments, held a job for ever, and a silent one cost
read_timeout x 3 attempts. Each case here ends at the deadline with one error.

The server is a loopback socket server whose modes are set per test; every loop in
it ends when the test's client hangs up.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from core.api.client import ClientConfig, ImagesClient
from core.api.requests import GenerateRequest
from core.cancel import CancelToken
from core.errors import APITimeoutError, CancelledError
from core.store.secrets import user_text

KEY = "sk-hostile-time-key-0123456789"


class Mode:
    kind = "trickle"  # "trickle", "keepalive" or "silent"
    requests = 0


def _serve_one(conn: socket.socket) -> None:
    Mode.requests += 1
    try:
        conn.recv(65536)  # the request head (and some body): enough to answer
        if Mode.kind == "silent":
            while conn.recv(65536):  # says nothing until the client hangs up
                pass
            return
        event_stream = Mode.kind == "keepalive"
        head = (
            "HTTP/1.1 200 OK\r\n"
            f"Content-Type: {'text/event-stream' if event_stream else 'application/json'}\r\n"
            + ("" if event_stream else "Content-Length: 1000000\r\n")
            + "x-request-id: req_slow\r\n\r\n"
        )
        conn.sendall(head.encode())
        piece = b": keep-alive\n\n" if event_stream else b" "
        while True:  # ends when the client shuts the socket (BrokenPipe / reset)
            conn.sendall(piece)
            time.sleep(0.05)
    except OSError:
        pass
    finally:
        conn.close()


@pytest.fixture
def slow_server() -> Iterator[str]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=_serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    Mode.requests = 0
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def _client(base: str, **over: float) -> ImagesClient:
    values = {"attempt_deadline": 1.0, "call_deadline": 30.0, "max_retries": 0}
    values.update(over)
    return ImagesClient(ClientConfig(api_key=KEY, base_url=base, **values))  # type: ignore[arg-type]


def _generate(client: ImagesClient, stream: bool = False, cancel: CancelToken | None = None):
    request = GenerateRequest(prompt="a fox", model="gpt-image-2", n=1, size="1024x1024",
                              stream=stream or None, partial_images=1 if stream else None)
    return client.generate(request, cancel=cancel)


@pytest.mark.parametrize("kind", ["trickle", "keepalive"])
def test_a_reply_that_never_finishes_ends_at_the_attempt_deadline(slow_server, kind):
    Mode.kind = kind
    started = time.monotonic()
    with pytest.raises(APITimeoutError) as caught:
        _generate(_client(slow_server), stream=kind == "keepalive")
    took = time.monotonic() - started
    assert 0.9 < took < 5.0, took
    text = user_text(caught.value)
    assert "gave up after 1 s" in text and "one attempt" in text, text


def test_retries_stop_at_the_deadline_of_the_whole_call(slow_server):
    """Five retries of a silent server would take 6 x 1 s plus waits; the call's own
    deadline of 2.5 s ends them (the old code: 600 s per read, 3 attempts)."""
    Mode.kind = "silent"
    started = time.monotonic()
    with pytest.raises(APITimeoutError) as caught:
        _generate(_client(slow_server, max_retries=5, call_deadline=2.5))
    took = time.monotonic() - started
    assert took < 4.0, took
    assert 2 <= Mode.requests <= 4, Mode.requests
    assert "gave up after" in user_text(caught.value)


def test_a_cancel_under_a_deadline_is_still_a_cancel(slow_server):
    Mode.kind = "keepalive"
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    started = time.monotonic()
    with pytest.raises(CancelledError):
        _generate(_client(slow_server, attempt_deadline=20.0), stream=True, cancel=token)
    assert time.monotonic() - started < 3.0


def test_deadlines_must_be_positive():
    from core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="deadlines must be positive"):
        ClientConfig(api_key=KEY, attempt_deadline=0).validate()


def test_a_job_ends_at_its_own_deadline_as_a_timeout_not_a_cancel(slow_server, tmp_path):
    """The runner's deadline counts the whole job: with a generous attempt deadline a
    keep-alive stream is ended by the job's limit, as one timeout the panels show."""
    from core.jobs.runner import JobOptions, JobRunner
    from core.pixels.geometry import Bounds
    from core.store.history import History

    Mode.kind = "keepalive"
    runner = JobRunner(_client(slow_server, attempt_deadline=60.0), History(tmp_path / "h"),
                       job_deadline=1.0)
    job = runner.submit_generate("a fox", Bounds(0, 0, 1024, 1024),
                                 JobOptions(model="gpt-image-2", stream=True, partial_images=1))
    assert job.wait(10), "the job did not end"
    assert job.state == "failed", job.state
    assert isinstance(job.error, APITimeoutError)
    assert "limit for a job" in user_text(job.error)


def test_a_cancel_before_the_job_deadline_stays_a_cancel(slow_server, tmp_path):
    from core.jobs.runner import JobOptions, JobRunner
    from core.pixels.geometry import Bounds
    from core.store.history import History

    Mode.kind = "keepalive"
    runner = JobRunner(_client(slow_server, attempt_deadline=60.0), History(tmp_path / "h"),
                       job_deadline=30.0)
    job = runner.submit_generate("a fox", Bounds(0, 0, 1024, 1024),
                                 JobOptions(model="gpt-image-2", stream=True, partial_images=1))
    threading.Timer(0.3, job.cancel).start()
    assert job.wait(10), "the job did not end"
    assert job.state == "cancelled", job.state
