"""The handle of a running job: its events, its result, cancel and wait.

A `Job` is shared between the worker thread that runs it (core.jobs) and the
host's main loop, which drains `poll_events()` from a timer: only plain data
crosses between the two, so every host call stays on the host's thread.

Imports only the core's cancel token, errors, history and planning types.
"""

from __future__ import annotations

import itertools
import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from ..cancel import CancelToken
from ..errors import ImagesError
from ..pixels.planning import LayerPatch
from ..store.history import HistoryEntry
from .cost import CostEstimate
from .options import JobKind, JobOptions

Stage = Literal[
    "queued",
    "notice",  # one line the artist should read (a model about to shut down); the job goes on
    "uploading",
    "rendering",
    "partial",
    "downloading",
    "done",
    "failed",
    "cancelled",
]
FinalStage = Literal["done", "failed", "cancelled"]
STAGES: tuple[Stage, ...] = (
    "queued", "notice", "uploading", "rendering", "partial", "downloading",
    "done", "failed", "cancelled",
)
FINAL_STAGES: tuple[FinalStage, ...] = ("done", "failed", "cancelled")


@dataclass(frozen=True)
class Progress:
    """One step of a job. `preview` is set on "partial" events when streaming.

    `bytes_done` and `bytes_total` are set on "uploading" and "downloading"
    events only: the bytes of the request body sent, or of the reply received,
    so far for this candidate (or the run of candidates one request carries).
    `bytes_total` is None when the size is not known in advance (a streamed
    reply, or one without Content-Length); the last count of a finished reply
    always has it. Hosts that do not show bytes can treat these as stage events.
    """

    stage: str
    message: str = ""
    candidate: int | None = None
    partial_index: int | None = None
    preview: LayerPatch | None = None
    bytes_done: int | None = None
    bytes_total: int | None = None


@dataclass(frozen=True)
class Candidate:
    index: int
    patch: LayerPatch
    entry: HistoryEntry


@dataclass
class JobResult:
    candidates: list[Candidate] = field(default_factory=list)
    failures: list[ImagesError] = field(default_factory=list)
    estimate: CostEstimate | None = None
    actual_cost_usd: float | None = None
    usage: list[dict[str, Any]] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


_ids = itertools.count(1)


class Job:
    """A running request. Thread-safe; read `state`, `result` and `error` once `done`."""

    def __init__(self, kind: JobKind, prompt: str, options: JobOptions) -> None:
        self.id = next(_ids)
        self.kind = kind
        self.prompt = prompt
        self.options = options
        self.token = CancelToken()
        self.state: Stage = "queued"
        self.result = JobResult()
        self.error: ImagesError | None = None
        self._events: queue.SimpleQueue[Progress] = queue.SimpleQueue()
        self._finished = threading.Event()
        self.emit(Progress("queued"))

    def emit(self, event: Progress) -> None:
        """Queue an event for the host (called by the worker)."""
        self._events.put(event)

    def poll_events(self) -> list[Progress]:
        """Every event since the last call, oldest first (call it from the host's main loop)."""
        events = []
        while True:
            try:
                events.append(self._events.get_nowait())
            except queue.Empty:
                return events

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    def finish(self, state: FinalStage, error: ImagesError | None = None) -> None:
        """End the job: the last event, then `done` (called by the worker)."""
        self.state, self.error = state, error
        message = str(error) if error else ""
        self.emit(Progress(state, message))
        self._finished.set()
