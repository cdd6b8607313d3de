"""Pixels: `Image` (RGBA, straight alpha), `Mask` (coverage), and upload encoding.

Owns the conversions between host pixel layouts, Pillow and encoded files, the
alpha-correct resize, straight-alpha "over" compositing, and the choice of the
lossless upload format a model accepts (`encode_upload`). Everything is numpy
or Pillow; imports nothing from hosts, GUIs or the network.

Alpha semantics: an `Image` holds straight (not premultiplied) alpha, as Krita
and GIMP hand it out. Premultiplication happens only inside `resize`, where it
stops transparent pixels from bleeding their (meaningless) colour into the
visible ones as dark halos.
"""

from __future__ import annotations

import io
import math
import zlib
from dataclasses import dataclass, field

import numpy as np
from PIL import Image as PILImage
from PIL import ImageOps

from .catalogue import ModelSpec
from .geometry import Bounds, Extent, Point

# Refuse anything larger before decoding its pixels. 8192x8192 is the largest
# canvas the plug-in is sized for; the API itself returns at most 3840x2160.
DEFAULT_MAX_PIXELS = 8192 * 8192
DECODE_FORMATS = ("PNG", "WEBP", "JPEG", "GIF")
WEBP_MAX_SIDE = 16383
# dall-e-2 edits and the legacy /images/variations endpoint: "a square PNG < 4 MB".
LEGACY_PNG_MAX_BYTES = 4 * 1024 * 1024
# Work in bands of about this many pixels so that the float temporaries of a
# large composite stay around a hundred megabytes.
_BAND_PIXELS = 1 << 21
# Share of pixels equal to their left neighbour above which content counts as flat.
_FLAT_SHARE = 0.5


