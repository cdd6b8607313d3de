"""The three runs (generate, edit, variations): snapshot in, core Job, layers out.

Each run reads the canvas on the main thread (canvas.py), submits a core Job
(the HTTP happens on the Job's worker thread), waits for it while GIMP's
progress bar names the stage (running.py), and writes the candidates as new
layers in one undo group. An interactive run with several candidates lets the
artist choose instead (picker_window.py: preview on the canvas, keep some, one
undo group per kept result); scripts get every candidate, as before. The
history entries are on disk before a layer is inserted (the core's Job writes
them first). Errors are raised as they come;
procedures.py turns them into one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import arguments, canvas, running, snapshots
from .core import setup
from .core.errors import ImagesError
from .core.jobs import canvas_port
from .core.jobs import quote as quotes
from .core.jobs.cost import CostEstimate
from .core.jobs.delivery import provenance_of
from .core.jobs.options import Choices
from .core.jobs.options import job_options as decide
from .core.jobs.runner import Job, JobOptions
from .core.pixels.geometry import Bounds
from .core.pixels.imaging import Image, Mask
from .core.pixels.planning import CanvasSnapshot
from .core.store.secrets import user_text
from .messages import UserError, describe


def is_expected(exc: BaseException) -> bool:
    """Errors with a meaning for the artist (no traceback worth logging)."""
    return isinstance(exc, (UserError, ImagesError))


@dataclass
class Outcome:
    layers: list
    report: dict[str, Any] = field(default_factory=dict)
    warning: str = ""


def _make_runner():
    """The core's runner (settings, key store, history, spend ledger, environment); made
    after the canvas is read, so "select something first" comes before any setup error."""
    return setup.make_runner()


def choices(values: arguments.RunValues) -> Choices:
    """What the run's arguments chose; the core puts them over the saved settings.

    A GIMP argument always has a value, so one left at its declared default counts as
    not chosen and the saved setting applies (as in the CLI and Krita, which share the
    settings file): the dialog's Auto quality, 1 candidate, 64 px padding. Previews
    stream only when asked, as everywhere (core.jobs.options)."""
    defaults = {a.name: a.default for a in arguments.procedure_arguments(arguments.GENERATE)}

    def chosen(value: Any, default: Any) -> Any:
        return None if value == default else value

    return Choices(
        model=chosen(values.model, defaults[arguments.MODEL.name]),
        size=chosen(values.size, arguments.SIZE.default),
        quality=values.quality,  # None: Auto, the default
        complexity=values.complexity,
        n=chosen(values.count, arguments.COUNT.default),
        background=values.background,  # None: Auto, the default
        input_fidelity=values.input_fidelity,
        stream=values.stream,
        padding_px=chosen(values.padding, arguments.PADDING.default),
        whole_image=values.whole_image,
    )


def job_options(values: arguments.RunValues) -> JobOptions:
    """The run's choices over the user's settings (core.jobs.options.job_options)."""
    return decide(setup.load_settings(), choices(values))


class ImagePort:
    """The core's view of a GIMP image (core.jobs.canvas_port.CanvasPort): the run's layer
    (or the visible image with Sample merged), read through canvas.py."""

    def __init__(self, image, layer, sample_merged: bool) -> None:
        self.image, self.layer, self.sample_merged = image, layer, sample_merged

    def document_name(self) -> str:
        return canvas.document_name(self.image)

    def canvas_bounds(self) -> Bounds:
        return snapshots.canvas_bounds(self.image.get_width(), self.image.get_height())

    def read_selection(self) -> Mask | None:
        return canvas.read_selection(self.image)

    def read_snapshot(self, selection: Mask | None, window: Bounds) -> CanvasSnapshot:
        return canvas.read_snapshot(
            self.image, self.layer, self.sample_merged, self.document_name(),
            selection=selection, window=window,
        )

    def read_layers(self, layers: Sequence[Any], window: Bounds | None) -> list[Image]:
        return canvas.read_layers(self.image, layers, window)


def quote(name: str, values: arguments.RunValues, canvas_box: Bounds,
          selection: Bounds | None) -> CostEstimate:
    """The core's estimate for this run as it would be planned (what the caps check)."""
    options = job_options(values)
    if name == arguments.GENERATE:
        return quotes.quote_generate(selection or canvas_box, options, values.prompt)
    if name == arguments.EDIT:
        extra = [canvas_box.extent] * len(values.reference_layers)
        if values.markup_layer is not None:
            extra.append(canvas_box.extent)
        return quotes.quote_edit(selection, canvas_box, options, values.prompt, extra)
    return quotes.quote_variation(selection, canvas_box, options, values.prompt)


