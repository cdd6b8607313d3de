"""GdkPixbuf as the lean pixel engine's codecs: decoding answers and resampling in GIMP.

Where numpy and Pillow do not load (GIMP on Windows, issue 16), the core's lean
engine still needs compiled code to decode the API's PNG, JPEG or WebP answers
and to resample at speed: every GIMP 3 ships GdkPixbuf, so this module lends it
through the core's port (core.pixels.lean.host_codecs.HostCodecs). No temporary
files: bytes go in through a PixbufLoader and out through `get_pixels`.

Scaling uses GdkPixbuf's BILINEAR filter, which averages a pixel's whole
footprint when shrinking and weighs colour by alpha (no dark fringes at
transparent edges), like the numpy engine's premultiplied bicubic in spirit;
the two differ by a few levels inside the edit, never outside it (pixels there
are the source's own bytes, whatever the engine).
"""

from __future__ import annotations

import logging

from .core.pixels import imaging
from .core.pixels.lean import host_codecs

log = logging.getLogger("openai_images.gimp")
# GdkPixbuf is imported only for the lean engine: with numpy and Pillow it is not used
GdkPixbuf = GLib = None


class PixbufCodecs:
    """GdkPixbuf's loaders behind the core's HostCodecs port."""

    name = "GdkPixbuf"
    writes_webp = False  # see encode_webp_lossless

    def __init__(self) -> None:
        # Which answers this GIMP can read: GdkPixbuf always has PNG and JPEG; WebP
        # only with webp-pixbuf-loader (absent from Debian trixie's GIMP 3.0).
        names = {f.get_name() for f in GdkPixbuf.Pixbuf.get_formats()}
        self.formats = frozenset({"png", "jpeg", "webp"} & names)

    def decode(self, data: bytes, max_pixels: int) -> tuple[int, int, bytes]:
        loader = GdkPixbuf.PixbufLoader()
        try:
            loader.write(data)
            loader.close()
        except GLib.Error as exc:
            raise host_codecs.CodecError(exc.message) from exc
        pixbuf = loader.get_pixbuf()
        if pixbuf is None:
            raise host_codecs.CodecError("GdkPixbuf read no picture")
        pixbuf = pixbuf.apply_embedded_orientation() or pixbuf  # camera JPEGs
        if pixbuf.get_width() * pixbuf.get_height() > max_pixels:
            raise host_codecs.CodecError("the picture is larger than its header said")
        return _rgba_of(pixbuf)

    def resize(self, rgba: bytes, width: int, height: int, new_w: int, new_h: int) -> bytes:
        source = GdkPixbuf.Pixbuf.new_from_bytes(
            GLib.Bytes.new(rgba), GdkPixbuf.Colorspace.RGB, True, 8, width, height, width * 4)
        scaled = source.scale_simple(new_w, new_h, GdkPixbuf.InterpType.BILINEAR)
        if scaled is None:
            raise MemoryError(f"GdkPixbuf could not scale to {new_w}x{new_h}")
        return _rgba_of(scaled)[2]

    def encode_webp_lossless(self, rgba: bytes, width: int, height: int) -> bytes | None:
        # GdkPixbuf's WebP saver (webp-pixbuf-loader) is not in every GIMP and has
        # no "exact" option to keep colour under transparent pixels: PNG instead.
        return None


def _rgba_of(pixbuf) -> tuple[int, int, bytes]:
    """(width, height, RGBA rows without padding) of any 8-bit pixbuf."""
    if not pixbuf.get_has_alpha():
        pixbuf = pixbuf.add_alpha(False, 0, 0, 0)
    width, height, stride = pixbuf.get_width(), pixbuf.get_height(), pixbuf.get_rowstride()
    data = pixbuf.read_pixel_bytes().get_data()
    # the engine's own reader drops the row padding (GdkPixbuf pads rows to 4 bytes)
    return width, height, imaging.Image.from_rgba_bytes(data, width, height, stride).to_rgba_bytes()


def install() -> str:
    """Lend GdkPixbuf to the lean engine when this process runs it; the line to log."""
    global GdkPixbuf, GLib
    if imaging.ENGINE == "lean":
        import gi

        gi.require_version("GdkPixbuf", "2.0")
        from gi.repository import GdkPixbuf, GLib

        codecs = PixbufCodecs()
        host_codecs.install(codecs)
        line = f"{imaging.describe()}, codecs: GdkPixbuf ({', '.join(sorted(codecs.formats))})"
    else:
        line = imaging.describe()
    log.info("%s", line)
    return line
