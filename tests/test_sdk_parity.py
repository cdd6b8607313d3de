"""Our wire against the official SDK's: the same logical request, the same HTTP request.

Each case is sent twice over an httpx.MockTransport that records it and answers
with a minimal valid body: once built with core.api.requests and sent by
core.api.client.ImagesClient, once by `openai.OpenAI().images.generate/edit`. Both
must hit the same path with the same JSON body, or the same multipart text
fields and the same file parts (name, filename, bytes, in order). Part order
among the text fields and each part's Content-Type are left aside: the server
reads neither (shared/openai-images.md section 4.3). Where we send something else
on purpose, a test below pins the difference and says why.

The SDK is a test-only dependency (pyproject's dev extra); without it the module
is skipped, so `make test` runs on a machine that lacks it.
"""

from __future__ import annotations

import base64
import dataclasses
import inspect
import io
import json
from typing import Any

import httpx
import pytest
from PIL import Image

from core.api.client import ClientConfig, ImagesClient
from core.api.requests import EditRequest, GenerateRequest, UploadFile, WireRequest
from core.models.catalogue import get_model
from tests.test_client import form_parts

openai = pytest.importorskip("openai")

KEY = "sk-test-parity-0123456789abcdef"
BASE_URL = "https://api.openai.com/v1"


def png(width: int, height: int, rgba: tuple[int, int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), rgba).save(buffer, "PNG")
    return buffer.getvalue()


def mask_png(width: int, height: int) -> bytes:
    """Opaque but for a clear (alpha 0) top-left quarter: edit there."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, width // 2, height // 2))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


LAYER = UploadFile("layer.png", png(64, 64, (200, 40, 40, 255)), "image/png")
REFERENCE = UploadFile("reference.png", png(32, 48, (40, 40, 200, 255)), "image/png")
MASK = UploadFile("mask.png", mask_png(64, 64), "image/png")
STROKES = UploadFile("markup.png", mask_png(64, 64), "image/png")
PICTURE = base64.b64encode(png(8, 8, (1, 2, 3, 255))).decode()


# ------------------------------------------------------------------ the recording server


class Recorder:
    """A MockTransport handler: keeps every request, answers with a minimal valid body
    (JSON, or an event stream of one partial and the completed image when asked to stream)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        headers = {"x-request-id": "req_parity"}
        if not wants_stream(request):
            body = {"created": 1700000000, "data": [{"b64_json": PICTURE}]}
            return httpx.Response(200, json=body, headers=headers)
        prefix = "image_edit" if request.url.path.endswith("/edits") else "image_generation"
        common = {
            "b64_json": PICTURE,
            "created_at": 1700000000,
            "size": "1024x1024",
            "quality": "low",
            "background": "opaque",
            "output_format": "png",
        }
        events = [
            {"type": f"{prefix}.partial_image", **common, "partial_image_index": 0},
            {"type": f"{prefix}.completed", **common, "usage": {"total_tokens": 3}},
        ]
        text = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
        headers["content-type"] = "text/event-stream"
        return httpx.Response(200, content=text.encode(), headers=headers)


def wants_stream(request: httpx.Request) -> bool:
    if request.headers["content-type"].startswith("application/json"):
        return json.loads(request.content).get("stream") is True
    return ("stream", "true") in text_fields(request)


def text_fields(request: httpx.Request) -> list[tuple[str, str]]:
    return [
        (name, payload.decode())
        for name, filename, _, payload in form_parts(request)
        if filename is None
    ]


def on_the_wire(request: httpx.Request) -> dict[str, Any]:
    """What the server can read from a request, content types and field order aside."""
    kind = request.headers["content-type"].split(";")[0]
    seen: dict[str, Any] = {
        "method": request.method,
        "url": str(request.url.copy_with(query=None)),
        "query": dict(request.url.params),
        "kind": kind,
        "accept": request.headers.get("accept"),
    }
    if kind == "application/json":
        seen["json"] = json.loads(request.content)
        return seen
    assert kind == "multipart/form-data"
    parts = form_parts(request)
    seen["fields"] = sorted(text_fields(request))
    seen["files"] = [(name, filename, data) for name, filename, _, data in parts if filename]
    # Text fields before files: `prompt` once had to precede `mask` (section 4.3, point 4).
    kinds = [filename is not None for _, filename, _, _ in parts]
    assert kinds == sorted(kinds), "a text field after a file part"
    return seen


