"""Canvas in, layer out: Krita documents <-> the core's CanvasSnapshot and LayerPatch.

Owns every read and write of pixels in Krita: the snapshot of the active layer
(or the visible image) and of the global selection, the new layer a result
becomes, and the locked preview layers. Must run on the GUI thread (Krita API).
Imports krita, the Qt module `.qt` and the core's value types; no widgets.

Krita quirks handled here:
- RGBA/U8 `pixelData` is B,G,R,A, straight alpha; a selection is one byte per pixel.
- Other colour models and depths (16-bit, float, CMYK, grey, Lab, non-sRGB
  profiles) are converted to 8-bit sRGB on a temporary document, never on the
  user's document, and results are converted back the same way.
- Python has no undo API: a result is written as one new layer (one undo step),
  never into an existing layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .core.pixels.geometry import Bounds
from .core.pixels.imaging import Image, Mask
from .core.pixels.planning import CanvasSnapshot, LayerPatch
from .core.pixels.provenance import Provenance, xmp_packet
from .qt import QByteArray, to_bytes

# Krita's built-in sRGB profile (the default of new RGBA documents).
SRGB_PROFILE = "sRGB-elle-V2-srgbtrc.icc"
# Profiles whose 8-bit pixels ARE our sRGB bytes, by exact name: Krita's Python API
# names a profile but says nothing of its colorants or tone curve, and a name is no
# proof ("sRGB-elle-V2-g10.icc" and "krita25_lcms-builtin-sRGB_g100-truegamma.icc"
# are linear: taking them for sRGB put layers 74 levels off, issue 15). Any other
# profile goes through Krita's own conversion, which is right for sRGB ones too.
SRGB_PROFILES = frozenset({SRGB_PROFILE})
PREVIEW_PREFIX = "[preview] "
_LAYER_TYPES = ("paintlayer", "grouplayer", "filelayer", "vectorlayer", "filllayer", "clonelayer")


@dataclass(frozen=True)
class ColorSpace:
    model: str
    depth: str
    profile: str

    @property
    def is_srgb8(self) -> bool:
        """True when pixels of this space need no conversion to or from 8-bit sRGB."""
        return self.model == "RGBA" and self.depth == "U8" and self.profile in SRGB_PROFILES


SRGB8 = ColorSpace("RGBA", "U8", SRGB_PROFILE)


class CanvasError(Exception):
    """The canvas cannot be used as asked; the message is for the user."""


def color_space_of(thing: Any) -> ColorSpace:
    """The colour space of a Document or Node."""
    return ColorSpace(thing.colorModel(), thing.colorDepth(), thing.colorProfile())


def _krita() -> Any:
    from krita import Krita  # imported late so the pure helpers stay testable

    return Krita.instance()


def convert_pixels(data: bytes, width: int, height: int, src: ColorSpace, dst: ColorSpace) -> bytes:
    """Pixel bytes of `src` -> pixel bytes of `dst`, through a temporary hidden document.

    Krita's own colour management does the work (profiles, rendering intent),
    so 16-bit, float, CMYK, grey and Lab documents all take the same path.
    """
    if src == dst or (src.is_srgb8 and dst.is_srgb8):
        return data
    tmp = _krita().createDocument(
        width, height, "openai-images-convert", src.model, src.depth, src.profile, 72.0
    )
    try:
        node = tmp.createNode("pixels", "paintlayer")
        tmp.rootNode().addChildNode(node, None)
        node.setPixelData(QByteArray(data), 0, 0, width, height)
        if not tmp.setColorSpace(dst.model, dst.depth, dst.profile):
            # an unknown profile name: let Krita pick the model's default profile
            tmp.setColorSpace(dst.model, dst.depth, "")
        tmp.waitForDone()
        return to_bytes(node.pixelData(0, 0, width, height))
    finally:
        tmp.close()


def canvas_bounds(document: Any) -> Bounds:
    return Bounds(0, 0, document.width(), document.height())


def _node_pixels(node: Any, box: Bounds) -> bytes:
    """A layer's pixels over `box`. Group and vector layers have no paint device
    of their own (Krita 6 gives empty pixelData): read their projection."""
    data = to_bytes(node.pixelData(box.x, box.y, box.width, box.height))
    return data or to_bytes(node.projectionPixelData(box.x, box.y, box.width, box.height))


def _source_pixels(
    document: Any, node: Any, visible: bool, box: Bounds
) -> tuple[bytes, ColorSpace]:
    data = b""
    if not visible and node is not None and node.type() in _LAYER_TYPES:
        data = _node_pixels(node, box)
    if not data:  # the visible image, a mask/filter node, or a layer with nothing to read
        document.waitForDone()
        data = to_bytes(document.pixelData(box.x, box.y, box.width, box.height))
        return data, color_space_of(document)
    return data, color_space_of(node)


def read_selection(document: Any) -> Mask | None:
    """Krita's global selection as a soft coverage mask, or None when nothing is selected."""
    sel = document.selection()
    if sel is None or sel.width() <= 0 or sel.height() <= 0:
        return None
    x, y, w, h = sel.x(), sel.y(), sel.width(), sel.height()
    coverage = np.frombuffer(to_bytes(sel.pixelData(x, y, w, h)), dtype=np.uint8)
    coverage = coverage.reshape(h, w).copy()
    if not coverage.any():
        return None
    return Mask(coverage, Bounds(x, y, w, h))


