"""Upload encoding: the files an edit or variation sends, made from an `Image`.

Owns `UploadImage` (one named, typed, sized file part) and the choice of its
bytes: `encode_upload` picks the smallest lossless format the model accepts
(lossless WebP at the method `webp_method` picks, else PNG; a square PNG under
4 MB for dall-e-2 and the legacy variations endpoint, shrunk until it fits),
`encode_mask` the PNG of an API mask. JPEG is never used: it is lossy.

Written once for both pixel engines (it calls only the methods imaging.py lists):
imports the standard library, catalogue.py, geometry.py and core.formats; no
hosts, no network. Callers import these names from imaging.py.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..formats.headers import WEBP_MAX_SIDE
from ..formats.png import encode_png
from ..models.catalogue import ModelSpec
from .geometry import Extent

if TYPE_CHECKING:  # either engine's Image (imaging.py picks it)
    from .imaging import Image

# dall-e-2 edits and the legacy /images/variations endpoint: "a square PNG < 4 MB".
LEGACY_PNG_MAX_BYTES = 4 * 1024 * 1024
# Share of pixels equal to their left neighbour above which content counts as flat.
_FLAT_SHARE = 0.5


@dataclass(frozen=True)
class UploadImage:
    """One file part of a multipart request: always named, typed and sized."""

    filename: str
    data: bytes = field(repr=False)  # megabytes: never in a repr or a log line
    mime: str
    extent: Extent


def encode_upload(
    image: Image, spec: ModelSpec, name: str = "image", square_png: bool | None = None
) -> UploadImage:
    """The smallest lossless encoding of `image` that `spec` accepts for edits.

    Lossless WebP when the model takes WebP, at the method `webp_method` picks:
    measured on a photo-like 1536x1024 image it is 8 % smaller than PNG level 6
    and 17 times faster (3 times faster than PNG level 1); on flat art 2 to 5
    times smaller (tests/test_imaging.py checks the size claim, `make bench` the
    figures). So it is chosen by rule. PNG
    otherwise, and always for models that take only a square PNG (dall-e-2); such
    an image is shrunk (staying square) until it fits the byte limit. JPEG is
    never used: it is lossy. `square_png` forces the square-PNG rule (the legacy
    variations endpoint); None takes it from `spec.edit_square_png_only`.
    """
    if square_png is None:
        square_png = spec.edit_square_png_only
    formats = ("png",) if square_png else spec.edit_input_formats
    limit: float = spec.edit_image_max_bytes or math.inf
    if square_png:
        limit = min(limit, LEGACY_PNG_MAX_BYTES)
        if image.width != image.height:
            raise ValueError(f"{spec.id} takes only square PNG images here, got {image.extent}")
    # The lean engine writes WebP only where the host's codecs can (GIMP's GdkPixbuf
    # may lack the saver); PNG is the lossless fallback every model takes.
    use_webp = ("webp" in formats and max(image.width, image.height) <= WEBP_MAX_SIDE
                and image.encodes_webp())
    if not use_webp and "png" not in formats:
        raise ValueError(f"{spec.id} accepts no lossless image format ({', '.join(formats)})")
    while True:
        if use_webp:
            data, ext = image.to_webp_lossless(method=webp_method(image)), "webp"
        else:
            data, ext = image.to_png(compress_level=6), "png"
            if len(data) >= limit:
                data = image.to_png(compress_level=9)
        if len(data) < limit:
            return UploadImage(f"{name}.{ext}", data, f"image/{ext}", image.extent)
        # Too many bytes even losslessly: shrink (area in proportion, a margin
        # for the worse compression of a smaller image), keep multiples of 16.
        factor = math.sqrt(limit / len(data)) * 0.9
        smaller = image.extent.scale(factor).round_to_multiple(16)
        if smaller.width >= image.width or smaller.height >= image.height:
            raise ValueError(f"cannot encode {image.extent} under {limit} bytes")
        image = image.resize(smaller)


def encode_mask(mask: Image) -> UploadImage:
    """The API mask as the PNG the edits endpoint requires (alpha 0 = edit here).

    A mask is long runs of two values: zlib's run-length strategy at level 1 is
    about three times faster than the default level 6 and no larger (a 1536x1536
    mask: 12 KB either way; bench/ measures it).
    """
    data = encode_png(mask.to_rgba_bytes(), mask.width, mask.height, 4, level=1,
                      row_filter="up", strategy=zlib.Z_RLE)
    return UploadImage("mask.png", data, "image/png", mask.extent)


def webp_method(image: Image) -> int:
    """Lossless WebP's method for `image`: 1 for flat, graphic content, else 0.

    Method 0 (the fastest) skips the transforms that make flat colour small; on
    such content method 1 is as fast and far smaller (1536x1536 flat art: 14 KB
    against 193 KB, PNG level 6 36 KB), while on a photo it is two to three
    times slower for 16 % fewer bytes. Flat means most pixels repeat their left
    neighbour; every fourth row is enough to tell.
    """
    return 1 if image.width >= 2 and image.flat_share() >= _FLAT_SHARE else 0
