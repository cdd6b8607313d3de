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
from dataclasses import replace
from typing import Any

import numpy as np

from . import canvas
from .core.catalogue import get_model
from .core.errors import ImagesError
from .core.geometry import Bounds
from .core.jobs import Job, JobOptions, JobRunner, Progress
from .core.planning import CanvasSnapshot, ContextOptions, edit_window, variation_window
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
        from .core.jobs import runner_from_environment

        _runner = runner_from_environment()
    return _runner


def set_runner(runner: JobRunner | None) -> None:
    """Replace the runner (after the settings change, or for tests)."""
    global _runner
    _runner = runner


def job_options(**options: Any) -> JobOptions:
    """Script/panel keyword options -> the core's JobOptions.

    Accepts the JobOptions field names plus `count` (for n), `padding`
    (context padding in pixels) and `whole_image` (send the whole image as context).
    """
    opts = dict(options)
    if "count" in opts:
        opts["n"] = opts.pop("count")
    context = opts.pop("context", None) or ContextOptions()
    if "padding" in opts:
        context = replace(context, padding_px=int(opts.pop("padding")))
    if "whole_image" in opts:
        context = replace(context, whole_image=bool(opts.pop("whole_image")))
    known = set(JobOptions.__dataclass_fields__)
    unknown = sorted(set(opts) - known)
    if unknown:
        raise TypeError("unknown option(s): " + ", ".join(unknown))
    return JobOptions(context=context, **opts)


def outpaint_mask(snapshot: CanvasSnapshot) -> np.ndarray | None:
    """Coverage to fill when nothing is selected: the transparent part of the layer.

    Partly transparent pixels are partly filled (coverage = 255 - alpha).
    None when the layer has no transparent pixel at all.
    """
    alpha = snapshot.image.pixels[..., 3]
    coverage = (255 - alpha).astype(np.uint8)
    return coverage if coverage.any() else None


def snapshot_for_edit(document: Any, options: JobOptions, visible: bool = False) -> CanvasSnapshot:
    """The snapshot of an edit: the selection, or else the layer's transparent pixels.

    Only the window the edit needs is read (the context around the selection),
    so a small edit on a huge canvas stays small. The core fills transparent
    pixels itself when nothing is selected; the check here only turns "nothing
    to edit" into a message before the job starts.
    """
    selection = canvas.read_selection(document)
    window = edit_window(
        selection, canvas.canvas_bounds(document), get_model(options.model),
        options.context, options.size,
    )
    snap = canvas.read_snapshot(document, visible=visible, selection=selection, window=window)
    if snap.selection is None and outpaint_mask(snap) is None:
        raise canvas.CanvasError(
            "Nothing to edit: select an area (a soft selection blends the edge), "
            "or make part of the layer transparent to extend the image there."
        )
    return snap


def snapshot_for_variation(
    document: Any, options: JobOptions, visible: bool = False
) -> CanvasSnapshot:
    """The selection's box (grown to the request's aspect) or the whole canvas."""
    selection = canvas.read_selection(document)
    window = variation_window(
        selection, canvas.canvas_bounds(document), get_model(options.model), options.size
    )
    return canvas.read_snapshot(document, visible=visible, selection=selection, window=window)


def generate_target(document: Any) -> Bounds:
    """Where a generated image goes: the selection's box, else the whole canvas."""
    mask = canvas.read_selection(document)
    if mask is not None:
        return mask.bounds
    return Bounds(0, 0, document.width(), document.height())


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
        """Write the chosen candidates as new layers, in order, each above the previous."""
        layers = []
        above = self.above
        for i in indices:
            patch = self.job.result.candidates[i].patch
            above = canvas.apply_patch(self.document, patch, above=above)
            layers.append(above)
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
    references: Sequence[Any] = (),
    markup: Any = None,
    auto_apply: bool = True,
    show_partials: bool = True,
    on_event: Callable[[KritaJob, Progress], None] | None = None,
    **options: Any,
) -> KritaJob:
    """Start a generate / edit / variation job on `document` (GUI thread).

    `markup` (a layer whose strokes guide the edit) and `references` (layers sent
    as further images) are Krita layers of `document`. Raises canvas.CanvasError
    (a user message) when the canvas cannot be used, and the core's ImagesError
    when the request is invalid before it is sent.
    """
    # Scripter's Krita.instance().activeDocument() gives None with nothing open,
    # or, once the last document was closed, a stale wrapper of the closed one
    if document is None or not document_is_open(document):
        raise canvas.CanvasError("No document is open: open or create one first.")
    opts = job_options(**options)
    runner = get_runner()
    above = document.activeNode()
    if kind == "generate":
        job = runner.submit_generate(
            prompt, generate_target(document), opts, canvas.document_name(document)
        )
    elif kind == "edit":
        snap = snapshot_for_edit(document, opts, visible=visible)
        # the markup is cut like the first image, so it is read over the same window
        guide = None if markup is None else canvas.read_layer_image(
            document, markup, snap.image_bounds
        )
        refs = [canvas.read_layer_image(document, node) for node in references]
        job = runner.submit_edit(prompt, snap, opts, references=refs, markup=guide)
    elif kind == "variation":
        snap = snapshot_for_variation(document, opts, visible=visible)
        job = runner.submit_variation(snap, opts, prompt=prompt or None)
    else:
        raise ValueError(f"unknown job kind {kind!r}")
    return KritaJob(
        job, document, above=above, auto_apply=auto_apply, show_partials=show_partials,
        on_event=on_event,
    )


def describe_error(error: BaseException | None) -> str:
    """A one-line message for the user; never a traceback."""
    if error is None:
        return "The request failed without a message."
    if isinstance(error, (ImagesError, canvas.CanvasError)):
        return str(error) or type(error).__name__
    return f"Unexpected error: {error}"
