"""The account's model list: GET /models off the GUI thread.

`ModelListFetch` runs `client.list_model_entries()` on a plain daemon thread
that only stores the result; the panel's QTimer reads it on the GUI thread, so
no Qt or Krita call happens on the worker. A failure (no key, a server without
/models, offline) leaves `result` None and the panel keeps the catalogue's list.
Which of the ids the panel offers is model_choices.py's question.
Imports nothing from Qt or krita, so the adapter tests run it without either.
"""

from __future__ import annotations

import logging
import threading
from datetime import date
from typing import Any

from .core.models.lifecycle import parse_day

log = logging.getLogger("openai_images.krita")


class ModelListFetch:
    """One GET /models in flight; read `result` (ids) and `dates` (the account's
    shutdown dates, which outrank the catalogue's) once `done`; None after a failure.

    `account` (the runner's AccountLifecycle) is given the same answer, so the jobs'
    own check of a model's shutdown reads the list the picker was built from."""

    def __init__(self, client: Any, account: Any = None) -> None:
        self.result: list[str] | None = None
        self.dates: dict[str, date | None] | None = None
        self._done = threading.Event()
        thread = threading.Thread(
            target=self._run, args=(client, account), name="openai-images-models", daemon=True
        )
        thread.start()

    def _run(self, client: Any, account: Any) -> None:
        try:
            entries = list(client.list_model_entries())
            self.dates = {str(e["id"]): parse_day(e.get("shutdown_date")) for e in entries}
            self.result = list(self.dates)
            if account is not None:
                account.store(entries)
        except Exception as exc:  # the catalogue stays: worth a log line, not a message
            log.info("the account's model list is not available: %s", type(exc).__name__)
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()
