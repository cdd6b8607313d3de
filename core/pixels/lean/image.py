"""The lean engine's `Image`, `Mask` and `composite_over`: rgba.py's contract on `bytes`.

An `Image` is RGBA rows (straight alpha) in one immutable `bytes`; channels are
moved with extended slices and pixels chosen with big-integer masks, so that
only partly transparent pixels in `composite_over` pass through a Python loop.
Decoding and resampling go to the host's codecs (host_codecs.py); PNG encoding
is core.formats.png's.

Imports only the standard library, the core's formats, geometry and this
engine's planes and host codecs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from ...formats.headers import DEFAULT_MAX_PIXELS, HeaderError, ImageDecodeError, read_header
from ...formats.png import encode_png
from ..geometry import Bounds, Extent, Point
from . import host_codecs, planes
from .planes import Plane


@dataclass(frozen=True, eq=False)
class Image:
    """width x height RGBA, straight alpha, in `data` (4 bytes a pixel, rows top down)."""

    width: int
    height: int
    data: bytes

    def __post_init__(self) -> None:
        if len(self.data) != self.width * self.height * 4:
            raise ValueError(f"Image {self.width}x{self.height} needs "
                             f"{self.width * self.height * 4} bytes, got {len(self.data)}")

    def __repr__(self) -> str:
        return f"Image({self.width}x{self.height})"

    @property
    def extent(self) -> Extent:
        return Extent(self.width, self.height)

    @property
    def alpha(self) -> Plane:
        return Plane(self.width, self.height, self.data[3::4])

    @property
    def is_opaque(self) -> bool:
        return not self.data[3::4].strip(b"\xff")

    @property
    def pixels(self) -> Any:  # tests read results as numpy arrays; the engine never does
        import numpy as np

        return np.frombuffer(self.data, np.uint8).reshape(self.height, self.width, 4).copy()

    # -- construction and bytes ----------------------------------------------

    @staticmethod
    def blank(extent: Extent) -> Image:
        return Image(extent.width, extent.height, bytes(extent.width * extent.height * 4))

    @staticmethod
    def from_rgba_bytes(data: bytes, width: int, height: int, stride: int | None = None) -> Image:
        row = width * 4
        stride = stride or row
        if stride < row:
            raise ValueError(f"row stride {stride} is shorter than {width} pixels")
        if height and len(data) < stride * (height - 1) + row:
            raise ValueError(f"pixel data has {len(data)} bytes, too few for {width}x{height}")
        if stride == row:
            return Image(width, height, bytes(data[: row * height]))
        view = memoryview(data)
        return Image(width, height, b"".join(view[y * stride : y * stride + row]
                                             for y in range(height)))

    @staticmethod
    def from_bgra_bytes(data: bytes, width: int, height: int, stride: int | None = None) -> Image:
        return Image.from_rgba_bytes(data, width, height, stride).swapped()

    def swapped(self) -> Image:
        """R and B exchanged (BGRA <-> RGBA)."""
        out = bytearray(self.data)
        out[0::4] = self.data[2::4]
        out[2::4] = self.data[0::4]
        return Image(self.width, self.height, bytes(out))

    def to_rgba_bytes(self) -> bytes:
        return self.data

    def to_bgra_bytes(self) -> bytes:
        return self.swapped().data

    @staticmethod
    def decode(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image:
        """PNG, WebP or JPEG bytes as RGBA; the size is checked from the header first."""
        if not data:
            raise ImageDecodeError("no image data (0 bytes)")
        try:
            header = read_header(data)
        except HeaderError as exc:
            raise ImageDecodeError(str(exc)) from exc
        if header.width * header.height > max_pixels:
            raise ImageDecodeError(f"image of {header.width}x{header.height} pixels is larger "
                                   f"than the limit of {max_pixels} pixels")
        try:
            width, height, rgba = host_codecs.current().decode(data, max_pixels)
        except (host_codecs.CodecError, ValueError) as exc:
            raise ImageDecodeError(f"damaged or unreadable image: {exc}") from exc
        return Image(width, height, rgba)

    def to_png(self, compress_level: int = 6) -> bytes:
        return encode_png(self.data, self.width, self.height, 4, level=compress_level)

    def to_webp_lossless(self, method: int = 0) -> bytes:
        data = host_codecs.current().encode_webp_lossless(self.data, self.width, self.height)
        if data is None:
            raise ValueError("this host cannot write WebP")
        return data

    @staticmethod
    def decodes(fmt: str) -> bool:
        """Whether answers in `fmt` ("png", "jpeg", "webp") can be read here."""
        return fmt in host_codecs.current().formats

    @staticmethod
    def encodes_webp() -> bool:
        return host_codecs.current().writes_webp

    # -- geometry and channels ----------------------------------------------

    def crop(self, bounds: Bounds) -> Image:
        out = bytearray(bounds.width * bounds.height * 4)
        inside = bounds.intersect(Bounds(0, 0, self.width, self.height))
        if not inside.is_empty:
            n = inside.width * 4
            for y in range(inside.y, inside.bottom):
                dst = ((y - bounds.y) * bounds.width + inside.x - bounds.x) * 4
                src = (y * self.width + inside.x) * 4
                out[dst : dst + n] = self.data[src : src + n]
        return Image(bounds.width, bounds.height, bytes(out))

    def resize(self, extent: Extent) -> Image:
        if extent == self.extent:
            return self
        if extent.is_empty or self.extent.is_empty:
            return Image.blank(extent)
        data = host_codecs.current().resize(
            self.data, self.width, self.height, extent.width, extent.height)
        return Image(extent.width, extent.height, data)

    def with_alpha(self, alpha: Plane) -> Image:
        if alpha.shape != (self.height, self.width):
            raise ValueError(f"alpha of {alpha.extent} for an image of {self.extent}")
        out = bytearray(self.data)
        out[3::4] = alpha.data
        return Image(self.width, self.height, bytes(out))

    def flat_share(self) -> float:
        """Share of pixels equal to their left neighbour, on every fourth row."""
        same = total = 0
        for y in range(0, self.height, 4):
            row = memoryview(self.data[y * self.width * 4 : (y + 1) * self.width * 4]).cast("I")
            same += sum(map(int.__eq__, row[1:], row[:-1]))
            total += max(0, self.width - 1)
        return same / total if total else 0.0


def composite_over(base: Image, top: Image, at: Point) -> Image:
    """`top` over `base` at `at`, exact straight-alpha "over" (rgba.composite_over's rule):
    pixels where top's alpha is 0 are base's bytes, where it is 255 top's."""
    out = bytearray(base.data)
    area = Bounds.from_extent(top.extent, at).intersect(Bounds.from_extent(base.extent))
    n = area.width * 4
    full = (1 << (8 * n)) - 1
    for y in range(area.y, area.bottom):
        d0 = (y * base.width + area.x) * 4
        s0 = ((y - at.y) * top.width + area.x - at.x) * 4
        src = top.data[s0 : s0 + n]
        dst = bytes(out[d0 : d0 + n])
        alpha = src[3::4]
        keep = bytearray(n)  # 0xFF where top is opaque, so its bytes are taken
        picked = alpha.translate(b"\x00" * 255 + b"\xff")
        for c in range(4):
            keep[c::4] = picked
        mask = int.from_bytes(keep, "big")
        row = (int.from_bytes(src, "big") & mask) | (int.from_bytes(dst, "big") & (full ^ mask))
        line = bytearray(row.to_bytes(n, "big"))
        if alpha.strip(b"\x00\xff"):  # partly transparent pixels: the one slow path
            for x, a in enumerate(alpha):
                if 0 < a < 255:
                    line[4 * x : 4 * x + 4] = _over_pixel(src[4 * x : 4 * x + 4],
                                                          dst[4 * x : 4 * x + 4])
        out[d0 : d0 + n] = line
    return Image(base.width, base.height, bytes(out))


def _f32(x: float) -> float:
    return _F32.unpack(_F32.pack(x))[0]


_F32 = struct.Struct("f")


def _over_pixel(src: bytes, dst: bytes) -> bytes:
    """rgba._over for one pixel in numpy's float32 steps (each double result rounded
    to float32, which for + - * / equals the float32 operation), rounded half to
    even as np.rint: the two engines agree to the byte (tests/test_engines.py)."""
    sa, da = _f32(src[3] / 255.0), _f32(dst[3] / 255.0)
    rest = _f32(1.0 - sa)
    out_a = _f32(sa + _f32(da * rest))
    under = _f32(da * rest)
    colour = [_f32(_f32(src[c] * sa) + _f32(dst[c] * under)) for c in range(3)]
    colour = [_f32(v / out_a) if out_a > 0 else 0.0 for v in colour]
    return bytes([*(min(255, max(0, round(v))) for v in colour),
                  min(255, max(0, round(_f32(out_a * 255.0))))])


@dataclass(frozen=True, eq=False)
class Mask:
    """Selection coverage (a Plane) placed at `bounds` in document coordinates."""

    coverage: Plane
    bounds: Bounds

    def __post_init__(self) -> None:
        if self.coverage.shape != (self.bounds.height, self.bounds.width):
            raise ValueError(f"coverage {self.coverage.extent} does not match {self.bounds}")

    def __repr__(self) -> str:
        return f"Mask(at {self.bounds})"

    @staticmethod
    def from_bytes(data: bytes, bounds: Bounds) -> Mask:
        expected = bounds.width * bounds.height
        if len(data) < expected:
            raise ValueError(f"selection data has {len(data)} bytes, {expected} needed")
        return Mask(planes.from_bytes(data, bounds.width, bounds.height), bounds)

    @staticmethod
    def full(bounds: Bounds) -> Mask:
        return Mask(planes.full(bounds.extent, 255), bounds)

    def crop(self, bounds: Bounds) -> Plane:
        """Coverage inside `bounds` (document coordinates); 0 outside the mask."""
        return self.coverage.crop(bounds.relative_to(self.bounds.offset))
