"""Tests of the Images API stand-in, over real loopback HTTP with httpx.

Each validation rule answers in the real error shape; edits drift outside the
mask and change inside it; streams have the documented order and fields; every
fault does what it says; the same request gives the same bytes; the request
log never holds the key. Pixel maths get small golden tests.
"""

from __future__ import annotations

import base64
import io
import json
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from standin import faults, multipart, render, rules
from standin.results import input_image_tokens, output_image_tokens
from standin.server import StandinServer, running_standin

KEY = "sk-standin-test-0123456789"
ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ helpers


@pytest.fixture
def server():
    with running_standin() as s:
        yield s


@pytest.fixture
def legacy():
    with running_standin(legacy=True) as s:
        yield s


def client_for(server: StandinServer, **kw) -> httpx.Client:
    headers = {"Authorization": f"Bearer {KEY}", **kw.pop("headers", {})}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=kw.pop("timeout", 30))


@pytest.fixture
def client(server):
    with client_for(server) as c:
        yield c


@pytest.fixture
def old_client(legacy):
    with client_for(legacy) as c:
        yield c


def picture(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A smooth two-axis gradient with a bright block: content for edits to keep."""
    ys, xs = np.mgrid[0:height, 0:width]
    rgb = np.stack(
        [xs * 200 // max(width - 1, 1) + 20, ys * 200 // max(height - 1, 1) + 20, 128 + 0 * xs],
        axis=-1,
    ).astype(np.uint8)
    rgb[height // 4 : height // 2, width // 4 : width // 2] = (250, 250, 250)
    image = Image.fromarray(rgb)
    return image.convert(mode) if mode != "RGB" else image


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def mask_png(width: int, height: int, box: tuple[int, int, int, int]) -> bytes:
    """Opaque RGBA with alpha 0 inside box (left, top, right, bottom): edit there."""
    alpha = np.full((height, width), 255, np.uint8)
    left, top, right, bottom = box
    alpha[top:bottom, left:right] = 0
    rgba = np.dstack([np.zeros((height, width, 3), np.uint8), alpha])
    return encode(Image.fromarray(rgba))


def decoded(b64: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(b64)))
    image.load()
    return image


def error_of(response: httpx.Response, status: int) -> dict:
    """The error object, after checking the real shape and the request id."""
    assert response.status_code == status, response.text
    assert response.headers["x-request-id"].startswith("req_")
    body = response.json()
    assert set(body) == {"error"}
    assert {"message", "type", "param", "code"} <= set(body["error"])
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def gen(client: httpx.Client, **body) -> httpx.Response:
    return client.post("/images/generations", json=body)


def edit(client: httpx.Client, files: list, **fields) -> httpx.Response:
    return client.post("/images/edits", data=fields, files=files)


def image_part(image: Image.Image, name: str = "image", fmt: str = "PNG") -> tuple:
    mime = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}[fmt]
    return (name, (f"in.{fmt.lower()}", encode(image, fmt), mime))


BASE_GPT2 = {"model": "gpt-image-2", "prompt": "a lighthouse", "size": "1024x640"}


# ------------------------------------------------------------------ generations: rules


@pytest.mark.parametrize(
    ("body", "status", "param", "code"),
    [
        ({"response_format": "b64_json"}, 400, "response_format", "unknown_parameter"),
        ({"model": "gpt-image-2.6-flare", "style": "vivid"}, 400, "style", "unknown_parameter"),
        ({"colour": "red"}, 400, "colour", "unknown_parameter"),
        ({"prompt": None}, 400, "prompt", "missing_required_parameter"),
        ({"prompt": ""}, 400, "prompt", "empty_string"),
        ({"prompt": "x" * 32001}, 400, "prompt", "string_above_max_length"),
        ({"n": 11}, 400, "n", "integer_above_max_value"),
        ({"n": 0}, 400, "n", "integer_below_min_value"),
        ({"n": "2"}, 400, "n", "invalid_type"),
        ({"stream": "yes"}, 400, "stream", "invalid_type"),
        ({"quality": "hd"}, 400, "quality", "invalid_value"),
        ({"quality": "xhigh"}, 400, "quality", "invalid_value"),
        (
            {"background": "transparent", "output_format": "jpeg"},
            400,
            "background",
            "invalid_value",
        ),
        ({"output_compression": 50}, 400, "output_compression", "invalid_value"),
        (
            {"output_compression": 101, "output_format": "webp"},
            400,
            "output_compression",
            "integer_above_max_value",
        ),
        ({"output_format": "gif"}, 400, "output_format", "invalid_value"),
        ({"moderation": "strict"}, 400, "moderation", "invalid_value"),
        ({"complexity": "high"}, 400, "complexity", "unsupported_parameter"),
        ({"input_fidelity": "high"}, 400, "input_fidelity", "unknown_parameter"),
        ({"partial_images": 4, "stream": True}, 400, "partial_images", "integer_above_max_value"),
        ({"size": "512x512"}, 400, "size", "invalid_value"),
        ({"model": "gpt-image-1.5"}, 404, None, "model_not_found"),
        ({"model": 7}, 400, "model", "invalid_type"),
    ],
)
def test_generation_rules_answer_in_the_real_shape(client, server, body, status, param, code):
    payload = {**BASE_GPT2, **body}
    payload = {k: v for k, v in payload.items() if v is not None}
    error = error_of(gen(client, **payload), status)
    assert (error["param"], error["code"]) == (param, code)
    assert error["type"] == "invalid_request_error"
    assert server.requests[-1].valid is False
    assert server.rejected[-1].error == {"error": error}


def test_fixed_size_message_lists_the_supported_values(old_client):
    # Fixed-size models survive only on compatible (legacy) servers.
    error = error_of(gen(old_client, model="gpt-image-1.5", prompt="p", size="1792x1024"), 400)
    assert error["message"] == (
        "Invalid value: '1792x1024'. Supported values are: '1024x1024', '1536x1024', "
        "'1024x1536', and 'auto'."
    )


@pytest.mark.parametrize(
    ("size", "words"),
    [
        ("1000x1008", "divisible by 16"),
        ("3840x1120", "aspect ratio"),
        ("3856x1296", "longest edge"),
        ("768x768", "total number of pixels"),
        ("2896x2896", "total number of pixels"),
        ("big", "WIDTHxHEIGHT"),
    ],
)
def test_free_size_rule_of_gpt_image_2(client, size, words):
    error = error_of(gen(client, **{**BASE_GPT2, "size": size}), 400)
    assert error["param"] == "size"
    assert error["message"].startswith(f"Invalid size '{size}'.")
    assert words in error["message"]


@pytest.mark.parametrize("model", ["gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.6-sunburst"])
def test_free_sizes_are_accepted_and_returned_at_that_size(client, model):
    response = gen(client, model=model, prompt="a wide view", size="1024x640")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["size"] == "1024x640"
    assert decoded(body["data"][0]["b64_json"]).size == (1024, 640)


@pytest.mark.parametrize("size", ["3840x2160", "2880x2880"])
def test_largest_free_sizes_pass(client, size):
    response = gen(client, **{**BASE_GPT2, "size": size, "quality": "low"})
    assert response.status_code == 200, response.text
    width, height = map(int, size.split("x"))
    assert decoded(response.json()["data"][0]["b64_json"]).size == (width, height)


def test_gpt_image_25_takes_its_extra_qualities_but_not_complexity(client):
    response = gen(client, **{**BASE_GPT2, "model": "gpt-image-2.5-sunburst", "quality": "xhigh"})
    assert response.status_code == 200, response.text
    assert response.json()["quality"] == "xhigh"
    refused = gen(client, **{**BASE_GPT2, "model": "gpt-image-2.5-sunburst", "complexity": "low"})
    assert (error_of(refused, 400)["param"], refused.json()["error"]["code"]) == (
        "complexity",
        "unsupported_parameter",
    )


@pytest.mark.parametrize("model", ["dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-9"])
def test_retired_and_unknown_models_are_not_found(client, model):
    error = error_of(gen(client, model=model, prompt="p", size="1024x1024"), 404)
    assert error["code"] == "model_not_found"
    assert model in error["message"]


def test_missing_model_falls_back_to_the_retired_default(client, server):
    error = error_of(gen(client, prompt="a cat"), 404)
    assert error["code"] == "model_not_found" and "dall-e-2" in error["message"]
    assert server.requests[-1].model is None


def test_bad_json_and_wrong_content_type(client):
    response = client.post(
        "/images/generations", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert "could not parse the JSON body" in error_of(response, 400)["message"]
    response = client.post(
        "/images/generations", data={"prompt": "p"}, files=[image_part(picture(8, 8))]
    )
    assert "expected application/json" in error_of(response, 400)["message"]


def test_generation_response_shape_and_usage(client, server):
    response = gen(
        client, model="gpt-image-2", prompt="a red fox", size="1536x1024", quality="medium"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "created",
        "data",
        "background",
        "output_format",
        "size",
        "quality",
        "usage",
    }
    assert (body["size"], body["quality"], body["background"], body["output_format"]) == (
        "1536x1024",
        "medium",
        "opaque",
        "png",
    )
    usage = body["usage"]
    # gpt-image-2's medium 1536x1024 price, $0.041, at $30 per million output tokens
    assert usage["output_tokens"] == 1367 == usage["output_tokens_details"]["image_tokens"]
    assert usage["input_tokens_details"] == {"text_tokens": 3, "image_tokens": 0}
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    image = decoded(body["data"][0]["b64_json"])
    assert (image.format, image.size) == ("PNG", (1536, 1024))


@pytest.mark.parametrize(("fmt", "pillow"), [("jpeg", "JPEG"), ("webp", "WEBP")])
def test_output_format_and_compression(client, fmt, pillow):
    response = gen(client, **BASE_GPT2, output_format=fmt, output_compression=40)
    assert response.status_code == 200, response.text
    assert response.json()["output_format"] == fmt
    assert decoded(response.json()["data"][0]["b64_json"]).format == pillow


def test_transparent_background_has_real_alpha(client):
    response = gen(client, **BASE_GPT2, background="transparent", output_format="webp")
    assert response.json()["background"] == "transparent"
    alpha = np.asarray(decoded(response.json()["data"][0]["b64_json"]).convert("RGBA"))[..., 3]
    assert alpha.min() == 0 and alpha.max() == 255


def test_n_images_differ_and_requests_are_deterministic(server, client):
    """Deterministic per server: a fresh server gives the same first answer; the same
    request again (two candidates sent as two requests) gets other pictures, as the
    real model renders anew (the demo's two edits were byte-identical, issue 17)."""
    first = gen(client, **BASE_GPT2, n=2).json()["data"]
    again = gen(client, **BASE_GPT2, n=2).json()["data"]
    assert {d["b64_json"] for d in first}.isdisjoint(d["b64_json"] for d in again)
    assert first[0]["b64_json"] != first[1]["b64_json"]
    other = gen(client, **{**BASE_GPT2, "prompt": "a harbour"}).json()["data"][0]
    assert other["b64_json"] != first[0]["b64_json"]
    with running_standin() as second, client_for(second) as c2:
        assert gen(c2, **BASE_GPT2, n=2).json()["data"][0]["b64_json"] == first[0]["b64_json"]


# ------------------------------------------------------------------ edits: rules


def test_octet_stream_part_is_refused_with_the_real_message(client):
    files = [("image", ("upload", encode(picture(64, 64)), "application/octet-stream"))]
    error = error_of(edit(client, files, model="gpt-image-2", prompt="p"), 400)
    assert error == {
        "message": "Invalid file 'image': unsupported mimetype ('application/octet-stream'). "
        "Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.",
        "type": "invalid_request_error",
        "param": "image",
        "code": "unsupported_file_mimetype",
    }


@pytest.mark.parametrize(
    ("fields", "param", "code"),
    [
        ({"moderation": "low"}, "moderation", "unknown_parameter"),
        ({"response_format": "b64_json"}, "response_format", "unknown_parameter"),
        ({"input_fidelity": "high"}, "input_fidelity", "unsupported_parameter"),
        ({"n": "two"}, "n", "invalid_type"),
        ({"stream": "maybe"}, "stream", "invalid_type"),
        ({"image": "a-string"}, "image", "invalid_type"),
        ({"size": "1000x1000"}, "size", "invalid_value"),
    ],
)
def test_multipart_edit_field_rules(client, fields, param, code):
    files = [image_part(picture(1024, 640))]
    error = error_of(edit(client, files, **{**BASE_GPT2, **fields}), 400)
    assert (error["param"], error["code"]) == (param, code)


def test_input_fidelity_per_model(old_client):
    # The models that take input_fidelity are shut down on OpenAI; legacy keeps them.
    files = [image_part(picture(1024, 1024))]
    ok = edit(
        old_client,
        files,
        model="gpt-image-1.5",
        prompt="p",
        size="1024x1024",
        input_fidelity="high",
    )
    assert ok.status_code == 200, ok.text
    error = error_of(
        edit(old_client, files, model="gpt-image-1-mini", prompt="p", input_fidelity="high"), 400
    )
    assert (error["param"], error["code"]) == ("input_fidelity", "invalid_value")


def jpeg_labelled_png() -> list:
    return [("image", ("in.png", encode(picture(64, 64), "JPEG"), "image/png"))]


@pytest.mark.parametrize(
    ("files", "param", "code"),
    [
        (jpeg_labelled_png(), "image", "invalid_image_format"),
        (
            [("image", ("in.png", b"not an image at all", "image/png"))],
            "image",
            "invalid_image_file",
        ),
        ([("image", ("in.gif", b"GIF89a....", "image/gif"))], "image", "unsupported_file_mimetype"),
        ([image_part(picture(64, 64)), image_part(picture(64, 64))], "image", "invalid_value"),
        ([image_part(picture(32, 32), "image[]")] * 17, "image", "array_above_max_length"),
        (
            [
                image_part(picture(64, 64)),
                ("mask", ("m.png", encode(picture(64, 64)), "image/png")),
            ],
            "mask",
            "invalid_mask_format",
        ),
        (
            [
                image_part(picture(64, 64)),
                ("mask", ("m.png", mask_png(64, 64, (0, 0, 0, 0)), "image/png")),
            ],
            "mask",
            "invalid_mask",
        ),
        (
            [
                image_part(picture(64, 64)),
                ("mask", ("m.png", mask_png(32, 32, (0, 0, 8, 8)), "image/png")),
            ],
            "mask",
            "invalid_mask_size",
        ),
        (
            [
                image_part(picture(64, 64)),
                ("mask", ("m.jpg", encode(picture(64, 64), "JPEG"), "image/jpeg")),
            ],
            "mask",
            "unsupported_file_mimetype",
        ),
        (
            [
                image_part(picture(64, 64)),
                ("markup", ("k.png", mask_png(64, 64, (0, 0, 8, 8)), "image/png")),
            ],
            "markup",
            "unsupported_parameter",
        ),
        (
            [image_part(picture(64, 64)), ("extra", ("x.png", b"x", "image/png"))],
            "extra",
            "unknown_parameter",
        ),
    ],
)
def test_edit_file_rules(client, files, param, code):
    error = error_of(edit(client, files, model="gpt-image-2", prompt="p"), 400)
    assert (error["param"], error["code"]) == (param, code)


def test_missing_image_in_a_multipart_edit(client):
    body = (
        b'--b\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-image-2\r\n'
        b'--b\r\nContent-Disposition: form-data; name="prompt"\r\n\r\np\r\n--b--\r\n'
    )
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    error = error_of(client.post("/images/edits", content=body, headers=headers), 400)
    assert (error["param"], error["code"]) == ("image", "missing_required_parameter")
    form = client.post("/images/edits", data={"prompt": "p"})  # urlencoded, not multipart
    assert "expected multipart/form-data" in error_of(form, 400)["message"]


def test_mask_byte_cap_is_under_4_mb(client):
    noise = np.random.default_rng(1).integers(0, 256, (1100, 1100, 4), dtype=np.uint8)
    noise[..., 3][:10] = 0
    big_mask = encode(Image.fromarray(noise))
    assert len(big_mask) >= 4 * 1024 * 1024
    files = [image_part(picture(1100, 1100)), ("mask", ("m.png", big_mask, "image/png"))]
    error = error_of(edit(client, files, model="gpt-image-2", prompt="p"), 400)
    assert (error["param"], error["code"]) == ("mask", "image_too_large")


def test_image_byte_cap_is_under_50_mb(client):
    files = [("image", ("huge.png", b"\0" * (50 * 1024 * 1024), "image/png"))]
    error = error_of(edit(client, files, model="gpt-image-2", prompt="p"), 400)
    assert (error["param"], error["code"]) == ("image", "image_too_large")


def test_markup_rules_on_gpt_image_25(client):
    files = [image_part(picture(1024, 640))]
    scribble = ("markup", ("k.png", mask_png(1024, 640, (0, 0, 1024, 600)), "image/png"))
    model = {"model": "gpt-image-2.5-sunburst", "prompt": "p", "size": "1024x640"}
    assert edit(client, [*files, scribble], **model).status_code == 200
    with_mask = [
        *files,
        scribble,
        ("mask", ("m.png", mask_png(1024, 640, (0, 0, 9, 9)), "image/png")),
    ]
    assert error_of(edit(client, with_mask, **model), 400)["param"] == "markup"
    no_holes = ("markup", ("k.png", mask_png(1024, 640, (0, 0, 0, 0)), "image/png"))
    assert error_of(edit(client, [*files, no_holes], **model), 400)["code"] == "invalid_markup"


def test_json_edit_with_data_url_takes_moderation(client, server):
    url = "data:image/png;base64," + base64.b64encode(encode(picture(1024, 640))).decode()
    body = {**BASE_GPT2, "images": [{"image_url": url}], "moderation": "low"}
    response = client.post("/images/edits", json=body)
    assert response.status_code == 200, response.text
    (image,) = server.requests[-1].files
    assert (image.name, image.content_type, image.width, image.height) == (
        "images[0]",
        "image/png",
        1024,
        640,
    )
    assert "images" not in server.requests[-1].fields
    bad = {**body, "images": [{"image_url": "https://example.com/a.png"}]}
    assert error_of(client.post("/images/edits", json=bad), 400)["code"] == "invalid_image_url"


# ------------------------------------------------------------------ edits: pixels


def test_masked_edit_paints_inside_and_drifts_every_pixel_outside(client, server):
    source = picture(1024, 640)
    box = (300, 100, 700, 400)
    files = [
        image_part(source),
        ("mask", ("mask.png", mask_png(1024, 640, box), "image/png")),
    ]
    response = edit(client, files, **BASE_GPT2)
    assert response.status_code == 200, response.text
    out = np.asarray(decoded(response.json()["data"][0]["b64_json"]).convert("RGB")).astype(int)
    before = np.asarray(source).astype(int)
    inside = np.zeros(before.shape[:2], bool)
    inside[box[1] : box[3], box[0] : box[2]] = True
    drift = np.abs(out - before)
    assert drift[~inside].min() == 1 and drift[~inside].max() == 3
    assert drift[inside].mean() > 30
    assert response.json()["usage"]["input_tokens_details"]["image_tokens"] > 0


def test_edit_without_mask_changes_everything_but_keeps_the_layout(client):
    source = picture(1024, 1024)
    response = edit(client, [image_part(source)], model="gpt-image-2", prompt="winter")
    out = np.asarray(decoded(response.json()["data"][0]["b64_json"]).convert("RGB")).astype(float)
    before = np.asarray(source).astype(float)
    assert np.abs(out - before).mean() > 10
    assert np.corrcoef(out.mean(axis=2).ravel(), before.mean(axis=2).ravel())[0, 1] > 0.5


def test_several_images_and_auto_size_follow_the_first(client, server, old_client):
    files = [image_part(picture(1600, 1000), "image[]"), image_part(picture(300, 300), "image[]")]
    # A fixed-size model (legacy only now) picks the nearest of its three sizes.
    response = edit(old_client, files, model="gpt-image-1.5", prompt="combine")
    assert response.json()["size"] == "1536x1024"
    response = edit(client, files, model="gpt-image-2", prompt="combine")
    record = server.requests[-1]
    assert [f.name for f in record.files] == ["image[]", "image[]"]
    response = edit(client, files, model="gpt-image-2", prompt="combine")
    width, height = map(int, response.json()["size"].split("x"))
    assert width % 16 == 0 and height % 16 == 0 and abs(width / height - 1.6) < 0.05


def test_transparent_edit_keeps_alpha(client):
    source = picture(1024, 1024, "RGBA")
    files = [
        image_part(source),
        ("mask", ("m.png", mask_png(1024, 1024, (0, 0, 512, 512)), "image/png")),
    ]
    response = edit(client, files, model="gpt-image-2", prompt="p", background="transparent")
    assert decoded(response.json()["data"][0]["b64_json"]).mode == "RGBA"


# ------------------------------------------------------------------ legacy: dall-e, variations, url


def test_variations_are_gone_on_openai(client):
    files = [image_part(picture(256, 256))]
    error = error_of(
        client.post("/images/variations", files=files, data={"model": "dall-e-2"}), 404
    )
    assert error["code"] == "model_not_found"


def test_variation_url_result_is_served_by_the_stand_in(old_client):
    files = [image_part(picture(256, 256))]
    response = old_client.post(
        "/images/variations", files=files, data={"size": "256x256", "n": "2"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"created", "data"}
    url = body["data"][0]["url"]
    image = Image.open(io.BytesIO(httpx.get(url).content))
    assert (image.format, image.size) == ("PNG", (256, 256))
    missing = httpx.get(url.replace(url.rsplit("/", 1)[1], "00ff.png"))
    assert missing.status_code == 404 and missing.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize(
    ("files", "data", "param", "code"),
    [
        ([image_part(picture(256, 128))], {}, "image", "invalid_image_dimensions"),
        ([image_part(picture(256, 256), fmt="JPEG")], {}, "image", "unsupported_file_mimetype"),
        ([image_part(picture(256, 256))], {"model": "gpt-image-2"}, "model", "invalid_value"),
        ([image_part(picture(256, 256))], {"prompt": "p"}, "prompt", "unknown_parameter"),
        ([image_part(picture(256, 256))], {"size": "1536x1024"}, "size", "invalid_value"),
    ],
)
def test_variation_rules(old_client, files, data, param, code):
    error = error_of(old_client.post("/images/variations", files=files, data=data), 400)
    assert (error["param"], error["code"]) == (param, code)


def test_dalle_rules_in_legacy_mode(old_client):
    body = gen(old_client, model="dall-e-3", prompt="a fox", size="1024x1792", style="natural")
    assert body.status_code == 200, body.text
    item = body.json()["data"][0]
    assert "url" in item and "natural" in item["revised_prompt"]
    error = error_of(gen(old_client, model="dall-e-3", prompt="a fox", n=2), 400)
    assert error["code"] == "integer_above_max_value"
    error = error_of(gen(old_client, model="dall-e-2", prompt="x", background="opaque"), 400)
    assert (error["param"], error["code"]) == ("background", "unsupported_parameter")
    big = [image_part(picture(256, 256), "image[]")] * 2
    error = error_of(edit(old_client, big, model="dall-e-2", prompt="p"), 400)
    assert error["code"] == "array_above_max_length"
    b64 = edit(
        old_client,
        [image_part(picture(256, 256))],
        model="dall-e-2",
        prompt="p",
        size="256x256",
        response_format="b64_json",
    )
    assert decoded(b64.json()["data"][0]["b64_json"]).size == (256, 256)


# ------------------------------------------------------------------ auth, azure, models, routes


def test_auth_missing_wrong_and_never_recorded():
    with running_standin(api_key=KEY) as s:
        anonymous = httpx.post(s.base_url + "/images/generations", json=BASE_GPT2)
        assert error_of(anonymous, 401)["code"] is None
        with client_for(s, headers={"Authorization": "Bearer sk-wrong"}) as wrong:
            error = error_of(gen(wrong, **BASE_GPT2), 401)
            assert error["code"] == "invalid_api_key" and "sk-wrong" not in error["message"]
        with client_for(s) as good:
            assert gen(good, **BASE_GPT2).status_code == 200
        records = s.requests
        assert [r.auth_present for r in records] == [False, True, True]
        assert [r.outcome for r in records] == ["unauthorized", "unauthorized", "ok"]
        assert KEY not in repr(records) and "sk-wrong" not in repr(records)
        assert KEY not in repr(s)


def test_azure_classic_deployment_route(server):
    url = server.root_url + "/openai/deployments/gpt-image-2/images/generations"
    body = {"prompt": "a fox", "size": "1024x640"}
    ok = httpx.post(
        url, params={"api-version": "2025-04-01-preview"}, json=body, headers={"api-key": KEY}
    )
    assert ok.status_code == 200, ok.text
    assert (
        server.requests[-1].auth_scheme == "api-key" and server.requests[-1].model == "gpt-image-2"
    )
    no_version = httpx.post(url, json=body, headers={"api-key": KEY})
    assert error_of(no_version, 400)["param"] == "api-version"
    unknown = url.replace("gpt-image-2", "my-deployment")
    response = httpx.post(unknown, params={"api-version": "x"}, json=body, headers={"api-key": KEY})
    assert error_of(response, 404)["code"] == "DeploymentNotFound"
    # OpenAI's own routes do not read the api-key header.
    assert error_of(
        httpx.post(server.base_url + "/images/generations", json=body, headers={"api-key": KEY}),
        401,
    )


def test_model_list_follows_legacy(client, old_client):
    alive = {m["id"] for m in client.get("/models").json()["data"]}
    assert "gpt-image-2" in alive and "dall-e-2" not in alive and "gpt-image-1" not in alive
    assert "dall-e-2" in {m["id"] for m in old_client.get("/models").json()["data"]}
    assert old_client.get("/models/gpt-image-1.5").json()["id"] == "gpt-image-1.5"
    assert error_of(client.get("/models/dall-e-3"), 404)["code"] == "model_not_found"


def test_unknown_route_is_an_invalid_url(client):
    error = error_of(client.get("/images/generations"), 404)
    assert error["message"] == "Invalid URL (GET /v1/images/generations)"


# ------------------------------------------------------------------ recording


def test_every_request_is_recorded_with_its_parts(client, server):
    files = [
        image_part(picture(1024, 640)),
        ("mask", ("sel.png", mask_png(1024, 640, (0, 0, 64, 64)), "image/png")),
    ]
    edit(client, files, **BASE_GPT2)
    gen(client, **BASE_GPT2, style="vivid")
    good, bad = server.requests
    assert (good.valid, good.outcome, good.status, good.model) == (True, "ok", 200, "gpt-image-2")
    assert good.part_order == ["model", "prompt", "size", "image", "mask"]
    assert good.fields == {"model": "gpt-image-2", "prompt": "a lighthouse", "size": "1024x640"}
    image, mask = good.files
    assert (image.name, image.filename, image.content_type, image.format) == (
        "image",
        "in.png",
        "image/png",
        "PNG",
    )
    assert (mask.name, mask.width, mask.height, mask.mode) == ("mask", 1024, 640, "RGBA")
    assert mask.size == len(files[1][1][1])
    assert "authorization" not in good.headers
    assert (bad.valid, bad.outcome, bad.error_code) == (False, "rejected", "unknown_parameter")
    assert server.rejected == [bad]


def test_concurrent_requests_are_all_answered_and_logged(server):
    results: list[int] = []

    def one(i: int) -> None:
        with client_for(server) as c:
            results.append(gen(c, **{**BASE_GPT2, "prompt": f"picture {i}"}).status_code)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 6
    assert sorted(r.fields["prompt"] for r in server.requests) == [f"picture {i}" for i in range(6)]


# ------------------------------------------------------------------ streaming


def sse(response: httpx.Response) -> list[tuple[str, dict]]:
    events, name = [], None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[6:])))
    return events


