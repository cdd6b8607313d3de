"""OpenRaster (.ora) files: a layered result that Krita and GIMP both open.

Owns `write_ora`. The layout follows the OpenRaster spec and what GIMP's own
file-openraster plug-in reads: `mimetype` first and stored uncompressed (so
the file can be identified by its first bytes), `stack.xml` listing layers top
first, `data/*.png`, `Thumbnails/thumbnail.png` (at most 256 px) and
`mergedimage.png` (the visible layers flattened). Standard library zip/xml plus
the core's imaging; no host, GUI or network imports.
"""

from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from .geometry import Extent, Point
from .imaging import Image, composite_over
from .provenance import png_with_xmp

MIMETYPE = b"image/openraster"
THUMBNAIL_MAX = 256
# (name, pixels, top-left in canvas coordinates, visible); the first is the bottom layer.
OraLayer = tuple[str, Image, Point, bool]


def write_ora(
    path: str | os.PathLike[str], width: int, height: int, layers: list[OraLayer],
    xmp: bytes | None = None,
) -> None:
    """Write `layers` (bottom first: the original, then the results) as an .ora
    of `width` x `height`. Written to a temporary file and renamed, so a crash
    never leaves half a file under `path`. `xmp` goes into the merged image, the
    one viewers and stock sites read."""
    if width <= 0 or height <= 0:
        raise ValueError(f"canvas must not be empty, got {width}x{height}")
    merged = merge_visible(width, height, layers)
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".ora-", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as ora:
            # Stored, first, no extra field: readers sniff "mimetype" + this text
            # at a fixed offset.
            ora.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, zipfile.ZIP_STORED)
            ora.writestr(
                _info("stack.xml"), _stack_xml(width, height, layers), zipfile.ZIP_DEFLATED
            )
            for index, (_, image, _, _) in enumerate(layers):
                # PNG is already compressed: deflating it again costs time for nothing.
                ora.writestr(_info(_layer_src(index)), image.to_png(compress_level=3))
            flat = merged.to_png(compress_level=3)
            ora.writestr(_info("mergedimage.png"), png_with_xmp(flat, xmp) if xmp else flat)
            ora.writestr(_info("Thumbnails/thumbnail.png"), _thumbnail(merged).to_png())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def merge_visible(width: int, height: int, layers: list[OraLayer]) -> Image:
    """The visible layers flattened bottom to top onto a transparent canvas."""
    canvas = Image.blank(Extent(width, height))
    for _, image, at, visible in layers:
        if visible:
            canvas = composite_over(canvas, image, at)
    return canvas


def _stack_xml(width: int, height: int, layers: list[OraLayer]) -> bytes:
    root = ET.Element("image", {"version": "0.0.3", "w": str(width), "h": str(height)})
    stack = ET.SubElement(root, "stack")
    for index in reversed(range(len(layers))):  # stack.xml lists the top layer first
        name, _, at, visible = layers[index]
        ET.SubElement(
            stack,
            "layer",
            {
                "name": name,
                "src": _layer_src(index),
                "x": str(at.x),
                "y": str(at.y),
                "opacity": "1.0",
                "visibility": "visible" if visible else "hidden",
                "composite-op": "svg:src-over",
            },
        )
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _thumbnail(merged: Image) -> Image:
    longest = max(merged.width, merged.height)
    if longest <= THUMBNAIL_MAX:
        return merged
    scale = THUMBNAIL_MAX / longest
    size = Extent(max(1, round(merged.width * scale)), max(1, round(merged.height * scale)))
    return merged.resize(size)


def _layer_src(index: int) -> str:
    return f"data/layer{index:03d}.png"


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o644 << 16  # a regular file readable by all, as GIMP writes
    return info
