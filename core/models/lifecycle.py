"""Which models are alive today: shutdown dates that take effect by themselves.

Owns `Lifecycle` (one model's standing on one day), `lifecycle()` (the catalogue's
`shutdown` date, outranked by the account's `shutdown_date` when the account's
model list gave one), `check_alive()` (the refusal a job meets before anything is
uploaded), `live_models()` (what the pickers offer) and `AccountLifecycle` (the
account's list, cached on disk with a time limit, refreshed off the job's way).

Why dates and not a `retired` flag: a shipped catalogue goes stale between
releases (three models shut down on 2026-12-01 while the catalogue still offered
them). A date in the data retires a model on that day, with no release.

The day is the UTC calendar day: OpenAI's shutdown dates are calendar dates and
the service runs on UTC. Imports `.catalogue`, `.errors` and the standard library;
the refresh takes any object with `list_model_entries()` (the client), so no httpx.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Literal, Protocol

from ..errors import ValidationError
from .catalogue import ModelSpec, get_model, known_models

log = logging.getLogger("openai_images.lifecycle")

Status = Literal["live", "ending", "shut_down"]
Source = Literal["catalogue", "account"]

# A model this close to its shutdown is still offered, marked, and each job says so.
ENDING_DAYS = 30
# The default model must have at least this long to live (README: "the default model").
DEFAULT_HORIZON_DAYS = 90
# The account's list is re-read after this long; an older copy is still used meanwhile.
ACCOUNT_TTL_S = 24 * 3600


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


def parse_day(text: object) -> date | None:
    """'2026-12-01' -> date; anything else (None, junk from a server) -> None."""
    if not isinstance(text, str):
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class Lifecycle:
    """One model's standing on `today`."""

    model: str
    status: Status
    shutdown: date | None
    replacement: str | None
    source: Source
    today: date

    @property
    def days_left(self) -> int | None:
        return None if self.shutdown is None else (self.shutdown - self.today).days

    @property
    def alive(self) -> bool:
        return self.status != "shut_down"

    def notice(self) -> str | None:
        """One line for a model that is ending or gone; None for a live one."""
        instead = f"; use {self.replacement} instead" if self.replacement else ""
        if self.status == "shut_down":
            when = f" on {self.shutdown.isoformat()}" if self.shutdown else ""
            return f"{self.model} was shut down{when}{instead}"
        if self.status == "ending" and self.shutdown is not None:
            days = self.days_left
            left = "tomorrow" if days == 1 else f"in {days} days"
            return f"{self.model} shuts down on {self.shutdown.isoformat()} ({left}){instead}"
        return None


AccountDates = Mapping[str, "date | None"]


def lifecycle(
    model: str | ModelSpec, today: date | None = None, account: AccountDates | None = None
) -> Lifecycle:
    """The model's standing: the account's `shutdown_date` wins over the catalogue's.

    `account` maps the ids the account's model list named to their shutdown date.
    A listed id takes the account's date, and a listed id without one is available
    to this account (OpenAI drops a model from the list when it shuts down; a
    compatible server may still serve dall-e-2). An id the account does not list
    keeps the catalogue's verdict: a list may be partial or filtered.
    """
    spec = model if isinstance(model, ModelSpec) else get_model(model)
    day = today or today_utc()
    shutdown, source = parse_day(spec.shutdown), "catalogue"
    if account is not None and spec.id in account:
        shutdown, source = account[spec.id], "account"
    if shutdown is not None and day >= shutdown:
        status: Status = "shut_down"
    elif shutdown is not None and (shutdown - day).days <= ENDING_DAYS:
        status = "ending"
    else:
        status = "live"
    return Lifecycle(spec.id, status, shutdown, spec.replacement, source, day)  # type: ignore[arg-type]


def check_alive(
    spec: ModelSpec, today: date | None = None, account: AccountDates | None = None
) -> Lifecycle:
    """Raise ValidationError("model", ...) for a shut-down model, before anything is sent."""
    standing = lifecycle(spec, today, account)
    if not standing.alive:
        raise ValidationError("model", standing.notice() or f"{spec.id} is shut down")
    return standing


def live_models(today: date | None = None, account: AccountDates | None = None) -> list[ModelSpec]:
    """The catalogue's models a picker offers today, in file order."""
    return [
        s for s in known_models() if lifecycle(s, today, account).alive
    ]


