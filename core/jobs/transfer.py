"""The bytes of one request as `Progress` events: the upload, then the reply.

Owns `ByteEvents`, the client's `on_bytes` callback for one request (one
candidate, or the run of candidates one request carries). The client reports
every piece it moves, which is far more often than anyone can read; the events
are held to at most one every `interval` seconds per request, except that the
last count of the upload and of the reply is always sent, so a display reaches
the total. When the whole body has been written, the request is "rendering"
until the reply's first bytes arrive.

Called on the client's threads (the send worker for an upload): `Job.emit` is a
queue, so nothing else crosses. Imports only the job handle and the client's
`Transfer` type.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..api.client import Transfer
from .job_handle import Job, Progress

EVENTS_PER_SECOND = 10  # a live line redraws ten times a second: more would be unseen

_STAGE: dict[Transfer, str] = {"upload": "uploading", "download": "downloading"}


class ByteEvents:
    """`report` is the client's `on_bytes`; `finish` sends the reply's last count."""

    def __init__(
        self,
        job: Job,
        candidate: int,
        interval: float = 1 / EVENTS_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._job, self._candidate = job, candidate
        self._interval, self._clock = interval, clock
        self._lock = threading.Lock()  # a retry's upload may overlap the last one's reply
        self._last_sent = float("-inf")
        self._newest: Progress | None = None  # the newest count of the reply
        self._newest_sent = False
        self._rendering = False

    def report(self, direction: Transfer, done: int, total: int | None) -> None:
        event = Progress(_STAGE[direction], candidate=self._candidate,
                         bytes_done=done, bytes_total=total)
        complete = total is not None and done >= total
        with self._lock:
            if direction == "upload":
                self._rendering = False  # a retry uploads again
            now = self._clock()
            sent = complete or now - self._last_sent >= self._interval
            if sent:
                self._job.emit(event)
                self._last_sent = now
            if direction == "download":
                self._newest, self._newest_sent = event, sent
            if direction == "upload" and complete and not self._rendering:
                self._rendering = True
                self._job.emit(Progress("rendering", candidate=self._candidate))

    def finish(self) -> None:
        """After the reply is read: its last count, with the total now known (a
        stream's size is known only at its end)."""
        with self._lock:
            last = self._newest
            if last is None or (self._newest_sent and last.bytes_done == last.bytes_total):
                return
            done = last.bytes_done or 0
            self._job.emit(Progress("downloading", candidate=self._candidate,
                                    bytes_done=done, bytes_total=done))
            self._newest_sent = True
            self._last_sent = self._clock()
