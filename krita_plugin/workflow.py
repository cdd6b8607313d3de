"""One job from the Krita side: read the canvas, submit to the core, follow it, write layers.

The docker panel and the scripting module both start jobs here, so they run
the same path. `KritaJob` wraps a core `Job` with the document it belongs to
and a QTimer on the GUI thread that polls `job.poll_events()`: streaming
previews become a locked preview layer, and on completion the results are
either applied (scripting) or left to the panel (docker). No Krita call is
ever made from the core's worker thread.
Imports krita (through .canvas), .qt and the core; no widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import canvas
from .core.errors import ImagesError, NothingToEditError
from .core.jobs.cost import CostEstimate
from .core.jobs.runner import Job, JobOptions, JobRunner, Progress
from .core.pixels.geometry import Bounds
from .core.pixels.imaging import Image, Mask
from .core.pixels.planning import CanvasSnapshot
from .qt import QTimer

POLL_MS = 50
_runner: JobRunner | None = None
# Jobs started without anyone holding on to them (Scripter's *_async) must
# not be garbage-collected with their timer while the request runs.
_running: set[KritaJob] = set()


def get_runner() -> JobRunner:
    """The process-wide runner, built from the settings, key store and environment."""
    global _runner
    if _runner is None:
        from .core.setup import make_runner

        _runner = make_runner()
    return _runner


def set_runner(runner: JobRunner | None) -> None:
    """Replace the runner (after the settings change, or for tests)."""
    global _runner
    _runner = runner


def job_options(**options: Any) -> JobOptions:
    """Script/panel keyword options over the saved settings: the core's one rule
    (core.jobs.options.job_options: a choice over the settings, caps the tighter).

    Takes the core's `Choices` names plus `count` (for n) and `padding`
    (context padding in pixels); an unknown keyword is a TypeError."""
    from .core.jobs.options import Choices
    from .core.jobs.options import job_options as decide
    from .core.store.settings import Settings

    return decide(Settings.load(), Choices.from_keywords(**options))


class DocumentPort:
    """The core's view of a Krita document (core.jobs.canvas_port.CanvasPort): every
    read on the GUI thread, the pixels converted to 8-bit sRGB."""

    def __init__(self, document: Any, visible: bool = False, layer: Any = None) -> None:
        self.document = document
        self.visible = visible
        self.layer = layer  # None: the active layer, as Krita says at read time

    def document_name(self) -> str:
        return canvas.document_name(self.document)

    def canvas_bounds(self) -> Bounds:
        return canvas.canvas_bounds(self.document)

    def read_selection(self) -> Mask | None:
        return canvas.read_selection(self.document)

    def read_snapshot(self, selection: Mask | None, window: Bounds) -> CanvasSnapshot:
        return canvas.read_snapshot(
            self.document, visible=self.visible, node=self.layer, selection=selection,
            window=window,
        )

    def read_layers(self, layers: Sequence[Any], window: Bounds | None) -> list[Image]:
        return [canvas.read_layer_image(self.document, node, window) for node in layers]


def selection_box(document: Any) -> Bounds | None:
    """The selection's bounds without reading its pixels (for the panel's estimate)."""
    sel = document.selection()
    if sel is None or sel.width() <= 0 or sel.height() <= 0:
        return None
    return Bounds(sel.x(), sel.y(), sel.width(), sel.height())


def quote(kind: str, document: Any, prompt: str, **options: Any) -> CostEstimate:
    """The estimate the panel shows: the core's, for the plan this job would make."""
    from .core.jobs import quote as quotes

    opts = job_options(**_choices_only(options))
    box = canvas.canvas_bounds(document)
    selection = selection_box(document)
    if kind == "generate":
        return quotes.quote_generate(selection or box, opts, prompt)
    if kind == "edit":
        extra = [box.extent] * len(options.get("references") or ())
        if options.get("markup") is not None:
            extra.append(box.extent)
        return quotes.quote_edit(selection, box, opts, prompt, extra)
    return quotes.quote_variation(selection, box, opts, prompt)


_NOT_CHOICES = ("visible", "references", "markup")


def _choices_only(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k not in _NOT_CHOICES}


