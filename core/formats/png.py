"""PNG in and out with the standard library: zlib, `bytes` slicing and big-integer lanes.

Why our own: GIMP on Windows runs a Python that cannot load Pillow (issue 16),
yet masks must be written and read there too; and one encoder for the API mask
gives both pixel engines byte-identical masks.

Speed comes from never touching a pixel in a Python loop on the common paths:
channels are moved with extended slices (`out[3::4] = alpha`), and PNG's "Up"
filter (each byte minus the byte above it, mod 256) is computed for a whole row
at once on a big integer whose bytes are lanes: SWAR subtraction and addition,
whose carries are masked so that they never cross from one byte into the next.
The other filters (Sub, Average, Paeth) depend on the byte just decoded, so
they decode byte by byte: correct, but slow on large images; our own files use
only None and Up, and the hosts' decoders (GdkPixbuf) read the API's answers.

Imports only the standard library and headers.py.
"""

from __future__ import annotations

import struct
import zlib
from typing import Literal

from .headers import PNG_SIGNATURE, HeaderError, ImageDecodeError

Filter = Literal["none", "up"]
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


class PNGError(ImageDecodeError):
    """A PNG this reader cannot decode: damaged, interlaced or of an unusual depth."""


def encode_png(
    data: bytes, width: int, height: int, channels: Literal[1, 2, 3, 4] = 4,
    level: int = 6, row_filter: Filter = "up", strategy: int = zlib.Z_DEFAULT_STRATEGY,
) -> bytes:
    """8-bit grey, grey+alpha, RGB or RGBA rows (top to bottom, no padding) as a PNG.

    "up" compresses photos and gradients to about the size of Pillow's adaptive
    filtering; "none" suits masks (long runs of two values, with Z_RLE)."""
    row = width * channels
    if len(data) != row * height:
        raise ValueError(f"expected {row * height} bytes for {width}x{height}x{channels}")
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    packer = zlib.compressobj(level, zlib.DEFLATED, 15, 9, strategy)
    parts = []
    prev = 0
    for y in range(height):
        line = data[y * row : (y + 1) * row]
        if row_filter == "up" and y > 0:
            cur = int.from_bytes(line, "big")
            parts.append(packer.compress(b"\x02" + _lanes_sub(cur, prev, row).to_bytes(row, "big")))
            prev = cur
        else:
            parts.append(packer.compress(b"\x00" + bytes(line)))
            if row_filter == "up":
                prev = int.from_bytes(line, "big")
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return b"".join((PNG_SIGNATURE, _chunk(b"IHDR", header), _chunk(b"IDAT", b"".join(parts)),
                     _chunk(b"IEND", b"")))


