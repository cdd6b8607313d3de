"""What the core reads from a host, and the decisions it makes from it.

Every entry point hands the core a `CanvasPort`: the document's bounds, the
selection, the pixels of a window of the source layer, other layers' pixels.
The core decides the window to read (`edit_window`, `variation_window`),
whether there is anything to edit (`planning.edit_target`, one rule for all),
and builds the recipe; the host only answers reads. The CLI's port reads
files, Krita's and GIMP's read the document.

Where results go is decided here too: `stack_order` is the order every host
stacks its candidate layers in.

Imports the core's planning, options and recipes; no host.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ..models.catalogue import get_model
from ..pixels.geometry import Bounds
from ..pixels.imaging import Image, Mask
from ..pixels.planning import CanvasSnapshot, edit_target, edit_window, variation_window
from .options import JobOptions
from .recipes import Recipe, edit_recipe, generate_recipe, variation_recipe


class CanvasPort(Protocol):
    """A host's document as the core reads it (all on the host's main thread)."""

    def document_name(self) -> str: ...

    def canvas_bounds(self) -> Bounds: ...

    def read_selection(self) -> Mask | None:
        """The selection's coverage over its box; None when nothing is selected."""

    def read_snapshot(self, selection: Mask | None, window: Bounds) -> CanvasSnapshot:
        """The source layer (or the visible image) over `window`, with `selection`."""

    def read_layers(self, layers: Sequence[Any], window: Bounds | None) -> list[Image]:
        """Other layers (markup, references) over `window`; None: the whole canvas."""


def generate_job(port: CanvasPort, prompt: str, options: JobOptions) -> Recipe:
    """Generate into the selection's box, else the whole canvas."""
    selection = port.read_selection()
    target = selection.bounds if selection is not None else port.canvas_bounds()
    return generate_recipe(prompt, target, options, port.document_name())


def edit_job(
    port: CanvasPort,
    prompt: str,
    options: JobOptions,
    *,
    markup_layer: Any = None,
    reference_layers: Sequence[Any] = (),
    whole_image: bool = False,
) -> Recipe:
    """Repaint the selection (or, with none, the layer's transparent pixels).

    Only the window the plan needs is read, and "nothing to edit" is refused here,
    before anything is encoded or sent (NothingToEditError with its reason)."""
    spec = get_model(options.model)
    selection = port.read_selection()
    canvas = port.canvas_bounds()
    window = canvas if whole_image else edit_window(
        selection, canvas, spec, options.context, options.size
    )
    snapshot = port.read_snapshot(selection, window)
    if not whole_image:
        edit_target(snapshot)
    # the markup is cut like the first image, so it is read over the same window;
    # references are whole layers
    markup = None
    if markup_layer is not None:
        (markup,) = port.read_layers([markup_layer], snapshot.image_bounds)
    references = port.read_layers(reference_layers, None) if reference_layers else []
    return edit_recipe(prompt, snapshot, options, references, markup, whole_image)


def variation_job(port: CanvasPort, options: JobOptions, prompt: str | None = None) -> Recipe:
    """Variations of the selection's box (grown to the request's aspect), else the canvas."""
    spec = get_model(options.model)
    selection = port.read_selection()
    window = variation_window(selection, port.canvas_bounds(), spec, options.size)
    return variation_recipe(port.read_snapshot(selection, window), options, prompt)


def stack_order(count: int) -> list[int]:
    """Candidate indices from the top of the layer stack down: candidate 1 (index 0)
    uppermost, directly above the source layer, the others below it in order. Every
    host stacks them so, and shows only the uppermost."""
    return list(range(count))
