"""The day's spend and the caps: `SpendTracker`, one private JSON ledger per user.

Krita, GIMP and the CLI of the same user share one file (paths.spend_path), so
a daily cap counts every job, whichever program sent it, and survives restarts.
Figures are estimates (core.cost).

Imports `.errors` and `.paths` only.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from datetime import date
from pathlib import Path
from typing import Protocol

from ..errors import ImagesError
from . import paths

log = logging.getLogger(__name__)


class _Priced(Protocol):
    @property
    def usd(self) -> float: ...


class SpendCapError(ImagesError):
    """A request would take the spend past a cap. `kind` is "job" or "day"."""

    def __init__(self, kind: str, cap: float, spent: float, estimate: float) -> None:
        self.kind, self.cap, self.spent, self.estimate = kind, cap, spent, estimate
        if kind == "job":
            # three decimals: a cap of a few cents must not read "$0.00"
            text = f"estimated ${estimate:.3f} is over the per-job cap of ${cap:.3f}"
        else:
            text = (
                f"estimated ${estimate:.3f} on top of ${spent:.3f} spent today "
                f"is over the daily cap of ${cap:.3f}"
            )
        super().__init__(text + " (figures are estimates)")


class SpendTracker:
    """Estimated spend per local calendar day, kept in a private JSON file.

    `add` what a finished job cost (its `actual_cost`, or the estimate when
    there is none); `check` before a job. Figures are estimates. Two programs
    adding at the same instant may lose one addition (the file is rewritten
    whole); acceptable for a soft cap.
    """

    def __init__(self, path: Path, keep_days: int = 92) -> None:
        self.path = Path(path)
        self.keep_days = keep_days
        self._lock = threading.Lock()

    def _load(self) -> dict[str, float]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("spend ledger %s unreadable (%s); starting from zero", self.path, exc)
            return {}
        days = data.get("days") if isinstance(data, dict) else None
        if not isinstance(days, dict):
            log.warning("spend ledger %s has no 'days'; starting from zero", self.path)
            return {}
        return {
            str(day): float(usd)
            for day, usd in days.items()
            if isinstance(usd, (int, float))
            and not isinstance(usd, bool)
            and math.isfinite(usd)
            and usd >= 0
        }

    def spent(self, day: date | None = None) -> float:
        """Estimated USD spent on `day` (today by default)."""
        with self._lock:
            return self._load().get((day or date.today()).isoformat(), 0.0)

    def add(self, usd: float, day: date | None = None) -> float:
        """Add `usd` to `day` (today) and return that day's new total."""
        if not math.isfinite(usd) or usd < 0:
            raise ValueError("spend must be a finite amount of at least 0")
        key = (day or date.today()).isoformat()
        with self._lock:
            days = self._load()
            days[key] = days.get(key, 0.0) + usd
            kept = dict(sorted(days.items())[-self.keep_days :])
            if not self.path.parent.exists():
                paths.ensure_private_dir(self.path.parent)
            body = json.dumps({"version": 1, "days": kept}, indent=1, sort_keys=True)
            paths.write_private_file(self.path, body.encode("utf-8"))
            return kept.get(key, days[key])

    def check(
        self,
        estimate: _Priced | float,
        cap_per_day: float | None = None,
        cap_per_job: float | None = None,
        day: date | None = None,
    ) -> None:
        """Raise `SpendCapError` if the job's estimate breaks either cap (None = no cap)."""
        usd = float(estimate) if isinstance(estimate, (int, float)) else estimate.usd
        if cap_per_job is not None and usd > cap_per_job:
            raise SpendCapError("job", cap_per_job, 0.0, usd)
        if cap_per_day is not None:
            spent = self.spent(day)
            if spent + usd > cap_per_day:
                raise SpendCapError("day", cap_per_day, spent, usd)
