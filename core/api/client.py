"""The Images API client: `ImagesClient`, the calls it offers and how it addresses them.

Owns `ImagesClient` (generate, edit, vary, list the models) and `ssl_context`.
It turns a validated request (requests.py) into HTTP, hands it to
client_exchange.py (send, capped reads, retries per retry.py, every httpx
exception mapped onto errors.py's tree) and reads the 2xx reply with reply.py.
`ClientConfig` lives in client_config.py, `ImagesResult` in reply.py; both are
re-exported here, where callers have always imported them.

Safety rules kept by the client: TLS is always verified (certifi's bundle, plus a CA file
on request); plain http only to loopback hosts; redirects are never followed with
the key; the key is never logged or shown in a repr; image downloads carry no
Authorization header; every reply is read under a byte cap.

Cancel: with a CancelToken, every call runs under client_abort.py's
`SocketAbort`, so a cancel returns at once in any phase: DNS, connect, upload,
the wait for the first byte, or a stream.

This module, client_abort.py and client_exchange.py are the client: the only
modules of the core that import httpx (and the network). Besides httpx they
import certifi, the standard library and the core's own modules; no host
modules. Logging goes to logging.getLogger("openai_images.client") only.
"""

from __future__ import annotations

import logging
import random as _random
import ssl
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import certifi
import httpx

from ..cancel import CancelToken
from ..errors import APIStatusError, ConfigurationError, ResponseError, request_id_of
from ..models.catalogue import ModelSpec, get_model
from .client_abort import check_cancelled
from .client_config import ClientConfig, MiB, _check_url, local_address
from .client_exchange import OnBytes, RetryingSender, Transfer, count_upload, read_chunks
from .reply import (
    ImagesResult,
    OnPartial,
    json_object,
    model_entries,
    result_from_json,
    result_from_stream,
)
from .requests import EditRequest, GenerateRequest, VariationRequest, WireRequest
from .retry import RetryPolicy
from .wire_format import reply_cap

# ClientConfig, MiB, ImagesResult, OnBytes, OnPartial and Transfer are re-exported:
# callers (jobs.py, setup.py, the adapters, tests) import them from here.
__all__ = [
    "ClientConfig",
    "ImagesClient",
    "ImagesResult",
    "MiB",
    "OnBytes",
    "OnPartial",
    "Transfer",
    "ssl_context",
]

_log = logging.getLogger("openai_images.client")

