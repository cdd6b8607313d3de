"""What a running job shows on stderr: on a terminal, one live line redrawn every
tenth of a second (stage, the clock ticking, each candidate's stage, the
estimate); elsewhere plain lines, one per change and a heartbeat, with no `\\r`
for a log file to choke on. `-q` shows nothing, `-v` adds request ids and timings.

The standard library is enough for one line and a few colours; a terminal UI
library would be a dependency of the bundle for a line of text. Colour only on
a terminal, never with NO_COLOR (no-color.org) or TERM=dumb.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from typing import Literal, TextIO

from ..jobs.cost import CostEstimate
from ..jobs.job_handle import FINAL_STAGES, Job, Progress

Mode = Literal["live", "lines", "quiet"]
HEARTBEAT_S = 10.0  # a plain-lines run says it is alive at least this often
SPINNER = "|/-\\"


def choose_mode(stream: TextIO, quiet: bool, environ: dict[str, str] | None = None) -> Mode:
    if quiet:
        return "quiet"
    env = os.environ if environ is None else environ
    if stream.isatty() and env.get("TERM") != "dumb":
        return "live"
    return "lines"


def use_colour(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return stream.isatty() and "NO_COLOR" not in env and env.get("TERM") != "dumb"


@dataclass
class Display:
    """Follows one job; `show` is called with each batch of events and on every tick."""

    stream: TextIO
    mode: Mode
    verbose: bool = False
    colour: bool = False
    count: int = 1
    # first candidate index -> images its request carries (one request may carry all n)
    spans: dict[int, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    stages: dict[int, str] = field(default_factory=dict)
    reached: dict[tuple[int, str], float] = field(default_factory=dict)
    stage: str = "queued"
    estimate: str = ""
    _last_line: float = 0.0
    _width: int = 0
    _ticks: int = 0

    def announce(self, estimate: CostEstimate | None) -> None:
        """The estimate up front: the user sees the price before the clock runs."""
        if estimate is None:
            return
        self.estimate = f"est. ${estimate.usd:.3f}"
        spread = ""
        if round(estimate.low, 3) != round(estimate.high, 3):
            spread = f" (${estimate.low:.3f}-${estimate.high:.3f})"
        guess = ", a guess: no published price" if estimate.guess else ""
        plural = "s" if self.count > 1 else ""
        self._print(
            f"estimated cost: about ${estimate.usd:.3f}{spread} for {self.count} "
            f"candidate{plural}{guess}"
        )

    def show(self, events: list[Progress], arrived: int = 0) -> None:
        now = time.monotonic() - self.started
        for event in events:
            if event.stage in FINAL_STAGES or event.stage == "notice":
                continue  # notices are said once, with the results (job.result.notices)
            label = event.stage
            if event.partial_index is not None:
                label = f"preview {event.partial_index + 1}"
            self.stage = label
            if event.candidate is not None:
                self.stages[event.candidate] = label
                self.reached.setdefault((event.candidate, event.stage), now)
            if self.mode == "lines":
                self._line(now, label, event.candidate)
        if self.mode == "live":
            self._redraw(now, arrived)
        elif self.mode == "lines" and now - self._last_line >= HEARTBEAT_S:
            self._line(now, f"still {self.stage}", None)

    def close(self, job: Job) -> None:
        """End the live line; with -v, the request ids and when each stage began."""
        if self.mode == "live" and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
        if not self.verbose:
            return
        elapsed = time.monotonic() - self.started
        ids = ", ".join(job.result.request_ids) or "(none)"
        self._print(f"request ids: {ids}")
        for (candidate, stage), at in sorted(self.reached.items(), key=lambda kv: kv[1]):
            self._print(f"  candidate {candidate + 1}: {stage} at {at:.2f}s")
        self._print(f"finished in {elapsed:.2f}s")

    # -- drawing --------------------------------------------------------------
    def _who(self, first: int) -> str:
        """Which candidates a request's event is about: one, or the run a request carries."""
        span = self.spans.get(first, 1)
        if span > 1:
            return f"candidates {first + 1}-{first + span} of {self.count}"
        return f"candidate {first + 1} of {self.count}"

    def _line(self, now: float, label: str, candidate: int | None) -> None:
        text = f"[{now:6.1f}s] {label}"
        if candidate is not None and self.count > 1:
            text += f" ({self._who(candidate)})"
        self._print(text)
        self._last_line = now

    def _redraw(self, now: float, arrived: int) -> None:
        self._ticks += 1
        spin = SPINNER[self._ticks % len(SPINNER)]
        parts = [f"{spin} {now:6.1f}s", self._paint(self.stage, "36")]
        if self.count > 1:
            each = ", ".join(
                f"{self._who(first).split(' of ')[0]} {self.stages.get(first, 'queued')}"
                for first in sorted(self.spans or dict.fromkeys(range(self.count), 1))
            )
            parts.append(f"{arrived} of {self.count} in [{each}]")
        if self.estimate:
            parts.append(self.estimate)
        line = "  ".join(parts)
        width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
        # a line longer than the terminal wraps, and \r then redraws only its tail
        visible = _cut(line, width)
        pad = max(0, self._width - _length(visible))
        self.stream.write("\r" + visible + " " * pad)
        self.stream.flush()
        self._width = max(self._width, _length(visible))

    def _paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text

    def _print(self, text: str) -> None:
        if self.mode == "quiet":
            return
        if self.mode == "live" and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.stream.write(f"openai-images: {text}\n")
        self.stream.flush()


_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def _length(text: str) -> int:
    """Columns `text` takes: colour codes take none."""
    return len(_COLOUR.sub("", text))


def _cut(text: str, width: int) -> str:
    if _length(text) <= width:
        return text
    plain = _COLOUR.sub("", text)  # a cut line loses its colour, never a reset code
    return plain[: width - 1] + "…"
