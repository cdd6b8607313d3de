"""client.py against the stand-in over real loopback HTTP: wire shape, retries, streams,
errors and cancel, as the server saw them.

The stand-in keeps its own reading of the contract (it imports nothing from core),
so a request it accepts is checked by a second, independent implementation.
Retries run on a fake clock; the cancel tests' join() timeouts only keep a broken
build from hanging the suite.
"""

from __future__ import annotations

import io
import threading
import time

import pytest
from PIL import Image

from core.api.client import ClientConfig, ImagesClient
from core.api.requests import EditRequest, GenerateRequest, UploadFile, VariationRequest
from core.cancel import CancelToken
from core.errors import (
    APIConnectionError,
    AuthenticationError,
    CancelledError,
    InternalServerError,
    ModerationError,
    QuotaError,
    ResponseError,
)
from standin.server import running_standin

KEY = "sk-standin-test-key"
MiB = 1024 * 1024


def png(w: int = 64, h: int = 64, alpha: int = 255, name: str = "layer.png") -> UploadFile:
    buf = io.BytesIO()
    Image.new("RGBA", (w, h), (40, 80, 120, alpha)).save(buf, "PNG")
    return UploadFile(name, buf.getvalue(), "image/png")


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as im:
        return im.size


@pytest.fixture
def standin():
    with running_standin(legacy=True) as server:
        yield server


def make_client(server, sleeps=None, **config) -> ImagesClient:
    delays = sleeps if sleeps is not None else []
    cfg = ClientConfig(api_key=KEY, base_url=server.base_url, **config)
    return ImagesClient(cfg, sleep=delays.append, random=lambda: 0.0)


def wait_until(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


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


GEN = GenerateRequest("a lighthouse at dusk", "gpt-image-2", size="1024x1024", quality="low")


def test_generate(standin):
    with make_client(standin, organization="org-7") as client:
        result = client.generate(GEN)
    [record] = standin.requests
    assert (record.method, record.path, record.endpoint) == (
        "POST",
        "/v1/images/generations",
        "generations",
    )
    assert (record.auth_scheme, record.valid, record.outcome) == ("bearer", True, "ok")
    assert record.headers["openai-organization"] == "org-7"
    assert record.headers["user-agent"].startswith("openai-images-krita-gimp/")
    assert record.fields == {
        "prompt": "a lighthouse at dusk",
        "model": "gpt-image-2",
        "n": 1,
        "size": "1024x1024",
        "quality": "low",
    }
    assert size_of(result.images[0]) == (1024, 1024)
    assert result.request_id == record.request_id
    assert result.usage and result.usage["total_tokens"] > 0


def test_edit_with_two_images_and_a_mask(standin):
    first, ref = png(), png(32, 32, name="ref.png")
    mask = png(alpha=0, name="mask.png")
    req = EditRequest("add a hat", "gpt-image-2", (first, ref), mask=mask, size="1024x1024")
    with make_client(standin) as client:
        assert len(client.edit(req).images) == 1
    [record] = standin.requests
    assert record.valid is True, record.error
    assert record.part_order == ["prompt", "model", "n", "size", "image[]", "image[]", "mask"]
    assert [(f.name, f.filename, f.content_type) for f in record.files] == [
        ("image[]", "layer.png", "image/png"),
        ("image[]", "ref.png", "image/png"),
        ("mask", "mask.png", "image/png"),
    ]


def test_variations_both_ways_and_dalle_in_base64(standin):
    with make_client(standin) as client:
        client.vary(VariationRequest("gpt-image-2", png()))
        client.vary(VariationRequest("dall-e-2", png(), size="256x256"))
        dalle = client.generate(GenerateRequest("a fox", "dall-e-3", size="1024x1024"))
    edit, legacy, dalle_api = standin.requests
    assert (edit.endpoint, edit.valid, edit.fields["prompt"]) == (
        "edits",
        True,
        VariationRequest("x", png()).prompt,
    )
    assert (legacy.endpoint, legacy.valid, legacy.part_order) == (
        "variations",
        True,
        ["model", "n", "size", "response_format", "image"],
    )
    # b64_json asked for, so no second download of an expiring URL
    assert (dalle_api.valid, dalle_api.fields["response_format"]) == (True, "b64_json")
    assert size_of(dalle.images[0]) == (1024, 1024)
    assert dalle.revised_prompts[0]


def test_streaming_partials(standin):
    seen: list[tuple[int, tuple[int, int]]] = []
    req = GenerateRequest("a fox", "gpt-image-2", size="1024x1024", stream=True, partial_images=2)
    with make_client(standin) as client:
        result = client.generate(req, on_partial=lambda i, d: seen.append((i, size_of(d))))
    assert [i for i, _ in seen] == [0, 1]
    assert size_of(result.images[0]) == (1024, 1024)
    assert standin.requests[0].stream


def test_list_models(standin):
    with make_client(standin) as client:
        ids = client.list_models()
    assert "gpt-image-2" in ids and "dall-e-2" in ids


def test_azure_classic_deployment(standin):
    cfg = ClientConfig(
        api_key=KEY,
        base_url=standin.root_url,
        azure_api_version="2025-04-01-preview",
    )  # no deployment given: the model id names it, as the SDK does (the stand-in's rule too)
    with ImagesClient(cfg) as client:
        client.generate(GenerateRequest("x", "gpt-image-1.5", size="1024x1024"))
    [record] = standin.requests
    assert record.path == "/openai/deployments/gpt-image-1.5/images/generations"
    assert record.query == {"api-version": "2025-04-01-preview"}
    assert record.auth_scheme == "api-key"


# ---- retries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault, params, delays",
    [
        ("500", {}, [0.5, 1.0]),
        ("503", {}, [0.5, 1.0]),
        ("429", {"retry_after": 2}, [2.0, 2.0]),
        ("reset", {}, [0.5, 1.0]),
        ("should_retry_true", {}, [0.5, 1.0]),
    ],
)
def test_retried_faults(standin, fault, params, delays):
    standin.inject(fault, count=2, **params)
    sleeps: list[float] = []
    with make_client(standin, sleeps) as client:
        result = client.generate(GEN)
    assert sleeps == delays
    assert len(standin.requests) == 3
    assert [r.fault for r in standin.requests] == [fault, fault, None]
    assert size_of(result.images[0]) == (1024, 1024)


