"""One request, sent until it succeeds: the HTTP exchange under client.py.

Owns `RetryingSender` (send, wait for the headers, read the body under a byte
cap, turn an error reply into errors.py's error, retry per retry.py),
`read_chunks` (a body in chunks, checking the cancel token between them; the
streaming read of an event stream too), `raise_mapped`, the one place where
an httpx exception becomes an errors.py error, so no httpx type leaves the
client, and the byte counts of a transfer (`OnBytes`, `count_upload`): the
bytes of a request body as httpcore writes them, and of a reply as it is read.

Part of the client (client.py): imports httpx, the standard library and the
core's cancel, errors, retry and client_config modules. No host modules. Logs
to "openai_images.client", the client's one logger.
"""

from __future__ import annotations

import logging
import re
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

import httpx

from ..cancel import CancelToken
from ..errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    ModerationError,
    QuotaError,
    ResponseError,
    error_from_response,
    request_id_of,
)
from .client_abort import Attempt, check_cancelled, send_cancellable
from .client_config import DEFAULT_DEADLINES, Deadlines, MiB
from .retry import RetryPolicy, retry_delay, should_retry

_log = logging.getLogger("openai_images.client")

_ERROR_BODY_LIMIT = MiB  # error replies are read this far, then cut
_HTTPX_ERRORS = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError)
# httpx hands an in-memory file part to httpcore as one piece: cut so, an upload
# of megabytes would report 0 and then all of it.
UPLOAD_PIECE = 64 * 1024

Transfer = Literal["upload", "download"]
# (direction, bytes so far, bytes in all or None when unknown). Called on whichever
# thread moves the bytes (the send worker for an upload): keep it short, and thread-safe.
OnBytes = Callable[[Transfer, int, "int | None"], None]


class _CountedBody(httpx.SyncByteStream):
    """A request body that reports how much of it has been written.

    httpcore writes each piece to the socket before it asks for the next, so a
    piece is counted when the next one is asked for: the count is bytes handed
    to the socket, never bytes merely prepared. A retry builds a fresh request,
    so its count starts again at 0."""

    def __init__(self, body: httpx.SyncByteStream, total: int | None, report: OnBytes) -> None:
        self._body, self._total, self._report = body, total, report

    def __iter__(self) -> Iterator[bytes]:
        done = 0
        self._report("upload", 0, self._total)
        for chunk in self._body:
            for start in range(0, len(chunk), UPLOAD_PIECE):
                piece = chunk[start : start + UPLOAD_PIECE]
                yield piece
                done += len(piece)
                self._report("upload", done, self._total)
        if self._total is None:  # a body of unknown length: its end says how long it was
            self._report("upload", done, done)

    def close(self) -> None:
        self._body.close()


def count_upload(request: httpx.Request, report: OnBytes | None) -> httpx.Request:
    """`request` with its body counted through `report` (None: unchanged)."""
    if report is None or not isinstance(request.stream, httpx.SyncByteStream):
        return request
    request.stream = _CountedBody(request.stream, _length(request.headers), report)
    return request


def _length(headers: httpx.Headers) -> int | None:
    # A server's header, so only plain ASCII digits of a sane length count
    # (str.isdigit takes "²", which int() refuses).
    value = headers.get("content-length", "")
    return int(value) if re.fullmatch(r"[0-9]{1,15}", value) else None


