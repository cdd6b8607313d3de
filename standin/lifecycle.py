"""Which models are alive on a given day, and what the model list says about them.

Owns `Lifecycle`: the stand-in's clock (the real date, or a pinned one), the
shutdown dates a test has set for the account (they outrank the shipped
table, as the account's `/v1/models` outranks a client's catalogue), and the
entries of `GET /v1/models`. Sources: shared/openai-images.md section A.

A shutdown date is the first day a model answers 404: OpenAI shut gpt-image-1.5
down "on 2026-12-01", and on 2026-12-02 it is gone. The list shows only models
that are alive, each with `shutdown_date` (`YYYY-MM-DD`, or null when none is
announced), so a future date is listed and a past one drops the model, as
OpenAI drops them. Imports `rules` only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .rules import AZURE_SHUTDOWN, ModelRules

# Any fixed value does: the real list carries each model's own creation time, and
# no client may rely on it.
CREATED = 1_700_000_000


def parse_date(value: str | date | None) -> date | None:
    """`YYYY-MM-DD` (or a date, or None) as a date; ValueError for anything else."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass
class Lifecycle:
    """The clock and the account's shutdown dates; safe to change while serving.

    `today=None` follows the machine's date, so a server that runs over midnight
    sees a shutdown take effect by itself.
    """

    pinned_today: date | None = None
    _overrides: dict[str, date | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def today(self) -> date:
        return self.pinned_today or date.today()

    def set_shutdown_date(self, model: str, value: str | date | None) -> None:
        """From now on the account reports (and keeps) this date for `model`; None: none."""
        with self._lock:
            self._overrides[model] = parse_date(value)

    def clear(self) -> None:
        with self._lock:
            self._overrides.clear()

    @property
    def overrides(self) -> dict[str, str | None]:
        with self._lock:
            return {m: _iso(d) for m, d in self._overrides.items()}

    def shutdown_date(self, rules: ModelRules, *, legacy: bool, azure: bool = False) -> date | None:
        """The date this server goes by: the account's, else the provider's, else none."""
        with self._lock:
            if rules.id in self._overrides:
                return self._overrides[rules.id]
        if legacy:
            # A compatible server keeps every model and announces no shutdown.
            return None
        if azure and rules.id in AZURE_SHUTDOWN:
            return AZURE_SHUTDOWN[rules.id]
        return rules.shutdown

    def alive(self, rules: ModelRules, *, legacy: bool, azure: bool = False) -> bool:
        gone = self.shutdown_date(rules, legacy=legacy, azure=azure)
        return gone is None or self.today() < gone

    def listing(self, models: list[ModelRules], *, legacy: bool) -> list[dict[str, Any]]:
        """`GET /v1/models` data: the live models, each with its `shutdown_date`."""
        return [
            {
                "id": m.id,
                "object": "model",
                "created": CREATED,
                "owned_by": "system",
                "shutdown_date": _iso(self.shutdown_date(m, legacy=legacy)),
            }
            for m in models
            if self.alive(m, legacy=legacy)
        ]


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