def test_generation_stream_order_fields_and_progressive_partials(client):
    body = {**BASE_GPT2, "stream": True, "partial_images": 3}
    with client.stream("POST", "/images/generations", json=body) as response:
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["x-request-id"].startswith("req_")
        events = sse(response)
    names = [n for n, _ in events]
    assert names == ["image_generation.partial_image"] * 3 + ["image_generation.completed"]
    common = {"type", "b64_json", "created_at", "size", "quality", "background", "output_format"}
    for name, data in events:
        assert data["type"] == name
        assert common <= set(data)
        assert data["size"] == "1024x640"
    assert [d["partial_image_index"] for _, d in events[:3]] == [0, 1, 2]
    assert {"input_tokens", "output_tokens", "total_tokens", "input_tokens_details"} <= set(
        events[-1][1]["usage"]
    )
    final = np.asarray(decoded(events[-1][1]["b64_json"])).astype(float)
    gaps = [
        np.abs(np.asarray(decoded(d["b64_json"])).astype(float) - final).mean()
        for _, d in events[:3]
    ]
    assert gaps[0] > gaps[1] > gaps[2] > 0


def test_edit_stream_uses_edit_events_and_no_partials_by_default(client):
    files = [image_part(picture(1024, 640))]
    data = {**BASE_GPT2, "stream": "true"}
    with client.stream("POST", "/images/edits", data=data, files=files) as response:
        events = sse(response)
    assert [n for n, _ in events] == ["image_edit.completed"]
    assert decoded(events[0][1]["b64_json"]).size == (1024, 640)


