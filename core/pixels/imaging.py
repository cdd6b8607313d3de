"""Pixels, the front door: every image type and conversion the core and adapters use.

The code lives in three modules, each importing only those above it in this
list; this one gathers their names, which callers (the adapters, the rest of
the core, tests, bench/) have always imported from `imaging`:

- codecs.py: bytes to pixels and back (PNG, WebP, JPEG, GIF; the hosts' raw
  buffers), the decompression-bomb guard and `ImageDecodeError`;
- pixels.py: `Image` (H x W x 4 RGBA, straight alpha) and `Mask` (selection
  coverage), crops, the alpha-correct resize and `composite_over`;
- upload_encoding.py: `UploadImage` and the lossless file a model accepts for
  an upload (`encode_upload`, `encode_mask`, `webp_method`).

Imports only those three; nothing from hosts, GUIs or the network.
"""

from __future__ import annotations

from .codecs import (
    DECODE_FORMATS,
    DEFAULT_MAX_PIXELS,
    WEBP_MAX_SIDE,
    ImageDecodeError,
)
from .rgba import Image, Mask, composite_over
from .upload_encoding import (
    LEGACY_PNG_MAX_BYTES,
    UploadImage,
    encode_mask,
    encode_upload,
    webp_method,
)

__all__ = [
    "DECODE_FORMATS",
    "DEFAULT_MAX_PIXELS",
    "LEGACY_PNG_MAX_BYTES",
    "WEBP_MAX_SIDE",
    "Image",
    "ImageDecodeError",
    "Mask",
    "UploadImage",
    "composite_over",
    "encode_mask",
    "encode_upload",
    "webp_method",
]
