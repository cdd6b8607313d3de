"""The account's model list: GET /models off the GUI thread, and which ids the panel adds.

`ModelListFetch` runs `client.list_models()` on a plain daemon thread that only
stores the result; the panel's QTimer reads it on the GUI thread, so no Qt or
Krita call happens on the worker. A failure (no key, a server without /models,
offline) leaves `result` None and the panel keeps the catalogue's list.
Imports nothing from Qt or krita, so the adapter tests run it without either.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

log = logging.getLogger("openai_images.krita")

ACCOUNT_MARK = " (account)"  # after the ids the catalogue does not offer in the combo box


def is_image_model(model_id: str) -> bool:
    """/models lists every model of the account; these are the ones the Images API takes."""
    return "image" in model_id or model_id.startswith("dall-e")


def account_extras(account_ids: Iterable[str], listed: Iterable[str]) -> list[str]:
    """The account's image models that `listed` (the combo box's ids) lacks, sorted, once each."""
    have = set(listed)
    return sorted({m for m in account_ids if is_image_model(m) and m not in have})


class ModelListFetch:
    """One GET /models in flight; read `result` once `done` (None after a failure)."""

    def __init__(self, client: Any) -> None:
        self.result: list[str] | None = None
        self._done = threading.Event()
        thread = threading.Thread(
            target=self._run, args=(client,), name="openai-images-models", daemon=True
        )
        thread.start()

    def _run(self, client: Any) -> None:
        try:
            self.result = list(client.list_models())
        except Exception as exc:  # the catalogue stays: worth a log line, not a message
            log.info("the account's model list is not available: %s", type(exc).__name__)
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()