@pytest.mark.parametrize(
    "fault, error",
    [
        ("moderation_blocked", ModerationError),
        ("insufficient_quota", QuotaError),
        ("should_retry_false", InternalServerError),
        ("401", AuthenticationError),
        ("malformed_json", ResponseError),
    ],
)
def test_faults_that_are_not_retried(standin, fault, error):
    standin.inject(fault)
    sleeps: list[float] = []
    with make_client(standin, sleeps) as client, pytest.raises(error) as info:
        client.generate(GEN)
    assert (len(standin.requests), sleeps) == (1, [])
    assert info.value.request_id == standin.requests[0].request_id


def test_retries_give_up_after_max_retries(standin):
    standin.inject("reset", count=5)
    with make_client(standin, max_retries=1) as client, pytest.raises(APIConnectionError):
        client.generate(GEN)
    assert len(standin.requests) == 2


def test_stream_faults(standin):
    req = GenerateRequest("a fox", "gpt-image-2", size="1024x1024", stream=True, partial_images=1)
    with make_client(standin) as client:
        standin.inject("stream_error")
        with pytest.raises(ModerationError):
            client.generate(req)
        standin.inject("truncated_stream")
        with pytest.raises(ResponseError, match="stream ended before the image was complete"):
            client.generate(req)
    assert len(standin.requests) == 2


def test_oversized_image_is_refused(standin):
    standin.inject("oversized", megabytes=3)
    with make_client(standin, max_image_bytes=MiB) as client, pytest.raises(ResponseError):
        client.generate(GEN)


def test_wrong_key_is_an_authentication_error():
    with running_standin(api_key="sk-the-right-one") as server:
        with make_client(server) as client, pytest.raises(AuthenticationError) as info:
            client.generate(GEN)
        assert KEY not in str(info.value)
        assert server.requests[0].outcome == "unauthorized"


# ---- cancel --------------------------------------------------------------------------------


def test_cancel_a_slow_request(standin):
    standin.inject("slow", delay=60, body_seconds=0)
    token = CancelToken()
    client = make_client(standin)
    thread, box = run_in_thread(lambda: client.generate(GEN, cancel=token))
    assert wait_until(lambda: len(standin.requests) == 1)
    token.cancel()
    thread.join(10)
    assert not thread.is_alive()
    assert isinstance(box.get("error"), CancelledError)
    # The server sees the connection go: the request is not left running for 60 s.
    assert standin.wait_for_requests(1, timeout=10)
    assert standin.requests[0].outcome == "disconnected"
    client.close()


def test_cancel_a_stream_waiting_for_its_first_event(standin):
    # 60 s spread over 4 events: the client sits in a blocked read for 15 s before the
    # first partial image, so only shutting the socket can end it within the join below.
    standin.inject("slow", delay=0, body_seconds=60)
    token = CancelToken()
    req = GenerateRequest("a fox", "gpt-image-2", size="1024x1024", stream=True, partial_images=3)
    client = make_client(standin)
    thread, box = run_in_thread(lambda: client.generate(req, cancel=token))
    assert wait_until(lambda: bool(standin.requests) and standin.requests[0].status == 200)
    token.cancel()
    thread.join(10)
    assert not thread.is_alive()
    assert isinstance(box.get("error"), CancelledError)
    assert standin.wait_for_requests(1, timeout=10)
    assert standin.requests[0].outcome == "disconnected"
    client.close()
