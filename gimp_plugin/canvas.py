"""GIMP's canvas in and out: read a CanvasSnapshot, write LayerPatches as new layers.

Reading happens on a duplicate of the image cut to the window the run needs
(an edit's context crop; see WorkingCopy) and converted to 8-bit perceptual
sRGB RGB (whatever the original precision, linear or not, grey or indexed, and
its colour profile), so the API gets the colours the artist sees, a small
selection on a huge canvas costs what the selection's context holds, and the
original image is never touched; the duplicate is deleted afterwards. Pixels and the
selection go through Gegl buffers in explicit formats (snapshots.RGBA_FORMAT,
snapshots.COVERAGE_FORMAT).

Writing creates one new layer per patch above the active drawable, at the
patch's offset, in the image's own type and precision (GIMP converts float
sRGB into the layer's format: its u8 path is wrong for some profiles, see
snapshots.WRITE_FORMAT), inside ONE undo group; the first
candidate is visible, the others hidden. Nothing else in the image changes.
All calls here must run on the plug-in's main thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp  # noqa: E402

from . import pixbuf_codecs, snapshots  # noqa: E402
from .core.pixels.geometry import Bounds, Point  # noqa: E402
from .core.pixels.imaging import Image, Mask  # noqa: E402
from .core.pixels.planning import CanvasSnapshot, LayerPatch  # noqa: E402
from .core.pixels.provenance import Provenance, xmp_packet  # noqa: E402
from .messages import UserError  # noqa: E402

log = logging.getLogger("openai_images.gimp")
ENGINE_LINE = pixbuf_codecs.install()  # before any pixel is read (issue 16)


@dataclass(frozen=True)
class Source:
    """What a run reads: pixels of one layer (or the visible image) over a canvas region."""

    image: Image
    origin: Point
    layer_name: str


def _rect(bounds: Bounds) -> Gegl.Rectangle:
    return Gegl.Rectangle.new(bounds.x, bounds.y, bounds.width, bounds.height)


def _read_rgba(drawable, region: Bounds) -> Image:
    """`region` (canvas coordinates) of `drawable`; outside the layer reads as transparent."""
    ok, ox, oy = drawable.get_offsets()
    rect = snapshots.layer_read_rect(region, Point(ox, oy))
    data = drawable.get_buffer().get(_rect(rect), 1.0, snapshots.RGBA_FORMAT, Gegl.AbyssPolicy.NONE)
    return Image.from_rgba_bytes(data, region.width, region.height)


def _item_path(image, item) -> list[int]:
    """Positions from the top level down to `item`, to find its twin in a duplicate."""
    path = []
    while item is not None:
        path.append(image.get_item_position(item))
        item = item.get_parent()
    return list(reversed(path))


def _item_at(image, path: Sequence[int]):
    items = image.get_layers()
    item = None
    for position in path:
        item = items[position]
        items = item.get_children() if hasattr(item, "get_children") else []
    return item


class WorkingCopy:
    """A duplicate of the image cut to `window` (canvas coordinates; None: the whole
    canvas) and converted to 8-bit sRGB RGB, deleted on exit. Undo is off on it.

    The cut comes first, so the conversions and a merge cost what the window holds,
    not what the canvas holds: a small selection on a 16384² canvas stays small.
    Duplicating is cheap (GIMP shares the tiles until they are written). `items` are
    the original's layers this copy will read; their twins are found before the cut,
    which shifts every layer and removes those wholly outside the window.
    """

    def __init__(self, image, window: Bounds | None = None, items: Sequence = ()) -> None:
        self.original = image
        whole = snapshots.canvas_bounds(image.get_width(), image.get_height())
        self.window = window or whole
        self.items = list(items)
        self.copy = None
        self._twins: dict[int, object] = {}

    def __enter__(self) -> WorkingCopy:
        dup = self.original.duplicate()
        try:
            self._prepare(dup)
        except BaseException:
            dup.delete()
            raise
        self.copy = dup
        return self

    def _prepare(self, dup) -> None:
        dup.undo_disable()
        self._twins = {
            item.get_id(): _item_at(dup, _item_path(self.original, item)) for item in self.items
        }
        window = self.window
        if window != snapshots.canvas_bounds(dup.get_width(), dup.get_height()):
            for layer in dup.get_layers():
                layer.set_lock_content(False)  # GIMP's crop leaves locked layers whole
            dup.crop(window.width, window.height, window.x, window.y)
        if dup.get_base_type() != Gimp.ImageBaseType.RGB:
            dup.convert_rgb()  # grey and indexed: the API only takes colour
        if dup.get_precision() != Gimp.Precision.U8_NON_LINEAR:
            dup.convert_precision(Gimp.Precision.U8_NON_LINEAR)
        if dup.get_color_profile() is not None:
            # An embedded profile (Adobe RGB, ...): convert the pixels to sRGB so the
            # model sees the colours the artist sees, not the raw numbers.
            srgb = Gimp.ColorProfile.new_rgb_srgb()
            dup.convert_color_profile(srgb, Gimp.ColorRenderingIntent.RELATIVE_COLORIMETRIC, True)

    def __exit__(self, *exc) -> None:
        if self.copy is not None:
            self.copy.delete()
            self.copy = None

    @property
    def _local(self) -> Bounds:
        """The window in the copy's own coordinates (its canvas after the cut)."""
        return Bounds(0, 0, self.window.width, self.window.height)

    def _transparent(self) -> Image:
        return Image.blank(self.window.extent)

    def read_layer(self, item) -> Image:
        """The window's pixels of `item` (one of `items`); outside it, transparent."""
        twin = self._twins[item.get_id()]
        if twin is None or not twin.is_valid():
            return self._transparent()  # wholly outside the window: the cut removed it
        return _read_rgba(twin, self._local)

    def read_visible(self) -> Image:
        merged = self.copy.merge_visible_layers(Gimp.MergeType.CLIP_TO_IMAGE)
        if merged is None:
            return self._transparent()  # no visible layer in the window
        return _read_rgba(merged, self._local)


