"""An image file's format and size from its first bytes, before any pixel is decoded.

Answers are checked against the size asked for from here (core.pixels.answers),
uploads against the model's rules (core.api.request_rules): both must work in a
host that has no Pillow, so the four formats' headers are parsed here, with the
standard library. Nothing is decompressed.

Imports only the standard library.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal

Format = Literal["png", "jpeg", "webp", "gif"]
EXTENSIONS: dict[Format, str] = {"png": "png", "jpeg": "jpg", "webp": "webp", "gif": "gif"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG markers that start a frame (SOF0..SOF15 except DHT, JPG and DAC): they hold the size.
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


# Refuse anything larger before decoding its pixels. 8192x8192 is the largest
# canvas the plug-in is sized for; the API itself returns at most 3840x2160.
DEFAULT_MAX_PIXELS = 8192 * 8192
WEBP_MAX_SIDE = 16383


class ImageDecodeError(ValueError):
    """Bytes that are not a PNG/WebP/JPEG/GIF image, are damaged, or are too large: the
    one error of every decoder (both pixel engines, the PNG reader, the header reader)."""


class HeaderError(ImageDecodeError):
    """Bytes whose header is not that of a PNG, JPEG, WebP or GIF image, or is cut short."""


@dataclass(frozen=True)
class Header:
    format: Format
    width: int
    height: int


def sniff_format(data: bytes) -> Format | None:
    """The format from the file's magic bytes; None for anything else."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def read_header(data: bytes) -> Header:
    """Format, width and height from the header; HeaderError when they cannot be read."""
    fmt = sniff_format(data)
    if fmt is None:
        raise HeaderError(
            f"not a PNG, WebP, JPEG or GIF image ({len(data)} bytes starting {data[:16]!r})"
        )
    try:
        width, height = _SIZE_READERS[fmt](data)
    except (struct.error, IndexError) as exc:
        raise HeaderError(f"damaged or truncated {fmt.upper()} header") from exc
    if width <= 0 or height <= 0:
        raise HeaderError(f"the {fmt.upper()} header says {width}x{height} pixels")
    return Header(fmt, width, height)


def _png_size(data: bytes) -> tuple[int, int]:
    if data[12:16] != b"IHDR":
        raise HeaderError("damaged PNG: the first chunk is not IHDR")
    return struct.unpack(">II", data[16:24])


def _gif_size(data: bytes) -> tuple[int, int]:
    return struct.unpack("<HH", data[6:10])


def _webp_size(data: bytes) -> tuple[int, int]:
    kind = data[12:16]
    if kind == b"VP8X":  # extended: 24-bit width-1 and height-1
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    if kind == b"VP8L":  # lossless: 14 bits each after the signature byte 0x2f
        if data[20] != 0x2F:
            raise HeaderError("damaged WebP: no lossless signature")
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8 ":  # lossy: after the frame tag and start code 9d 01 2a
        if data[23:26] != b"\x9d\x01\x2a":
            raise HeaderError("damaged WebP: no key frame start code")
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    raise HeaderError(f"WebP of an unknown kind {kind!r}")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise HeaderError("damaged JPEG: a segment does not start with a marker")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            at += 2
            continue
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if marker in _JPEG_FRAMES:
            h, w = struct.unpack(">HH", data[at + 5 : at + 9])
            return w, h
        at += 2 + length
    raise HeaderError("damaged or truncated JPEG: no frame header")


_SIZE_READERS = {"png": _png_size, "gif": _gif_size, "webp": _webp_size, "jpeg": _jpeg_size}
