"""Waiting for a core Job on the plug-in's main thread, with GIMP's progress bar.

The Job's worker thread does the HTTP; this thread only polls
`job.poll_events()` a few times a second and passes the stage to
Gimp.progress_* (the glossary's line, the words of Krita's bar too, and a
filled bar where the stage has a measure), so GIMP keeps hearing from the
plug-in and never calls it unresponsive, and no GIMP call ever runs on the
worker thread.
Interactive runs wait in a small window with a Cancel button (dialog.py);
cancelling the progress from GIMP's status bar ends the plug-in process, which
is as safe: nothing has been written to the image yet.
"""

from __future__ import annotations

import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp  # noqa: E402

from .core import glossary  # noqa: E402
from .i18n import _  # noqa: E402
from .messages import TITLE  # noqa: E402

POLL_SECONDS = 0.1


def show_events(events, count: int, partials: int = 0) -> bool:
    """Name the latest stage; True when it filled the bar (else the caller pulses)."""
    measured = False
    for event in events:
        if event.stage not in glossary.STAGES:
            continue  # a notice: said once at the end of the run
        Gimp.progress_set_text(f"{TITLE}: " + glossary.event_line(event, count, partials,
                                                                   None, _))
        fraction = glossary.event_fraction(event, partials)
        if fraction is not None:
            Gimp.progress_update(fraction)
        measured = fraction is not None
    return measured


def wait(job, count: int, interactive: bool) -> None:
    """Return when the job has ended (done, failed or cancelled)."""
    Gimp.progress_init(f"{TITLE}: " + _(glossary.STAGES["queued"]))
    partials = job.options.partial_images if job.options.stream else 0
    try:
        if interactive:
            from . import dialog

            dialog.wait_with_cancel(job, count)
        while not job.wait(POLL_SECONDS):
            if not show_events(job.poll_events(), count, partials):
                Gimp.progress_pulse()
        show_events(job.poll_events(), count, partials)
    finally:
        Gimp.progress_end()
