"""Pixels, the front door: the image types, planes and encoders of this process's engine.

Two engines implement one contract (issue 16), and engine.py picks one per
process: numpy + Pillow (rgba.py, numpy_planes.py, codecs.py) wherever they
load, the lean engine (lean/) where they do not (GIMP on Windows). What both
provide, under the same names:

- `Image` (RGBA, straight alpha): `blank`, `from_rgba_bytes`, `from_bgra_bytes`,
  `decode`, `to_rgba_bytes`, `to_bgra_bytes`, `to_png`, `to_webp_lossless`,
  `encodes_webp`, `crop`, `resize`, `alpha`, `with_alpha`, `is_opaque`,
  `flat_share`, `width`, `height`, `extent`;
- `Mask` (selection coverage at document bounds): `from_bytes`, `full`, `crop`;
- `composite_over`, exact straight-alpha "over";
- `planes`: the one-byte-per-pixel operations (`full`, `invert`, `nonzero`,
  `below_full`, `bounds`, `maximum`, `weight`, `keep_where`, `touched_resize`,
  `grow`, `from_bytes`).

The planning code (planning.py, masks.py, compositing.py, upload_encoding.py)
is written once against these names. The numpy engine's `Image` also has
`pixels`, `from_array`, `from_pil` and `to_pil`, which only numpy-side code
(Krita, the CLI, tests) may use.

Imports the chosen engine's modules, upload_encoding.py and core.formats.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..formats.headers import DEFAULT_MAX_PIXELS, WEBP_MAX_SIDE, ImageDecodeError
from .engine import ENGINE, describe

if TYPE_CHECKING or ENGINE == "numpy":  # the type checker reads the core against numpy's
    from . import numpy_planes as planes
    from .numpy_planes import Plane
    from .rgba import Image, Mask, composite_over
else:
    from .lean import planes  # type: ignore[no-redef]
    from .lean.image import Image, Mask, composite_over  # type: ignore[assignment]
    from .lean.planes import Plane  # type: ignore[assignment]

from .upload_encoding import (  # noqa: E402  (it imports Image from here)
    LEGACY_PNG_MAX_BYTES,
    UploadImage,
    encode_mask,
    encode_upload,
    webp_method,
)

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "ENGINE",
    "LEGACY_PNG_MAX_BYTES",
    "WEBP_MAX_SIDE",
    "Image",
    "ImageDecodeError",
    "Mask",
    "Plane",
    "UploadImage",
    "composite_over",
    "describe",
    "encode_mask",
    "encode_upload",
    "planes",
    "webp_method",
]