def test_stream_for_dalle_is_refused(old_client):
    error = error_of(gen(old_client, model="dall-e-3", prompt="p", stream=True), 400)
    assert (error["param"], error["code"]) == ("stream", "unsupported_parameter")


# ------------------------------------------------------------------ faults


def test_rate_limit_fault_then_recovery(client, server):
    server.inject("429", retry_after=2)
    response = gen(client, **BASE_GPT2)
    error = error_of(response, 429)
    assert error["code"] == "rate_limit_exceeded"
    assert (response.headers["retry-after"], response.headers["retry-after-ms"]) == ("2", "2000")
    assert gen(client, **BASE_GPT2).status_code == 200
    assert [r.fault for r in server.requests] == ["429", None]
    assert server.requests[0].valid is True  # faulted requests are still validated


def test_quota_fault_has_no_retry_after(client, server):
    server.inject("quota")
    response = gen(client, **BASE_GPT2)
    assert error_of(response, 429)["code"] == "insufficient_quota"
    assert "retry-after" not in response.headers and "retry-after-ms" not in response.headers


@pytest.mark.parametrize(("name", "status"), [("500", 500), ("503", 503)])
def test_server_error_faults(client, server, name, status):
    server.inject(name)
    assert error_of(gen(client, **BASE_GPT2), status)["type"] == "server_error"


