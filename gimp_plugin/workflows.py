"""The three runs (generate, edit, variations): snapshot in, core Job, layers out.

Each run reads the canvas on the main thread (canvas.py), submits a core Job
(the HTTP happens on the Job's worker thread), waits for it while GIMP's
progress bar names the stage (running.py), and writes the candidates as new
layers in one undo group. The history entries are on disk before a layer is
inserted (the core's Job writes them first). Errors are raised as they come;
procedures.py turns them into one message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import arguments, canvas, running, snapshots
from .core import setup
from .core.errors import ImagesError
from .core.jobs import Job, JobOptions
from .core.planning import ContextOptions
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


def job_options(values: arguments.RunValues) -> JobOptions:
    """The run's choices over the user's settings (spend caps, mask growth, output format)."""
    settings = setup.load_settings()
    context = ContextOptions(
        padding_px=values.padding, whole_image=values.whole_image, grow_px=settings.grow_px
    )
    return setup.job_options(
        settings,
        model=values.model,
        size=values.size,
        quality=values.quality,
        complexity=values.complexity,
        n=values.count,
        background=values.background,
        input_fidelity=values.input_fidelity,
        stream=values.stream,
        context=context,
    )


def _require_prompt(values: arguments.RunValues) -> None:
    if not values.prompt:
        raise UserError("Type a prompt first.")


def generate(image, drawables, values, interactive: bool, runner) -> tuple[Job, Any]:
    _require_prompt(values)
    selection = canvas.read_selection(image)
    whole = snapshots.canvas_bounds(image.get_width(), image.get_height())
    target = selection.bounds if selection is not None else whole
    job = runner().submit_generate(
        values.prompt, target, job_options(values), canvas.document_name(image)
    )
    return job, canvas.active_layer(drawables)


def edit(image, drawables, values, interactive: bool, runner) -> tuple[Job, Any]:
    _require_prompt(values)
    layer = canvas.active_layer(drawables)
    options = job_options(values)
    # Only the part of the canvas the plan will use is read: the context crop around
    # the selection (the whole canvas without one, to find the transparent pixels).
    selection = canvas.read_selection(image)
    whole = snapshots.canvas_bounds(image.get_width(), image.get_height())
    window = snapshots.edit_read_window(selection, whole, options)
    snapshot = canvas.read_snapshot(
        image,
        layer,
        values.sample_merged,
        canvas.document_name(image),
        selection=selection,
        window=window,
    )
    if snapshot.selection is None and not snapshots.transparent_area(snapshot.image.pixels).any():
        # Without a selection the core fills the transparent pixels (outpainting);
        # with neither there is nothing to edit, and the artist should hear why.
        raise UserError(
            "Select the area to repaint first (or leave part of the layer transparent to fill it)."
        )
    # The markup is read over the snapshot's window (the core cuts it in the snapshot's
    # coordinates, exactly like the first image); references over the whole canvas.
    markup = None
    if values.markup_layer is not None:
        (markup,) = canvas.read_layers(image, [values.markup_layer], window)
    references = canvas.read_layers(image, values.reference_layers)
    job = runner().submit_edit(values.prompt, snapshot, options, references, markup)
    return job, layer


def variations(image, drawables, values, interactive: bool, runner) -> tuple[Job, Any]:
    layer = canvas.active_layer(drawables)
    # A variation re-imagines the whole source; the selection plays no part.
    snapshot = canvas.read_snapshot(
        image, layer, values.sample_merged, canvas.document_name(image), selection=None
    )
    job = runner().submit_variation(snapshot, job_options(values), values.prompt or None)
    return job, layer


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
    layers = canvas.apply_patches(image, anchor, patches)
    warning = ""
    if job.result.failures:
        warning = f"{len(job.result.failures)} of {values.count} candidates failed; " + describe(
            job.result.failures[0]
        )
    return Outcome(layers, _report(job, layers, values), warning)
