"""A hostile or broken server (issue 14): what it sends ends as one error of the core's
tree, never a traceback, never "internal error", and never shows the key.

A loopback server answers every request with the reply its test sets; the client
under test is the real one (core.api.client) with retries off.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.api.client import ClientConfig, ImagesClient
from core.api.requests import GenerateRequest
from core.errors import APIStatusError, ImagesError, ResponseError
from core.store.secrets import register_secret, user_text

KEY = "sk-hostile-test-key-0123456789"
NESTED = ("[" * 100_000 + "]" * 100_000).encode()  # 200 KB of nested arrays


class Reply:
    status = 200
    content_type = "application/json"
    body = b"{}"


class _Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(Reply.status)
        self.send_header("Content-Type", Reply.content_type)
        self.send_header("Content-Length", str(len(Reply.body)))
        self.send_header("x-request-id", "req_hostile")
        self.end_headers()
        self.wfile.write(Reply.body)

    do_GET = do_POST = _answer

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture
def hostile() -> Iterator[ImagesClient]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield ImagesClient(ClientConfig(api_key=KEY, base_url=base, max_retries=0))
    finally:
        server.shutdown()
        server.server_close()


def _serve(status: int, body: bytes, content_type: str = "application/json") -> None:
    Reply.status, Reply.body, Reply.content_type = status, body, content_type


def _generate(client: ImagesClient, stream: bool = False) -> None:
    request = GenerateRequest(prompt="a fox", model="gpt-image-2", n=1, size="1024x1024",
                              stream=stream or None, partial_images=1 if stream else None)
    client.generate(request)


def _one_clean_line(error: BaseException) -> str:
    """What the artist reads of `error` (core.store.secrets.user_text, as every entry
    point shows it): one line, short, no key."""
    text = user_text(error)
    assert isinstance(error, ImagesError), f"{type(error).__name__}: {text[:200]}"
    assert "\n" not in text and KEY not in text and len(text) < 1000, text[:300]
    return text


@pytest.mark.parametrize("where", ["success", "error", "stream", "models"])
def test_deeply_nested_json_is_one_error_not_a_recursion_error(hostile, where):
    """200 KB of nested arrays used to raise RecursionError (a traceback, "internal error")."""
    if where == "success":
        _serve(200, b'{"data": ' + NESTED + b"}")
        call = lambda: _generate(hostile)  # noqa: E731
    elif where == "error":
        _serve(400, b'{"error": ' + NESTED + b"}")
        call = lambda: _generate(hostile)  # noqa: E731
    elif where == "stream":
        _serve(200, b"event: image_generation.completed\ndata: " + NESTED + b"\n\n",
               "text/event-stream")
        call = lambda: _generate(hostile, stream=True)  # noqa: E731
    else:
        _serve(200, b'{"object": "list", "data": ' + NESTED + b"}")
        call = hostile.list_model_entries
    with pytest.raises(ImagesError) as caught:
        call()
    text = _one_clean_line(caught.value)
    if where == "error":
        assert isinstance(caught.value, APIStatusError) and caught.value.status == 400
    else:
        assert isinstance(caught.value, ResponseError), type(caught.value)
        assert "nested too deeply" in text


def test_a_server_that_echoes_the_key_never_gets_it_shown(hostile):
    """The key echoed in every field of an error is masked in what the artist reads."""
    body = {"error": {"message": f"bad key {KEY} for org", "type": "invalid_request_error",
                      "param": KEY, "code": KEY}}
    _serve(400, json.dumps(body).encode())
    register_secret(KEY)  # as the key store does when it hands out the key
    with pytest.raises(APIStatusError) as caught:
        _generate(hostile)
    assert KEY in str(caught.value)  # the error keeps the server's words ...
    _one_clean_line(caught.value)  # ... what is shown does not


def test_the_cli_shows_server_text_plain_on_one_short_line_without_the_key(
    hostile, monkeypatch, tmp_path, capsys
):
    """The CLI's last line used to print the echoed key, terminal escapes, bidi overrides
    and a 1 MB message whole."""
    from core import cli

    noise = "\x1b]0;pwned\x07\x1b[31mred\u202eevil\r\n\x07" + "y" * 1_000_000
    body = {"error": {"message": f"{KEY} {noise}", "type": "invalid_request_error"}}
    _serve(400, json.dumps(body).encode())
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", str(hostile.config.base_url))
    monkeypatch.setenv("OPENAI_IMAGES_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("OPENAI_IMAGES_DATA_DIR", str(tmp_path / "data"))
    code = cli.main(["generate", "--prompt", "a fox", "--size", "1024x1024",
                     "--out", str(tmp_path / "out.png")])
    err = capsys.readouterr().err
    last = err.rstrip("\n").splitlines()[-1]
    assert code == 3 and last.startswith("openai-images: API error: HTTP 400")
    assert KEY not in err and "\x1b" not in err and "\u202e" not in err and "\x07" not in err
    assert len(last) < 800 and "characters in all" in last


def test_a_layer_name_drops_bidi_overrides():
    from core.pixels.compositing import layer_name

    assert layer_name("a \u202ecat\u202c on a \u2067mat\u2069") == "AI: a cat on a mat"


def test_a_refused_certificate_is_not_retried():
    """A self-signed certificate was refused, correctly, and then retried twice."""
    import ssl

    from core.api.client_exchange import RetryingSender
    from core.api.retry import RetryPolicy
    from core.errors import APIConnectionError

    sender = RetryingSender(None, RetryPolicy(max_retries=2), None, lambda: 0.0)  # type: ignore[arg-type]
    refused = APIConnectionError("connecting failed: certificate verify failed")
    refused.__cause__ = ssl.SSLCertVerificationError("CERTIFICATE_VERIFY_FAILED")
    assert not sender._retryable(refused, 0)
    assert sender._retryable(APIConnectionError("connection reset"), 0)


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("localhost", True), ("10.1.2.3", True), ("192.168.0.7", True),
    ("169.254.169.254", True), ("[::1]", True), ("printer.localhost", True),
    ("203.0.113.9", True),  # documentation range: reserved, never a real CDN
    ("8.8.8.8", False), ("oaidalleapiprodscus.blob.core.windows.net", False),
])
def test_a_remote_servers_image_url_may_not_point_at_local_addresses(host, local):
    from core.api.client_config import local_address

    assert local_address(host) is local


def test_non_ascii_header_values_are_one_line_at_validation():
    """A non-ASCII OPENAI_PROJECT_ID used to end in a UnicodeEncodeError traceback."""
    from core.errors import ConfigurationError

    config = ClientConfig(api_key=KEY, project="proj-ünï")
    with pytest.raises(ConfigurationError, match="plain ASCII"):
        config.validate()


def test_a_tiny_answer_of_another_shape_is_cut_before_it_is_scaled():
    """A 16x8192 answer for a 1024x1024 generate was scaled to 1024x524288 before being
    cut (15.9 GB at 4096²); now only the part that shows is scaled."""
    import tracemalloc

    import numpy as np

    from core.pixels.compositing import patch_from_generation
    from core.pixels.geometry import Bounds as B
    from core.pixels.plans import GeneratePlan
    from core.pixels.rgba import Image

    answer = Image(np.full((8192, 16, 4), 200, np.uint8))
    plan = GeneratePlan(region=B(0, 0, 1024, 1024), api_extent=answer.extent)
    tracemalloc.start()
    try:
        patch = patch_from_generation(plan, answer)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (patch.image.width, patch.image.height) == (1024, 1024)
    assert int(patch.image.pixels[512, 512, 0]) == 200
    region_bytes = 1024 * 1024 * 4
    assert peak < 12 * region_bytes, f"peak {peak / 2**20:.0f} MiB for a 4 MiB region"


@pytest.mark.parametrize("argv", [
    ["edit", "--image", "/dev/zero", "--prompt", "x", "--dry-run"],
    ["vary", "--image", "/dev/zero", "--dry-run"],
    ["generate", "--prompt", "x", "--model", "", "--dry-run"],
])
def test_cli_inputs_are_refused_before_they_are_read_or_sent(argv, capsys):
    """`--image /dev/zero` read until MemoryError; `--model ""` was sent as is."""
    from core import cli

    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("openai-images: invalid request: ") and "\n" not in err


def test_a_reply_larger_than_the_request_needs_is_refused(hostile):
    """50 MB of base64 for one 1024x1024 image: the old cap (64 MB x 4/3 per image,
    854 MB for n=10) let it through to be decoded; now it is refused as it is read."""
    import base64

    image = base64.b64encode(b"\0" * (40 * 1024 * 1024)).decode()
    _serve(200, json.dumps({"created": 1, "data": [{"b64_json": image}]}).encode())
    with pytest.raises(ResponseError) as caught:
        _generate(hostile)
    text = _one_clean_line(caught.value)
    assert "larger than the" in text and "req_hostile" in text, text


@pytest.mark.parametrize("stream", [False, True])
def test_an_integer_of_5000_digits_does_not_cost_the_paid_image(hostile, stream):
    """json.loads refuses integers over 4300 digits: the whole reply, image and all, was
    "not valid JSON". Now the count is junk (infinity) and the image arrives."""
    import base64
    import io

    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.new("RGBA", (8, 8), (1, 2, 3, 255)).save(out, "PNG")
    image = base64.b64encode(out.getvalue()).decode()
    huge = "9" * 5000

    def with_huge(payload: dict) -> str:  # json.dumps cannot write such an int itself
        return json.dumps(payload).replace('"HUGE"', huge)

    usage = {"output_tokens": "HUGE"}
    request = GenerateRequest(prompt="a fox", model="gpt-image-2", n=1, size="1024x1024",
                              stream=stream or None)
    if stream:
        event = with_huge({"type": "image_generation.completed", "b64_json": image,
                           "usage": usage})
        _serve(200, f"event: image_generation.completed\ndata: {event}\n\n".encode(),
               "text/event-stream")
    else:
        _serve(200, with_huge({"created": "HUGE", "data": [{"b64_json": image}],
                               "usage": usage}).encode())
    result = hostile.generate(request)
    assert result.images == [out.getvalue()]
    assert result.usage == {"output_tokens": float("inf")}
