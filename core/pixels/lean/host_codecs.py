"""The port through which a host lends the lean engine its image decoder and resampler.

Decoding the API's answers (PNG with every row filter, JPEG, WebP) and resampling
at speed need compiled code, which a host without numpy and Pillow still has:
GIMP ships GdkPixbuf (gimp_plugin/pixbuf_codecs.py implements this port with it
and installs it at start-up). Without one, `PurePython` serves: PNG only, and a
resampler in Python loops, fine for the small images of tests and slow beyond.

Imports only the standard library and the core's formats.
"""

from __future__ import annotations

from typing import Protocol

from ...formats.headers import HeaderError, read_header
from ...formats.png import PNGError, decode_png


class CodecError(ValueError):
    """The host's decoder refused the bytes (damaged, or a format it cannot read)."""


class HostCodecs(Protocol):
    name: str
    formats: frozenset[str]  # what `decode` reads: "png", "jpeg", "webp"
    writes_webp: bool  # whether `encode_webp_lossless` gives bytes (else uploads are PNG)

    def decode(self, data: bytes, max_pixels: int) -> tuple[int, int, bytes]:
        """(width, height, RGBA rows, straight alpha); CodecError when unreadable."""
        ...

    def resize(self, rgba: bytes, width: int, height: int, new_w: int, new_h: int) -> bytes:
        """Straight-alpha RGBA scaled, colour weighted by alpha (no dark fringes)."""
        ...

    def encode_webp_lossless(self, rgba: bytes, width: int, height: int) -> bytes | None:
        """Lossless WebP keeping the colour under transparent pixels, or None when the
        host cannot write WebP (the upload is then a PNG)."""
        ...


class PurePython:
    """No host help: PNG decoding by core.formats.png and a bilinear (triangle) resampler."""

    name = "pure Python"
    formats = frozenset({"png"})
    writes_webp = False

    def decode(self, data: bytes, max_pixels: int) -> tuple[int, int, bytes]:
        try:
            header = read_header(data)
            if header.format != "png":
                raise CodecError(f"{header.format.upper()} cannot be read without a host decoder")
            return decode_png(data, max_pixels)
        except (HeaderError, PNGError) as exc:
            raise CodecError(str(exc)) from exc

    def resize(self, rgba: bytes, width: int, height: int, new_w: int, new_h: int) -> bytes:
        cols = _weights(width, new_w)
        rows = _weights(height, new_h)
        src = memoryview(rgba)
        # Premultiplied float rows, scaled along x, then along y.
        across: list[list[float]] = []
        for y in range(height):
            line = src[y * width * 4 : (y + 1) * width * 4]
            pre = []
            for x in range(width):
                a = line[4 * x + 3]
                pre += [line[4 * x] * a, line[4 * x + 1] * a, line[4 * x + 2] * a, a * 255.0]
            across.append([sum(pre[4 * j + c] * w for j, w in taps) for taps in cols
                           for c in range(4)])
        out = bytearray(new_w * new_h * 4)
        for ty, taps in enumerate(rows):
            for tx in range(new_w):
                acc = [sum(across[j][4 * tx + c] * w for j, w in taps) for c in range(4)]
                alpha = acc[3] / 255.0
                base = (ty * new_w + tx) * 4
                if alpha >= 0.5:
                    for c in range(3):
                        out[base + c] = min(255, max(0, round(acc[c] / alpha)))
                out[base + 3] = min(255, max(0, round(alpha)))
        return bytes(out)

    def encode_webp_lossless(self, rgba: bytes, width: int, height: int) -> bytes | None:
        return None


def _weights(src: int, dst: int) -> list[list[tuple[int, float]]]:
    """Triangle-filter taps per target index, widened when shrinking (antialiased)."""
    scale = src / dst
    support = max(1.0, scale)
    out = []
    for t in range(dst):
        centre = (t + 0.5) * scale
        lo, hi = int(centre - support), int(centre + support) + 1
        taps = []
        for j in range(max(0, lo), min(src, hi)):
            w = max(0.0, 1.0 - abs(j + 0.5 - centre) / support)
            if w > 0:
                taps.append((j, w))
        total = sum(w for _, w in taps) or 1.0
        out.append([(j, w / total) for j, w in taps])
    return out


_installed: HostCodecs = PurePython()


def install(codecs: HostCodecs) -> None:
    """Called once by a host adapter at start-up (GIMP: GdkPixbuf)."""
    global _installed
    _installed = codecs


def current() -> HostCodecs:
    return _installed