def migrate_model(
    model: str, today: date | None = None, account: AccountDates | None = None
) -> tuple[str, str | None]:
    """(model to use, notice): a shut-down model moves to its replacement, following
    replacements that are themselves gone; a live one stays, with no notice."""
    seen = {model}
    current = model
    while True:
        standing = lifecycle(current, today, account)
        if standing.alive:
            break
        nxt = standing.replacement
        if not nxt or nxt in seen:
            return model, None  # nothing to move to: the job's own check will refuse it
        seen.add(nxt)
        current = nxt
    if current == model:
        return model, None
    gone = lifecycle(model, today, account)
    when = f" on {gone.shutdown.isoformat()}" if gone.shutdown else ""
    return current, f"{model} was shut down{when}; your saved model is now {current}"


class ModelLister(Protocol):
    def list_model_entries(self) -> list[dict[str, object]]: ...


class AccountLifecycle:
    """The account's shutdown dates, from a cache file; never makes a job wait.

    `dates()` answers from what is on disk (or in memory) at once. When that is
    older than `ttl_s`, or missing, `refresh_in_background(client)` starts one
    daemon thread that fetches GET /models and rewrites the file; a failure only
    logs, and the shipped catalogue stands. The file holds ids and dates only.
    """

    def __init__(
        self,
        path: Path | None,
        ttl_s: float = ACCOUNT_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._dates: dict[str, date | None] | None = None
        self._fetched_at = 0.0
        self._refreshing = False
        self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_text("utf-8"))
            models = data["models"]
            fetched = float(data["fetched_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return
        if isinstance(models, dict):
            self._dates = {str(k): parse_day(v) for k, v in models.items()}
            self._fetched_at = fetched

    def dates(self) -> dict[str, date | None] | None:
        with self._lock:
            return None if self._dates is None else dict(self._dates)

    @property
    def stale(self) -> bool:
        return self._dates is None or self._clock() - self._fetched_at > self.ttl_s

    def store(self, entries: Iterable[Mapping[str, object]]) -> None:
        """Keep the image models of a GET /models answer (and write the cache file)."""
        dates: dict[str, date | None] = {}
        for entry in entries:
            model_id = entry.get("id")
            if isinstance(model_id, str) and _is_image_model(model_id):
                dates[model_id] = parse_day(entry.get("shutdown_date"))
        with self._lock:
            self._dates, self._fetched_at = dates, self._clock()
        if self.path is not None:
            body = {
                "fetched_at": self._fetched_at,
                "models": {k: (v.isoformat() if v else None) for k, v in sorted(dates.items())},
            }
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text(json.dumps(body, indent=1) + "\n", "utf-8")
                tmp.replace(self.path)
            except OSError as exc:
                log.info("cannot write the account's model list: %s", type(exc).__name__)

    def refresh(self, client: ModelLister) -> bool:
        """Fetch now (on the calling thread); False when the list could not be had."""
        try:
            entries = client.list_model_entries()
        except Exception as exc:  # offline, no key, no /models: the catalogue stands
            log.info("the account's model list is not available: %s", type(exc).__name__)
            return False
        self.store(entries)
        return True

    def refresh_in_background(self, client: ModelLister) -> threading.Thread | None:
        """One fetch on a daemon thread when the copy is stale and none is under way."""
        with self._lock:
            if self._refreshing or not self.stale:
                return None
            self._refreshing = True

        def run() -> None:
            try:
                self.refresh(client)
            finally:
                with self._lock:
                    self._refreshing = False

        thread = threading.Thread(target=run, name="openai-images-account-models", daemon=True)
        thread.start()
        return thread


def _is_image_model(model_id: str) -> bool:
    """/models lists every model of the account; these are the ones the Images API takes."""
    return "image" in model_id or model_id.startswith("dall-e")


def default_model_ok(model: str, today: date | None = None) -> bool:
    """A default must be alive, recommended and not within DEFAULT_HORIZON_DAYS of a shutdown."""
    standing = lifecycle(model, today)
    if not standing.alive or not get_model(model).recommended:
        return False
    day = today or today_utc()
    return standing.shutdown is None or standing.shutdown > day + timedelta(DEFAULT_HORIZON_DAYS)
