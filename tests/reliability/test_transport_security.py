"""Transport safety over real loopback sockets: TLS verification, redirects, hostile images.

What tests/test_client.py already proves with `httpx.MockTransport` (plain http to a
remote host refused, bad CA file, url downloads https-only and capped, API
redirects not followed) is not repeated; here each rule meets a real server:

- a loopback HTTPS server whose certificate no public root signed is refused, and
  accepted once its CA is given as `ca_bundle`; a name the certificate does not
  carry is refused even then;
- a redirect from the API to another origin is not followed, so the other origin
  never sees the key; a `url` result fetched across two more origins carries no
  credential at any hop;
- a decompression bomb returned by the API fails its job with a clear message and
  the request id (a bug fixed in core/jobs/runner.py: it used to end as "internal error").

Certificates come from the `openssl` command (the `cryptography` package is not a
dependency); without it the TLS tests are skipped.
"""

from __future__ import annotations

import base64
import json
import shutil
import ssl
import struct
import subprocess
import threading
import zlib
from collections import deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.api.client import ClientConfig, ImagesClient
from core.api.requests import GenerateRequest
from core.errors import APIConnectionError, APIStatusError, ResponseError
from core.jobs.runner import JobOptions
from core.pixels.geometry import Bounds
from core.pixels.imaging import Image

from ..conftest import TEST_KEY
from .conftest import finish, history_files, make_runner

GEN = GenerateRequest("a fox", "gpt-image-2", size="1024x1024", quality="low")
DALLE = GenerateRequest("a fox", "dall-e-3", size="1024x1024")


def tiny_png() -> bytes:
    import numpy as np

    return Image(np.full((4, 4, 4), 200, np.uint8)).to_png()


def image_reply(png: bytes, request_id: str = "req_canned") -> tuple[int, dict, bytes]:
    body = {"created": 1, "data": [{"b64_json": base64.b64encode(png).decode()}]}
    return (
        200,
        {"content-type": "application/json", "x-request-id": request_id},
        json.dumps(body).encode(),
    )


class Canned(ThreadingHTTPServer):
    """A loopback server that answers from a queue and records every request's headers."""

    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _CannedHandler)
        self.replies: deque[tuple[int, dict, bytes]] = deque()
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.scheme = "http"
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request, client_address) -> None:  # refused handshakes are expected
        pass

    def __enter__(self) -> Canned:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


class _CannedHandler(BaseHTTPRequestHandler):
    server: Canned

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.seen.append((self.command, self.path, headers))
        status, extra, body = self.server.replies.popleft()
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


