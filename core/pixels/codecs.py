"""Bytes to RGBA arrays and back: encoded image files and the hosts' raw pixel buffers.

Owns decoding (PNG, WebP, JPEG, GIF's first frame, any Pillow mode) with its
decompression-bomb guard and `ImageDecodeError`, lossless PNG and WebP
encoding, and the raw layouts hosts hand out (Krita's B, G, R, A rows, padded
QImage rows). Everything works on H x W x 4 uint8 numpy arrays, straight alpha;
pixels.py wraps them in `Image`, whose methods are the public face of this
module.

Imports only numpy and Pillow; nothing from hosts, GUIs, the network or the
rest of the core.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from PIL import Image as PILImage
from PIL import ImageOps

from ..formats.headers import DEFAULT_MAX_PIXELS, WEBP_MAX_SIDE, ImageDecodeError

DECODE_FORMATS = ("PNG", "WEBP", "JPEG", "GIF")
__all__ = ["DEFAULT_MAX_PIXELS", "WEBP_MAX_SIDE", "ImageDecodeError", "decode_rgba",
           "encode_png", "encode_webp_lossless", "image_size", "rgba_from_array",
           "rgba_from_pil", "rows_from_buffer", "swap_red_blue"]


@contextmanager
def _reading(data: bytes) -> Iterator[None]:
    """Pillow's ways of refusing `data`, each as one ImageDecodeError: for the header
    read of `image_size` and the full decode of `decode_rgba` alike."""
    try:
        yield
    except ImageDecodeError:
        raise
    except PILImage.DecompressionBombError as exc:  # Pillow's own guard, at open time
        raise ImageDecodeError(f"image is too large to decode safely: {exc}") from exc
    except PILImage.UnidentifiedImageError as exc:
        head = data[:16]
        raise ImageDecodeError(
            f"not a PNG, WebP, JPEG or GIF image ({len(data)} bytes starting {head!r})"
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise ImageDecodeError(f"damaged or truncated image: {exc}") from exc


def decode_rgba(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """PNG, WebP, JPEG or GIF (first frame) bytes as RGBA.

    The size is read from the header and checked against `max_pixels` before
    any pixel is decoded, so a decompression bomb costs nothing. Pillow's own
    global bomb limit is left alone: hosts share the interpreter with other
    plug-ins.
    """
    if not data:
        raise ImageDecodeError("no image data (0 bytes)")
    with _reading(data), PILImage.open(io.BytesIO(data), formats=DECODE_FORMATS) as img:
        width, height = img.size
        if width * height > max_pixels:
            raise ImageDecodeError(
                f"image of {width}x{height} pixels is larger than the limit of "
                f"{max_pixels} pixels"
            )
        img.load()
        if img.getexif().get(0x0112, 1) != 1:  # EXIF orientation of camera JPEGs
            img = ImageOps.exif_transpose(img)
        return rgba_from_pil(img)


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the file's header, no pixel decoded."""
    with _reading(data), PILImage.open(io.BytesIO(data), formats=DECODE_FORMATS) as img:
        return img.size


def rgba_from_pil(img: PILImage.Image) -> np.ndarray:
    """Any Pillow mode as RGBA. 16-bit and 32-bit grey keep their full range
    (Pillow's own convert would clip them at 255)."""
    if img.mode == "RGBA":
        return np.array(img, dtype=np.uint8)
    if img.mode.startswith("I;16") or img.mode == "I":
        grey = np.clip(np.asarray(img).astype(np.int64), 0, 65535).astype(np.uint16)
        return rgba_from_array(grey)
    if img.mode == "F":
        return rgba_from_array(np.clip(np.asarray(img), 0, 255).astype(np.uint8))
    # "transparency" (tRNS) in P, L and RGB images becomes real alpha here.
    return np.array(img.convert("RGBA"), dtype=np.uint8)


def rgba_from_array(array: np.ndarray) -> np.ndarray:
    """Any HxW (grey), HxWx1, HxWx2 (grey+alpha), HxWx3 or HxWx4 array of bool,
    uint8, uint16 (full 16-bit range) or float (0..1) as 8-bit RGBA."""
    a = np.asarray(array)
    if a.ndim == 2:
        a = a[..., None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4):
        raise ValueError(f"cannot read an image from an array of shape {a.shape}")
    a = _to_uint8(a)
    channels = a.shape[2]
    if channels == 4:
        return np.ascontiguousarray(a)
    out = np.empty(a.shape[:2] + (4,), np.uint8)
    if channels in (1, 2):
        out[..., :3] = a[..., :1]
    else:
        out[..., :3] = a
    out[..., 3] = a[..., 1] if channels == 2 else 255
    return out


def _to_uint8(a: np.ndarray) -> np.ndarray:
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * 255
    if a.dtype == np.uint16:
        # Round to nearest: 65535 -> 255, 32896 -> 128.
        return ((a.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    if np.issubdtype(a.dtype, np.floating):
        return np.clip(np.rint(a * 255.0), 0, 255).astype(np.uint8)
    raise ValueError(f"cannot read pixels of type {a.dtype}")


def encode_png(pixels: np.ndarray, compress_level: int = 6) -> bytes:
    """Lossless PNG. Level 1 is several times faster than 6 for a few % more bytes."""
    buf = io.BytesIO()
    PILImage.fromarray(pixels).save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


def encode_webp_lossless(pixels: np.ndarray, method: int = 0) -> bytes:
    """Lossless WebP. `exact` keeps the colour under fully transparent pixels,
    which libwebp would otherwise replace to save bytes."""
    height, width = pixels.shape[:2]
    if max(width, height) > WEBP_MAX_SIDE:
        raise ValueError(f"WebP cannot hold a side above {WEBP_MAX_SIDE} pixels")
    buf = io.BytesIO()
    PILImage.fromarray(pixels).save(
        buf, format="WEBP", lossless=True, method=method, quality=0, exact=True
    )
    return buf.getvalue()


def rows_from_buffer(data: bytes, width: int, height: int, stride: int | None) -> np.ndarray:
    """H x W x 4 bytes from a host buffer whose rows are `stride` bytes apart (QImage pads
    them); a view of `data` where possible, so the caller copies or converts it."""
    row = width * 4
    stride = stride or row
    if stride < row:
        raise ValueError(f"row stride {stride} is shorter than {width} pixels")
    if width == 0 or height == 0:
        return np.zeros((height, width, 4), np.uint8)
    needed = stride * (height - 1) + row  # the last row need not be padded
    if len(data) < needed:
        raise ValueError(f"pixel data has {len(data)} bytes, {needed} needed for {width}x{height}")
    flat = np.frombuffer(data, np.uint8, count=needed)
    if stride == row:
        return flat.reshape(height, width, 4)
    rows = np.lib.stride_tricks.as_strided(
        flat, shape=(height, row), strides=(stride, 1), writeable=False
    )
    return rows.reshape(height, width, 4)


def swap_red_blue(pixels: np.ndarray) -> np.ndarray:
    """RGBA <-> BGRA into a new contiguous array, one channel at a time: indexing
    with [2, 1, 0, 3] builds a temporary as large as the result first (an 8192x8192
    canvas then peaks at 512 MB instead of 256 MB) and is five times slower."""
    out = np.empty(pixels.shape, np.uint8)
    out[..., 0] = pixels[..., 2]
    out[..., 1] = pixels[..., 1]
    out[..., 2] = pixels[..., 0]
    out[..., 3] = pixels[..., 3]
    return out