def read_snapshot(
    document: Any,
    *,
    visible: bool = False,
    node: Any = None,
    selection: Mask | None = None,
    window: Bounds | None = None,
) -> CanvasSnapshot:
    """The document as the core sees it: 8-bit sRGB RGBA of `window` (default: the
    whole canvas), with `selection` (read it with `read_selection`).

    The core's `edit_window` says which window an edit needs: reading only that
    keeps a small edit on a huge canvas small (and the GUI thread free). `visible`
    reads the merged image instead of the active layer. The user's document is
    only read, never converted or modified.
    """
    node = node if node is not None else document.activeNode()
    box = window if window is not None else canvas_bounds(document)
    raw, space = _source_pixels(document, node, visible, box)
    converted = convert_pixels(raw, box.width, box.height, space, SRGB8)
    return CanvasSnapshot(
        image=Image.from_bgra_bytes(converted, box.width, box.height),
        origin=box.offset,
        selection=selection,
        document_name=document_name(document),
        layer_name=node.name() if node is not None else "",
        canvas=canvas_bounds(document),
    )


def read_layer_image(document: Any, node: Any, window: Bounds | None = None) -> Image:
    """A layer's pixels over `window` (default: the whole canvas), as 8-bit sRGB
    (markup and reference layers)."""
    box = window if window is not None else canvas_bounds(document)
    raw = _node_pixels(node, box)
    converted = convert_pixels(raw, box.width, box.height, color_space_of(node), SRGB8)
    return Image.from_bgra_bytes(converted, box.width, box.height)


def document_name(document: Any) -> str:
    path = document.fileName() or ""
    return path.rsplit("/", 1)[-1] if path else (document.name() or "Untitled")


def apply_patch(
    document: Any, patch: LayerPatch, *, above: Any = None, name: str | None = None,
    locked: bool = False,
) -> Any:
    """Write `patch` as one new paint layer above `above` (default: the active layer).

    The patch's alpha already carries the soft mask, so pixels outside the
    selection stay fully transparent in the new layer and the image there is
    unchanged. Returns the new Node.
    """
    above = above if above is not None else document.activeNode()
    b = patch.bounds
    data = convert_pixels(
        patch.image.to_bgra_bytes(), b.width, b.height, SRGB8, color_space_of(document)
    )
    layer = document.createNode(name or patch.name, "paintlayer")
    # Pixels first, then into the tree, and no refreshProjection: Krita
    # recomposes the new layer's area in the background. refreshProjection is
    # a synchronous recomposition of the whole image (0.3-0.9 s at 4096²) that
    # froze the GUI at every preview (docs/performance.md, P5). Whoever reads
    # the projection right after (an export) refreshes or waits for it first.
    layer.setPixelData(QByteArray(data), b.x, b.y, b.width, b.height)
    if locked:
        layer.setLocked(True)
    parent = above.parentNode() if above is not None else None
    if parent is None:  # no active layer, or the root itself
        parent, above = document.rootNode(), None
    parent.addChildNode(layer, above)
    return layer


PROVENANCE_ANNOTATION = "openai-images-provenance"


def mark_provenance(document: Any, provenance: Provenance) -> None:
    """Keep our XMP packet (IPTC digital source type, tool, model, history id) as a
    document annotation: Krita's Python API has no way into the metadata its exports
    write, and a .kra keeps its annotations (README, "Provenance")."""
    document.setAnnotation(
        PROVENANCE_ANNOTATION,
        f"Made or changed with a generative AI model ({provenance.model})",
        QByteArray(xmp_packet(provenance)),
    )


def show_preview(document: Any, patch: LayerPatch, *, above: Any = None) -> Any:
    """A locked layer showing a candidate (or a partial image) on the canvas."""
    return apply_patch(
        document, patch, above=above, name=PREVIEW_PREFIX + patch.name, locked=True
    )


def remove_layer(document: Any, node: Any) -> None:
    """Remove a preview layer; tolerate one the user already deleted or a closed document."""
    try:
        if node is not None and node.parentNode() is not None:
            node.setLocked(False)
            node.remove()  # Krita updates the area in the background (see apply_patch)
    except RuntimeError:  # the C++ object is gone with its document
        pass
