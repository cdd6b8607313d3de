"""The pixel types: `Image` (RGBA, straight alpha) and `Mask` (coverage), and "over".

Owns the two values every other module passes around, their crops, the
alpha-correct resize and straight-alpha "over" compositing (`composite_over`).
Bytes in and out are codecs.py's (files, host buffers, the decompression-bomb
guard); `Image`'s constructors and encoders name the direction and call it.
Callers import these names from imaging.py, the pixel modules' one front door.

Imports numpy, Pillow, geometry.py and codecs.py; nothing from hosts, GUIs or
the network.

Alpha semantics: an `Image` holds straight (not premultiplied) alpha, as Krita
and GIMP hand it out. Premultiplication happens only inside `resize`, where it
stops transparent pixels from bleeding their (meaningless) colour into the
visible ones as dark halos.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image as PILImage

from .codecs import (
    DEFAULT_MAX_PIXELS,
    decode_rgba,
    encode_png,
    encode_webp_lossless,
    rgba_from_array,
    rgba_from_pil,
    rows_from_buffer,
    swap_red_blue,
)
from .geometry import Bounds, Extent, Point

# Work in bands of about this many pixels so that the float temporaries of a
# large composite stay around a hundred megabytes.
_BAND_PIXELS = 1 << 21


@dataclass(frozen=True, eq=False)
class Image:
    """H x W x 4 uint8 RGBA, straight alpha. Treat `pixels` as read-only: every
    operation returns a new image."""

    pixels: np.ndarray

    def __post_init__(self) -> None:
        p = self.pixels
        if p.dtype != np.uint8 or p.ndim != 3 or p.shape[2] != 4:
            raise ValueError(f"Image needs HxWx4 uint8, got {p.shape} {p.dtype}")

    def __repr__(self) -> str:
        return f"Image({self.width}x{self.height})"

    # -- shape --------------------------------------------------------------

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def extent(self) -> Extent:
        return Extent(self.width, self.height)

    @property
    def alpha(self) -> np.ndarray:
        return self.pixels[..., 3]

    @property
    def is_opaque(self) -> bool:
        return bool(self.alpha.min(initial=255) == 255)

    # -- construction (the byte layouts are codecs.py's) ---------------------

    @staticmethod
    def blank(extent: Extent) -> Image:
        """Fully transparent (0, 0, 0, 0)."""
        return Image(np.zeros((extent.height, extent.width, 4), np.uint8))

    @staticmethod
    def from_bgra_bytes(data: bytes, width: int, height: int, stride: int | None = None) -> Image:
        """Krita's 8-bit `pixelData` order is B, G, R, A (straight alpha).
        `stride` is the byte length of a row when rows are padded (QImage)."""
        return Image(swap_red_blue(rows_from_buffer(data, width, height, stride)))

    @staticmethod
    def from_rgba_bytes(data: bytes, width: int, height: int, stride: int | None = None) -> Image:
        return Image(rows_from_buffer(data, width, height, stride).copy())

    def to_bgra_bytes(self) -> bytes:
        return swap_red_blue(self.pixels).tobytes()

    def to_rgba_bytes(self) -> bytes:
        return np.ascontiguousarray(self.pixels).tobytes()

    @staticmethod
    def decodes(fmt: str) -> bool:
        """Whether answers in `fmt` can be read here: Pillow reads every one the API sends."""
        return fmt in ("png", "jpeg", "webp")

    @staticmethod
    def encodes_webp() -> bool:
        return True  # Pillow's WebP is always built in the wheels we ship

    def with_alpha(self, alpha: np.ndarray) -> Image:
        """A copy with `alpha` (H x W uint8) as its alpha channel."""
        out = self.pixels.copy()
        out[..., 3] = alpha
        return Image(out)

    def flat_share(self) -> float:
        """Share of pixels equal to their left neighbour, on every fourth row (the
        lean engine's Image.flat_share reads the same rows)."""
        rows = np.ascontiguousarray(self.pixels[::4])
        if rows.shape[0] == 0 or rows.shape[1] < 2:
            return 0.0
        px = rows.view(np.uint32)[..., 0]
        return float(np.count_nonzero(px[:, 1:] == px[:, :-1])) / px[:, 1:].size

    @staticmethod
    def from_array(array: np.ndarray) -> Image:
        """Any HxW (grey), HxWx1, HxWx2 (grey+alpha), HxWx3 or HxWx4 array of bool,
        uint8, uint16 (full 16-bit range) or float (0..1) as 8-bit RGBA."""
        return Image(rgba_from_array(array))

    @staticmethod
    def from_pil(img: PILImage.Image) -> Image:
        """Any Pillow mode as RGBA, 16-bit grey at its full range (codecs.rgba_from_pil)."""
        return Image(rgba_from_pil(img))

    def to_pil(self) -> PILImage.Image:
        return PILImage.fromarray(self.pixels)

    @staticmethod
    def decode(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image:
        """PNG, WebP, JPEG or GIF (first frame) bytes as RGBA; an image over `max_pixels`
        is refused from its header, before any pixel is decoded (codecs.decode_rgba)."""
        return Image(decode_rgba(data, max_pixels))

    # -- encoding -----------------------------------------------------------

    def to_png(self, compress_level: int = 6) -> bytes:
        """Lossless PNG. Level 1 is several times faster than 6 for a few % more bytes."""
        return encode_png(self.pixels, compress_level)

    def to_webp_lossless(self, method: int = 0) -> bytes:
        """Lossless WebP, keeping the colour under fully transparent pixels."""
        return encode_webp_lossless(self.pixels, method)

    # -- geometry -----------------------------------------------------------

    def crop(self, bounds: Bounds) -> Image:
        """The pixels inside `bounds` (this image's coordinates) as a new image of
        exactly bounds' extent; whatever lies outside this image is transparent."""
        out = Image.blank(bounds.extent)
        inside = bounds.intersect(Bounds.from_extent(self.extent))
        if not inside.is_empty:
            dst = inside.relative_to(bounds.offset)
            out.pixels[dst.y : dst.bottom, dst.x : dst.right] = self.pixels[
                inside.y : inside.bottom, inside.x : inside.right
            ]
        return out

    def resize(self, extent: Extent) -> Image:
        """Scale to `extent` with Pillow's bicubic filter (antialiased when shrinking).

        Not Lanczos: shrinking the API's 1536x1536 answer to a 1216x1216 region,
        Lanczos took almost twice as long (68 against 37 ms here) for a difference
        of at most 2 levels on a photo (54 dB PSNR) and 8 at hard edges
        (make bench, docs/performance.md).

        Colour is resampled premultiplied by alpha, in float, then divided back:
        a transparent pixel then weighs nothing, so it cannot darken its visible
        neighbours. (Pillow's own RGBA path premultiplies in 8 bits, which
        quantises the colour of faint pixels.)
        """
        if extent == self.extent:
            return Image(self.pixels.copy())
        if extent.is_empty or self.extent.is_empty:
            return Image.blank(extent)
        method = PILImage.Resampling.BICUBIC
        size = (extent.width, extent.height)
        if self.is_opaque:
            # Pillow reads the pixels in place as RGBX (the fourth byte is padding to
            # it, so nothing is premultiplied): no copy to three channels and back.
            # The padding is resampled too; alpha is set afterwards.
            src = np.ascontiguousarray(self.pixels)
            rgbx = PILImage.frombuffer("RGBX", (self.width, self.height), src, "raw", "RGBX", 0, 1)
            out = np.array(rgbx.resize(size, method), dtype=np.uint8)
            out[..., 3] = 255
            return Image(out)

        def scaled(channel: np.ndarray) -> np.ndarray:
            img = PILImage.fromarray(np.ascontiguousarray(channel, dtype=np.float32))
            return np.asarray(img.resize(size, method), dtype=np.float32)

        alpha = self.pixels[..., 3].astype(np.float32)
        new_alpha = np.clip(scaled(alpha), 0.0, 255.0)
        out = np.empty((extent.height, extent.width, 4), np.uint8)
        # Below half a step of 8-bit alpha the pixel is transparent; its colour
        # would be noise divided by almost nothing.
        visible = new_alpha >= 0.5
        safe = np.where(visible, new_alpha, 1.0)
        for c in range(3):
            premul = scaled(self.pixels[..., c] * alpha) / safe
            out[..., c] = np.where(visible, np.clip(np.rint(premul), 0, 255), 0)
        out[..., 3] = np.rint(new_alpha)
        return Image(out)


def composite_over(base: Image, top: Image, at: Point) -> Image:
    """`top` laid over `base` with its top-left corner at `at` (base pixels), exact
    straight-alpha "over"; the result has base's extent.

    Where top's alpha is 0 the result is bit-identical to base, and where it is
    255 bit-identical to top: both are copied, not computed, so rounding can never
    leak into pixels the patch does not touch.
    """
    out = base.pixels.copy()
    area = Bounds.from_extent(top.extent, at).intersect(Bounds.from_extent(base.extent))
    if area.is_empty:
        return Image(out)
    band = max(1, _BAND_PIXELS // max(1, area.width))
    for y0 in range(area.y, area.bottom, band):
        y1 = min(area.bottom, y0 + band)
        dst = out[y0:y1, area.x : area.right]
        src = top.pixels[y0 - at.y : y1 - at.y, area.x - at.x : area.right - at.x]
        dst[...] = _over(src, dst)
    return Image(out)


def _over(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    sa = src[..., 3:4].astype(np.float32) / 255.0
    da = dst[..., 3:4].astype(np.float32) / 255.0
    out_a = sa + da * (1.0 - sa)
    colour = src[..., :3] * sa + dst[..., :3] * (da * (1.0 - sa))
    colour = np.divide(colour, out_a, out=np.zeros_like(colour), where=out_a > 0)
    mixed = np.empty(src.shape, np.uint8)
    mixed[..., :3] = np.clip(np.rint(colour), 0, 255)
    mixed[..., 3:4] = np.clip(np.rint(out_a * 255.0), 0, 255)
    alpha = src[..., 3:4]
    return np.where(alpha == 0, dst, np.where(alpha == 255, src, mixed))


@dataclass(frozen=True, eq=False)
class Mask:
    """Selection coverage: H x W uint8, 255 = fully selected, placed at `bounds` in
    document coordinates (Krita's selection `pixelData`, GIMP's "Y u8" buffer)."""

    coverage: np.ndarray
    bounds: Bounds

    def __post_init__(self) -> None:
        c = self.coverage
        if c.dtype != np.uint8 or c.ndim != 2:
            raise ValueError(f"Mask needs HxW uint8 coverage, got {c.shape} {c.dtype}")
        if (c.shape[1], c.shape[0]) != (self.bounds.width, self.bounds.height):
            raise ValueError(f"coverage {c.shape[1]}x{c.shape[0]} does not match {self.bounds}")

    def __repr__(self) -> str:
        return f"Mask(at {self.bounds})"

    @staticmethod
    def from_bytes(data: bytes, bounds: Bounds) -> Mask:
        """One byte per pixel, rows top to bottom, covering `bounds`."""
        expected = bounds.width * bounds.height
        if len(data) < expected:
            raise ValueError(f"selection data has {len(data)} bytes, {expected} needed")
        flat = np.frombuffer(data, np.uint8, count=expected)
        return Mask(flat.reshape(bounds.height, bounds.width).copy(), bounds)

    @staticmethod
    def full(bounds: Bounds) -> Mask:
        return Mask(np.full((bounds.height, bounds.width), 255, np.uint8), bounds)

    def crop(self, bounds: Bounds) -> np.ndarray:
        """Coverage inside `bounds` (document coordinates); 0 outside the mask."""
        out = np.zeros((bounds.height, bounds.width), np.uint8)
        inside = bounds.intersect(self.bounds)
        if not inside.is_empty:
            src = inside.relative_to(self.bounds.offset)
            dst = inside.relative_to(bounds.offset)
            out[dst.y : dst.bottom, dst.x : dst.right] = self.coverage[
                src.y : src.bottom, src.x : src.right
            ]
        return out