class KritaJob:
    """A core Job bound to a Krita document, followed from a GUI-thread timer.

    Attribute access falls through to the core Job (`done`, `cancel()`,
    `result`, `error`, `state`...), so scripts can treat it as one.
    """

    def __init__(
        self,
        job: Job,
        document: Any,
        *,
        above: Any = None,
        auto_apply: bool = True,
        show_partials: bool = True,
        on_event: Callable[[KritaJob, Progress], None] | None = None,
    ) -> None:
        self.job = job
        self.document = document
        self.above = above if above is not None else document.activeNode()
        self.auto_apply = auto_apply
        self.show_partials = show_partials
        self.on_event = on_event
        self.layers: list[Any] = []  # applied result layers
        self.partials_shown = 0  # partial previews put on the canvas
        self.finished = False
        self._partial_layer: Any = None
        self._timer = QTimer()
        self._timer.timeout.connect(self.poll)
        self._timer.start(POLL_MS)
        _running.add(self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.job, name)

    def poll(self) -> None:
        """Drain the job's events; on the last one, clean up (and apply when asked)."""
        if self.finished:
            return
        done = self.job.done  # read before draining: every event is queued before done is set
        for event in self.job.poll_events():
            if event.stage == "partial" and event.preview is not None and self.show_partials:
                self._show_partial(event)
            if self.on_event is not None:
                self.on_event(self, event)
        if done:
            self._finish()

    def _show_partial(self, event: Progress) -> None:
        if not document_is_open(self.document):
            return
        old = self._partial_layer
        self._partial_layer = canvas.show_preview(self.document, event.preview, above=self.above)
        canvas.remove_layer(self.document, old)
        self.partials_shown += 1

    def _finish(self) -> None:
        self._timer.stop()
        self.finished = True
        _running.discard(self)
        if document_is_open(self.document):
            canvas.remove_layer(self.document, self._partial_layer)
            self._partial_layer = None
            if self.auto_apply and self.job.state == "done":
                self.layers = self.apply(range(len(self.job.result.candidates)))
        if self.on_event is not None:
            self.on_event(self, Progress("finished"))

    def apply(self, indices: Sequence[int] | range) -> list[Any]:
        """Write the chosen candidates as new layers, stacked as every host stacks
        them (core.jobs.canvas_port.stack_order): the first directly above the source
        layer and uppermost, the others below it in order, only the first visible."""
        from .core.jobs.canvas_port import stack_order

        chosen = list(indices)
        layers = []
        for position in stack_order(len(chosen)):
            patch = self.job.result.candidates[chosen[position]].patch
            # each goes directly above the source, so below the ones already placed
            layer = canvas.apply_patch(self.document, patch, above=self.above)
            if position > 0:
                layer.setVisible(False)
            layers.append(layer)
        first = self.job.result.candidates[chosen[0]] if chosen else None
        if first is not None and first.entry is not None and self.job.options.mark_provenance:
            from .core.jobs.delivery import provenance_of

            canvas.mark_provenance(self.document, provenance_of(first.entry))
        return layers

    def cancel(self) -> None:
        self.job.cancel()


def document_is_open(document: Any) -> bool:
    """False once the user closed the document (its wrapper then points at nothing)."""
    from krita import Krita

    try:
        return any(d == document for d in Krita.instance().documents())
    except RuntimeError:
        return False


def start(
    kind: str,
    document: Any,
    prompt: str = "",
    *,
    visible: bool = False,
    layer: Any = None,
    references: Sequence[Any] = (),
    markup: Any = None,
    auto_apply: bool = True,
    show_partials: bool = True,
    on_event: Callable[[KritaJob, Progress], None] | None = None,
    **options: Any,
) -> KritaJob:
    """Start a generate / edit / variation job on `document` (GUI thread).

    `layer` is the layer to read and to place the result above (default: the active
    one; Krita 5.2 run headless never has one, see README). `markup` (a layer whose
    strokes guide the edit) and `references` (layers sent as further images) are
    Krita layers of `document`. Raises canvas.CanvasError
    (a user message) when the canvas cannot be used, and the core's ImagesError
    when the request is invalid before it is sent.
    """
    # Scripter's Krita.instance().activeDocument() gives None with nothing open,
    # or, once the last document was closed, a stale wrapper of the closed one
    if document is None or not document_is_open(document):
        raise canvas.CanvasError("No document is open: open or create one first.")
    from .core.jobs import canvas_port

    opts = job_options(**options)
    runner = get_runner()
    above = layer if layer is not None else document.activeNode()
    port = DocumentPort(document, visible, layer)
    if kind == "generate":
        recipe = canvas_port.generate_job(port, prompt, opts)
    elif kind == "edit":
        recipe = canvas_port.edit_job(
            port, prompt, opts, markup_layer=markup, reference_layers=references
        )
    elif kind == "variation":
        recipe = canvas_port.variation_job(port, opts, prompt or None)
    else:
        raise ValueError(f"unknown job kind {kind!r}")
    job = runner.submit(recipe)
    return KritaJob(
        job, document, above=above, auto_apply=auto_apply, show_partials=show_partials,
        on_event=on_event,
    )


# The core decides that there is nothing to edit (core.pixels.planning.edit_target);
# these are Krita's words for each reason.
NOTHING_TO_EDIT = {
    "empty_selection": "The selection is empty: select the area to repaint.",
    "outside_canvas": "The selection lies outside the canvas: select an area on the image.",
    "no_selection": "Nothing is selected: select the area to repaint.",
    "opaque_layer": (
        "Nothing to edit: select an area (a soft selection blends the edge), "
        "or make part of the layer transparent to extend the image there."
    ),
}


def result_summary(result: Any) -> str:
    """The status line after a job: its cost, failed candidates, and the job's notices
    (a history folder refused, a model about to shut down), each a masked plain line."""
    from .core.store.secrets import user_text

    notes = []
    if result.actual_cost_usd is not None:
        notes.append(f"cost ${result.actual_cost_usd:.3f}")
    if result.failures:
        notes.append(f"{len(result.failures)} image(s) failed: "
                     f"{describe_error(result.failures[0])}")
    notes.extend(user_text(note) for note in result.notices)
    return "; ".join(notes)


def describe_error(error: BaseException | None) -> str:
    """A one-line message for the user; never a traceback."""
    if error is None:
        return "The request failed without a message."
    from .core.store.secrets import user_text  # keys masked, server text made plain

    if isinstance(error, NothingToEditError):
        return NOTHING_TO_EDIT.get(error.reason, user_text(error))
    if isinstance(error, (ImagesError, canvas.CanvasError)):
        return user_text(error) or type(error).__name__
    return f"Unexpected error: {user_text(error)}"
