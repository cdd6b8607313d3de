"""client.py over httpx.MockTransport: requests on the wire, replies, retries, cancel, config.

Each test asserts the method, path, headers and body the client sent; multipart
bodies are parsed with the standard library's email parser. Retries run on a
fake clock (the injected `sleep` records the delays). The cancel tests use a
handler that does not answer; their join() timeouts only keep a broken build from
hanging the suite, they measure nothing. Real sockets: test_client_loopback.py.
"""

from __future__ import annotations

import base64
import email
import email.policy
import io
import json
import logging
import ssl
import threading

import certifi
import httpx
import pytest
from PIL import Image

import core
from core.api.client import ClientConfig, ImagesClient, ssl_context
from core.api.requests import EditRequest, GenerateRequest, UploadFile, VariationRequest
from core.cancel import CancelToken
from core.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    CancelledError,
    ConfigurationError,
    ImagesError,
    InternalServerError,
    ModerationError,
    NotFoundError,
    QuotaError,
    ResponseError,
)

KEY = "sk-test-not-a-real-key-0123"
MiB = 1024 * 1024


def png_bytes(w: int = 8, h: int = 8, color=(200, 10, 10, 255)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (w, h), color).save(buf, "PNG")
    return buf.getvalue()


IMG = png_bytes()
IMG2 = png_bytes(color=(0, 0, 255, 255))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def ok_json(*images: bytes, **extra) -> httpx.Response:
    body = {"created": 1700000000, "data": [{"b64_json": b64(i)} for i in images], **extra}
    return httpx.Response(200, json=body, headers={"x-request-id": "req_ok"})


def api_error(status, code=None, message="failed", headers=None, type_="x") -> httpx.Response:
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return httpx.Response(
        status, json=body, headers={"x-request-id": f"req_{status}", **(headers or {})}
    )


class Server:
    """A MockTransport handler that replays a script of replies and records the requests."""

    def __init__(self, *script):
        self.script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, Exception):
            raise item
        return item(request) if callable(item) else item


def client_for(server, sleeps=None, **config) -> ImagesClient:
    cfg = ClientConfig(api_key=KEY, **config)
    http = httpx.Client(transport=httpx.MockTransport(server))
    delays = sleeps if sleeps is not None else []
    return ImagesClient(cfg, http=http, sleep=delays.append, random=lambda: 0.0)


