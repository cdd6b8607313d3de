"""An image the API sent back, checked against what was asked for before it is decoded.

The decompression-bomb guard of codecs.py bounds pixels only; a server can still
send an answer of a shape that costs memory later (a 16x8192 strip for a 1024x1024
request needed a 15.9 GB scale before planning cut first, issue 14) or that would
be stretched beyond recognition. `decode_answer` reads the size from the header,
refuses an answer whose shape or scale is far from the request with one line
naming both sizes, and only then decodes. The job runner turns that line into a
ResponseError with the request id; streaming previews take the same check.

Imports core.formats (the header) and the pixel layer's geometry and imaging only.
"""

from __future__ import annotations

from ..formats.headers import read_header
from .geometry import Extent
from .imaging import Image, ImageDecodeError

# The models' sizes span 3:1 to 1:3, so an honest answer differs from the request's
# shape by less than that; anything further is not a picture of what was asked.
MAX_ASPECT_CHANGE = 3.0
# Compatible servers may answer smaller (512 for 1024, say); more than 8x smaller a
# side is not a usable result. Larger than 4x the requested pixels is never honest.
MAX_UPSCALE = 8.0
MAX_AREA_FACTOR = 4


def answer_problem(width: int, height: int, expected: Extent) -> str | None:
    """Why an answer of width x height cannot serve a request of `expected`, or None."""
    if width <= 0 or height <= 0 or expected.width <= 0 or expected.height <= 0:
        return "the answer has no pixels"
    asked = expected.width / expected.height
    got = width / height
    if max(asked, got) / min(asked, got) > MAX_ASPECT_CHANGE:
        return "its shape is far from the request's"
    if max(expected.width / width, expected.height / height) > MAX_UPSCALE:
        return f"it is more than {MAX_UPSCALE:g} times smaller than asked"
    if width * height > MAX_AREA_FACTOR * expected.width * expected.height:
        return f"it is more than {MAX_AREA_FACTOR} times larger than asked"
    return None


def decode_answer(data: bytes, expected: Extent) -> Image:
    """The answer's pixels, refused from its header when they cannot serve `expected`."""
    header = read_header(data)  # raises HeaderError, an ImageDecodeError
    width, height = header.width, header.height
    problem = answer_problem(width, height, expected)
    if problem is not None:
        raise ImageDecodeError(
            f"the answer is {width}x{height} pixels for a {expected} request: {problem}"
        )
    return Image.decode(data, max_pixels=MAX_AREA_FACTOR * expected.width * expected.height)
