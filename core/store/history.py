"""The result history: every image the API returns, on disk before anyone sees it.

Owns `HistoryEntry` (one stored result) and `History` (record, list, get,
delete, prune); `ResultMeta` (what produced a result, as the sidecar stores
it) lives in result_meta.py and is re-exported here. Results survive a
closed document or a crash, keep their prompt and settings for "reuse", and
are shared by the Krita and GIMP plug-ins through one folder
(`paths.history_dir()` by default). Layout, by local date:

    root/2026-11-23/204512123456-1a2b3c4d.png         the image as returned
    root/2026-11-23/204512123456-1a2b3c4d.mask.png    optional attachments
    root/2026-11-23/204512123456-1a2b3c4d.answer.png  the API's answer, byte for byte
    root/2026-11-23/204512123456-1a2b3c4d.json        the sidecar, written last

The entry id is "20261123-204512123456-1a2b3c4d": the date folder and the file
stem, so `get` needs no search and ids sort by time. Each file is written
atomically and owner-only (0600); the folders record() creates are 0700, one
that exists keeps its mode. A sidecar never holds an API key:
`ResultMeta.to_dict` redacts every string and drops entries named like
credentials.

A paid result is never lost to its folder: when the root or the day folder is
refused (a link, another user's, not a folder: `paths.FolderError`) or cannot
be written, record() writes the entry to a private fallback folder under the
temp folder instead (one per process, same layout), logs a warning naming it
on "openai_images.history", and says so in `HistoryEntry.fallback_reason`.

Imports `.paths`, `.result_meta` and core.formats' headers; no httpx, no host modules, no numpy.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..formats.headers import EXTENSIONS, sniff_format
from . import paths
from .result_meta import JOBS, ResultMeta

# ResultMeta and JOBS live in result_meta.py; jobs.py and tests import ResultMeta from here.
__all__ = ["JOBS", "SIDECAR_VERSION", "History", "HistoryEntry", "ResultMeta"]

# Under "openai_images", so the CLI's handler shows the fallback warning.
log = logging.getLogger("openai_images.history")

SIDECAR_VERSION = 1
_EXTENSIONS = {
    "png": "png",
    "jpeg": "jpg",
    "jpg": "jpg",
    "webp": "webp",
    "gif": "gif",
    "svg": "svg",
}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STEM = re.compile(r"^\d{12}-[0-9a-f]{8}$")
_ID = re.compile(r"^(\d{4})(\d{2})(\d{2})-(\d{12}-[0-9a-f]{8})$")
_ATTACHMENT = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
# A crashed writer leaves ".name.xyz.tmp" behind; prune removes those older than this.
_STALE_TEMP = timedelta(hours=1)
_FALLBACK_PREFIX = "openai-images-history-"
# The process's fallback folder, made on first need (nothing is created at import).
_fallback_lock = threading.Lock()
_fallback_root: Path | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """One stored result: its id, its files and what produced it.

    `fallback_reason` is None for an entry in the history's own folder; for one
    written to the fallback it is the line saying why and where it went.
    """

    id: str
    image_path: Path
    sidecar_path: Path
    meta: ResultMeta
    attachments: Mapping[str, Path] = field(default_factory=dict)
    fallback_reason: str | None = None

    @property
    def format(self) -> str:
        return self.meta.output_format

    def read_image(self) -> bytes:
        return self.image_path.read_bytes()


class History:
    """The results under `root`, newest first.

    `clock` returns the current local time (aware); tests pass their own.
    Safe to share between threads; two programs may write to the same root.
    `fallback_reason` is that of the latest record() (None when it went to
    `root`); with several threads recording, read the entry's own instead.
    """

    def __init__(self, root: Path | None = None, clock: Callable[[], datetime] | None = None):
        self.root = Path(root) if root else paths.history_dir()
        self._clock = clock or (lambda: datetime.now().astimezone())
        self._lock = threading.Lock()
        self._last: datetime | None = None
        self.fallback_reason: str | None = None

    def record(
        self,
        image_bytes: bytes,
        fmt: str,
        meta: ResultMeta,
        attachments: Mapping[str, bytes] | None = None,
    ) -> HistoryEntry:
        """Write the image, then any `attachments` (e.g. {"mask": ...}; PNG, WebP or JPEG
        bytes, named by their content), then the sidecar.

        Returns only once everything is on disk. If a write fails, the files
        already written for this entry are removed and the entry is written
        again in the fallback folder (see the module docstring); only a failure
        there too propagates.
        """
        ext = _EXTENSIONS.get(fmt.lower())
        if ext is None:
            raise ValueError(f"unknown image format {fmt!r}")
        attachments = dict(attachments or {})
        for name in attachments:
            if not _ATTACHMENT.match(name):
                raise ValueError(f"attachment name {name!r}: lower-case letters, digits, - or _")
        moment = self._next_moment()
        meta = replace(meta, created=meta.created or moment.isoformat(timespec="seconds"))
        try:
            entry = _write_entry(self.root, moment, ext, image_bytes, attachments, meta)
        except (paths.FolderError, OSError) as exc:
            problem = _refusal(self.root, exc)
            fallback = fallback_root()
            try:
                entry = _write_entry(fallback, moment, ext, image_bytes, attachments, meta)
            except BaseException:
                _discard_if_empty(fallback)  # a full disk must not leave empty temp folders
                raise
            reason = f"{problem}; this result was saved in {fallback} instead"
            log.warning("history: %s", reason)
            entry = replace(entry, fallback_reason=reason)
        self.fallback_reason = entry.fallback_reason
        return entry

    def _next_moment(self) -> datetime:
        # Ids must sort by time even when the clock is coarse or repeats itself.
        with self._lock:
            now = self._clock()
            if self._last is not None and now <= self._last:
                now = self._last + timedelta(microseconds=1)
            self._last = now
            return now

    def list(self, limit: int | None = None) -> builtins.list[HistoryEntry]:
        """Entries newest first; unreadable sidecars are skipped (and logged)."""
        found: builtins.list[HistoryEntry] = []
        for day in self._days(newest_first=True):
            for stem in sorted(_stems(day, sidecars_only=True), reverse=True):
                entry = self._load(day, stem)
                if entry is not None:
                    found.append(entry)
                    if limit is not None and len(found) >= limit:
                        return found
        return found

    def get(self, entry_id: str) -> HistoryEntry | None:
        located = self._locate(entry_id)
        return self._load(*located) if located else None

    def delete(self, entry_id: str) -> bool:
        """Remove every file of the entry; True if there was anything to remove."""
        located = self._locate(entry_id)
        if not located:
            return False
        removed = _remove_group(*located) > 0
        _remove_if_empty(located[0])
        return removed

    def size_bytes(self) -> int:
        """Bytes used by the history's own files (orphans and temp files included)."""
        return sum(f.stat().st_size for day in self._days() for f in _files(day))

    def prune(
        self, max_bytes: int, keep_latest: int = 1, keep: Collection[str] = ()
    ) -> builtins.list[str]:
        """Delete the oldest entries until the history fits in `max_bytes`.

        The newest `keep_latest` entries and the ids in `keep` (favourites) are
        never deleted, so a result just recorded survives even a limit smaller
        than itself. Image files whose
        sidecar never got written (a crash) count and go in date order too;
        stale temp files go first. Returns the ids removed, oldest first.
        """
        self._remove_stale_temps()
        groups = [(day, stem) for day in self._days() for stem in sorted(_stems(day))]
        protected = set(groups[-keep_latest:]) if keep_latest > 0 else set()
        total = self.size_bytes()
        removed: builtins.list[str] = []
        for day, stem in groups:
            if total <= max_bytes:
                break
            if (day, stem) in protected or day.name.replace("-", "") + "-" + stem in keep:
                continue
            total -= _remove_group(day, stem)
            removed.append(day.name.replace("-", "") + "-" + stem)
            _remove_if_empty(day)
        return removed

    def _days(self, newest_first: bool = False) -> builtins.list[Path]:
        try:
            days = [p for p in self.root.iterdir() if _DAY.match(p.name) and p.is_dir()]
        except FileNotFoundError:
            return []
        return sorted(days, key=lambda p: p.name, reverse=newest_first)

    def _locate(self, entry_id: str) -> tuple[Path, str] | None:
        match = _ID.match(entry_id)
        if not match:
            return None
        year, month, day, stem = match.groups()
        return self.root / f"{year}-{month}-{day}", stem

    def _load(self, day: Path, stem: str) -> HistoryEntry | None:
        sidecar_path = day / f"{stem}.json"
        try:
            data = json.loads(sidecar_path.read_text("utf-8"))
            image_path = _own_file(day, stem, data["image"])
            attachments = {
                str(name): _own_file(day, stem, file_name)
                for name, file_name in dict(data.get("attachments") or {}).items()
            }
            meta = ResultMeta.from_dict(data["meta"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("skipping unreadable history entry %s (%s)", sidecar_path, exc)
            return None
        if not image_path.is_file():
            log.warning("skipping history entry %s: its image is missing", sidecar_path)
            return None
        entry_id = day.name.replace("-", "") + "-" + stem
        return HistoryEntry(entry_id, image_path, sidecar_path, meta, attachments)

    def _remove_stale_temps(self) -> None:
        # File times are real time, whatever clock names the entries.
        limit = time.time() - _STALE_TEMP.total_seconds()
        for day in self._days():
            for f in _files(day):
                if f.name.endswith(".tmp"):
                    with contextlib.suppress(OSError):
                        if f.stat().st_mtime < limit:
                            f.unlink()


def fallback_root() -> Path:
    """The private folder refused results go to: made 0700 by mkdtemp, reused by the process.

    Made again if it has gone (a temp cleaner) or is no longer a folder of ours.
    """
    global _fallback_root
    with _fallback_lock:
        if _fallback_root is not None:
            try:
                paths.check_own_dir(_fallback_root)
            except (paths.FolderError, OSError):
                _fallback_root = None
        if _fallback_root is None:
            # mkdtemp: a fresh name no one could have prepared, created 0700 whatever the umask.
            _fallback_root = Path(tempfile.mkdtemp(prefix=_FALLBACK_PREFIX))
        return _fallback_root


def _discard_if_empty(fallback: Path) -> None:
    global _fallback_root
    with _fallback_lock, contextlib.suppress(OSError):
        for day in fallback.iterdir():
            _remove_if_empty(day)
        fallback.rmdir()
        if _fallback_root == fallback:
            _fallback_root = None


def _ext_of(data: bytes) -> str:
    """An attachment's extension from its bytes: the API's answer may be WebP or JPEG."""
    return EXTENSIONS[sniff_format(data) or "png"]


def _write_entry(
    root: Path,
    moment: datetime,
    ext: str,
    image_bytes: bytes,
    attachments: Mapping[str, bytes],
    meta: ResultMeta,
) -> HistoryEntry:
    """Write the image, the attachments, then the sidecar of one entry under `root`.

    On any failure the files already written are removed and the error propagates.
    """
    stem = f"{moment:%H%M%S%f}-{os.urandom(4).hex()}"
    folder = root / f"{moment:%Y-%m-%d}"
    paths.ensure_private_dir(root)
    paths.ensure_private_dir(folder)
    image_path = folder / f"{stem}.{ext}"
    attached = {name: folder / f"{stem}.{name}.{_ext_of(data)}"
                for name, data in attachments.items()}
    sidecar_path = folder / f"{stem}.json"
    stored = meta.to_dict()
    sidecar = {
        "version": SIDECAR_VERSION,
        "image": image_path.name,
        "attachments": {name: p.name for name, p in attached.items()},
        "meta": stored,
    }
    written: builtins.list[Path] = []
    try:
        for path, data in [(image_path, image_bytes)] + [
            (attached[name], attachments[name]) for name in attachments
        ]:
            written.append(path)
            paths.write_private_file(path, data)
        written.append(sidecar_path)
        paths.write_private_file(sidecar_path, json.dumps(sidecar, indent=1).encode("utf-8"))
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    entry_id = f"{moment:%Y%m%d}-{stem}"
    # Hand back what is on disk (redacted), so record() and get() agree.
    return HistoryEntry(entry_id, image_path, sidecar_path, ResultMeta.from_dict(stored), attached)


def _refusal(root: Path, exc: paths.FolderError | OSError) -> str:
    # FolderError's one line names the folder it refused (the root or a day folder);
    # an OSError from a write names a file inside, so the line names the root instead.
    if isinstance(exc, paths.FolderError):
        return str(exc)
    return f"the history folder {root} cannot be written ({exc.strerror or type(exc).__name__})"


def _own_file(day: Path, stem: str, name: Any) -> Path:
    """The path a sidecar names, refusing anything outside the entry's own files."""
    if not isinstance(name, str) or "/" in name or "\\" in name or not name.startswith(stem + "."):
        raise ValueError(f"sidecar names a foreign file {name!r}")
    return day / name


def _files(day: Path) -> builtins.list[Path]:
    try:
        return [p for p in day.iterdir() if p.is_file()]
    except FileNotFoundError:
        return []


def _stem_of(name: str) -> str:
    return name.lstrip(".").split(".", 1)[0]


def _stems(day: Path, sidecars_only: bool = False) -> set[str]:
    """Entry stems in `day`; with `sidecars_only`, those whose sidecar exists."""
    stems = set()
    for f in _files(day):
        stem = _stem_of(f.name)
        if _STEM.match(stem) and (not sidecars_only or f.name == f"{stem}.json"):
            stems.add(stem)
    return stems


def _remove_group(day: Path, stem: str) -> int:
    """Delete every file of one entry (temp files included); returns the bytes freed."""
    freed = 0
    for f in _files(day):
        if _stem_of(f.name) == stem:
            with contextlib.suppress(FileNotFoundError):
                size = f.stat().st_size
                f.unlink()
                freed += size
    return freed


def _remove_if_empty(day: Path) -> None:
    with contextlib.suppress(OSError):
        day.rmdir()  # fails, as it should, while the folder still holds anything
