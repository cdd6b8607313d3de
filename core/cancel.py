"""CancelToken: one flag, shared by the job runner, the adapters and the HTTP client.

Any thread may cancel; the worker checks the flag between steps, sleeps through
`wait()` so that a cancel cuts a retry pause short, and registers callbacks that
abort blocking I/O (the client shuts the socket of an in-flight request).
Imports only the standard library and errors.py.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .errors import CancelledError

_log = logging.getLogger("openai_images.cancel")


class CancelToken:
    """Thread-safe, one-way: once cancelled, always cancelled."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        """Set the flag and run every registered callback once, in this thread."""
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            self._run(callback)

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise self.error()

    def error(self) -> Exception:
        """What a cancelled operation raises: CancelledError here; a token fired by a
        deadline (core.api.client_abort.Attempt) says it timed out instead."""
        return CancelledError()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True as soon as the token is cancelled."""
        return self._event.wait(max(0.0, seconds))

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run `callback` on cancel (at once if already cancelled).

        Returns a function that unregisters it; call that when the guarded
        operation is over so that a later cancel does not touch stale state.
        """
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._remove(callback)
        self._run(callback)
        return lambda: None

    def _remove(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    @staticmethod
    def _run(callback: Callable[[], None]) -> None:
        # A failing callback must not stop the others from aborting their I/O.
        try:
            callback()
        except Exception:
            _log.exception("cancel callback failed")
