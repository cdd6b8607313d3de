"""Choosing among a run's candidates on the canvas: preview one, keep some, discard the rest.

The model of GIMP's candidate picker (picker_window.py is its Gtk view), with no
Gtk, so the host tests drive it in batch GIMP. An interactive run with n > 1
opens it; scripts keep today's behaviour (every candidate a layer).

- A preview is a temporary layer above everything the picker added, made while
  the image's undo is frozen (Gimp.Image.undo_freeze: "suited to interactive
  in-situ previews"), so previews never reach the undo history. GIMP asks that
  the image be back as it was frozen before it is thawed: every thaw happens
  with no preview in the image.
- Keep writes one candidate as a layer with canvas.apply_patches (its own undo
  group: one undo removes it) above what was kept before; Keep all writes the
  rest in one group, stacked as a script's run stacks them.
- close() removes the preview, thaws, and gives back the layer selection when
  nothing was kept; it is safe to call twice.
All calls on the plug-in's main thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp  # noqa: E402

from . import canvas  # noqa: E402
from .core.pixels.planning import LayerPatch  # noqa: E402

PREVIEW_PREFIX = "[preview] "
Apply = Callable[[object, object, Sequence[LayerPatch]], list]


class CandidatePicker:
    def __init__(self, image, anchor, patches: Sequence[LayerPatch],
                 apply: Apply = canvas.apply_patches) -> None:
        self.image, self.anchor, self.patches = image, anchor, list(patches)
        self.apply = apply
        self.kept: list[int] = []  # candidate indices, in the order kept
        self.layers: list = []  # the layers Keep and Keep all added
        self.preview_layer = None
        self.previewed: int | None = None
        self._top = anchor  # new layers go above the last one kept, or the anchor
        self._selected = list(image.get_selected_layers())
        self._frozen = False
        self._closed = False

    # -- the undo stack ----------------------------------------------------------------
    def open(self) -> None:
        self._freeze()

    def _freeze(self) -> None:
        if not self._frozen:
            self.image.undo_freeze()
            self._frozen = True

    def _thaw(self) -> None:
        if self._frozen:
            self.image.undo_thaw()
            self._frozen = False

    # -- what the artist does ------------------------------------------------------------
    def remaining(self) -> list[int]:
        return [i for i in range(len(self.patches)) if i not in self.kept]

    def preview(self, index: int) -> None:
        """Show candidate `index` on the canvas (replacing the previous preview)."""
        self._remove_preview()
        self._freeze()
        patch = self.patches[index]
        shown = replace(patch, name=PREVIEW_PREFIX + patch.name)
        self.preview_layer = self.apply(self.image, self._top, [shown])[0]
        self.previewed = index
        Gimp.displays_flush()

    def keep(self, index: int) -> list:
        """Candidate `index` as a layer (one undo group); [] if it was kept already."""
        if index in self.kept:
            return []
        return self._write([index])

    def keep_all(self) -> list:
        """Every candidate not kept yet, in one undo group; only the first visible."""
        return self._write(self.remaining())

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._remove_preview()
        self._thaw()
        if not self.layers:  # nothing kept: the artist's layer selection as it was
            alive = [layer for layer in self._selected if layer.is_valid()]
            if alive:
                self.image.set_selected_layers(alive)
        Gimp.displays_flush()

    # -- helpers -------------------------------------------------------------------------
    def _write(self, indices: list[int]) -> list:
        if not indices:
            return []
        self._remove_preview()
        self._thaw()  # the image is as it was frozen: no preview in it
        try:
            layers = self.apply(self.image, self._top, [self.patches[i] for i in indices])
        finally:
            if not self._closed:
                self._freeze()
        self.kept.extend(indices)
        self.layers.extend(layers)
        if layers:
            self._top = layers[0]  # the uppermost of this group
        return layers

    def _remove_preview(self) -> None:
        layer, self.preview_layer, self.previewed = self.preview_layer, None, None
        if layer is not None and layer.is_valid():
            self.image.remove_layer(layer)
