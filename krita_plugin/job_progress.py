"""The docker's progress bar: the stage in words, the elapsed time, and a measure where the
stage has one.

The words and the measure are the core glossary's (the same line as GIMP's wait
window): bytes sent or received of a known total while uploading or
downloading, preview k of the previews asked for while streaming; any other
stage shows a busy bar, since the API says nothing while it renders. A timer
of its own ticks the elapsed time, because the job's events can be a minute
apart. Imports .qt, .i18n and the core's glossary and job handle.
"""

from __future__ import annotations

import time
from typing import Any

from .core import glossary
from .core.jobs.job_handle import Progress
from .i18n import _
from .qt import QtCore, QtWidgets

STEPS = 1000  # a determinate bar's range: fine enough for a byte count


class JobProgress:
    """Drives one QProgressBar for the docker's current job (GUI thread)."""

    def __init__(self, bar: QtWidgets.QProgressBar) -> None:
        self.bar = bar
        self.started: float | None = None
        self.count = 1
        self.partials = 0
        self.last: Progress | None = None
        self.timer = QtCore.QTimer(bar)
        self.timer.setInterval(500)
        self.timer.timeout.connect(self._tick)
        bar.setTextVisible(True)
        self._final("ready", None)

    def start(self, count: int, partials: int) -> None:
        """A job was submitted: a busy bar, "Preparing the request · 0 s"."""
        self.started, self.count, self.partials = time.monotonic(), count, partials
        self.last = Progress("queued")
        self.timer.start()
        self._show(self.last)

    def event(self, event: Progress) -> None:
        if event.stage in glossary.STAGES and event.stage not in glossary.FINAL:
            self.last = event
            self._show(event)

    def cancelling(self) -> None:
        self.bar.setFormat(_(glossary.STAGES["cancelling"]))

    def finish(self, state: str) -> None:
        """The job ended: "Done" (a full bar), "Failed" or "Cancelled"; the time is in the
        status line's summary, so the word stays short."""
        elapsed = None if self.started is None else time.monotonic() - self.started
        self.timer.stop()
        self.started = None
        self._final(state, elapsed)

    def elapsed(self) -> float | None:
        return None if self.started is None else time.monotonic() - self.started

    def _tick(self) -> None:
        if self.last is not None and self.started is not None:
            self._show(self.last)

    def _show(self, event: Progress) -> None:
        fraction = glossary.event_fraction(event, self.partials)
        if fraction is None:
            self.bar.setRange(0, 0)  # busy: the stage has no measure
        else:
            self.bar.setRange(0, STEPS)
            self.bar.setValue(round(fraction * STEPS))
        self.bar.setFormat(glossary.event_line(event, self.count, self.partials,
                                               self.elapsed(), _))

    def _final(self, state: str, elapsed: float | None) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if state == "done" else 0)
        self.bar.setFormat(_(glossary.STAGES.get(state, state)))
        self.last_elapsed: Any = elapsed