def test_bad_gateway_is_html_from_the_proxy(client, server):
    server.inject("502")
    response = gen(client, **BASE_GPT2)
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert "502 Bad Gateway" in response.text
    assert response.headers["x-request-id"].startswith("req_")


def test_reset_fault_drops_the_connection(client, server):
    server.inject("reset")
    with pytest.raises(httpx.TransportError):
        gen(client, **BASE_GPT2)
    assert gen(client, **BASE_GPT2).status_code == 200


def test_slow_fault_times_a_client_out_and_otherwise_arrives_whole(server):
    with client_for(server, timeout=httpx.Timeout(30, read=0.2)) as impatient:
        server.inject("slow", delay=3)
        with pytest.raises(httpx.ReadTimeout):
            gen(impatient, **BASE_GPT2)
    with client_for(server) as patient:
        server.inject("slow", delay=0.05, body_seconds=0.2)
        response = gen(patient, **BASE_GPT2)
        assert decoded(response.json()["data"][0]["b64_json"]).size == (1024, 640)


def test_truncated_stream_stops_before_completed(client, server):
    server.inject("truncated_stream")
    seen = []
    with pytest.raises(httpx.RemoteProtocolError):
        body = {**BASE_GPT2, "stream": True, "partial_images": 2}
        with client.stream("POST", "/images/generations", json=body) as response:
            for line in response.iter_lines():
                seen.append(line)
    names = [line[7:] for line in seen if line.startswith("event: ")]
    assert names and "image_generation.completed" not in names