_LIST_LIMIT = 8 * MiB
_MAX_DOWNLOAD_HOPS = 3


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
        policy = RetryPolicy(max_retries=config.max_retries, max_retry_after=config.max_retry_after)
        self._sender = RetryingSender(self._http, policy, sleep, random, config.deadlines)
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
        on_bytes: OnBytes | None = None,
    ) -> ImagesResult:
        return self._submit(req, spec, on_partial, cancel, on_bytes)

    def edit(
        self,
        req: EditRequest,
        *,
        on_partial: OnPartial | None = None,
        cancel: CancelToken | None = None,
        spec: ModelSpec | None = None,
        on_bytes: OnBytes | None = None,
    ) -> ImagesResult:
        return self._submit(req, spec, on_partial, cancel, on_bytes)

    def vary(
        self,
        req: VariationRequest,
        *,
        on_partial: OnPartial | None = None,
        cancel: CancelToken | None = None,
        spec: ModelSpec | None = None,
        on_bytes: OnBytes | None = None,
    ) -> ImagesResult:
        """The legacy /images/variations where the model has it, else an edit of the whole image."""
        return self._submit(req, spec, on_partial, cancel, on_bytes)

    def list_models(self, cancel: CancelToken | None = None) -> list[str]:
        """Model ids the server offers (GET /models). Any failure raises: the caller then
        falls back to the catalogue."""
        return [str(m["id"]) for m in self.list_model_entries(cancel)]

    def list_model_entries(self, cancel: CancelToken | None = None) -> list[dict[str, object]]:
        """GET /models as {"id", "shutdown_date"} entries (see reply.model_entries)."""
        url, params = self._url("models", None)

        def build(extensions: dict[str, Any]) -> httpx.Request:
            return self._http.build_request(
                "GET",
                url,
                params=params,
                headers=self._headers(),
                timeout=self._timeout,
                extensions=extensions,
            )

        sent = self._sender.send(build, cancel, _LIST_LIMIT, "the model list")
        sent.close()
        return model_entries(sent.body, request_id_of(sent.response.headers))

    # ---- one request, start to finish -------------------------------------------------------

    def _submit(
        self,
        req: GenerateRequest | EditRequest | VariationRequest,
        spec: ModelSpec | None,
        on_partial: OnPartial | None,
        cancel: CancelToken | None,
        on_bytes: OnBytes | None,
    ) -> ImagesResult:
        spec = spec or get_model(req.model)
        req.validate(spec)
        wire = req.to_wire(spec)
        check_cancelled(cancel)
        started = time.monotonic()
        result = self._run(wire, req.model, on_partial, cancel, on_bytes)
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
        on_bytes: OnBytes | None,
    ) -> ImagesResult:
        """One image request; `on_bytes` hears the body's bytes as they are sent and
        the reply's (a stream's too) as they are read. URL downloads are not counted."""
        url, params = self._url(wire.path, model)
        cap = reply_cap(wire, self.config.max_image_bytes)
        # base64 is 4/3 of the bytes; expected_images counts a stream's partials too.
        limit = int(cap * 4 / 3 * wire.expected_images) + MiB

        def build(extensions: dict[str, Any]) -> httpx.Request:
            # Rebuilt for every attempt from the bytes kept in `wire`.
            kwargs: dict[str, Any] = {"json": wire.json_body}
            if wire.multipart:
                files = [(name, (f.filename, f.data, f.mime)) for name, f in wire.files]
                kwargs = {"data": dict(wire.fields), "files": files}
            request = self._http.build_request(
                "POST",
                url,
                params=params,
                headers=self._headers(),
                timeout=self._timeout,
                extensions=extensions,
                **kwargs,
            )
            return count_upload(request, on_bytes)

        sent = self._sender.send(build, cancel, limit, "the image request", on_bytes)
        try:
            rid = request_id_of(sent.response.headers)
            if sent.body is None:
                chunks = read_chunks(
                    sent.response, limit, sent.attempt, "the image request", report=on_bytes
                )
                return result_from_stream(chunks, rid, cap, on_partial, sent.attempt)
            return result_from_json(
                json_object(sent.body, rid),
                rid,
                cap,
                lambda link: self._download(link, rid, cancel, cap),
            )
        finally:
            sent.close()

    # ---- addressing ------------------------------------------------------------------------

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

    # ---- image URLs ------------------------------------------------------------------------

    def _download(
        self,
        url: str,
        rid: str | None,
        cancel: CancelToken | None,
        cap: int,
    ) -> bytes:
        """A DALL·E `url` result, fetched now (they expire): https only, no key, size-capped."""
        for _hop in range(_MAX_DOWNLOAD_HOPS + 1):
            try:
                _check_url("the image URL", url, allow_query=True)
            except ConfigurationError as err:
                raise ResponseError(f"bad image URL: {err}", rid) from None
            host = httpx.URL(url).host
            if local_address(host) and not local_address(httpx.URL(self.config.base_url).host):
                # a remote server must not point us at this computer or its network
                raise ResponseError(f"bad image URL: {host} is a local or private address", rid)

            def build(extensions: dict[str, Any], target: str = url) -> httpx.Request:
                headers = {"User-Agent": self.config.user_agent, "Accept": "image/*"}
                return self._http.build_request(
                    "GET",
                    target,
                    headers=headers,
                    timeout=self._timeout,
                    extensions=extensions,
                )

            try:
                sent = self._sender.send(build, cancel, cap, "the image download")
            except APIStatusError as err:
                # Redirects are followed here, by hand, so that every hop passes the URL
                # rules above (httpx's own following would not check them).
                location = {k.lower(): v for k, v in err.headers.items()}.get("location")
                if 300 <= err.status < 400 and location:
                    url = str(httpx.URL(url).join(location))
                    continue
                raise ResponseError(
                    f"the image download failed with HTTP {err.status}", rid
                ) from err
            sent.close()
            if sent.body is None:
                raise ResponseError("the image URL answered with an event stream", rid)
            return sent.body
        raise ResponseError("the image URL redirects too often", rid)
