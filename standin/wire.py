"""Writing HTTP responses for the stand-in: headers, bodies, chunks, pauses, resets.

Owns the `Wire` mixin of the request handler and `ClientGone`. Every response
it starts carries `x-request-id` (and `openai-version`, `openai-processing-ms`),
so tests can rely on it. `pause` sleeps out a latency while watching the
socket, so a client that hangs up (a cancel) or a server that stops ends the
work at once. Imports `errors` and `record` only.
"""

from __future__ import annotations

import json
import secrets
import select
import socket
import struct
import time
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .record import RequestRecord

if TYPE_CHECKING:
    from .server import StandinServer


class ClientGone(Exception):
    """The client closed the connection (a cancel) or the server is stopping."""


class Wire:
    """Response writing for `Handler`; expects the attributes it declares below."""

    request_id: str
    started: float
    record: RequestRecord
    close_connection: bool

    if TYPE_CHECKING:  # provided by BaseHTTPRequestHandler and Handler

        @property
        def standin(self) -> StandinServer: ...

        connection: socket.socket
        wfile: Any

        def send_response(self, code: int, message: str | None = None) -> None: ...
        def send_header(self, keyword: str, value: str) -> None: ...
        def end_headers(self) -> None: ...

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, unknown method) in the API's shape."""
        self.request_id = "req_" + secrets.token_hex(16)
        body = json.dumps(ApiError(code, message or HTTPStatus(code).phrase).body()).encode()
        self.close_connection = True
        self.send_response(code, message)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-request-id", self.request_id)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(body)

    def _start(
        self, status: int, content_type: str, headers: dict[str, str], length: int | None
    ) -> None:
        self.record.status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("x-request-id", self.request_id)
        self.send_header("openai-version", "2020-10-01")
        self.send_header(
            "openai-processing-ms", str(round((time.monotonic() - self.started) * 1000))
        )
        for name, value in headers.items():
            self.send_header(name, value)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str],
        *,
        truncate: bool = False,
        body_seconds: float = 0.0,
    ) -> None:
        self._start(status, content_type, headers, len(body))
        self.record.bytes_out += len(body) // 2 if truncate else len(body)
        if truncate:
            self._write(body[: len(body) // 2])
            self.close_connection = True
            return
        if body_seconds <= 0:
            self._write(body)
            return
        pieces = 20
        step = -(-len(body) // pieces)
        for offset in range(0, len(body), step):
            self._write(body[offset : offset + step])
            self._pause(body_seconds / pieces)

    def _send_error(self, error: ApiError) -> None:
        body = json.dumps(error.body(), indent=2).encode()
        self._send(error.status, body, "application/json", error.headers)

    def _try_send_error(self, error: ApiError) -> None:
        try:
            self._send_error(error)
        except Exception:
            self.close_connection = True

    def _chunk(self, text: str) -> None:
        data = text.encode()
        self.record.bytes_out += len(data)
        self._write(b"%X\r\n%s\r\n" % (len(data), data))

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
        except OSError:
            raise ClientGone() from None

    def _reset_connection(self) -> None:
        """Send the start of a 200, then abort the TCP connection (RST, not FIN)."""
        self.record.status = None
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"x-request-id: {self.request_id}\r\nContent-Length: 100000\r\n\r\n"
            '{"created": '
        )
        self._write(head.encode())
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _pause(self, seconds: float) -> None:
        """Sleep, but notice a client that hangs up (a cancel) or a server that stops."""
        deadline = time.monotonic() + seconds
        stopping = self.standin._stopping
        while (remaining := deadline - time.monotonic()) > 0:
            if stopping.is_set():
                raise ClientGone()
            try:
                readable, _, _ = select.select([self.connection], [], [], min(remaining, 0.05))
            except (OSError, ValueError):
                raise ClientGone() from None
            if readable and not self._peer_open():
                raise ClientGone()
            if readable:
                # Bytes of a next request are waiting, so a hang-up cannot be seen; sleep.
                if stopping.wait(max(0.0, deadline - time.monotonic())):
                    raise ClientGone()
                return

    def _peer_open(self) -> bool:
        try:
            return self.connection.recv(1, socket.MSG_PEEK) != b""
        except BlockingIOError:
            return True
        except OSError:
            return False