def test_truncated_plain_body(client, server):
    server.inject("truncated")
    with pytest.raises(httpx.RemoteProtocolError):
        gen(client, **BASE_GPT2)


def test_malformed_json_fault(client, server):
    server.inject("malformed_json")
    response = gen(client, **BASE_GPT2)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_moderation_fault_carries_the_request_id(client, server):
    server.inject("moderation_blocked", categories="violence")
    response = gen(client, **BASE_GPT2)
    error = error_of(response, 400)
    assert (error["code"], error["type"]) == ("moderation_blocked", "image_generation_user_error")
    assert response.headers["x-request-id"] in error["message"]
    assert "safety_violations=[violence]" in error["message"]


def test_stream_error_frame(client, server):
    server.inject("stream_error")
    with client.stream(
        "POST", "/images/generations", json={**BASE_GPT2, "stream": True, "partial_images": 1}
    ) as r:
        events = sse(r)
    assert [n for n, _ in events] == ["image_generation.partial_image", "error"]
    assert events[-1][1]["error"]["moderation_details"]["moderation_stage"] == "output"
    server.inject("stream_error")
    plain = error_of(gen(client, **BASE_GPT2), 400)
    assert (plain["code"], plain["moderation_details"]["moderation_stage"]) == (
        "moderation_blocked",
        "output",
    )


