"""Waiting for a core Job on the plug-in's main thread, with GIMP's progress bar.

The Job's worker thread does the HTTP; this thread only polls
`job.poll_events()` a few times a second and passes the stage to
Gimp.progress_*, so GIMP keeps hearing from the plug-in and never calls it
unresponsive, and no GIMP call ever runs on the worker thread.
Interactive runs wait in a small window with a Cancel button (dialog.py);
cancelling the progress from GIMP's status bar ends the plug-in process, which
is as safe: nothing has been written to the image yet.
"""

from __future__ import annotations

import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp  # noqa: E402

from .messages import stage_text  # noqa: E402

POLL_SECONDS = 0.1


def show_events(events, count: int) -> None:
    for event in events:
        Gimp.progress_set_text(stage_text(event.stage, event.candidate, count))


def wait(job, count: int, interactive: bool) -> None:
    """Return when the job has ended (done, failed or cancelled)."""
    Gimp.progress_init(stage_text("queued"))
    try:
        if interactive:
            from . import dialog

            dialog.wait_with_cancel(job, count)
        while not job.wait(POLL_SECONDS):
            show_events(job.poll_events(), count)
            Gimp.progress_pulse()
        show_events(job.poll_events(), count)
    finally:
        Gimp.progress_end()
