"""The Images API client: the one module of the core that imports httpx (and the network).

Owns `ImagesClient` and `ImagesResult` (`ClientConfig` lives in client_config.py).
It turns a validated request (requests.py) into HTTP, retries per retry.py,
parses JSON or SSE replies (sse.py) and maps every httpx exception onto
errors.py's tree, so no httpx type leaves it.

Safety rules kept here: TLS is always verified (certifi's bundle, plus a CA file
on request); plain http only to loopback hosts; redirects are never followed with
the key; the key is never logged or shown in a repr; image downloads carry no
Authorization header; every reply is read under a byte cap.

Cancel: with a CancelToken, the blocking send runs on a short-lived thread while
the caller waits on the token, and the token's callback shuts the request's
sockets (captured through httpcore's "trace" extension), so a cancel returns at
once in any phase: DNS, connect, upload, the wait for the first byte, or a stream.

Imports: httpx, certifi, the standard library and the core's own modules; no host
modules. Logging goes to logging.getLogger("openai_images.client") only.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import random as _random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import quote

import certifi
import httpx

from .cancel import CancelToken
from .catalogue import ModelSpec, get_model
from .client_config import (  # re-exported: callers import them from here too
    ClientConfig,
    MiB,
    _check_url,
)
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    CancelledError,
    ConfigurationError,
    ModerationError,
    QuotaError,
    ResponseError,
    error_from_response,
    request_id_of,
)
from .requests import EditRequest, GenerateRequest, VariationRequest, WireRequest
from .retry import RetryPolicy, retry_delay, should_retry
from .sse import CompletedImage, PartialImage, SSEParser, image_events

_log = logging.getLogger("openai_images.client")

_ERROR_BODY_LIMIT = MiB  # error replies are read this far, then cut
_LIST_LIMIT = 8 * MiB
_MAX_DOWNLOAD_HOPS = 3
_HTTPX_ERRORS = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError)

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


def ssl_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """certifi's roots (hosts' Pythons often have none of their own), plus `ca_bundle`."""
    try:
        ctx = ssl.create_default_context(cafile=certifi.where())
        if ca_bundle:
            ctx.load_verify_locations(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(f"the CA file cannot be loaded: {exc}") from None
    return ctx


def _make_http(config: ClientConfig) -> httpx.Client:
    return httpx.Client(
        verify=ssl_context(config.ca_bundle),
        proxy=config.proxy,
        follow_redirects=False,
        trust_env=False,  # no surprise proxies, and no ~/.netrc credentials sent to download hosts
        # A fresh connection per request: the cancel hook sees its socket, and an idle
        # pooled connection the server dropped cannot fail a request that took minutes to upload.
        limits=httpx.Limits(max_keepalive_connections=0),
    )


def _shutdown(sock: socket.socket) -> None:
    try:
        # The plain socket's method even for TLS sockets: SSLSocket.shutdown would tear
        # down the TLS state under the thread that is still reading.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class _Abort:
    """Shuts the sockets of one call when its token fires, waking a blocked read or write."""

    def __init__(self, cancel: CancelToken | None) -> None:
        self._cancel = cancel
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._fired = False
        self._unregister: Callable[[], None] = lambda: None

    def __enter__(self) -> _Abort:
        if self._cancel is not None:
            self._unregister = self._cancel.on_cancel(self.fire)
        return self

    def __exit__(self, *exc: object) -> None:
        self._unregister()

    def extensions(self) -> dict[str, Any]:
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
                raise CancelledError()
            response, error = self._response, self._error
        if cancel.cancelled:
            if response is not None:
                response.close()
            raise CancelledError()
        if error is not None:
            raise error
        assert response is not None
        return response


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_cancelled()


def _raise_mapped(exc: Exception, cancel: CancelToken | None, what: str) -> NoReturn:
    """Raise our error for an exception from httpx (or from a socket shut on cancel)."""
    mapped = _mapped(exc, cancel, what)
    if mapped is exc:
        raise exc
    raise mapped from exc


def _mapped(exc: Exception, cancel: CancelToken | None, what: str) -> Exception:
    if cancel is not None and cancel.cancelled:
        return CancelledError()
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


def _is_event_stream(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("text/event-stream")


def _str(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) else None


class ImagesClient:
    """Generate, edit and vary images. Calls block; run them off the host's main thread.
    One instance may serve several threads. `sleep` and `random` are injectable so that
    tests run retries on a fake clock (without `sleep`, a token's wait is the clock)."""

    def __init__(
        self,
        config: ClientConfig,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        random: Callable[[], float] = _random.random,
    ) -> None:
        config.validate()
        self.config = config
        self._owns_http = http is None
        self._http = _make_http(config) if http is None else http
        self._sleep = sleep
        self._random = random
        self._policy = RetryPolicy(
            max_retries=config.max_retries, max_retry_after=config.max_retry_after
        )
        self._timeout = httpx.Timeout(
            connect=config.connect_timeout,
            read=config.read_timeout,
            write=config.read_timeout,
            pool=config.connect_timeout,
        )

    def __enter__(self) -> ImagesClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    # ---- public calls ----------------------------------------------------------------------

    def generate(
        self,
        req: GenerateRequest,
        *,
        on_partial: OnPartial | None = None,
        cancel: CancelToken | None = None,
        spec: ModelSpec | None = None,
    ) -> ImagesResult:
        return self._submit(req, spec, on_partial, cancel)

    def edit(
        self,
        req: EditRequest,
        *,
        on_partial: OnPartial | None = None,
        cancel: CancelToken | None = None,
        spec: ModelSpec | None = None,
    ) -> ImagesResult:
        return self._submit(req, spec, on_partial, cancel)

    def vary(
        self,
        req: VariationRequest,
        *,
        on_partial: OnPartial | None = None,
        cancel: CancelToken | None = None,
        spec: ModelSpec | None = None,
    ) -> ImagesResult:
        """The legacy /images/variations where the model has it, else an edit of the whole image."""
        return self._submit(req, spec, on_partial, cancel)

    def list_models(self, cancel: CancelToken | None = None) -> list[str]:
        """Model ids the server offers (GET /models). Any failure raises: the caller then
        falls back to the catalogue."""
        return [str(m["id"]) for m in self.list_model_entries(cancel)]

    def list_model_entries(self, cancel: CancelToken | None = None) -> list[dict[str, object]]:
        """GET /models as {"id", "shutdown_date"} entries (the date as sent: YYYY-MM-DD,
        null or absent). Only those two keys are kept: nothing else of the server's text
        travels further."""
        url, params = self._url("models", None)
        with _Abort(cancel) as abort:

            def build() -> httpx.Request:
                return self._http.build_request(
                    "GET",
                    url,
                    params=params,
                    headers=self._headers(),
                    timeout=self._timeout,
                    extensions=abort.extensions(),
                )

            response, body = self._send_with_retries(build, cancel, _LIST_LIMIT, "the model list")
            response.close()
        rid = request_id_of(response.headers)
        data = self._json(body, rid).get("data") if body is not None else None
        if not isinstance(data, list):
            raise ResponseError("the model list has no 'data' array", rid)
        return [
            {"id": m["id"], "shutdown_date": m.get("shutdown_date")}
            for m in data
            if isinstance(m, dict) and isinstance(m.get("id"), str)
        ]

    # ---- one request, start to finish -------------------------------------------------------

    def _submit(
        self,
        req: GenerateRequest | EditRequest | VariationRequest,
        spec: ModelSpec | None,
        on_partial: OnPartial | None,
        cancel: CancelToken | None,
    ) -> ImagesResult:
        spec = spec or get_model(req.model)
        req.validate(spec)
        wire = req.to_wire(spec)
        _check(cancel)
        started = time.monotonic()
        result = self._run(wire, req.model, on_partial, cancel)
        _log.info(
            "%s: %d image(s) in %.1f s, request id %s",
            wire.path,
            len(result.images),
            time.monotonic() - started,
            result.request_id,
        )
        return result

    def _run(
        self,
        wire: WireRequest,
        model: str,
        on_partial: OnPartial | None,
        cancel: CancelToken | None,
    ) -> ImagesResult:
        url, params = self._url(wire.path, model)
        limit = int(self.config.max_image_bytes * 4 / 3 * wire.expected_images) + MiB
        with _Abort(cancel) as abort:

            def build() -> httpx.Request:
                # Rebuilt for every attempt from the bytes kept in `wire`.
                kwargs: dict[str, Any] = {"json": wire.json_body}
                if wire.multipart:
                    files = [(name, (f.filename, f.data, f.mime)) for name, f in wire.files]
                    kwargs = {"data": dict(wire.fields), "files": files}
                return self._http.build_request(
                    "POST",
                    url,
                    params=params,
                    headers=self._headers(),
                    timeout=self._timeout,
                    extensions=abort.extensions(),
                    **kwargs,
                )

            response, body = self._send_with_retries(build, cancel, limit, "the image request")
            try:
                rid = request_id_of(response.headers)
                if body is None:
                    return self._stream_result(response, limit, on_partial, cancel, rid)
                return self._json_result(self._json(body, rid), rid, cancel, abort)
            finally:
                response.close()

    # ---- HTTP plumbing ---------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        cfg = self.config
        headers = {"User-Agent": cfg.user_agent, "Accept": "application/json"}
        if cfg.azure_classic:
            headers["api-key"] = cfg.api_key.strip()
        else:
            headers["Authorization"] = f"Bearer {cfg.api_key.strip()}"
        if cfg.organization:
            headers["OpenAI-Organization"] = cfg.organization
        if cfg.project:
            headers["OpenAI-Project"] = cfg.project
        return headers

    def _url(self, path: str, model: str | None) -> tuple[str, dict[str, str]]:
        cfg = self.config
        base = cfg.base_url.rstrip("/")
        if not cfg.azure_classic:
            return f"{base}/{path}", {}
        params = {"api-version": cfg.azure_api_version or ""}
        root = base.removesuffix("/openai")
        if path == "models":
            return f"{root}/openai/models", params
        deployment = quote(cfg.azure_deployment or model or "", safe="")
        return f"{root}/openai/deployments/{deployment}/{path}", params

    def _send_with_retries(
        self,
        build: Callable[[], httpx.Request],
        cancel: CancelToken | None,
        limit: int,
        what: str,
    ) -> tuple[httpx.Response, bytes | None]:
        """The first successful reply: its whole body, or None (and the open response) for a
        2xx event stream. Error replies become errors.py errors, retried per retry.py."""
        attempt = 0
        while True:
            _check(cancel)
            failure: APIError
            try:
                response, body = self._attempt(build(), cancel, limit, what)
            except APIConnectionError as err:
                failure = err
            else:
                if response.is_success:
                    return response, body
                failure = error_from_response(response.status_code, response.headers, body or b"")
            if not self._retryable(failure, attempt):
                raise failure
            delay = retry_delay(
                attempt, getattr(failure, "headers", {}), self._random, policy=self._policy
            )
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
        cancel: CancelToken | None,
        limit: int,
        what: str,
    ) -> tuple[httpx.Response, bytes | None]:
        try:
            response = self._open(request, cancel)
        except Exception as exc:
            _raise_mapped(exc, cancel, what)
        _log.debug("%s %s -> %d", request.method, request.url.path, response.status_code)
        if response.is_success and _is_event_stream(response):
            return response, None
        try:
            cap = limit if response.is_success else _ERROR_BODY_LIMIT
            body = b"".join(self._chunks(response, cap, cancel, what, cut=not response.is_success))
        finally:
            response.close()
        return response, body

    def _open(self, request: httpx.Request, cancel: CancelToken | None) -> httpx.Response:
        """Send and wait for the headers; with a token, on a worker thread so a cancel
        returns at once."""
        if cancel is None:
            return self._http.send(request, stream=True, follow_redirects=False)
        pending = _PendingSend()
        worker = threading.Thread(
            target=pending.run, args=(self._http, request), name="openai-images-send", daemon=True
        )
        unregister = cancel.on_cancel(pending.wake)
        try:
            worker.start()
            pending.wait()
        finally:
            unregister()
        return pending.take(cancel)

    def _chunks(
        self,
        response: httpx.Response,
        cap: int,
        cancel: CancelToken | None,
        what: str,
        *,
        cut: bool = False,
    ) -> Iterator[bytes]:
        """The body in chunks, checking the token between them; over `cap` bytes it is
        cut short (`cut`, for error replies) or refused."""
        total = 0
        try:
            for chunk in response.iter_bytes():
                _check(cancel)
                total += len(chunk)
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
            _raise_mapped(exc, cancel, what)
        _check(cancel)

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
            return should_retry(attempt, None, {}, policy=self._policy)
        return False

    def _pause(self, seconds: float, cancel: CancelToken | None) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        elif cancel is not None:
            cancel.wait(seconds)
        else:
            time.sleep(seconds)
        _check(cancel)

    # ---- replies ---------------------------------------------------------------------------

    @staticmethod
    def _json(body: bytes, rid: str | None) -> dict[str, Any]:
        try:
            payload = json.loads(body)
        except ValueError:
            raise ResponseError("the reply is not valid JSON", rid) from None
        if not isinstance(payload, dict):
            raise ResponseError("the reply is not a JSON object", rid)
        return payload

    def _decode(self, b64: str, rid: str | None) -> bytes:
        cap = self.config.max_image_bytes
        if len(b64) // 4 * 3 > cap + 2:
            raise ResponseError(f"an image is larger than the {cap // MiB} MB limit", rid)
        try:
            return base64.b64decode("".join(b64.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ResponseError("an image is not valid base64", rid) from None

    def _json_result(
        self,
        payload: dict[str, Any],
        rid: str | None,
        cancel: CancelToken | None,
        abort: _Abort,
    ) -> ImagesResult:
        data = payload.get("data")
        if not isinstance(data, list) or not data:
            raise ResponseError("the reply holds no image", rid)
        images: list[bytes] = []
        revised: list[str | None] = []
        for item in data:
            if not isinstance(item, dict):
                raise ResponseError("the reply's data holds a non-object", rid)
            if isinstance(item.get("b64_json"), str):
                images.append(self._decode(item["b64_json"], rid))
            elif isinstance(item.get("url"), str):
                images.append(self._download(item["url"], rid, cancel, abort))
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

    def _stream_result(
        self,
        response: httpx.Response,
        limit: int,
        on_partial: OnPartial | None,
        cancel: CancelToken | None,
        rid: str | None,
    ) -> ImagesResult:
        parser = SSEParser()

        def events() -> Iterator[Any]:
            try:
                for chunk in self._chunks(response, limit, cancel, "the connection"):
                    yield from parser.feed(chunk)
            except APIConnectionError as err:
                if isinstance(err, APITimeoutError):
                    raise
                raise ResponseError(
                    f"stream ended before the image was complete ({err})", rid
                ) from err
            yield from parser.close()

        images: list[bytes] = []
        last: CompletedImage | None = None
        for event in image_events(events(), rid):
            _check(cancel)  # one chunk may hold several events: no callbacks after a cancel
            if isinstance(event, PartialImage):
                if on_partial is not None:
                    on_partial(event.index, self._decode(event.b64_json, rid))
                continue
            images.append(self._decode(event.b64_json, rid))
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

    def _download(
        self,
        url: str,
        rid: str | None,
        cancel: CancelToken | None,
        abort: _Abort,
    ) -> bytes:
        """A DALL·E `url` result, fetched now (they expire): https only, no key, size-capped."""
        for _hop in range(_MAX_DOWNLOAD_HOPS + 1):
            try:
                _check_url("the image URL", url, allow_query=True)
            except ConfigurationError as err:
                raise ResponseError(f"bad image URL: {err}", rid) from None

            def build(target: str = url) -> httpx.Request:
                headers = {"User-Agent": self.config.user_agent, "Accept": "image/*"}
                return self._http.build_request(
                    "GET",
                    target,
                    headers=headers,
                    timeout=self._timeout,
                    extensions=abort.extensions(),
                )

            try:
                response, body = self._send_with_retries(
                    build, cancel, self.config.max_image_bytes, "the image download"
                )
            except APIStatusError as err:
                location = {k.lower(): v for k, v in err.headers.items()}.get("location")
                if 300 <= err.status < 400 and location:
                    url = str(httpx.URL(url).join(location))
                    continue
                raise ResponseError(
                    f"the image download failed with HTTP {err.status}", rid
                ) from err
            if body is None:
                response.close()
                raise ResponseError("the image URL answered with an event stream", rid)
            return body
        raise ResponseError("the image URL redirects too often", rid)