@pytest.mark.parametrize(
    ("name", "status", "words"),
    [("401", 401, "Incorrect API key"), ("403", 403, "must be verified")],
)
def test_auth_faults(client, server, name, status, words):
    server.inject(name)
    assert words in error_of(gen(client, **BASE_GPT2), status)["message"]


def test_oversized_fault_is_a_large_valid_image(client, server):
    server.inject("oversized", megabytes=3)
    response = gen(client, **BASE_GPT2)
    raw = base64.b64decode(response.json()["data"][0]["b64_json"])
    assert len(raw) >= 3 * 1024 * 1024
    assert Image.open(io.BytesIO(raw)).format == "PNG"


@pytest.mark.parametrize(
    ("name", "status", "value"),
    [("should_retry_true", 400, "true"), ("should_retry_false", 500, "false")],
)
def test_should_retry_variants(client, server, name, status, value):
    server.inject(name)
    response = gen(client, **BASE_GPT2)
    assert response.status_code == status and response.headers["x-should-retry"] == value


def test_fault_by_header_and_should_retry_param(client, server):
    response = client.post(
        "/images/generations",
        json=BASE_GPT2,
        headers={"X-Standin-Fault": "429; retry_after=3; should_retry=false"},
    )
    assert response.status_code == 429
    assert (response.headers["retry-after"], response.headers["x-should-retry"]) == ("3", "false")
    typo = client.post(
        "/images/generations", json=BASE_GPT2, headers={"X-Standin-Fault": "nonsense"}
    )
    assert error_of(typo, 400)["code"] == "unknown_fault"
    with pytest.raises(ValueError):
        server.inject("nonsense")