def ours(request: GenerateRequest | EditRequest) -> tuple[httpx.Request, WireRequest]:
    """Send `request` through core.api.client; the recorded HTTP request and its to_wire."""
    recorder = Recorder()
    http = httpx.Client(transport=httpx.MockTransport(recorder))
    client = ImagesClient(ClientConfig(api_key=KEY, base_url=BASE_URL), http=http)
    spec = get_model(request.model)
    request.validate(spec)
    wire = request.to_wire(spec)
    partials: list[int] = []
    send = client.generate if isinstance(request, GenerateRequest) else client.edit
    result = send(request, spec=spec, on_partial=lambda i, _: partials.append(i))
    assert result.images and result.request_id == "req_parity"
    assert partials == ([0] if request.stream else [])
    [sent] = recorder.requests
    return sent, wire


def sdk(method: str, **kwargs: Any) -> httpx.Request:
    """Send the same request through the official SDK; the recorded HTTP request."""
    recorder = Recorder()
    http = httpx.Client(transport=httpx.MockTransport(recorder))
    client = openai.OpenAI(api_key=KEY, base_url=BASE_URL, http_client=http, max_retries=0)
    reply = getattr(client.images, method)(**kwargs)
    if kwargs.get("stream"):
        kinds = [event.type for event in reply]
        assert kinds[-1].endswith(".completed")
    else:
        assert reply.data and reply.data[0].b64_json == PICTURE
    [sent] = recorder.requests
    return sent


def sdk_file(upload: UploadFile) -> tuple[str, bytes, str]:
    return (upload.filename, upload.data, upload.mime)


def assert_wire_matches(sent: httpx.Request, wire: WireRequest) -> None:
    """Our client sent exactly what to_wire said (the request values' own encoding)."""
    seen = on_the_wire(sent)
    assert seen["url"] == f"{BASE_URL}/{wire.path}"
    if wire.multipart:
        assert seen["fields"] == sorted(wire.fields)
        assert seen["files"] == [(n, f.filename, f.data) for n, f in wire.files]
    else:
        assert seen["json"] == wire.json_body


# ------------------------------------------------------------------ generations

GENERATIONS = {
    "gpt-image-2, every output field": {
        "prompt": "a lighthouse at dusk",
        "model": "gpt-image-2",
        "n": 2,
        "size": "1536x864",
        "quality": "high",
        "background": "opaque",
        "output_format": "webp",
        "output_compression": 80,
    },
    "2.6-flare, png, moderation and safety id": {
        "prompt": "a fox in the snow",
        "model": "gpt-image-2.6-flare",
        "n": 1,
        "size": "1024x1024",
        "quality": "xhigh",
        "background": "transparent",
        "output_format": "png",
        "moderation": "low",
        "complexity": "low",
        "safety_identifier": "user-4f2a",
    },
    "jpeg, auto size": {
        "prompt": "a harbour",
        "model": "gpt-image-2.6-flare",
        "n": 3,
        "size": "auto",
        "quality": "low",
        "output_format": "jpeg",
        "output_compression": 0,
    },
    "streamed with partials": {
        "prompt": "a kite — «cerf-volant»\nover the dunes",
        "model": "gpt-image-2",
        "n": 1,
        "size": "1024x1536",
        "quality": "medium",
        "stream": True,
        "partial_images": 1,
    },
}


@pytest.mark.parametrize("case", GENERATIONS)
def test_generation_matches_the_sdk(case):
    fields = GENERATIONS[case]
    sent, wire = ours(GenerateRequest(**fields))
    assert_wire_matches(sent, wire)
    assert on_the_wire(sent) == on_the_wire(sdk("generate", **fields))
    assert on_the_wire(sent)["url"] == f"{BASE_URL}/images/generations"


# ------------------------------------------------------------------ edits

# (options, images, mask, markup): the SDK gets one file object for one image and a
# list for several, as the SDK's docstring and section 4.3 describe.
EDITS = {
    "one image and a mask": (
        {
            "prompt": "put a hat on the cat",
            "model": "gpt-image-2",
            "n": 1,
            "size": "1024x1024",
            "quality": "medium",
            "background": "opaque",
            "output_format": "png",
        },
        (LAYER,),
        MASK,
        None,
    ),
    "two images (image[] parts)": (
        {
            "prompt": "the cat wearing the second picture's hat",
            "model": "gpt-image-2.6-flare",
            "n": 2,
            "size": "1536x1024",
            "quality": "low",
            "background": "opaque",
            "output_format": "webp",
            "output_compression": 70,
            "complexity": "high",
        },
        (LAYER, REFERENCE),
        MASK,
        None,
    ),
    "streamed with partial images": (
        {
            "prompt": "snow on the roofs",
            "model": "gpt-image-2.6-flare",
            "n": 1,
            "size": "1024x1024",
            "quality": "high",
            "background": "opaque",
            "stream": True,
            "partial_images": 2,
        },
        (LAYER,),
        MASK,
        None,
    ),
    "markup instead of a mask": (
        {"prompt": "follow the arrows", "model": "gpt-image-2.6-flare", "n": 1, "size": "auto"},
        (LAYER,),
        None,
        STROKES,
    ),
}