def active_layer(drawables: Sequence):
    """The layer a run works on: the one selected drawable (a mask means its layer)."""
    if not drawables:
        return None
    drawable = drawables[0]
    if isinstance(drawable, Gimp.LayerMask):
        return Gimp.Layer.from_mask(drawable)
    return drawable if isinstance(drawable, Gimp.Layer) else None


def read_selection(image) -> Mask | None:
    """The selection's coverage over its bounding box, or None when nothing is selected."""
    bounds = snapshots.selection_bounds(Gimp.Selection.bounds(image))
    if bounds is None:
        return None
    buffer = image.get_selection().get_buffer()
    data = buffer.get(_rect(bounds), 1.0, snapshots.COVERAGE_FORMAT, Gegl.AbyssPolicy.NONE)
    expected = bounds.width * bounds.height
    if len(data) != expected:
        raise ValueError(f"expected {expected} bytes of coverage, got {len(data)}")
    if not data.strip(b"\x00"):
        return None
    return Mask.from_bytes(data, bounds)


def read_snapshot(
    image,
    layer,
    sample_merged: bool,
    document_name: str,
    *,
    selection: Mask | None,
    window: Bounds | None = None,
) -> CanvasSnapshot:
    """The canvas as the core wants it: the layer's (or visible image's) pixels over
    `window` (canvas coordinates; None: the whole canvas), with `selection` (read it
    with `read_selection`; None when there is none) over the whole canvas."""
    canvas = snapshots.canvas_bounds(image.get_width(), image.get_height())
    window = window or canvas
    if layer is None and not sample_merged:
        raise UserError("Select a layer first (or turn on Sample merged).")
    with WorkingCopy(image, window, [] if sample_merged else [layer]) as work:
        if sample_merged:
            pixels, name = work.read_visible(), "visible image"
        else:
            pixels, name = work.read_layer(layer), layer.get_name()
    return CanvasSnapshot(
        image=pixels,
        origin=window.offset,
        selection=selection,
        document_name=document_name,
        layer_name=name,
        canvas=canvas,
    )


