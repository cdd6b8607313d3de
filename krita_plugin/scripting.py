"""Scripting entry points for Krita's Scripter and the host tests.

    from openai_images import scripting
    doc = Krita.instance().activeDocument()
    layers = scripting.generate(doc, "a lighthouse at dusk", size="1024x1024", n=2)
    layers = scripting.edit_selection(doc, "a red umbrella", padding=64)
    layers = scripting.variations(doc, n=3)
    job = scripting.edit_selection_async(doc, "a cat")   # returns at once; job.cancel()

Every function runs the same path as the docker panel (`workflow.start`).
The synchronous ones return the new layers (Krita Nodes, one per candidate,
above the active layer) and keep Qt's event loop turning while they wait, so
the canvas repaints and streaming previews appear. They raise the core's
ImagesError (or CanvasError) when the job fails, CancelledError when it is
cancelled. The `*_async` ones return a job (attribute access falls through to
the core Job: `done`, `cancel()`, `result`, `error`) whose results are applied
as layers when it finishes (`job.layers`); `wait(job)` blocks the same way.

Options (keywords): model, size ("auto" or "WxH"), quality, complexity (the
models that take one; leave it out for the model's default), n (or count),
background ("transparent"/"opaque"/"auto"), output_format, input_fidelity,
stream (partial previews), partial_images, padding (context pixels),
whole_image, spend_cap_job_usd, spend_cap_day_usd, visible (read the visible image instead of the
active layer), layer (a Node: read it and place the results above it, instead of the
active layer), timeout (seconds, synchronous calls only).
Imports only .workflow and .qt.
"""

from __future__ import annotations

import time
from typing import Any

from .core.errors import CancelledError
from .qt import process_events
from .workflow import KritaJob, start


def generate_async(document: Any, prompt: str, **options: Any) -> KritaJob:
    """Start a text-to-image job; the result goes to the selection's box or the canvas."""
    return start("generate", document, prompt, **options)


def edit_selection_async(document: Any, prompt: str, **options: Any) -> KritaJob:
    """Start an inpainting job on the selection (or the transparent part of the layer)."""
    return start("edit", document, prompt, **options)


def variations_async(document: Any, prompt: str = "", **options: Any) -> KritaJob:
    """Start a variations job on the active layer (or the visible image)."""
    return start("variation", document, prompt, **options)


def wait(job: KritaJob, timeout: float | None = None) -> list[Any]:
    """Block, with the GUI alive, until `job` has finished; return its new layers.

    On timeout the job is cancelled and TimeoutError raised.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    while not job.finished:
        process_events()
        job.poll()  # also without an event loop (kritarunner has none)
        if deadline is not None and time.monotonic() > deadline:
            job.cancel()
            raise TimeoutError(f"the job did not finish within {timeout} s")
        time.sleep(0.01)
    if job.state == "cancelled":
        raise job.error or CancelledError("cancelled")
    if job.state != "done":
        raise job.error or RuntimeError("the job failed")
    return list(job.layers)


def generate(document: Any, prompt: str, timeout: float | None = None, **options: Any) -> list[Any]:
    return wait(generate_async(document, prompt, **options), timeout)


def edit_selection(
    document: Any, prompt: str, timeout: float | None = None, **options: Any
) -> list[Any]:
    return wait(edit_selection_async(document, prompt, **options), timeout)


def variations(
    document: Any, prompt: str = "", timeout: float | None = None, **options: Any
) -> list[Any]:
    return wait(variations_async(document, prompt, **options), timeout)
