"""How the benchmark times and weighs: medians of interleaved runs, and peak memory.

On a shared, noisy machine a figure is only worth something next to the figure
it is compared with, taken at the same moment: `interleave` runs the contenders
in turn (ours, floor, naive, ours, ...), rotating who goes first, and the
ratios are taken per round before their median. `PeakMemory` reads the
process's peak resident set (VmHWM) after resetting it (Linux clear_refs); where
that is not possible it falls back to tracemalloc, which sees numpy's
allocations but not Pillow's.
Standard library only.
"""

from __future__ import annotations

import re
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


@dataclass
class Runs:
    """Seconds per run of each contender, in the order they ran."""

    seconds: dict[str, list[float]] = field(default_factory=dict)

    def median(self, name: str) -> float:
        return median(self.seconds.get(name, []))

    def ratio(self, top: str, bottom: str) -> float:
        """Median over the rounds where both ran of top / bottom."""
        pairs = zip(self.seconds.get(top, []), self.seconds.get(bottom, []), strict=False)
        return median([a / b for a, b in pairs if b > 0])

    def count(self, name: str) -> int:
        return len(self.seconds.get(name, []))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def interleave(
    contenders: dict[str, Callable[[], Any]],
    rounds: int,
    rounds_of: dict[str, int] | None = None,
    on_result: Callable[[str, int, Any], None] | None = None,
) -> Runs:
    """Run every contender once per round (`rounds_of` caps the slow ones), rotating
    the order, and collect the seconds of each run."""
    runs = Runs({name: [] for name in contenders})
    names = list(contenders)
    caps = rounds_of or {}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            if r >= caps.get(name, rounds):
                continue
            seconds, value = timed(contenders[name])
            runs.seconds[name].append(seconds)
            if on_result is not None:
                on_result(name, r, value)
            del value
    return runs


_STATUS = "/proc/self/status"
_CLEAR_REFS = "/proc/self/clear_refs"


def _status_kib(key: str) -> int | None:
    try:
        with open(_STATUS) as f:
            found = re.search(rf"^{key}:\s+(\d+) kB", f.read(), re.M)
    except OSError:
        return None
    return int(found.group(1)) if found else None


class PeakMemory:
    """`with PeakMemory() as peak: work()` then `peak.extra_bytes` and `peak.method`.

    Extra = the peak resident set during the block minus the resident set at its
    start: every allocation counts (numpy, Pillow, zlib, libwebp), as long as the
    block's own garbage was not already sitting in the allocator's free lists.
    """

    def __init__(self) -> None:
        self.extra_bytes = 0
        self.method = ""
        self._start = 0

    def __enter__(self) -> PeakMemory:
        if self._reset_hwm():
            self.method = "VmHWM"
            self._start = (_status_kib("VmRSS") or 0) * 1024
        else:
            self.method = "tracemalloc (numpy and Python only)"
            tracemalloc.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.method == "VmHWM":
            self.extra_bytes = max(0, (_status_kib("VmHWM") or 0) * 1024 - self._start)
        else:
            self.extra_bytes = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()

    @staticmethod
    def _reset_hwm() -> bool:
        try:
            with open(_CLEAR_REFS, "w") as f:
                f.write("5")
        except OSError:
            return False
        rss, hwm = _status_kib("VmRSS"), _status_kib("VmHWM")
        return rss is not None and hwm is not None and hwm - rss < 1024