def test_fault_queue_is_consumed_in_order(client, server):
    server.inject("500", count=2)
    server.inject("503")
    assert server.pending_faults == ["500", "500", "503"]
    statuses = [gen(client, **BASE_GPT2).status_code for _ in range(4)]
    assert statuses == [500, 500, 503, 200]


# ------------------------------------------------------------------ latency, cancel, stop, CLI


def test_cancel_during_render_is_noticed():
    with running_standin(latency=5) as s, client_for(s, timeout=httpx.Timeout(30, read=0.2)) as c:
        with pytest.raises(httpx.ReadTimeout):
            gen(c, **BASE_GPT2)
        c.close()
        assert s.wait_for_requests(1, timeout=10)
        assert s.requests[0].outcome == "disconnected" and s.requests[0].status is None


def test_stop_releases_a_request_in_flight():
    server = StandinServer(latency=30).start()
    failures: list[Exception] = []

    def call() -> None:
        try:
            with client_for(server) as c:
                gen(c, **BASE_GPT2)
        except httpx.TransportError as exc:
            failures.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 10
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    server.stop()
    caller.join(timeout=10)
    assert not caller.is_alive() and len(failures) == 1
    assert server.requests[0].outcome == "disconnected"


def test_cli_prints_base_url_and_stops_on_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "standin", "--latency", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        models = httpx.get(base_url + "/models", headers={"Authorization": f"Bearer {KEY}"})
        assert models.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr.read() == ""  # quiet: no request lines
    finally:
        if process.poll() is None:
            process.kill()