def _certificate_failure(error: BaseException) -> bool:
    """True when TLS verification refused the server's certificate (in the cause chain)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def raise_mapped(exc: Exception, cancel: CancelToken | None, what: str) -> NoReturn:
    """Raise our error for an exception from httpx (or from a socket shut on cancel)."""
    mapped = _mapped(exc, cancel, what)
    if mapped is exc:
        raise exc
    raise mapped from exc


def _mapped(exc: Exception, cancel: CancelToken | None, what: str) -> Exception:
    # Checked first: a cancel shuts the sockets, and whatever the blocked call then
    # raises is the cancel's doing, not the network's.
    if cancel is not None and cancel.cancelled:
        return cancel.error()
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            "ConnectTimeout": "connecting",
            "ReadTimeout": "waiting for the reply",
            "WriteTimeout": "sending",
            "PoolTimeout": "waiting for a connection",
        }
        return APITimeoutError(f"{what} timed out {phase.get(type(exc).__name__, '')}".rstrip())
    if isinstance(exc, httpx.DecodingError):
        return ResponseError(f"{what}: the reply could not be decoded ({exc})")
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return ConfigurationError(f"{what}: {exc}")
    if isinstance(exc, (*_HTTPX_ERRORS, OSError)):
        detail = str(exc) or type(exc).__name__
        return APIConnectionError(f"{what} failed: {detail}")
    return exc


def is_event_stream(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("text/event-stream")


def read_chunks(
    response: httpx.Response,
    cap: int,
    cancel: CancelToken | None,
    what: str,
    *,
    cut: bool = False,
    report: OnBytes | None = None,
) -> Iterator[bytes]:
    """The body in chunks, checking the token between them; over `cap` bytes it is
    cut short (`cut`, for error replies) or refused. `report` hears the bytes read
    off the wire (before any content decoding, as Content-Length counts them)."""
    total = 0
    size = _length(response.headers)
    try:
        for chunk in response.iter_bytes():
            check_cancelled(cancel)
            total += len(chunk)
            if report is not None:
                # The wire's count, which Content-Length measures (a gzip reply decodes
                # to more); a body already in memory (a mock transport's) has none.
                report("download", response.num_bytes_downloaded or total, size)
            if total > cap:
                if cut:
                    yield chunk[: len(chunk) - (total - cap)]
                    return
                raise ResponseError(
                    f"the reply is larger than the {cap // MiB} MB limit",
                    request_id_of(response.headers),
                )
            yield chunk
    except (*_HTTPX_ERRORS, OSError) as exc:  # OSError: a socket shut below httpcore's mapping
        raise_mapped(exc, cancel, what)
    check_cancelled(cancel)


@dataclass
class Sent:
    """A successful reply: its whole body, or None for a 2xx event stream, whose body
    is read under `attempt` (still armed: close it when the stream is read)."""

    response: httpx.Response
    body: bytes | None
    attempt: Attempt

    def close(self) -> None:
        self.response.close()
        self.attempt.close()


class RetryingSender:
    """Sends requests over `http`, retrying per `policy`, each attempt and the whole
    call under a deadline. `sleep` and `random` are injectable so that tests run
    retries on a fake clock (without `sleep`, a token's wait is the clock)."""

    def __init__(
        self,
        http: httpx.Client,
        policy: RetryPolicy,
        sleep: Callable[[float], None] | None,
        random: Callable[[], float],
        deadlines: Deadlines = DEFAULT_DEADLINES,
    ) -> None:
        self._http = http
        self._policy = policy
        self._sleep = sleep
        self._random = random
        self._deadlines = deadlines

    def send(
        self,
        build: Callable[[dict[str, Any]], httpx.Request],
        cancel: CancelToken | None,
        limit: int,
        what: str,
        on_bytes: OnBytes | None = None,
    ) -> Sent:
        """The first successful reply. Error replies become errors.py errors, retried per
        retry.py while the call's deadline leaves time. `build` makes the request afresh
        for every attempt, with the request extensions that attempt's abort needs.
        `on_bytes` hears a successful reply's bytes as they are read (an event stream's
        are the caller's to count, as it reads them)."""
        attempt = 0
        ends = time.monotonic() + self._deadlines.call
        while True:
            check_cancelled(cancel)
            failure: APIError
            left = ends - time.monotonic()
            if left <= self._deadlines.attempt:
                seconds, limit_name = left, "the limit for the request, with retries"
            else:
                seconds, limit_name = self._deadlines.attempt, "the limit for one attempt"
            token = Attempt(cancel, seconds, what, limit_name)
            streaming = False  # a 2xx event stream is read after we return, under `token`
            try:
                request = build(token.abort.extensions())
                response, body = self._attempt(request, token, limit, what, on_bytes)
                if response.is_success:
                    streaming = body is None
                    return Sent(response, body, token)
                failure = error_from_response(response.status_code, response.headers, body or b"")
            except APIConnectionError as err:
                failure = err
            finally:
                if not streaming:
                    token.close()
            if not self._retryable(failure, attempt):
                raise failure
            delay = retry_delay(
                attempt, getattr(failure, "headers", {}), self._random, policy=self._policy
            )
            if time.monotonic() + delay >= ends:
                raise failure  # no time left for another attempt: the last failure stands
            _log.warning(
                "retrying %s after: %s (retry %d of %d in %.1f s)",
                what,
                failure,
                attempt + 1,
                self._policy.max_retries,
                delay,
            )
            self._pause(delay, cancel)
            attempt += 1

    def _attempt(
        self,
        request: httpx.Request,
        cancel: CancelToken,
        limit: int,
        what: str,
        on_bytes: OnBytes | None,
    ) -> tuple[httpx.Response, bytes | None]:
        try:
            response = send_cancellable(self._http, request, cancel)
        except Exception as exc:
            raise_mapped(exc, cancel, what)
        _log.debug("%s %s -> %d", request.method, request.url.path, response.status_code)
        if response.is_success and is_event_stream(response):
            return response, None
        try:
            ok = response.is_success
            cap = limit if ok else _ERROR_BODY_LIMIT
            report = on_bytes if ok else None  # an error reply is no download of the result
            body = b"".join(read_chunks(response, cap, cancel, what, cut=not ok, report=report))
        finally:
            response.close()
        return response, body

    def _retryable(self, failure: APIError, attempt: int) -> bool:
        if isinstance(failure, ModerationError | QuotaError):
            return False
        if isinstance(failure, APIStatusError):
            return should_retry(
                attempt,
                failure.status,
                failure.headers,
                code=failure.code,
                message=failure.message,
                policy=self._policy,
            )
        if isinstance(failure, APIConnectionError):
            if _certificate_failure(failure):
                return False  # a certificate refused now is refused on every retry
            return should_retry(attempt, None, {}, policy=self._policy)
        return False

    def _pause(self, seconds: float, cancel: CancelToken | None) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        elif cancel is not None:
            cancel.wait(seconds)
        else:
            time.sleep(seconds)
        check_cancelled(cancel)