class ImageDecodeError(ValueError):
    """Bytes that are not a PNG/WebP/JPEG/GIF image, are damaged, or are too large."""


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

    # -- construction -------------------------------------------------------

    @staticmethod
    def blank(extent: Extent) -> Image:
        """Fully transparent (0, 0, 0, 0)."""
        return Image(np.zeros((extent.height, extent.width, 4), np.uint8))

    @staticmethod
    def from_bgra_bytes(data: bytes, width: int, height: int, stride: int | None = None) -> Image:
        """Krita's 8-bit `pixelData` order is B, G, R, A (straight alpha).
        `stride` is the byte length of a row when rows are padded (QImage)."""
        return Image(_swap_red_blue(_rows(data, width, height, stride)))

    @staticmethod
    def from_rgba_bytes(data: bytes, width: int, height: int, stride: int | None = None) -> Image:
        return Image(_rows(data, width, height, stride).copy())

    def to_bgra_bytes(self) -> bytes:
        return _swap_red_blue(self.pixels).tobytes()

    def to_rgba_bytes(self) -> bytes:
        return np.ascontiguousarray(self.pixels).tobytes()

    @staticmethod
    def from_array(array: np.ndarray) -> Image:
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
            return Image(np.ascontiguousarray(a))
        out = np.empty(a.shape[:2] + (4,), np.uint8)
        if channels in (1, 2):
            out[..., :3] = a[..., :1]
        else:
            out[..., :3] = a
        out[..., 3] = a[..., 1] if channels == 2 else 255
        return Image(out)

    @staticmethod
    def from_pil(img: PILImage.Image) -> Image:
        """Any Pillow mode as RGBA. 16-bit and 32-bit grey keep their full range
        (Pillow's own convert would clip them at 255)."""
        if img.mode == "RGBA":
            return Image(np.array(img, dtype=np.uint8))
        if img.mode.startswith("I;16") or img.mode == "I":
            grey = np.clip(np.asarray(img).astype(np.int64), 0, 65535).astype(np.uint16)
            return Image.from_array(grey)
        if img.mode == "F":
            return Image.from_array(np.clip(np.asarray(img), 0, 255).astype(np.uint8))
        # "transparency" (tRNS) in P, L and RGB images becomes real alpha here.
        return Image(np.array(img.convert("RGBA"), dtype=np.uint8))

    def to_pil(self) -> PILImage.Image:
        return PILImage.fromarray(self.pixels)

    @staticmethod
    def decode(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image:
        """PNG, WebP, JPEG or GIF (first frame) bytes as RGBA.

        The size is read from the header and checked against `max_pixels` before
        any pixel is decoded, so a decompression bomb costs nothing. Pillow's own
        global bomb limit is left alone: hosts share the interpreter with other
        plug-ins.
        """
        if not data:
            raise ImageDecodeError("no image data (0 bytes)")
        try:
            with PILImage.open(io.BytesIO(data), formats=DECODE_FORMATS) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise ImageDecodeError(
                        f"image of {width}x{height} pixels is larger than the limit of "
                        f"{max_pixels} pixels"
                    )
                img.load()
                if img.getexif().get(0x0112, 1) != 1:  # EXIF orientation of camera JPEGs
                    img = ImageOps.exif_transpose(img)
                return Image.from_pil(img)
        except ImageDecodeError:
            raise
        except PILImage.DecompressionBombError as exc:
            raise ImageDecodeError(f"image is too large to decode safely: {exc}") from exc
        except PILImage.UnidentifiedImageError as exc:
            head = data[:16]
            raise ImageDecodeError(
                f"not a PNG, WebP, JPEG or GIF image ({len(data)} bytes starting {head!r})"
            ) from exc
        except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
            raise ImageDecodeError(f"damaged or truncated image: {exc}") from exc

    # -- encoding -----------------------------------------------------------

    def to_png(self, compress_level: int = 6) -> bytes:
        """Lossless PNG. Level 1 is several times faster than 6 for a few % more bytes."""
        buf = io.BytesIO()
        self.to_pil().save(buf, format="PNG", compress_level=compress_level)
        return buf.getvalue()

    def to_webp_lossless(self, method: int = 0) -> bytes:
        """Lossless WebP. `exact` keeps the colour under fully transparent pixels,
        which libwebp would otherwise replace to save bytes."""
        if max(self.width, self.height) > WEBP_MAX_SIDE:
            raise ValueError(f"WebP cannot hold a side above {WEBP_MAX_SIDE} pixels")
        buf = io.BytesIO()
        self.to_pil().save(buf, format="WEBP", lossless=True, method=method, quality=0, exact=True)
        return buf.getvalue()

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
    use_webp = "webp" in formats and max(image.width, image.height) <= WEBP_MAX_SIDE
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
    buf = io.BytesIO()
    mask.to_pil().save(buf, format="PNG", compress_level=1, compress_type=zlib.Z_RLE)
    return UploadImage("mask.png", buf.getvalue(), "image/png", mask.extent)


def webp_method(image: Image) -> int:
    """Lossless WebP's method for `image`: 1 for flat, graphic content, else 0.

    Method 0 (the fastest) skips the transforms that make flat colour small; on
    such content method 1 is as fast and far smaller (1536x1536 flat art: 14 KB
    against 193 KB, PNG level 6 36 KB), while on a photo it is two to three
    times slower for 16 % fewer bytes. Flat means most pixels repeat their left
    neighbour; every fourth row is enough to tell.
    """
    rows = np.ascontiguousarray(image.pixels[::4])
    if rows.shape[0] == 0 or rows.shape[1] < 2:
        return 0
    px = rows.view(np.uint32)[..., 0]
    repeats = np.count_nonzero(px[:, 1:] == px[:, :-1])
    return 1 if repeats >= _FLAT_SHARE * px[:, 1:].size else 0


def _rows(data: bytes, width: int, height: int, stride: int | None) -> np.ndarray:
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


def _swap_red_blue(pixels: np.ndarray) -> np.ndarray:
    """RGBA <-> BGRA into a new contiguous array, one channel at a time: indexing
    with [2, 1, 0, 3] builds a temporary as large as the result first (an 8192x8192
    canvas then peaks at 512 MB instead of 256 MB) and is five times slower."""
    out = np.empty(pixels.shape, np.uint8)
    out[..., 0] = pixels[..., 2]
    out[..., 1] = pixels[..., 1]
    out[..., 2] = pixels[..., 0]
    out[..., 3] = pixels[..., 3]
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