def read_layers(image, layers: Sequence, window: Bounds | None = None) -> list[Image]:
    """Other layers' pixels (markup, references) over `window` (None: the whole canvas),
    through one working copy."""
    with WorkingCopy(image, window, layers) as work:
        return [work.read_layer(layer) for layer in layers]


def document_name(image) -> str:
    file = image.get_file()
    if file is not None and file.get_basename():
        return file.get_basename()
    return image.get_name() or "Untitled"


def _layer_type(image):
    base = image.get_base_type()
    if base == Gimp.ImageBaseType.GRAY:
        return Gimp.ImageType.GRAYA_IMAGE
    if base == Gimp.ImageBaseType.INDEXED:
        return Gimp.ImageType.INDEXEDA_IMAGE
    return Gimp.ImageType.RGBA_IMAGE


def _new_layer(image, patch: LayerPatch):
    bounds = patch.bounds
    layer = Gimp.Layer.new(
        image,
        patch.name,
        bounds.width,
        bounds.height,
        _layer_type(image),
        100.0,
        Gimp.LayerMode.NORMAL,
    )
    return layer


def _write(layer, patch: LayerPatch) -> None:
    bounds = patch.bounds
    buffer = layer.get_buffer()
    # Float, not the u8 we read in: see snapshots.WRITE_FORMAT for the babl bug it avoids.
    # babl turns our u8 into float in a scratch buffer (the same sRGB, so exact: v/255),
    # which works for both pixel engines and costs no Python loop.
    Gegl.init(None)  # a plug-in's own Gegl.Buffer needs it (GIMP inits only its buffers)
    rgba = patch.image.to_rgba_bytes()
    row = bounds.width * 4
    for top, rows in snapshots.band_rows(bounds.height):
        band = Bounds(0, top, bounds.width, rows)
        # A float buffer takes our u8 (babl: v/255, exact) and is copied into the layer
        # in C: the floats never pass through Python (a third less time than get + set).
        scratch = Gegl.Buffer.new(snapshots.WRITE_FORMAT, 0, top, bounds.width, rows)
        scratch.set(_rect(band), snapshots.RGBA_FORMAT, rgba[top * row : (top + rows) * row])
        scratch.copy(_rect(band), Gegl.AbyssPolicy.NONE, buffer, _rect(band))
    buffer.flush()
    layer.update(0, 0, bounds.width, bounds.height)


def mark_provenance(image, provenance: Provenance) -> bool:
    """Merge our XMP packet (IPTC digital source type, tool, model, history id) into the
    image's metadata, which GIMP's exports write (issue 21). Never fails the run: the
    layers are in; False (and a log line) when this GIMP would not take it."""
    try:
        metadata = image.get_metadata() or Gimp.Metadata.new()
        # gimp_metadata_set_from_xmp parses a packet and merges its tags; the GExiv2
        # setters are not bound on Gimp.Metadata in Python without that typelib.
        if not metadata.set_from_xmp(xmp_packet(provenance)):
            raise ValueError("GIMP refused the XMP packet")
        image.set_metadata(metadata)
    except Exception as exc:  # noqa: BLE001 - marking is a courtesy, the result is kept
        log.warning("the image's metadata could not be marked: %s", exc)
        return False
    return True


def apply_patches(image, anchor, patches: Sequence[LayerPatch]) -> list:
    """One new layer per patch, directly above `anchor` (or on top when None), candidate 0
    uppermost and the only visible one, all in ONE undo group. Returns the new layers."""
    if not patches:
        return []
    parent = anchor.get_parent() if anchor is not None else None
    position = image.get_item_position(anchor) if anchor is not None else 0
    layers = []
    image.undo_group_start()
    try:
        for index, where in snapshots.stacking_positions(position, len(patches)):
            patch = patches[index]
            layer = _new_layer(image, patch)
            image.insert_layer(layer, parent, where)
            layer.set_offsets(patch.bounds.x, patch.bounds.y)
            _write(layer, patch)
            layer.set_visible(not layers)  # only the first candidate shows
            layers.append(layer)
        if layers:
            image.set_selected_layers([layers[0]])
    finally:
        image.undo_group_end()
    Gimp.displays_flush()
    return layers