def _require_prompt(values: arguments.RunValues) -> None:
    if not values.prompt:
        raise UserError("Type a prompt first.")


def generate(image, drawables, values, interactive: bool, runner) -> tuple[Job, Any]:
    _require_prompt(values)
    layer = canvas.active_layer(drawables)
    recipe = canvas_port.generate_job(
        ImagePort(image, layer, values.sample_merged), values.prompt, job_options(values)
    )
    return runner().submit(recipe), layer


def edit(image, drawables, values, interactive: bool, runner) -> tuple[Job, Any]:
    # no prompt check: an edit with an empty prompt removes the selection's content
    # (core.jobs.recipes.edit_prompt, issue 19)
    layer = canvas.active_layer(drawables)
    # The core reads only the window its plan needs and decides whether there is
    # anything to edit (the same rule as the CLI's and Krita's).
    recipe = canvas_port.edit_job(
        ImagePort(image, layer, values.sample_merged),
        values.prompt,
        job_options(values),
        markup_layer=values.markup_layer,
        reference_layers=values.reference_layers,
    )
    return runner().submit(recipe), layer


def variations(image, drawables, values, interactive: bool, runner) -> tuple[Job, Any]:
    layer = canvas.active_layer(drawables)
    recipe = canvas_port.variation_job(
        ImagePort(image, layer, values.sample_merged), job_options(values), values.prompt or None
    )
    return runner().submit(recipe), layer


_RUNS = {arguments.GENERATE: generate, arguments.EDIT: edit, arguments.VARIATIONS: variations}


def _report(job: Job, layers: list, values: arguments.RunValues) -> dict[str, Any]:
    result = job.result
    estimate = result.estimate
    return {
        "layers": [layer.get_name() for layer in layers],
        "bounds": [list(c.patch.bounds.__dict__.values()) for c in result.candidates],
        "history": [str(getattr(c.entry, "id", "")) for c in result.candidates],
        "estimated_usd": estimate.usd if estimate else None,
        "actual_usd": result.actual_cost_usd,
        "request_ids": list(result.request_ids),
        "failures": len(result.failures),
        "settings": dict(arguments.values_as_dict(values)),
    }


def run(
    name: str, image, drawables: list, values: arguments.RunValues, interactive: bool
) -> Outcome:
    # A model and a choice that do not go together get one line before the canvas is read.
    # The choice lists are the union over the models, and a script may pass any of them
    # (the dialog asks the same question on OK).
    problem = arguments.combination_problem(values)
    if problem:
        raise UserError(problem)
    job, anchor = _RUNS[name](image, drawables, values, interactive, _make_runner)
    running.wait(job, values.count, interactive)
    if job.error is not None and not job.result.candidates:
        raise job.error
    if job.state == "cancelled" and not job.result.candidates:
        raise job.error or UserError("Cancelled; nothing was added.")
    patches = [c.patch for c in job.result.candidates]
    if interactive and len(patches) > 1:
        from . import picker_window  # Gtk: interactive runs only

        layers, kept = picker_window.pick(image, anchor, patches)
    else:
        layers, kept = canvas.apply_patches(image, anchor, patches), list(range(len(patches)))
    first = job.result.candidates[kept[0]] if layers and kept else None
    if first is not None and job.options.mark_provenance and first.entry is not None:
        canvas.mark_provenance(image, provenance_of(first.entry))
    notes = [user_text(note) for note in job.result.notices]
    if job.result.failures:
        failed = f"{len(job.result.failures)} of {values.count} candidates failed; "
        notes.insert(0, failed + describe(job.result.failures[0]))
    return Outcome(layers, _report(job, layers, values), "; ".join(notes))