def test_only_loopback():
    with pytest.raises(ValueError):
        StandinServer(host="0.0.0.0")


# ------------------------------------------------------------------ golden tests: pure parts


def test_perturb_moves_every_channel_by_one_to_three():
    pixels = np.array([[[0, 128, 255], [255, 255, 255]], [[0, 0, 0], [1, 2, 254]]], np.uint8)
    moved = render.perturb(7, pixels)
    delta = np.abs(moved.astype(int) - pixels.astype(int))
    assert delta.min() >= 1 and delta.max() <= 3
    assert np.array_equal(moved, render.perturb(7, pixels))


def test_edit_golden_on_a_tiny_image():
    base = Image.fromarray(np.full((2, 3, 3), 100, np.uint8))
    region = Image.fromarray(np.array([[255, 0, 0], [0, 0, 255]], np.uint8))
    out = np.asarray(render.edit(3, base, 3, 2, region, transparent=False)).astype(int)
    paint = render.pattern(3, 3, 2)[0].astype(int)
    inside = np.array([[True, False, False], [False, False, True]])
    assert np.array_equal(out[inside], paint[inside])
    assert np.array_equal(
        out[~inside], render.perturb(3, np.full((2, 3, 3), 100, np.uint8))[~inside]
    )


def test_partials_blur_less_and_less():
    final = render.generate(5, 64, 48, transparent=False)
    ref = np.asarray(final).astype(float)
    gaps = [np.abs(np.asarray(p).astype(float) - ref).mean() for p in render.partials(final, 3)]
    assert gaps[0] > gaps[1] > gaps[2] > 0


@pytest.mark.parametrize(
    ("model", "size", "ok"),
    [
        ("gpt-image-2", "1024x640", True),
        ("gpt-image-2", "3840x2160", True),
        ("gpt-image-2", "1024x1024", True),
        ("gpt-image-2", "auto", True),
        ("gpt-image-2", "1008x640", False),
        ("gpt-image-2", "4096x2304", False),
        ("gpt-image-2", "1024x336", False),
        ("gpt-image-1.5", "1536x1024", True),
        ("gpt-image-1.5", "1024x640", False),
        ("dall-e-3", "auto", False),
        ("dall-e-2", "256x256", True),
    ],
)
def test_size_rules_table(model, size, ok):
    assert (rules.check_size(rules.MODELS[model], size) is None) is ok


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9000), st.integers(1, 9000))
def test_auto_size_is_always_a_valid_free_size(width, height):
    chosen = rules.auto_size(rules.MODELS["gpt-image-2"], (width, height))
    assert rules.check_size(rules.MODELS["gpt-image-2"], "{}x{}".format(*chosen)) is None


def test_usage_token_tables():
    assert output_image_tokens("high", 1024, 1024) == 4160
    assert output_image_tokens("low", 1024, 1536) == 408
    assert output_image_tokens("medium", 2048, 2048) == 4 * 1056
    assert input_image_tokens((1024, 1024), None) == 765


def test_multipart_reader_golden():
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="prompt"\r\n\r\na "cat"\r\n'
        b'--xyz\r\nContent-Disposition: form-data; name="image[]"; filename="a b.png"\r\n'
        b"Content-Type: image/PNG\r\n\r\n\x89PNG\r\n\r\n--xyz--\r\n"
    )
    assert multipart.boundary_of("multipart/form-data; boundary=xyz") == "xyz"
    assert multipart.parse_multipart(body, "xyz") == [
        multipart.Part("prompt", None, None, b'a "cat"'),
        multipart.Part("image[]", "a b.png", "image/png", b"\x89PNG\r\n"),
    ]
    with pytest.raises(multipart.MultipartError):
        multipart.parse_multipart(b"--xyz\r\nno headers", "xyz")


def test_fault_header_parsing():
    assert faults.parse_fault_header("rate_limit; retry_after=2.5; hints=ms") == (
        "429",
        {"retry_after": 2.5, "hints": "ms"},
    )
    assert faults.parse_fault_header("x-should-retry-false") == ("should_retry_false", {})


def test_standin_does_not_import_the_client_core():
    for path in (ROOT / "standin").glob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+(core|\.\.)", path.read_text(), re.M), path


def test_control_routes_queue_faults_and_show_the_log_for_clients_inside_a_host():
    import httpx as _httpx

    from standin.server import running_standin as _running

    with _running() as server:
        root = server.root_url
        queued = _httpx.post(f"{root}/_standin/faults", json={"name": "401", "count": 1}).json()
        assert queued["queued"]
        reply = _httpx.post(
            f"{server.base_url}/images/generations",
            json={"model": "gpt-image-2", "prompt": "x"},
            headers={"Authorization": "Bearer sk-test"},
        )
        assert reply.status_code == 401
        log = _httpx.get(f"{root}/_standin/requests").json()
        assert [r["fault"] for r in log] == ["401"]
        assert len(server.requests) == 1  # control calls are not recorded