# ---- TLS -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> dict[str, Path]:
    """A private CA and a server certificate for IP 127.0.0.1 that it signed."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")
    d = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Reliability Test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (d / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
    )
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")  # fmt: skip
    return {"ca": d / "ca.pem", "cert": d / "server.pem", "key": d / "server.key"}


@pytest.fixture
def https_server(certs) -> Iterator[Canned]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs["cert"], certs["key"])
    with Canned(tls=ctx) as server:
        yield server


def test_an_unknown_certificate_is_refused_before_any_request_is_sent(https_server):
    https_server.replies.append(image_reply(tiny_png()))
    config = ClientConfig(api_key=TEST_KEY, base_url=https_server.origin + "/v1", max_retries=0)
    with ImagesClient(config) as client, pytest.raises(APIConnectionError) as info:
        client.generate(GEN)
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    assert TEST_KEY not in str(info.value)
    assert https_server.seen == []  # the handshake failed: no header, so no key, went out


def test_a_custom_ca_bundle_makes_the_server_trusted(https_server, certs):
    png = tiny_png()
    https_server.replies.append(image_reply(png, "req_tls"))
    config = ClientConfig(
        api_key=TEST_KEY, base_url=https_server.origin + "/v1", ca_bundle=str(certs["ca"])
    )
    with ImagesClient(config) as client:
        result = client.generate(GEN)
    assert result.images == [png] and result.request_id == "req_tls"
    [(method, path, headers)] = https_server.seen
    assert (method, path) == ("POST", "/v1/images/generations")
    assert headers["authorization"] == f"Bearer {TEST_KEY}"


def test_the_host_name_is_checked_even_with_the_custom_ca(https_server, certs):
    # The certificate names 127.0.0.1 only; "localhost" reaches the same socket.
    base = https_server.origin.replace("127.0.0.1", "localhost") + "/v1"
    config = ClientConfig(
        api_key=TEST_KEY, base_url=base, ca_bundle=str(certs["ca"]), max_retries=0
    )
    with ImagesClient(config) as client, pytest.raises(APIConnectionError) as info:
        client.generate(GEN)
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value) or "match" in str(info.value)
    assert https_server.seen == []


# ---- redirects ---------------------------------------------------------------------------------


def test_a_redirect_to_another_origin_is_not_followed_so_the_key_stays_home():
    with Canned() as api, Canned() as other:
        location = other.origin + "/v1/images/generations"
        api.replies.append((307, {"location": location, "x-request-id": "req_307"}, b""))
        config = ClientConfig(api_key=TEST_KEY, base_url=api.origin + "/v1", max_retries=0)
        with ImagesClient(config) as client, pytest.raises(APIStatusError) as info:
            client.generate(GEN)
        assert info.value.status == 307
        assert len(api.seen) == 1 and other.seen == []


def test_url_results_carry_no_credential_at_any_hop():
    png = tiny_png()
    with Canned() as api, Canned() as store, Canned() as cdn:
        reply = {"created": 1, "data": [{"url": store.origin + "/a.png?sig=x"}]}
        api.replies.append((200, {"content-type": "application/json"}, json.dumps(reply).encode()))
        store.replies.append((302, {"location": cdn.origin + "/b.png"}, b""))
        cdn.replies.append((200, {"content-type": "image/png"}, png))
        config = ClientConfig(
            api_key=TEST_KEY, base_url=api.origin + "/v1", organization="org-secret"
        )
        with ImagesClient(config) as client:
            result = client.generate(DALLE)
        assert result.images == [png]
        assert api.seen[0][2]["authorization"] == f"Bearer {TEST_KEY}"
        for server in (store, cdn):
            [(method, _path, headers)] = server.seen
            assert method == "GET"
            assert {"authorization", "api-key", "openai-organization", "cookie"}.isdisjoint(
                headers
            ), headers
            assert TEST_KEY not in json.dumps(headers)


# ---- hostile images ----------------------------------------------------------------------------


def bomb_png(side: int = 9000) -> bytes:
    """A valid greyscale PNG of side x side zero pixels: ~80 KB on the wire, 81 Mpx decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    packer = zlib.compressobj(9)
    row = b"\0" * (side + 1)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_a_decompression_bomb_from_the_api_fails_the_job_cleanly(tmp_path):
    bomb = bomb_png()
    assert len(bomb) < 200_000
    with Canned() as api:
        api.replies.append(image_reply(bomb, "req_bomb"))
        runner, client = make_runner(api.origin + "/v1", tmp_path / "history", [])
        with client:
            job = runner.submit_generate(
                "x", Bounds(0, 0, 1024, 1024), JobOptions(size="1024x1024")
            )
            events = finish(job)
    assert job.state == "failed"
    assert isinstance(job.error, ResponseError)
    message = events[-1].message
    # refused from its header by the answer check (9000x9000 for a 1024x1024 request)
    assert "9000x9000 pixels" in message and "larger than asked" in message
    assert "req_bomb" in message
    assert "internal error" not in message
    assert job.result.candidates == [] and history_files(tmp_path / "history") == []


def test_a_bomb_among_several_candidates_loses_only_its_own(tmp_path):
    import numpy as np

    # an answer of the size asked for: a 4x4 one is refused as "8 times smaller" now
    good, bomb = Image(np.full((1024, 1024, 4), 200, np.uint8)).to_png(), bomb_png()
    data = [{"b64_json": base64.b64encode(p).decode()} for p in (good, bomb, good)]
    body = json.dumps({"created": 1, "data": data}).encode()
    with Canned() as api:
        api.replies.append((200, {"content-type": "application/json", "x-request-id": "r3"}, body))
        runner, client = make_runner(api.origin + "/v1", tmp_path / "history", [])
        with client:
            options = JobOptions(size="1024x1024", n=3)
            job = runner.submit_generate("x", Bounds(0, 0, 1024, 1024), options)
            finish(job)
    assert job.state == "done"
    assert [c.index for c in job.result.candidates] == [0, 2]
    [failure] = job.result.failures
    assert "r3" in str(failure)
    assert len(runner.history.list()) == 2
