"""requests.py: every validation rule, and the exact wire form of each request."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image

from core.api.requests import (
    DEFAULT_VARIATION_PROMPT,
    EditRequest,
    GenerateRequest,
    UploadFile,
    VariationRequest,
    sniff_format,
)
from core.errors import ValidationError
from core.models.catalogue import get_model
from core.models.lifecycle import live_models


def encode(w: int, h: int, fmt: str = "PNG", mode: str = "RGBA") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (w, h), (10, 20, 30, 0)[: len(mode)] if mode != "L" else 0).save(buf, fmt)
    return buf.getvalue()


def png(w: int = 8, h: int = 8, mode: str = "RGBA", name: str = "image.png") -> UploadFile:
    return UploadFile(name, encode(w, h, "PNG", mode), "image/png")


def opaque_png(w: int = 8, h: int = 8) -> UploadFile:
    buf = io.BytesIO()
    Image.new("RGBA", (w, h), (0, 0, 0, 1)).save(buf, "PNG")  # alpha 1 is not 0: nothing marked
    return UploadFile("opaque.png", buf.getvalue(), "image/png")


def jpeg(w: int = 8, h: int = 8) -> UploadFile:
    return UploadFile("photo.jpg", encode(w, h, "JPEG", "RGB"), "image/jpeg")


def webp(w: int = 8, h: int = 8) -> UploadFile:
    return UploadFile("ref.webp", encode(w, h, "WEBP", "RGB"), "image/webp")


def broken(req, model: str) -> tuple[str, str]:
    with pytest.raises(ValidationError) as info:
        req.validate(get_model(model))
    assert str(info.value) == f"{info.value.field}: {info.value.rule}"
    return info.value.field, info.value.rule


GPT2 = "gpt-image-2"
GEN = GenerateRequest("a red fox", GPT2)


# ---- generations: validation ------------------------------------------------------------------


def test_a_plain_request_is_valid_on_every_live_generation_model():
    for spec in live_models():
        GenerateRequest("a red fox", spec.id).validate(spec)


@pytest.mark.parametrize(
    "changes, model, field, words",
    [
        ({}, "chatgpt-image-latest", "model", "does not support image generations"),
        ({"prompt": "   "}, GPT2, "prompt", "must not be empty"),
        ({"prompt": "x" * 4001, "size": "1024x1024"}, "dall-e-3", "prompt", "at most 4000"),
        ({"prompt": "x" * 32001}, GPT2, "prompt", "at most 32000"),
        ({"n": 0}, GPT2, "n", "from 1 to 10"),
        ({"n": 11}, GPT2, "n", "from 1 to 10"),
        ({"n": 2, "size": "1024x1024"}, "dall-e-3", "n", "from 1 to 1"),
        ({"n": True}, GPT2, "n", "whole number"),
        ({"size": "1000x1000"}, GPT2, "size", "multiples of 16"),
        ({"size": "1000x1000"}, "gpt-image-1.5", "size", "must be one of"),
        ({"size": "auto"}, "dall-e-3", "size", "explicit size"),
        ({"quality": "xhigh"}, GPT2, "quality", "must be one of"),
        ({"quality": "hd"}, GPT2, "quality", "must be one of"),
        ({"background": "transparent", "output_format": "jpeg"}, GPT2, "background", "png or webp"),
        ({"background": "clear"}, GPT2, "background", "must be one of"),
        ({"background": "opaque", "size": "1024x1024"}, "dall-e-3", "background", "not supported"),
        ({"output_format": "gif"}, GPT2, "output_format", "must be one of"),
        ({"output_compression": 50}, GPT2, "output_compression", "jpeg or webp"),
        ({"output_compression": 50, "output_format": "png"}, GPT2, "output_compression", "jpeg"),
        (
            {"output_compression": 101, "output_format": "jpeg"},
            GPT2,
            "output_compression",
            "0 to 100",
        ),
        ({"moderation": "high"}, GPT2, "moderation", "must be one of low, auto"),
        ({"moderation": "low", "size": "1024x1024"}, "dall-e-3", "moderation", "not supported"),
        ({"style": "vivid"}, GPT2, "style", "not supported"),
        ({"style": "loud", "size": "1024x1024"}, "dall-e-3", "style", "vivid, natural"),
        ({"stream": True, "size": "1024x1024"}, "dall-e-3", "stream", "cannot stream"),
        ({"stream": True}, "some-future-model", "stream", "cannot stream"),
        ({"partial_images": 2}, GPT2, "partial_images", "only with stream"),
        ({"partial_images": 4, "stream": True}, GPT2, "partial_images", "0 to 3"),
        ({"complexity": "high"}, GPT2, "complexity", "not supported"),
        ({"complexity": "extreme"}, "gpt-image-2.6-flare", "complexity", "low, medium, high"),
        ({"complexity": "low"}, "gpt-image-2.5-flare", "complexity", "not supported"),
        ({"safety_identifier": " "}, GPT2, "safety_identifier", "not be empty"),
    ],
)
def test_generation_rules(changes, model, field, words):
    req = dataclasses.replace(GenerateRequest("a red fox", model), **changes)
    got_field, rule = broken(req, model)
    assert got_field == field
    assert words in rule


def test_options_a_model_lists_are_accepted():
    GenerateRequest("x", "gpt-image-2.5-flare", quality="max").validate(
        get_model("gpt-image-2.5-flare")
    )
    for model in ("gpt-image-2.6-flare", "gpt-image-2.6-sunburst"):
        GenerateRequest("x", model, quality="max", complexity="low").validate(get_model(model))
        GenerateRequest("x", model, quality="xhigh", size="2048x1152").validate(get_model(model))
    GenerateRequest(
        "x",
        GPT2,
        size="3840x2160",
        background="transparent",
        output_format="webp",
        output_compression=80,
        moderation="low",
        stream=True,
        partial_images=3,
        n=10,
    ).validate(get_model(GPT2))
    GenerateRequest("x", "dall-e-3", size="1792x1024", quality="hd", style="natural").validate(
        get_model("dall-e-3")
    )


# ---- generations: wire ------------------------------------------------------------------------


def test_gpt_generation_body_sends_set_fields_only():
    req = GenerateRequest(
        "a red fox",
        GPT2,
        n=2,
        size="1536x864",
        quality="high",
        background="opaque",
        output_format="jpeg",
        output_compression=70,
        moderation="low",
        stream=True,
        partial_images=2,
        safety_identifier="user-hash",
    )
    wire = req.to_wire(get_model(GPT2))
    assert wire.path == "images/generations" and not wire.multipart and wire.stream
    assert wire.json_body == {
        "prompt": "a red fox",
        "model": GPT2,
        "n": 2,
        "size": "1536x864",
        "quality": "high",
        "background": "opaque",
        "output_format": "jpeg",
        "output_compression": 70,
        "stream": True,
        "partial_images": 2,
        "safety_identifier": "user-hash",
        "moderation": "low",
    }
    assert wire.expected_images == 2 * 3


def test_minimal_generation_body_always_names_the_model():
    wire = GEN.to_wire(get_model(GPT2))
    assert wire.json_body == {"prompt": "a red fox", "model": GPT2, "n": 1, "size": "auto"}


def test_gpt_models_never_get_response_format_or_style():
    # to_wire does not validate: even a style that slipped through is not sent.
    wire = dataclasses.replace(GEN, style="vivid").to_wire(get_model(GPT2))
    assert "style" not in wire.json_body and "response_format" not in wire.json_body


def test_dalle_generation_body():
    req = GenerateRequest(
        "a fox", "dall-e-3", size="1024x1792", quality="hd", style="vivid", safety_identifier="u1"
    )
    assert req.to_wire(get_model("dall-e-3")).json_body == {
        "prompt": "a fox",
        "model": "dall-e-3",
        "n": 1,
        "size": "1024x1792",
        "quality": "hd",
        "response_format": "b64_json",
        "user": "u1",
        "style": "vivid",
    }


# ---- edits: validation ------------------------------------------------------------------------


def edit(model: str = GPT2, **changes) -> EditRequest:
    return dataclasses.replace(EditRequest("add a hat", model, (png(),)), **changes)


def test_valid_edits():
    edit(mask=png()).validate(get_model(GPT2))
    edit(images=(png(), jpeg(), webp(4, 4))).validate(get_model(GPT2))
    edit("gpt-image-2.5-flare", markup=png()).validate(get_model("gpt-image-2.5-flare"))
    edit("gpt-image-1.5", input_fidelity="high").validate(get_model("gpt-image-1.5"))
    edit("dall-e-2", size="512x512", mask=png()).validate(get_model("dall-e-2"))
    # a palette PNG with a transparent index counts as having alpha
    pal = Image.new("P", (8, 8))
    pal.info["transparency"] = 0
    buf = io.BytesIO()
    pal.save(buf, "PNG", transparency=0)
    edit(mask=UploadFile("m.png", buf.getvalue(), "image/png")).validate(get_model(GPT2))


def test_a_list_of_images_becomes_a_tuple():
    req = EditRequest("x", GPT2, [png(), png()])
    assert isinstance(req.images, tuple) and len(req.images) == 2


@pytest.mark.parametrize(
    "model, changes, field, words",
    [
        ("dall-e-3", {}, "model", "does not support image edits"),
        (GPT2, {"images": ()}, "images", "1 to 16 images, not 0"),
        (GPT2, {"images": (png(),) * 17}, "images", "not 17"),
        (
            GPT2,
            {"images": (UploadFile("a.png", encode(8, 8, "JPEG", "RGB"), "image/png"),)},
            "images[0]",
            "not image/png data",
        ),
        (
            GPT2,
            {"images": (png(), UploadFile("b.gif", b"GIF89a....", "image/gif"))},
            "images[1]",
            "not image/png, image/jpeg or image/webp",
        ),
        (
            GPT2,
            {"images": (UploadFile("a.png", b"\x89PNG\r\n\x1a\ngarbage", "image/png"),)},
            "images[0]",
            "cannot be read",
        ),
        (GPT2, {"images": (png(name='a"b.png'),)}, "images[0]", "plain file name"),
        (GPT2, {"images": (png(name=""),)}, "images[0]", "plain file name"),
        ("dall-e-2", {"size": "512x512", "images": (png(8, 4),)}, "images[0]", "square"),
        ("dall-e-2", {"size": "512x512", "images": (jpeg(),)}, "images[0]", "takes png"),
        ("dall-e-2", {"size": "512x512", "images": (png(), png())}, "images", "1 to 1"),
        (GPT2, {"mask": jpeg()}, "mask", "must be a PNG"),
        (GPT2, {"mask": png(4, 8)}, "mask", "size of the first image (8x8), not 4x8"),
        (GPT2, {"mask": png(mode="RGB")}, "mask", "no fully transparent pixel"),
        (GPT2, {"mask": opaque_png()}, "mask", "no fully transparent pixel"),
        ("gpt-image-2.5-flare", {"markup": opaque_png()}, "markup", "no fully transparent"),
        (GPT2, {"markup": png()}, "markup", "does not take markup"),
        ("gpt-image-2.5-flare", {"markup": png(), "mask": png()}, "markup", "cannot be combined"),
        ("gpt-image-2.5-flare", {"markup": png(8, 16)}, "markup", "size of the first image"),
        (GPT2, {"input_fidelity": "high"}, "input_fidelity", "not supported by gpt-image-2"),
        ("gpt-image-1-mini", {"input_fidelity": "high"}, "input_fidelity", "must be one of low"),
        (GPT2, {"style": "vivid"}, "style", "not supported"),
        (GPT2, {"size": "100x100"}, "size", "multiples of 16"),
        (GPT2, {"prompt": ""}, "prompt", "must not be empty"),
        ("dall-e-2", {"size": "512x512", "prompt": "x" * 1001}, "prompt", "at most 1000"),
    ],
)
def test_edit_rules(model, changes, field, words):
    got_field, rule = broken(edit(model, **changes), model)
    assert got_field == field
    assert words in rule


def test_byte_caps_of_images_and_mask():
    spec = dataclasses.replace(get_model(GPT2), edit_image_max_bytes=200, mask_max_bytes=150)
    big = png(64, 64)
    mask_ok = png()
    assert len(big.data) >= 200 > len(png().data)
    with pytest.raises(ValidationError, match="images\\[0\\]: must be smaller than"):
        edit(images=(big,)).validate(spec)
    big_mask = dataclasses.replace(spec, mask_max_bytes=len(mask_ok.data))
    with pytest.raises(ValidationError, match="mask: must be smaller than"):
        edit(mask=mask_ok).validate(big_mask)


def test_mask_needs_a_model_with_masks():
    spec = dataclasses.replace(get_model(GPT2), mask=False)
    with pytest.raises(ValidationError, match="mask: .* does not take a mask"):
        edit(mask=png()).validate(spec)


# ---- edits: wire ------------------------------------------------------------------------------


def test_one_image_is_part_image_and_options_are_strings():
    mask = png(name="mask.png")
    req = edit(
        mask=mask,
        n=3,
        size="1024x1024",
        quality="medium",
        background="transparent",
        output_format="webp",
        output_compression=90,
        moderation="low",
        stream=True,
        partial_images=1,
        safety_identifier="h",
    )
    wire = req.to_wire(get_model(GPT2))
    assert wire.path == "images/edits" and wire.multipart and wire.stream
    assert wire.fields == (
        ("prompt", "add a hat"),
        ("model", GPT2),
        ("n", "3"),
        ("size", "1024x1024"),
        ("quality", "medium"),
        ("background", "transparent"),
        ("output_format", "webp"),
        ("output_compression", "90"),
        ("stream", "true"),
        ("partial_images", "1"),
        ("safety_identifier", "h"),
    )
    assert wire.files == (("image", req.images[0]), ("mask", mask))
    assert "moderation" not in dict(wire.fields)


def test_several_images_are_repeated_image_brackets_then_markup():
    images = (png(), jpeg(), webp())
    markup = png(name="markup.png")
    req = edit("gpt-image-2.5-flare", images=images, markup=markup)
    wire = req.to_wire(get_model("gpt-image-2.5-flare"))
    assert [name for name, _ in wire.files] == ["image[]", "image[]", "image[]", "markup"]
    assert [f for _, f in wire.files] == [*images, markup]


def test_input_fidelity_is_sent_where_listed_and_dalle_gets_response_format():
    fields = dict(
        edit("gpt-image-1.5", input_fidelity="high").to_wire(get_model("gpt-image-1.5")).fields
    )
    assert fields["input_fidelity"] == "high"
    dalle = dict(edit("dall-e-2", size="256x256").to_wire(get_model("dall-e-2")).fields)
    assert dalle == {
        "prompt": "add a hat",
        "model": "dall-e-2",
        "n": "1",
        "size": "256x256",
        "response_format": "b64_json",
    }


# ---- variations ----------------------------------------------------------------------------------


def test_variation_on_a_model_without_the_endpoint_is_a_whole_image_edit():
    image = png(16, 16)
    req = VariationRequest(GPT2, image, n=2, quality="low")
    spec = get_model(GPT2)
    req.validate(spec)
    wire = req.to_wire(spec)
    assert wire.path == "images/edits"
    assert dict(wire.fields) == {
        "prompt": DEFAULT_VARIATION_PROMPT,
        "model": GPT2,
        "n": "2",
        "size": "auto",
        "quality": "low",
    }
    assert wire.files == (("image", image),)
    assert "variation" in DEFAULT_VARIATION_PROMPT.lower()


def test_variation_errors_name_the_image_field():
    with pytest.raises(ValidationError) as info:
        VariationRequest(GPT2, UploadFile("a.png", b"nope", "image/png")).validate(get_model(GPT2))
    assert info.value.field == "image"
    with pytest.raises(ValidationError, match="prompt: must not be empty"):
        VariationRequest(GPT2, png(), prompt="").validate(get_model(GPT2))


def test_legacy_variations_endpoint():
    image = png(16, 16)
    req = VariationRequest("dall-e-2", image, n=4, size="512x512", safety_identifier="u")
    spec = get_model("dall-e-2")
    req.validate(spec)
    wire = req.to_wire(spec)
    assert wire.path == "images/variations"
    assert wire.fields == (
        ("model", "dall-e-2"),
        ("n", "4"),
        ("size", "512x512"),
        ("response_format", "b64_json"),
        ("user", "u"),
    )
    assert wire.files == (("image", image),)
    assert wire.expected_images == 4


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"quality": "standard"}, "quality"),
        ({"output_format": "png"}, "output_format"),
        ({"stream": True}, "stream"),
        ({"n": 11}, "n"),
        ({"size": "auto"}, "size"),
        ({"image": png(16, 8)}, "image"),
        ({"image": jpeg(16, 16)}, "image"),
    ],
)
def test_legacy_variation_rules(changes, field):
    req = dataclasses.replace(VariationRequest("dall-e-2", png(16, 16), size="256x256"), **changes)
    assert broken(req, "dall-e-2")[0] == field


def test_upload_file_from_bytes_sniffs_type_and_name():
    assert UploadFile.from_bytes(encode(2, 2), "layer") == UploadFile(
        "layer.png", encode(2, 2), "image/png"
    )
    j = UploadFile.from_bytes(jpeg().data)
    assert (j.filename, j.mime, j.format) == ("image.jpg", "image/jpeg", "jpeg")
    w = UploadFile.from_bytes(webp().data, "ref")
    assert (w.filename, w.mime) == ("ref.webp", "image/webp")
    assert sniff_format(b"GIF89a") is None
    assert "data=" not in repr(j)  # megabytes of image bytes stay out of logs
