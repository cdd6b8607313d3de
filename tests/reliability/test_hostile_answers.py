"""Answers of the wrong size and replies too large for what was asked (issue 14,
bounded memory): refused with one line naming the sizes and the request id,
before any large allocation; the reply cap follows the request, not n x 64 MB.
"""

from __future__ import annotations

import io
import tracemalloc

import pytest
from PIL import Image as PILImage

from core.api.requests import EditRequest, GenerateRequest
from core.api.wire_format import UploadFile, reply_cap
from core.models.catalogue import get_model
from core.pixels.answers import decode_answer
from core.pixels.codecs import ImageDecodeError
from core.pixels.geometry import Extent

MiB = 1024 * 1024


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGBA", (width, height), (10, 20, 30, 255)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("size", "why"),
    [
        ((16, 8192), "shape is far"),  # the probe's strip for a square
        ((8192, 16), "shape is far"),
        ((64, 64), "more than 8 times smaller"),
        ((4096, 4096), "more than 4 times larger"),
    ],
)
def test_an_answer_far_from_the_request_is_refused_from_its_header(size, why):
    data = _png(*size)
    tracemalloc.start()
    try:
        with pytest.raises(ImageDecodeError) as caught:
            decode_answer(data, Extent(1024, 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    text = str(caught.value)
    assert f"{size[0]}x{size[1]} pixels for a 1024x1024 request" in text and why in text, text
    # nothing of the size of the answer's pixels was allocated
    assert peak < size[0] * size[1] * 4 / 2 + MiB, peak


@pytest.mark.parametrize("size", [(1024, 1024), (512, 512), (1536, 1024), (1024, 1536)])
def test_honest_answers_pass(size):
    image = decode_answer(_png(*size), Extent(1024, 1024))
    assert (image.width, image.height) == size
    assert image.pixels[0, 0].tolist() == [10, 20, 30, 255]


def test_garbage_is_a_decode_error_not_a_crash():
    with pytest.raises(ImageDecodeError):
        decode_answer(b"\x89PNG\r\n\x1a\n" + b"\0" * 40, Extent(1024, 1024))


def test_the_reply_cap_follows_the_requested_size_and_n():
    spec = get_model("gpt-image-2")
    small = GenerateRequest(prompt="x", model=spec.id, n=10, size="1024x1024").to_wire(spec)
    cap = reply_cap(small, 64 * MiB)
    # an uncompressed RGBA PNG of 1024x1024 fits; 64 MB per image does not stay the cap
    assert 1024 * 1024 * 4 < cap < 5 * MiB
    assert small.expected_images == 10 and small.image_pixels == 1024 * 1024
    whole = int(cap * 4 / 3 * small.expected_images) + MiB
    assert whole < 60 * MiB, f"{whole / MiB:.0f} MB for n=10 (854 MB before)"
    auto = GenerateRequest(prompt="x", model=spec.id, n=1, size="auto").to_wire(spec)
    assert auto.image_pixels >= 3840 * 2160 * 0.9  # the model's largest size
    assert reply_cap(auto, 64 * MiB) <= 64 * MiB


def test_an_edit_is_capped_by_its_size_too():
    spec = get_model("gpt-image-2")
    png = _png(1024, 1024)
    wire = EditRequest(prompt="x", model=spec.id, images=(UploadFile.from_bytes(png),),
                       n=2, size="1024x1024").to_wire(spec)
    assert wire.image_pixels == 1024 * 1024
    assert reply_cap(wire, 64 * MiB) < 5 * MiB


@pytest.mark.parametrize("model", ["", "   ", "gpt\nimage"])
def test_an_empty_or_unprintable_model_id_is_refused_for_every_caller(model):
    """`--model ""` was sent as is; the CLI now refuses it, and so does the core for
    the plug-ins and scripts, which do not pass through the CLI's checks."""
    from core.errors import ValidationError

    spec = get_model("gpt-image-2")
    with pytest.raises(ValidationError, match="must name a model"):
        GenerateRequest(prompt="x", model=model, n=1, size="1024x1024").validate(spec)


def test_a_header_claiming_ten_billion_pixels_is_a_decode_error():
    """Pillow raised its DecompressionBombError while opening such a file, before our
    size check, and the CLI showed a traceback; the header is now read by
    core.formats, so it is our one-line error naming both sizes."""
    from tests.reliability.test_hostile_memory import _bomb_header

    with pytest.raises(ImageDecodeError, match="100000x100000 pixels for a 1024x1024"):
        decode_answer(_bomb_header(), Extent(1024, 1024))