def decode_png(data: bytes, max_pixels: int) -> tuple[int, int, bytes]:
    """(width, height, RGBA bytes, straight alpha) of an 8- or 16-bit, non-interlaced PNG
    of any colour type; the size is checked against `max_pixels` before inflating."""
    chunks = _chunks(data)
    ihdr = chunks.get(b"IHDR")
    if not ihdr or len(ihdr[0]) != 13:
        raise PNGError("damaged PNG: no image header")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", ihdr[0])
    if width * height > max_pixels:
        raise PNGError(f"image of {width}x{height} pixels is larger than the limit of "
                       f"{max_pixels} pixels")
    if colour not in _CHANNELS or depth not in (8, 16) or (colour == 3 and depth != 8):
        raise PNGError(f"PNG of colour type {colour} at {depth} bits is not read here")
    if interlace:
        raise PNGError("interlaced PNG is not read here")
    channels = _CHANNELS[colour]
    row = width * channels * depth // 8
    raw = _inflate(b"".join(chunks.get(b"IDAT", [])), (row + 1) * height)
    samples = _unfilter(raw, row, height, channels * depth // 8)
    if depth == 16:
        samples = samples[0::2]  # the high byte: 16-bit answers are not expected
    return width, height, _to_rgba(samples, width * height, colour, chunks)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _chunks(data: bytes) -> dict[bytes, list[bytes]]:
    if not data.startswith(PNG_SIGNATURE):
        raise PNGError("not a PNG")
    found: dict[bytes, list[bytes]] = {}
    at = len(PNG_SIGNATURE)
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        if len(body) != length:
            raise PNGError("damaged or truncated PNG")
        found.setdefault(kind, []).append(body)
        at += 12 + length
        if kind == b"IEND":
            break
    return found


def _inflate(compressed: bytes, expected: int) -> bytes:
    """Exactly `expected` bytes: never more (a bomb stops at the size the header allows)."""
    try:
        out = zlib.decompressobj().decompress(compressed, expected)
    except zlib.error as exc:
        raise PNGError(f"damaged PNG data: {exc}") from exc
    if len(out) != expected:
        raise PNGError(f"truncated PNG: {len(out)} of {expected} bytes of pixel data")
    return out


def _unfilter(raw: bytes, row: int, height: int, bpp: int) -> bytearray:
    out = bytearray(row * height)
    prev = bytes(row)
    prev_int = 0
    for y in range(height):
        kind = raw[y * (row + 1)]
        line = raw[y * (row + 1) + 1 : (y + 1) * (row + 1)]
        cur: bytes | bytearray
        if kind == 0:
            cur = line
        elif kind == 2:
            cur_int = _lanes_add(int.from_bytes(line, "big"), prev_int, row)
            cur = cur_int.to_bytes(row, "big")
        elif kind in (1, 3, 4):
            cur = _unfilter_slow(kind, line, prev, bpp)
        else:
            raise PNGError(f"damaged PNG: row filter {kind}")
        out[y * row : (y + 1) * row] = cur
        prev = bytes(cur)
        prev_int = int.from_bytes(prev, "big")
    return out


def _unfilter_slow(kind: int, line: bytes, prev: bytes, bpp: int) -> bytearray:
    cur = bytearray(line)
    for i in range(len(cur)):
        left = cur[i - bpp] if i >= bpp else 0
        up = prev[i]
        if kind == 1:
            cur[i] = (cur[i] + left) & 0xFF
        elif kind == 3:
            cur[i] = (cur[i] + ((left + up) >> 1)) & 0xFF
        else:
            corner = prev[i - bpp] if i >= bpp else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
            cur[i] = (cur[i] + pred) & 0xFF
    return cur


def _to_rgba(samples: bytes | bytearray, pixels: int, colour: int,
             chunks: dict[bytes, list[bytes]]) -> bytes:
    out = bytearray(pixels * 4)
    trns = chunks.get(b"tRNS", [b""])[0]
    if colour == 6:
        return bytes(samples)
    if colour == 3:
        palette = chunks.get(b"PLTE", [b""])[0]
        entries = len(palette) // 3
        for c in range(3):
            table = bytes(palette[c::3]) + bytes(256 - entries)
            out[c::4] = bytes(samples).translate(table)
        alpha = trns[:256] + b"\xff" * (256 - len(trns[:256]))
        out[3::4] = bytes(samples).translate(alpha)
        return bytes(out)
    if colour in (0, 4):
        step = 2 if colour == 4 else 1
        grey = samples[0::step]
        out[0::4] = grey
        out[1::4] = grey
        out[2::4] = grey
        out[3::4] = samples[1::2] if colour == 4 else b"\xff" * pixels
        if colour == 0 and len(trns) >= 2:  # one grey value is transparent
            key = trns[1]
            out[3::4] = bytes(grey).translate(b"\xff" * key + b"\x00" + b"\xff" * (255 - key))
        return bytes(out)
    for c in range(3):  # colour 2, RGB
        out[c::4] = samples[c::3]
    out[3::4] = b"\xff" * pixels
    if len(trns) >= 6:  # one RGB colour is transparent: rare, done per pixel
        clear = (trns[1], trns[3], trns[5])
        for i in range(pixels):
            if (out[4 * i], out[4 * i + 1], out[4 * i + 2]) == clear:
                out[4 * i + 3] = 0
    return bytes(out)


def _lanes(n: int, byte: int) -> int:
    return int.from_bytes(bytes([byte]) * n, "big")


_LANE_CACHE: dict[tuple[int, int], int] = {}


def _lane(n: int, byte: int) -> int:
    key = (n, byte)
    value = _LANE_CACHE.get(key)
    if value is None:
        if len(_LANE_CACHE) > 64:
            _LANE_CACHE.clear()
        value = _LANE_CACHE[key] = _lanes(n, byte)
    return value


def _lanes_sub(a: int, b: int, n: int) -> int:
    """Byte-wise (a - b) mod 256 over n byte lanes: the top bit of each lane is set in
    a and cleared in b so no borrow leaves a lane, then put right by the xor."""
    high, low = _lane(n, 0x80), _lane(n, 0x7F)
    return ((a | high) - (b & low)) ^ ((a ^ b ^ high) & high)


def _lanes_add(a: int, b: int, n: int) -> int:
    """Byte-wise (a + b) mod 256: the low seven bits add without leaving the lane, the
    top bits are xored in."""
    high, low = _lane(n, 0x80), _lane(n, 0x7F)
    return ((a & low) + (b & low)) ^ ((a ^ b) & high)


def has_clear_pixel(data: bytes, max_pixels: int) -> bool:
    """Whether any pixel of a PNG has alpha 0 (the API's "edit here" in a mask)."""
    try:
        _, _, rgba = decode_png(data, max_pixels)
    except (PNGError, HeaderError):
        return False
    return 0 in rgba[3::4]