def edit_pair(case: str) -> tuple[EditRequest, dict[str, Any]]:
    options, images, mask, markup = EDITS[case]
    request = EditRequest(images=images, mask=mask, markup=markup, **options)
    kwargs: dict[str, Any] = dict(options)
    kwargs["image"] = sdk_file(images[0]) if len(images) == 1 else [sdk_file(i) for i in images]
    if mask is not None:
        kwargs["mask"] = sdk_file(mask)
    if markup is not None:
        kwargs["markup"] = sdk_file(markup)
    return request, kwargs


@pytest.mark.parametrize("case", EDITS)
def test_edit_matches_the_sdk(case):
    request, kwargs = edit_pair(case)
    sent, wire = ours(request)
    assert_wire_matches(sent, wire)
    mine, theirs = on_the_wire(sent), on_the_wire(sdk("edit", **kwargs))
    assert mine == theirs
    assert mine["url"] == f"{BASE_URL}/images/edits"
    names = [name for name, _, _ in mine["files"]]
    expected = ["image"] if len(request.images) == 1 else ["image[]"] * len(request.images)
    expected += ["mask"] * (request.mask is not None) + ["markup"] * (request.markup is not None)
    assert names == expected


# ------------------------------------------------------------------ differences on purpose


def test_one_image_goes_as_image_not_as_a_one_element_image_array():
    """The SDK names the part after the Python shape it is given: one file object is
    `image`, a list is `image[]` even with one element (section 4.3, point 2). We send
    `image` for one image, as the SDK does for one file and as section A documents
    ("`image` (one) or repeated `image[]` (several)"): it is also the only name a
    compatible server that predates image arrays reads (dall-e-2 edits)."""
    request, kwargs = edit_pair("one image and a mask")
    sent, _ = ours(request)
    as_list = on_the_wire(sdk("edit", **{**kwargs, "image": [kwargs["image"]]}))
    assert [n for n, _, _ in on_the_wire(sent)["files"]] == ["image", "mask"]
    assert [n for n, _, _ in as_list["files"]] == ["image[]", "mask"]
    assert on_the_wire(sent)["fields"] == as_list["fields"]


def test_moderation_is_never_sent_on_a_multipart_edit():
    """`moderation` is a field of generations and of the JSON edit body only; the
    multipart edit schema has none (section 4.1) and the SDK's edit() takes none."""
    assert "moderation" not in inspect.signature(openai.OpenAI(api_key=KEY).images.edit).parameters
    request, kwargs = edit_pair("one image and a mask")
    sent, wire = ours(dataclasses.replace(request, moderation="low"))
    assert "moderation" not in dict(wire.fields)
    assert on_the_wire(sent) == on_the_wire(sdk("edit", **kwargs))


def test_model_n_and_size_are_always_sent_where_the_sdk_leaves_them_out():
    """The SDK sends only what the caller gives. We always send `model` (section A:
    the spec's defaults are shut down, so a missing model answers 404) and `n` and
    `size` (the size default differs by endpoint: `auto` for generations, 1024x1024
    for edits, section 4.1), so the request says what the plug-in showed the user."""
    sent, _ = ours(GenerateRequest("a fox", "gpt-image-2"))
    assert on_the_wire(sent)["json"] == {
        "prompt": "a fox",
        "model": "gpt-image-2",
        "n": 1,
        "size": "auto",
    }
    sdk_body = on_the_wire(sdk("generate", prompt="a fox", model="gpt-image-2"))["json"]
    assert sdk_body == {"prompt": "a fox", "model": "gpt-image-2"}
    sent, _ = ours(EditRequest("a hat", "gpt-image-2", (LAYER,)))
    assert dict(on_the_wire(sent)["fields"]) == {
        "prompt": "a hat",
        "model": "gpt-image-2",
        "n": "1",
        "size": "auto",
    }
