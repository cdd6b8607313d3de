"""The history as an afternoon's work uses it: favourites, search, and a size it keeps to.

Issue 20: the history grew without bound (`history_max_mb` was a setting nothing
applied), and had no search and no favourites. `BoundedHistory` is the history
the composition root (core/setup.py) gives every entry point: after each record
it prunes the oldest entries beyond the limit, never a favourite and never the
result just written. Favourites are a small list of ids beside the day folders
(`favourites.json`), so marking one never rewrites a sidecar. `search` filters
entries on what the artist remembers: words of the prompt (or the model's
revised prompt), the document, the model, the job.

Imports the standard library and history.py only; no host, no network.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .history import History, HistoryEntry
from .result_meta import ResultMeta

log = logging.getLogger("openai_images.history")

FAVOURITES_FILE = "favourites.json"
MIB = 1024 * 1024


class Favourites:
    """The ids the artist starred, in `root`/favourites.json (a JSON list)."""

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / FAVOURITES_FILE

    def ids(self) -> frozenset[str]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return frozenset()
        except (OSError, ValueError) as exc:
            log.warning("history: favourites unreadable, none kept (%s)", exc)
            return frozenset()
        if not isinstance(data, list):
            return frozenset()
        return frozenset(i for i in data if isinstance(i, str))

    def mark(self, entry_id: str, favourite: bool = True) -> None:
        """Star or unstar one entry; written whole and atomically (a crash keeps the old list)."""
        ids = set(self.ids())
        if favourite:
            ids.add(entry_id)
        else:
            ids.discard(entry_id)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".favourites-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(sorted(ids), f)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


@dataclass(frozen=True)
class Query:
    """What to look for: every word of `text`, in any case, somewhere in the prompt,
    the revised prompt, the document or the model; a job kind; favourites only."""

    text: str = ""
    job: str | None = None
    favourites_only: bool = False


def search(
    entries: Iterable[HistoryEntry], query: Query, favourites: frozenset[str] = frozenset()
) -> list[HistoryEntry]:
    """The entries that match, in the order given (newest first from History.list)."""
    words = query.text.casefold().split()
    found = []
    for entry in entries:
        if query.favourites_only and entry.id not in favourites:
            continue
        if query.job and entry.meta.job != query.job:
            continue
        if words and not all(word in _haystack(entry.meta) for word in words):
            continue
        found.append(entry)
    return found


def _haystack(meta: ResultMeta) -> str:
    return " ".join(
        part for part in (meta.prompt, meta.revised_prompt or "", meta.document, meta.model)
        if part
    ).casefold()


class BoundedHistory(History):
    """A History that keeps to `max_bytes` (0: no limit) after every record."""

    def __init__(
        self,
        root: Path | None = None,
        max_bytes: int = 0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(root, clock)
        self.max_bytes = max_bytes
        self.favourites = Favourites(self.root)

    def record(
        self,
        image_bytes: bytes,
        fmt: str,
        meta: ResultMeta,
        attachments: Mapping[str, bytes] | None = None,
    ) -> HistoryEntry:
        entry = super().record(image_bytes, fmt, meta, attachments)
        if self.max_bytes > 0 and entry.fallback_reason is None:
            try:
                removed = self.prune(self.max_bytes, keep_latest=1, keep=self.favourites.ids())
            except OSError as exc:  # the result is on disk; a failed clean-up costs nothing
                log.warning("history: could not keep to %d MB (%s)", self.max_bytes // MIB, exc)
            else:
                if removed:
                    log.info("history: removed %d old entries to keep to %d MB", len(removed),
                             self.max_bytes // MIB)
        return entry

    def delete(self, entry_id: str) -> bool:
        removed = super().delete(entry_id)
        if entry_id in self.favourites.ids():
            self.favourites.mark(entry_id, False)
        return removed
