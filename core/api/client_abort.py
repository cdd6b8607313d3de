"""Cancel for the client: a CancelToken that cuts a blocking HTTP call short in any phase.

Owns `SocketAbort` (shuts one call's sockets when its token fires, which wakes a
read or write blocked in DNS, connect, upload, the wait for the first byte or a
stream) and `send_cancellable` (the blocking `send` on a short-lived thread
while the caller waits on the token, so a cancel returns at once even before a
socket exists). The sockets are captured through httpcore's "trace" extension:
httpx has no public hook that hands them out.

Deadlines ride on the same machinery: an `Attempt` is a token of its own for one
attempt, fired by the caller's cancel or by its timer, and its sockets are shut
either way; only the error it raises differs (APITimeoutError for the timer).
httpx's own timeouts are per read, so a server trickling a byte at a time, or an
event stream of keep-alive comments, never trips them.

Part of the client (client.py): httpx is imported for its types only; besides
that the standard library and cancel.py / errors.py. No host modules.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ..cancel import CancelToken
from ..errors import APITimeoutError, CancelledError


def check_cancelled(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_cancelled()


def _shutdown(sock: socket.socket) -> None:
    try:
        # The plain socket's method even for TLS sockets: SSLSocket.shutdown would tear
        # down the TLS state under the thread that is still reading.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class SocketAbort:
    """Shuts the sockets of one call when its token fires, waking a blocked read or write.

    One instance spans every request of a call (retries, URL downloads), so a cancel
    reaches whichever connection is open at the time."""

    def __init__(self, cancel: CancelToken | None) -> None:
        self._cancel = cancel
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._fired = False
        self._unregister: Callable[[], None] = lambda: None

    def __enter__(self) -> SocketAbort:
        if self._cancel is not None:
            self._unregister = self._cancel.on_cancel(self.fire)
        return self

    def __exit__(self, *exc: object) -> None:
        self._unregister()

    def extensions(self) -> dict[str, Any]:
        """The request extensions that let this abort see the request's sockets."""
        return {"trace": self._trace} if self._cancel is not None else {}

    def _trace(self, name: str, info: Mapping[str, Any]) -> None:
        if not name.endswith((".connect_tcp.complete", ".start_tls.complete")):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                fired = self._fired
            if fired:  # the cancel came while this connection was being made
                _shutdown(sock)

    def fire(self) -> None:
        with self._lock:
            self._fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


class _PendingSend:
    """One `send` on a worker thread; whoever finishes second (caller or worker) closes
    the response."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._finished = False
        self._abandoned = False
        self._response: httpx.Response | None = None
        self._error: Exception | None = None

    def run(self, http: httpx.Client, request: httpx.Request) -> None:
        response, error = None, None
        try:
            response = http.send(request, stream=True, follow_redirects=False)
        except Exception as exc:  # handed over to the caller's thread
            error = exc
        with self._lock:
            self._finished, self._response, self._error = True, response, error
            abandoned = self._abandoned
        if abandoned and response is not None:
            response.close()
        self._done.set()

    def wake(self) -> None:
        self._done.set()

    def wait(self) -> None:
        self._done.wait()

    def take(self, cancel: CancelToken) -> httpx.Response:
        with self._lock:
            if not self._finished:
                self._abandoned = True
                raise cancel.error()
            response, error = self._response, self._error
        if cancel.cancelled:
            if response is not None:
                response.close()
            raise cancel.error()
        if error is not None:
            raise error
        assert response is not None
        return response


def send_cancellable(
    http: httpx.Client, request: httpx.Request, cancel: CancelToken | None
) -> httpx.Response:
    """Send and wait for the headers; with a token, on a worker thread so a cancel
    returns at once. httpx's exceptions pass through unmapped."""
    if cancel is None:
        return http.send(request, stream=True, follow_redirects=False)
    pending = _PendingSend()
    worker = threading.Thread(
        target=pending.run, args=(http, request), name="openai-images-send", daemon=True
    )
    unregister = cancel.on_cancel(pending.wake)
    try:
        worker.start()
        pending.wait()
    finally:
        unregister()
    return pending.take(cancel)


class Attempt(CancelToken):
    """The token of one attempt: fired by the caller's token, or by a timer after
    `seconds`. Its `abort` shuts the attempt's sockets either way, so a read blocked
    on a trickling server wakes at the deadline. The timer runs until `close()`
    (an event stream is read after `send` returns); closing twice is harmless."""

    def __init__(self, parent: CancelToken | None, seconds: float, what: str, limit: str):
        super().__init__()
        self._parent = parent
        self._seconds = max(0.0, seconds)
        self._what, self._limit = what, limit
        self.expired = False
        self.abort = SocketAbort(self)
        self.abort.__enter__()
        self._unlink = parent.on_cancel(self.cancel) if parent is not None else (lambda: None)
        self._timer = threading.Timer(self._seconds, self._expire)
        self._timer.daemon = True
        self._timer.name = "openai-images-deadline"
        self._timer.start()

    def _expire(self) -> None:
        self.expired = True
        self.cancel()

    def error(self) -> Exception:
        if self.expired and not (self._parent is not None and self._parent.cancelled):
            return APITimeoutError(
                f"{self._what} gave up after {self._seconds:.0f} s without finishing "
                f"({self._limit})"
            )
        return CancelledError()

    def close(self) -> None:
        self._timer.cancel()
        self._unlink()
        self.abort.__exit__()
