"""What a running job shows on stderr: on a terminal, one live line redrawn every
tenth of a second (stage, the clock ticking, each candidate's stage, a bar of
the bytes uploaded or downloaded, the estimate); elsewhere plain lines, one per
change (a transfer's size once it is complete, never its every step) and a
heartbeat, with no `\\r` for a log file to choke on. `-q` shows nothing, `-v`
adds request ids, timings and the exact bytes each request moved.

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
BAR_WIDTH = 12


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
    # the newest byte count per request (first candidate), and of all of them
    transfers: dict[int, Progress] = field(default_factory=dict)
    moved: dict[tuple[int, str], int] = field(default_factory=dict)
    latest: Progress | None = None
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
            previous = self.stages.get(event.candidate) if event.candidate is not None else None
            # a stream's bytes come between its previews: the label stays "preview k"
            if event.bytes_done is None or not (previous or "").startswith("preview"):
                self.stage = label
                if event.candidate is not None:
                    self.stages[event.candidate] = label
                    self.reached.setdefault((event.candidate, event.stage), now)
                said = event.candidate is not None and (previous == label or self._said(event))
                if self.mode == "lines" and not said:
                    self._line(now, label, event.candidate, self._sent_note(event))
            if event.bytes_done is not None:
                self._count(now, event)
        if self.mode == "live":
            self._redraw(now, arrived)
        elif self.mode == "lines" and now - self._last_line >= HEARTBEAT_S:
            self._line(now, f"still {self.stage}{self._heartbeat_note()}", None)

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
        for first in sorted({c for c, _ in self.moved}):
            sent = self.moved.get((first, "uploading"), 0)
            received = self.moved.get((first, "downloading"), 0)
            who = self._who(first) if self.count > 1 else f"candidate {first + 1}"
            self._print(f"  {who}: sent {sent} bytes, received {received} bytes")
        self._print(f"finished in {elapsed:.2f}s")

    # -- bytes ----------------------------------------------------------------
    def _count(self, now: float, event: Progress) -> None:
        """Keep a byte event; a plain-lines run says a reply's size once it is all in."""
        first = event.candidate if event.candidate is not None else 0
        self.transfers[first] = self.latest = event
        done = event.bytes_done or 0
        if event.stage == "uploading" and done == 0:
            self.moved.pop((first, "downloading"), None)  # a retry: its counts start again
        self.moved[(first, event.stage)] = done
        if self.mode == "lines" and event.stage == "downloading" and _complete(event):
            self._line(now, f"downloaded {_exact(done)}", event.candidate)

    def _said(self, event: Progress) -> bool:
        """A stream's "downloading" after its "downloaded" line: nothing new to say."""
        last = self.transfers.get(event.candidate) if event.candidate is not None else None
        return (event.stage == "downloading" and last is not None
                and last.stage == "downloading" and _complete(last))

    def _sent_note(self, event: Progress) -> str:
        """ "rendering" is said once the whole body is out: with how much that was."""
        upload = self.transfers.get(event.candidate) if event.candidate is not None else None
        if event.stage != "rendering" or upload is None or upload.stage != "uploading":
            return ""
        return f": {_exact(upload.bytes_done or 0)} sent"

    def _heartbeat_note(self) -> str:
        latest = self.latest
        if latest is None or _complete(latest):
            return ""
        return f": {_amount(latest)}"

    def _bar(self) -> str:
        """The newest direction's bytes as a bar, summed over the requests moving that
        way (n requests side by side fill one bar, not n flickering ones). It stays
        once full: while the model renders, the full upload bar says all was sent."""
        latest = self.latest
        if latest is None:
            return ""
        same = [e for e in self.transfers.values() if e.stage == latest.stage]
        done = sum(e.bytes_done or 0 for e in same)
        totals = [e.bytes_total for e in same]
        total = None if None in totals else sum(t or 0 for t in totals)
        both = Progress(latest.stage, bytes_done=done, bytes_total=total)
        arrow = "up" if latest.stage == "uploading" else "down"
        if total is None or total <= 0:
            return f"{arrow} {_amount(both)}"
        filled = min(BAR_WIDTH, BAR_WIDTH * done // total)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        return f"{arrow} [{bar}] {_amount(both)}"

    # -- drawing --------------------------------------------------------------
    def _who(self, first: int) -> str:
        """Which candidates a request's event is about: one, or the run a request carries."""
        span = self.spans.get(first, 1)
        if span > 1:
            return f"candidates {first + 1}-{first + span} of {self.count}"
        return f"candidate {first + 1} of {self.count}"

    def _line(self, now: float, label: str, candidate: int | None, note: str = "") -> None:
        text = f"[{now:6.1f}s] {label}"
        if candidate is not None and self.count > 1:
            text += f" ({self._who(candidate)})"
        self._print(text + note)
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
        bar = self._bar()  # after the candidates: a narrow terminal cuts the line's end
        if bar:
            parts.append(bar)
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


def _complete(event: Progress) -> bool:
    return event.bytes_total is not None and (event.bytes_done or 0) >= event.bytes_total


def _size(count: int, unit: tuple[str, int]) -> str:
    name, scale = unit
    return str(count) if scale == 1 else f"{count / scale:.{1 if scale == 1000 else 2}f}"


def _unit(count: int) -> tuple[str, int]:
    # decimal units, as Content-Length and the file sizes of the outputs are counted
    if count >= 1_000_000:
        return "MB", 1_000_000
    return ("kB", 1000) if count >= 1000 else ("B", 1)


def _amount(event: Progress) -> str:
    """ "1.20/3.15 MB", or "1.20 MB" when the total is not known."""
    done, total = event.bytes_done or 0, event.bytes_total
    unit = _unit(total if total is not None else done)
    if total is None:
        return f"{_size(done, unit)} {unit[0]}"
    return f"{_size(done, unit)}/{_size(total, unit)} {unit[0]}"


def _exact(count: int) -> str:
    unit = _unit(count)
    return f"{_size(count, unit)} {unit[0]} ({count} bytes)" if unit[1] > 1 else f"{count} bytes"


_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def _length(text: str) -> int:
    """Columns `text` takes: colour codes take none."""
    return len(_COLOUR.sub("", text))


def _cut(text: str, width: int) -> str:
    if _length(text) <= width:
        return text
    plain = _COLOUR.sub("", text)  # a cut line loses its colour, never a reset code
    return plain[: width - 1] + "…"