def form_parts(request: httpx.Request) -> list[tuple[str, str | None, str | None, bytes]]:
    """(name, filename, content type or None, payload) for each multipart part, in order."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    msg = email.message_from_bytes(head + request.content, policy=email.policy.HTTP)
    assert msg.is_multipart()
    parts = []
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        ctype = part["content-type"]
        parts.append((name, part.get_filename(), ctype, part.get_payload(decode=True)))
    return parts


def assert_api_headers(request: httpx.Request, *, org=None, project=None):
    h = request.headers
    assert h["authorization"] == f"Bearer {KEY}"
    assert h["user-agent"] == f"openai-images-krita-gimp/{core.__version__}"
    assert h["accept"] == "application/json"
    assert h.get("openai-organization") == org
    assert h.get("openai-project") == project
    assert "api-key" not in h


# ---- the wire --------------------------------------------------------------------------------


def test_generate_posts_json_with_the_headers_and_reads_the_result():
    reply = ok_json(
        IMG,
        IMG2,
        size="1536x864",
        quality="high",
        background="opaque",
        output_format="png",
        usage={"total_tokens": 7},
    )
    server = Server(reply)
    client = client_for(server, organization="org-1", project="proj-1")
    result = client.generate(GenerateRequest("a fox", "gpt-image-2", n=2, size="1536x864"))
    [req] = server.requests
    assert (req.method, str(req.url)) == ("POST", "https://api.openai.com/v1/images/generations")
    assert_api_headers(req, org="org-1", project="proj-1")
    assert req.headers["content-type"] == "application/json"
    assert json.loads(req.content) == {
        "prompt": "a fox",
        "model": "gpt-image-2",
        "n": 2,
        "size": "1536x864",
    }
    assert result.images == [IMG, IMG2]
    assert result.revised_prompts == [None, None]
    assert (result.size, result.quality, result.background, result.output_format) == (
        "1536x864",
        "high",
        "opaque",
        "png",
    )
    assert (result.usage, result.request_id, result.created) == (
        {"total_tokens": 7},
        "req_ok",
        1700000000,
    )


def test_edit_sends_every_multipart_field_and_file():
    server = Server(ok_json(IMG))
    client = client_for(server)
    first = UploadFile("layer.png", png_bytes(16, 16), "image/png")
    second = UploadFile("ref.png", png_bytes(4, 4), "image/png")
    mask = UploadFile("mask.png", png_bytes(16, 16, (0, 0, 0, 0)), "image/png")
    req = EditRequest(
        "add a hat",
        "gpt-image-2",
        (first, second),
        mask=mask,
        size="1024x1024",
        quality="low",
        output_format="webp",
        output_compression=80,
        moderation="low",
    )
    client.edit(req)
    [sent] = server.requests
    assert (sent.method, sent.url.path) == ("POST", "/v1/images/edits")
    assert_api_headers(sent)
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert form_parts(sent) == [
        ("prompt", None, None, b"add a hat"),
        ("model", None, None, b"gpt-image-2"),
        ("n", None, None, b"1"),
        ("size", None, None, b"1024x1024"),
        ("quality", None, None, b"low"),
        ("output_format", None, None, b"webp"),
        ("output_compression", None, None, b"80"),
        ("image[]", "layer.png", "image/png", first.data),
        ("image[]", "ref.png", "image/png", second.data),
        ("mask", "mask.png", "image/png", mask.data),
    ]


def test_vary_edits_the_whole_image_where_the_model_has_no_variations_endpoint():
    server = Server(ok_json(IMG))
    image = UploadFile("canvas.png", IMG, "image/png")
    client_for(server).vary(VariationRequest("gpt-image-2", image, prompt="same, but autumn"))
    [sent] = server.requests
    assert sent.url.path == "/v1/images/edits"
    assert form_parts(sent) == [
        ("prompt", None, None, b"same, but autumn"),
        ("model", None, None, b"gpt-image-2"),
        ("n", None, None, b"1"),
        ("size", None, None, b"auto"),
        ("image", "canvas.png", "image/png", IMG),
    ]


def test_vary_uses_the_legacy_endpoint_where_the_model_has_it():
    server = Server(ok_json(IMG))
    image = UploadFile("canvas.png", IMG, "image/png")
    client_for(server).vary(VariationRequest("dall-e-2", image, n=2, size="256x256"))
    [sent] = server.requests
    assert sent.url.path == "/v1/images/variations"
    assert form_parts(sent) == [
        ("model", None, None, b"dall-e-2"),
        ("n", None, None, b"2"),
        ("size", None, None, b"256x256"),
        ("response_format", None, None, b"b64_json"),
        ("image", "canvas.png", "image/png", IMG),
    ]


def test_validation_fails_before_anything_is_sent():
    server = Server(ok_json(IMG))
    with pytest.raises(ImagesError, match="size"):
        client_for(server).generate(GenerateRequest("x", "gpt-image-2", size="1000x1000"))
    assert server.requests == []


def test_azure_classic_deployment_urls_and_api_key_header():
    server = Server(ok_json(IMG))
    client = client_for(
        server,
        base_url="https://res.openai.azure.com/openai/",
        azure_deployment="img-deploy",
        azure_api_version="2025-04-01-preview",
    )
    client.generate(GenerateRequest("x", "gpt-image-1.5"))
    [sent] = server.requests
    assert str(sent.url) == (
        "https://res.openai.azure.com/openai/deployments/img-deploy/images/generations"
        "?api-version=2025-04-01-preview"
    )
    assert sent.headers["api-key"] == KEY
    assert "authorization" not in sent.headers


def test_azure_classic_without_a_deployment_uses_the_model_name():
    server = Server(ok_json(IMG), httpx.Response(200, json={"data": []}))
    client = client_for(
        server, base_url="https://res.openai.azure.com", azure_api_version="2024-02-01"
    )
    client.generate(GenerateRequest("x", "gpt-image-1.5"))
    client.list_models()
    assert [r.url.path for r in server.requests] == [
        "/openai/deployments/gpt-image-1.5/images/generations",
        "/openai/models",
    ]
    assert all(r.url.params["api-version"] == "2024-02-01" for r in server.requests)


def test_from_env_reads_the_sdk_variables():
    env = {
        "OPENAI_API_KEY": KEY,
        "OPENAI_BASE_URL": "http://127.0.0.1:8000/v1",
        "OPENAI_ORG_ID": "org-9",
        "OPENAI_PROJECT_ID": "proj-9",
    }
    cfg = ClientConfig.from_env(environ=env, max_retries=5)
    assert (cfg.api_key, cfg.base_url, cfg.organization, cfg.project, cfg.max_retries) == (
        KEY,
        "http://127.0.0.1:8000/v1",
        "org-9",
        "proj-9",
        5,
    )
    empty = ClientConfig.from_env(environ={})
    assert (empty.api_key, empty.base_url) == ("", "https://api.openai.com/v1")


def test_from_env_azure_v1_and_classic():
    v1 = ClientConfig.from_env(
        environ={
            "AZURE_OPENAI_API_KEY": "az",
            "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com/",
        }
    )
    assert (v1.base_url, v1.api_key, v1.azure_classic) == (
        "https://r.openai.azure.com/openai/v1",
        "az",
        False,
    )
    classic = ClientConfig.from_env(
        environ={
            "AZURE_OPENAI_API_KEY": "az",
            "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com",
            "OPENAI_API_VERSION": "2025-04-01-preview",
        },
        azure_deployment="d",
    )
    assert (classic.base_url, classic.azure_api_version, classic.azure_deployment) == (
        "https://r.openai.azure.com",
        "2025-04-01-preview",
        "d",
    )
    assert classic.azure_classic


def test_list_models():
    server = Server(httpx.Response(200, json={"data": [{"id": "gpt-image-2"}, {"id": "x"}, {}]}))
    assert client_for(server).list_models() == ["gpt-image-2", "x"]
    [sent] = server.requests
    assert (sent.method, str(sent.url)) == ("GET", "https://api.openai.com/v1/models")
    assert_api_headers(sent)
    with pytest.raises(NotFoundError):
        client_for(Server(api_error(404))).list_models()
    with pytest.raises(ResponseError):
        client_for(Server(httpx.Response(200, json={"object": "list"}))).list_models()


def test_redirects_are_not_followed_with_the_key():
    server = Server(httpx.Response(307, headers={"location": "https://elsewhere.example/v1/x"}))
    with pytest.raises(APIStatusError) as info:
        client_for(server).generate(GenerateRequest("x", "gpt-image-2"))
    assert info.value.status == 307
    assert len(server.requests) == 1


# ---- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config, words",
    [
        ({"api_key": ""}, "no API key"),
        ({"api_key": "   "}, "no API key"),
        ({"api_key": "sk-abc\ndef"}, "characters"),
        ({"api_key": "sk-é"}, "characters"),
        ({"base_url": "http://api.openai.com/v1"}, "https"),
        ({"base_url": "http://192.168.1.5:8080/v1"}, "https"),
        ({"base_url": "ftp://example.com"}, "https"),
        ({"base_url": "https://user:pw@example.com/v1"}, "user name or password"),
        ({"base_url": "https://example.com/v1?x=1"}, "query"),
        ({"base_url": "https://example.com:99999/v1"}, "not a valid URL"),
        ({"proxy": "socks5://127.0.0.1:1080"}, "proxy URL must look like"),
        ({"proxy": "proxy.example:8080"}, "proxy URL must look like"),
        ({"ca_bundle": "/nonexistent/ca.pem"}, "does not exist"),
        ({"azure_deployment": "d"}, "API version"),
        ({"read_timeout": 0}, "positive"),
    ],
)
def test_bad_configuration(config, words):
    values = {"api_key": KEY, **config}
    with pytest.raises(ConfigurationError, match=words) as info:
        ImagesClient(ClientConfig(**values), http=httpx.Client())
    assert KEY not in str(info.value)


@pytest.mark.parametrize(
    "base",
    [
        "http://127.0.0.1:9/v1",
        "http://127.9.9.9/v1",
        "http://[::1]:80/v1",
        "http://localhost:8000/v1",
        "https://eu.api.openai.com/v1",
    ],
)
def test_loopback_http_and_any_https_are_allowed(base):
    ClientConfig(api_key=KEY, base_url=base).validate()


def test_a_plain_http_proxy_may_be_remote_and_stays_out_of_repr():
    config = ClientConfig(api_key=KEY, proxy="http://user:pw@proxy.corp.example:3128")
    config.validate()
    assert "pw" not in repr(config)
    ImagesClient(config).close()  # httpx accepts it as a proxy


def test_tls_is_verified_with_certifi_and_an_extra_ca_file(tmp_path):
    ctx = ssl_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    roots = len(ctx.get_ca_certs())
    assert roots > 50  # certifi's bundle, not an empty store
    extra = ssl_context(certifi.where())
    assert extra.verify_mode == ssl.CERT_REQUIRED
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match="CA file"):
        ImagesClient(ClientConfig(api_key=KEY, ca_bundle=str(bad)))
    own = ImagesClient(ClientConfig(api_key=KEY, ca_bundle=certifi.where()))
    own.close()


def test_the_key_stays_out_of_repr_logs_and_errors(caplog):
    caplog.set_level(logging.DEBUG)
    config = ClientConfig(api_key=KEY)
    assert KEY not in repr(config)
    server = Server(api_error(500), api_error(401, "invalid_api_key", "Incorrect API key"))
    with pytest.raises(AuthenticationError) as info:
        client_for(server).generate(GenerateRequest("x", "gpt-image-2"))
    assert KEY not in str(info.value)
    assert KEY not in caplog.text
    assert "retry 1 of 2" in caplog.text
    assert {r.name for r in caplog.records} <= {"openai_images.client", "httpx", "httpcore"}


# ---- retries on a fake clock -------------------------------------------------------------------


def test_server_errors_are_retried_with_backoff_and_the_same_body():
    sleeps: list[float] = []
    server = Server(api_error(500), api_error(503), ok_json(IMG))
    image = UploadFile("layer.png", IMG, "image/png")
    result = client_for(server, sleeps).edit(EditRequest("hat", "gpt-image-2", (image,)))
    assert result.images == [IMG]
    assert sleeps == [0.5, 1.0]
    assert len(server.requests) == 3
    bodies = [form_parts(r) for r in server.requests]
    assert bodies[0] == bodies[1] == bodies[2]
    assert ("image", "layer.png", "image/png", IMG) in bodies[2]


def test_retries_stop_after_max_retries():
    sleeps: list[float] = []
    server = Server(api_error(500, message="overloaded"))
    with pytest.raises(InternalServerError, match="overloaded"):
        client_for(server, sleeps).generate(GenerateRequest("x", "gpt-image-2"))
    assert (len(server.requests), sleeps) == (3, [0.5, 1.0])
    server0 = Server(api_error(500))
    with pytest.raises(InternalServerError):
        client_for(server0, max_retries=0).generate(GenerateRequest("x", "gpt-image-2"))
    assert len(server0.requests) == 1


def test_retry_after_headers_and_their_cap():
    sleeps: list[float] = []
    server = Server(
        api_error(429, "rate_limit_exceeded", headers={"retry-after-ms": "1500"}),
        api_error(408, headers={"retry-after": "120"}),  # over the 60 s cap: backoff
        ok_json(IMG),
    )
    client_for(server, sleeps).generate(GenerateRequest("x", "gpt-image-2"))
    assert sleeps == [1.5, 1.0]
    sleeps2: list[float] = []
    server2 = Server(api_error(409, headers={"retry-after": "90"}), ok_json(IMG))
    client_for(server2, sleeps2, max_retry_after=120.0).generate(
        GenerateRequest("x", "gpt-image-2")
    )
    assert sleeps2 == [90.0]


@pytest.mark.parametrize(
    "reply, error",
    [
        (api_error(400, "moderation_blocked", "rejected by the safety system"), ModerationError),
        (api_error(429, "insufficient_quota", "You exceeded your quota"), QuotaError),
        (api_error(503, headers={"x-should-retry": "false"}), InternalServerError),
        (api_error(400, "invalid_value"), APIStatusError),
        (api_error(401), AuthenticationError),
    ],
)
def test_failures_that_are_not_retried(reply, error):
    sleeps: list[float] = []
    server = Server(reply, ok_json(IMG))
    with pytest.raises(error):
        client_for(server, sleeps).generate(GenerateRequest("x", "gpt-image-2"))
    assert (len(server.requests), sleeps) == (1, [])


def test_x_should_retry_true_retries_a_400():
    server = Server(api_error(400, headers={"x-should-retry": "true"}), ok_json(IMG))
    client_for(server).generate(GenerateRequest("x", "gpt-image-2"))
    assert len(server.requests) == 2


def test_rate_limit_then_success_keeps_the_last_request_id():
    server = Server(api_error(429, "rate_limit_exceeded"), ok_json(IMG))
    assert client_for(server).generate(GenerateRequest("x", "gpt-image-2")).request_id == "req_ok"


def test_connection_errors_are_retried_then_mapped():
    sleeps: list[float] = []
    server = Server(httpx.ConnectError("refused"), ok_json(IMG))
    client_for(server, sleeps).generate(GenerateRequest("x", "gpt-image-2"))
    assert sleeps == [0.5]
    timeouts = Server(httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError):
        client_for(timeouts).generate(GenerateRequest("x", "gpt-image-2"))
    assert len(timeouts.requests) == 3


def test_with_a_token_the_send_thread_hands_back_replies_and_errors():
    sleeps: list[float] = []
    server = Server(httpx.ConnectError("refused"), api_error(502), ok_json(IMG))
    token = CancelToken()
    result = client_for(server, sleeps).generate(GenerateRequest("x", "gpt-image-2"), cancel=token)
    assert (result.images, sleeps, len(server.requests)) == ([IMG], [0.5, 1.0], 3)
    with pytest.raises(APIConnectionError):
        client_for(Server(httpx.ReadError("reset")), max_retries=0).generate(
            GenerateRequest("x", "gpt-image-2"), cancel=token
        )


@pytest.mark.parametrize(
    "exc, ours",
    [
        (httpx.ConnectError("no route"), APIConnectionError),
        (httpx.ReadError("reset"), APIConnectionError),
        (httpx.WriteError("broken pipe"), APIConnectionError),
        (httpx.RemoteProtocolError("server disconnected"), APIConnectionError),
        (httpx.ProxyError("407"), APIConnectionError),
        (httpx.ConnectTimeout("connect"), APITimeoutError),
        (httpx.WriteTimeout("write"), APITimeoutError),
        (httpx.PoolTimeout("pool"), APITimeoutError),
        (httpx.UnsupportedProtocol("gopher"), ConfigurationError),
        (httpx.DecodingError("bad gzip"), ResponseError),
    ],
)
def test_no_httpx_exception_leaks(exc, ours):
    with pytest.raises(ours) as info:
        client_for(Server(exc), max_retries=0).generate(GenerateRequest("x", "gpt-image-2"))
    assert not isinstance(info.value, httpx.HTTPError)
    assert isinstance(info.value, ImagesError)


# ---- replies ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply, words",
    [
        (httpx.Response(200, content=b"<html>oops</html>"), "not valid JSON"),
        (httpx.Response(200, json=[1]), "not a JSON object"),
        (httpx.Response(200, json={"created": 1, "data": []}), "no image"),
        (httpx.Response(200, json={"data": [{"revised_prompt": "x"}]}), "neither b64_json nor url"),
        (httpx.Response(200, json={"data": [{"b64_json": "not*base64"}]}), "not valid base64"),
        (httpx.Response(200, json={"data": ["x"]}), "non-object"),
    ],
)
def test_malformed_replies(reply, words):
    with pytest.raises(ResponseError, match=words):
        client_for(Server(reply)).generate(GenerateRequest("x", "gpt-image-2"))


def test_images_over_the_size_cap_are_refused():
    big = bytes(3000)
    with pytest.raises(ResponseError, match="larger than"):
        client_for(Server(ok_json(big)), max_image_bytes=2000).generate(
            GenerateRequest("x", "gpt-image-2")
        )
    assert client_for(Server(ok_json(big)), max_image_bytes=3000).generate(
        GenerateRequest("x", "gpt-image-2")
    ).images == [big]


def test_a_reply_body_over_the_read_cap_is_refused():
    huge = httpx.Response(200, content=b" " * (2 * MiB))
    with pytest.raises(ResponseError, match="larger than"):
        client_for(Server(huge), max_image_bytes=1000).generate(GenerateRequest("x", "gpt-image-2"))


def test_long_error_bodies_are_cut_not_refused():
    page = httpx.Response(502, content=b"<p>" + b"x" * (3 * MiB))
    with pytest.raises(InternalServerError) as info:
        client_for(Server(page), max_retries=0).generate(GenerateRequest("x", "gpt-image-2"))
    assert len(info.value.body) == MiB


# ---- url results (DALL·E) ------------------------------------------------------------------------


def dalle_reply(url: str) -> httpx.Response:
    return httpx.Response(
        200, json={"created": 1, "data": [{"url": url, "revised_prompt": "a vivid fox"}]}
    )


def dalle(server, **config):
    req = GenerateRequest("a fox", "dall-e-3", size="1024x1024")
    return client_for(server, organization="org-1", **config).generate(req)


def test_url_results_are_downloaded_without_the_key():
    url = "https://images.example/abc.png?sig=s3cr3t"
    server = Server(dalle_reply(url), httpx.Response(200, content=IMG))
    result = dalle(server)
    assert result.images == [IMG]
    assert result.revised_prompts == ["a vivid fox"]
    api, download = server.requests
    assert json.loads(api.content)["response_format"] == "b64_json"
    assert (download.method, str(download.url)) == ("GET", url)
    for header in ("authorization", "api-key", "openai-organization"):
        assert header not in download.headers


def test_url_download_follows_safe_redirects_only():
    server = Server(
        dalle_reply("https://images.example/a.png"),
        httpx.Response(302, headers={"location": "/b.png"}),
        httpx.Response(200, content=IMG2),
    )
    assert dalle(server).images == [IMG2]
    assert str(server.requests[2].url) == "https://images.example/b.png"
    downgrade = Server(
        dalle_reply("https://images.example/a.png"),
        httpx.Response(302, headers={"location": "http://images.example/b.png"}),
    )
    with pytest.raises(ResponseError, match="bad image URL"):
        dalle(downgrade)


@pytest.mark.parametrize(
    "url, words",
    [
        ("http://images.example/a.png", "bad image URL"),
        ("file:///etc/passwd", "bad image URL"),
        ("not a url", "bad image URL"),
    ],
)
def test_bad_image_urls(url, words):
    server = Server(dalle_reply(url), httpx.Response(200, content=IMG))
    with pytest.raises(ResponseError, match=words):
        dalle(server)
    assert len(server.requests) == 1


def test_a_remote_servers_loopback_image_url_is_refused_and_failures_are_response_errors():
    # issue 14: a remote server may not point the client at this computer (a request
    # to local services); loopback URLs from a loopback server are test_client_loopback's
    server = Server(dalle_reply("http://127.0.0.1:9/a.png"), httpx.Response(200, content=IMG))
    with pytest.raises(ResponseError, match="local or private address"):
        dalle(server)
    expired = Server(dalle_reply("https://images.example/a.png"), httpx.Response(403))
    with pytest.raises(ResponseError, match="HTTP 403"):
        dalle(expired)
    big = Server(
        dalle_reply("https://images.example/a.png"), httpx.Response(200, content=bytes(5000))
    )
    with pytest.raises(ResponseError, match="larger than"):
        dalle(big, max_image_bytes=4000)


# ---- streaming ---------------------------------------------------------------------------------


def sse_body(*events: dict | str) -> bytes:
    out = b""
    for e in events:
        if isinstance(e, str):
            out += f"data: {e}\n\n".encode()
        else:
            out += f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode()
    return out


def sse_reply(body: bytes) -> httpx.Response:
    return httpx.Response(
        200, content=body, headers={"content-type": "text/event-stream", "x-request-id": "req_s"}
    )


def partial(i: int, data: bytes, kind="image_generation") -> dict:
    return {"type": f"{kind}.partial_image", "b64_json": b64(data), "partial_image_index": i}


def done(data: bytes, kind="image_generation") -> dict:
    return {
        "type": f"{kind}.completed",
        "b64_json": b64(data),
        "size": "1024x1024",
        "quality": "medium",
        "background": "opaque",
        "output_format": "png",
        "created_at": 1700000001,
        "usage": {"total_tokens": 9},
    }


def test_streaming_generation_reports_partials_and_returns_the_final_image():
    p0, p1 = png_bytes(2, 2), png_bytes(3, 3)
    server = Server(sse_reply(sse_body(partial(0, p0), partial(1, p1), done(IMG), "[DONE]")))
    seen: list[tuple[int, bytes]] = []
    req = GenerateRequest("x", "gpt-image-2", stream=True, partial_images=2)
    result = client_for(server).generate(req, on_partial=lambda i, d: seen.append((i, d)))
    assert seen == [(0, p0), (1, p1)]
    assert result.images == [IMG]
    assert (result.size, result.quality, result.background, result.output_format) == (
        "1024x1024",
        "medium",
        "opaque",
        "png",
    )
    assert (result.usage, result.request_id, result.created) == (
        {"total_tokens": 9},
        "req_s",
        1700000001,
    )
    body = json.loads(server.requests[0].content)
    assert (body["stream"], body["partial_images"]) == (True, 2)


def test_streaming_edit_sends_stream_true_in_the_form():
    server = Server(sse_reply(sse_body(partial(0, IMG2, "image_edit"), done(IMG, "image_edit"))))
    seen = []
    req = EditRequest(
        "hat",
        "gpt-image-2",
        (UploadFile("a.png", IMG, "image/png"),),
        stream=True,
        partial_images=1,
    )
    assert client_for(server).edit(req, on_partial=lambda i, d: seen.append(i)).images == [IMG]
    assert seen == [0]
    fields = {name: data for name, _, _, data in form_parts(server.requests[0])}
    assert (fields["stream"], fields["partial_images"]) == (b"true", b"1")


def test_stream_error_frame_raises_with_the_request_id():
    frame = json.dumps(
        {
            "error": {
                "message": "rejected by the safety system",
                "code": "moderation_blocked",
                "type": "image_generation_user_error",
            }
        }
    )
    server = Server(sse_reply(sse_body(partial(0, IMG2)) + f"data: {frame}\n\n".encode()))
    with pytest.raises(ModerationError) as info:
        client_for(server).generate(GenerateRequest("x", "gpt-image-2", stream=True))
    assert info.value.request_id == "req_s"
    assert len(server.requests) == 1  # errors inside a stream are not retried


def test_truncated_stream():
    body = sse_body(partial(0, IMG2)) + b'event: image_generation.completed\ndata: {"type": "image_'
    with pytest.raises(ResponseError, match="stream ended before the image was complete"):
        client_for(Server(sse_reply(body))).generate(
            GenerateRequest("x", "gpt-image-2", stream=True)
        )


class FailingStream(httpx.SyncByteStream):
    """Yields some bytes, then raises as a dropped connection would."""

    def __init__(self, head: bytes, exc: Exception):
        self.head, self.exc, self.closed = head, exc, False

    def __iter__(self):
        yield self.head
        raise self.exc

    def close(self):
        self.closed = True


def test_a_stream_that_breaks_off_is_a_response_error_and_a_stall_a_timeout():
    def reply(exc):
        stream = FailingStream(sse_body(partial(0, IMG2)), exc)
        return httpx.Response(200, stream=stream, headers={"content-type": "text/event-stream"})

    with pytest.raises(ResponseError, match="stream ended before the image was complete"):
        client_for(Server(reply(httpx.RemoteProtocolError("peer closed")))).generate(
            GenerateRequest("x", "gpt-image-2", stream=True)
        )
    with pytest.raises(APITimeoutError):
        client_for(Server(reply(httpx.ReadTimeout("stalled")))).generate(
            GenerateRequest("x", "gpt-image-2", stream=True)
        )


# ---- cancel -----------------------------------------------------------------------------------


def run_in_thread(fn):
    box: dict = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, box


def test_cancel_token(caplog):
    token = CancelToken()
    calls: list[str] = []
    token.on_cancel(lambda: calls.append("a"))
    unregister = token.on_cancel(lambda: calls.append("removed"))
    token.on_cancel(lambda: 1 / 0)  # a failing callback does not stop the others
    token.on_cancel(lambda: calls.append("b"))
    unregister()
    assert not token.cancelled and not token.wait(0)
    token.raise_if_cancelled()
    token.cancel()
    token.cancel()  # once only
    assert calls == ["a", "b"]
    assert "cancel callback failed" in caplog.text
    assert token.cancelled and token.wait(60)
    with pytest.raises(CancelledError):
        token.raise_if_cancelled()
    token.on_cancel(lambda: calls.append("late"))  # already cancelled: runs at once
    assert calls == ["a", "b", "late"]


def test_cancel_token_wakes_a_waiting_thread():
    token = CancelToken()
    thread, box = run_in_thread(lambda: token.wait(60))
    token.cancel()
    thread.join(10)
    assert box.get("result") is True


def test_a_cancelled_token_sends_nothing():
    server = Server(ok_json(IMG))
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        client_for(server).generate(GenerateRequest("x", "gpt-image-2"), cancel=token)
    assert server.requests == []


def test_cancel_returns_while_the_server_is_still_working():
    entered, release = threading.Event(), threading.Event()
    stream = FailingStream(b"{}", RuntimeError("never read"))

    def slow(request):
        entered.set()
        release.wait(30)
        return httpx.Response(200, stream=stream)

    token = CancelToken()
    client = client_for(Server(slow))
    thread, box = run_in_thread(
        lambda: client.generate(GenerateRequest("x", "gpt-image-2"), cancel=token)
    )
    assert entered.wait(10)
    token.cancel()
    thread.join(10)
    assert not thread.is_alive()
    assert isinstance(box.get("error"), CancelledError)
    # The reply that arrives after the cancel is closed by the worker, not leaked.
    release.set()
    for _ in range(100):
        if stream.closed:
            break
        threading.Event().wait(0.05)
    assert stream.closed


def test_cancel_cuts_a_retry_pause_short():
    first = threading.Event()

    def busy(request):
        first.set()
        return api_error(503, headers={"retry-after": "60"})

    token = CancelToken()
    cfg = ClientConfig(api_key=KEY)
    client = ImagesClient(cfg, http=httpx.Client(transport=httpx.MockTransport(busy)))
    thread, box = run_in_thread(
        lambda: client.generate(GenerateRequest("x", "gpt-image-2"), cancel=token)
    )
    assert first.wait(10)
    token.cancel()
    thread.join(10)
    assert not thread.is_alive()
    assert isinstance(box.get("error"), CancelledError)


def test_cancel_from_a_partial_image_callback_stops_the_stream():
    server = Server(sse_reply(sse_body(partial(0, IMG2), partial(1, IMG2), done(IMG))))
    token = CancelToken()
    seen = []

    def on_partial(index, data):
        seen.append(index)
        token.cancel()

    req = GenerateRequest("x", "gpt-image-2", stream=True, partial_images=2)
    with pytest.raises(CancelledError):
        client_for(server).generate(req, on_partial=on_partial, cancel=token)
    assert seen == [0]
