"""The result history: atomic private files, tolerant listing, pruning, no keys on disk."""

from __future__ import annotations

import json
import os
import stat
import time
from datetime import datetime, timedelta, timezone

import pytest

from core.store import history as history_module
from core.store import paths
from core.store.history import History, ResultMeta
from core.store.secrets import register_secret

TZ = timezone(timedelta(hours=1))
START = datetime(2026, 11, 23, 20, 45, 12, 123456, tzinfo=TZ)


class Clock:
    """Advances one minute per call, so every entry has a distinct, known time."""

    def __init__(self, start: datetime = START, step: timedelta = timedelta(minutes=1)):
        self.now, self.step = start, step

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.step
        return current


def meta(prompt: str = "a red fox", **changes) -> ResultMeta:
    base = dict(
        prompt=prompt,
        model="gpt-image-2",
        job="edit",
        size="1024x1024",
        quality="high",
        background="auto",
        output_format="png",
        request_id="req_123",
        usage={"input_tokens": 50, "output_tokens": 7024},
        estimated_cost=0.211,
        actual_cost=0.2112,
        document="fox.kra",
        region=(10, 20, 300, 200),
        candidate=1,
        settings={"model": "gpt-image-2", "n": 2, "padding_px": 64},
    )
    base.update(changes)
    return ResultMeta(**base)


@pytest.fixture
def hist(tmp_path):
    return History(tmp_path / "history", clock=Clock())


def test_record_writes_image_and_sidecar_by_date(hist):
    entry = hist.record(b"PNGDATA", "png", meta())
    assert entry.id.startswith("20261123-204512123456-")
    assert entry.image_path.parent == hist.root / "2026-11-23"
    assert entry.image_path.name == entry.id.split("-", 1)[1] + ".png"
    assert entry.sidecar_path == entry.image_path.with_suffix(".json")
    assert entry.read_image() == b"PNGDATA"
    assert entry.meta.created == "2026-11-23T20:45:12+01:00"
    sidecar = json.loads(entry.sidecar_path.read_text())
    assert sidecar["image"] == entry.image_path.name
    assert sidecar["meta"]["prompt"] == "a red fox"
    assert sidecar["meta"]["region"] == [10, 20, 300, 200]


def test_get_returns_what_record_returned(hist):
    entry = hist.record(b"PNGDATA", "png", meta(), attachments={"mask": b"MASK"})
    again = hist.get(entry.id)
    assert again == entry
    assert again.meta.region == (10, 20, 300, 200)
    assert again.attachments["mask"].read_bytes() == b"MASK"


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_files_are_0600_and_folders_0700(hist):
    old = os.umask(0o022)
    try:
        entry = hist.record(b"PNGDATA", "png", meta(), attachments={"mask": b"M"})
    finally:
        os.umask(old)
    for path in (entry.image_path, entry.sidecar_path, entry.attachments["mask"]):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (hist.root, entry.image_path.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_jpeg_gets_a_jpg_file_and_unknown_formats_are_refused(hist):
    assert hist.record(b"J", "jpeg", meta(output_format="jpeg")).image_path.suffix == ".jpg"
    with pytest.raises(ValueError):
        hist.record(b"X", "bmp", meta())
    with pytest.raises(ValueError):
        hist.record(b"X", "png", meta(), attachments={"../evil": b"x"})


def test_list_is_newest_first_with_limit(hist):
    ids = [hist.record(f"img{i}".encode(), "png", meta(f"prompt {i}")).id for i in range(4)]
    listed = hist.list()
    assert [e.id for e in listed] == ids[::-1]
    assert [e.meta.prompt for e in hist.list(limit=2)] == ["prompt 3", "prompt 2"]


def test_list_spans_days(tmp_path):
    hist = History(tmp_path, clock=Clock(step=timedelta(hours=20)))
    first = hist.record(b"a", "png", meta())
    second = hist.record(b"b", "png", meta())
    assert first.image_path.parent.name == "2026-11-23"
    assert second.image_path.parent.name == "2026-11-24"
    assert [e.id for e in hist.list()] == [second.id, first.id]


def test_a_repeating_clock_still_gives_ordered_ids(tmp_path):
    hist = History(tmp_path, clock=Clock(step=timedelta(0)))
    ids = [hist.record(b"x", "png", meta()).id for _ in range(3)]
    assert len(set(ids)) == 3 and sorted(ids) == ids
    assert [e.id for e in hist.list()] == ids[::-1]


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: e.sidecar_path.write_text("{not json"),
        lambda e: e.sidecar_path.write_text("[1, 2, 3]"),
        lambda e: e.sidecar_path.write_text(json.dumps({"image": e.image_path.name})),
        lambda e: e.sidecar_path.write_text(json.dumps({"image": "../../etc/passwd", "meta": {}})),
        lambda e: e.sidecar_path.write_bytes(b"\xff\xfe\x00garbage"),
        lambda e: e.image_path.unlink(),
    ],
)
def test_corrupt_sidecars_are_skipped(hist, damage, caplog):
    good_old = hist.record(b"old", "png", meta("old"))
    bad = hist.record(b"bad", "png", meta("bad"))
    good_new = hist.record(b"new", "png", meta("new"))
    damage(bad)
    assert [e.id for e in hist.list()] == [good_new.id, good_old.id]
    assert hist.get(bad.id) is None


def test_ill_typed_meta_fields_get_defaults(hist):
    entry = hist.record(b"x", "png", meta())
    data = json.loads(entry.sidecar_path.read_text())
    data["meta"].update(
        prompt=7, region=[1, 2, "3", 4], candidate=True, usage=[], actual_cost="cheap", future=1
    )
    entry.sidecar_path.write_text(json.dumps(data))
    loaded = hist.get(entry.id).meta
    assert (loaded.prompt, loaded.region, loaded.candidate) == ("", None, 0)
    assert (loaded.usage, loaded.actual_cost) == (None, None)
    assert loaded.model == "gpt-image-2" and loaded.estimated_cost == 0.211


def test_key_never_reaches_a_sidecar(hist):
    openai_key = "sk-proj-" + "X1y2" * 20
    azure_key = os.urandom(16).hex()
    register_secret(azure_key)
    entry = hist.record(
        b"x",
        "png",
        meta(
            prompt=f"fox {openai_key}",
            revised_prompt=f"fox {azure_key}",
            usage={"note": [f"Bearer {openai_key}"]},
            settings={
                "api_key": "plain-but-named-a-key",
                "Authorization": "x",
                "n": 1,
                "nested": {"key": azure_key, "proxy": f"http://u:{azure_key}@p:8080"},
            },
        ),
    )
    text = entry.sidecar_path.read_text()
    for secret in (openai_key, azure_key, "plain-but-named-a-key"):
        assert secret not in text
    stored = json.loads(text)["meta"]
    assert "api_key" not in stored["settings"] and "Authorization" not in stored["settings"]
    assert stored["settings"]["n"] == 1 and "key" not in stored["settings"]["nested"]
    assert openai_key not in entry.meta.prompt  # what record() returns is what is on disk


def test_delete_removes_every_file(hist):
    keep = hist.record(b"keep", "png", meta())
    gone = hist.record(b"gone", "png", meta(), attachments={"mask": b"m"})
    assert hist.delete(gone.id)
    assert not gone.image_path.exists() and not gone.sidecar_path.exists()
    assert not gone.attachments["mask"].exists()
    assert not hist.delete(gone.id)
    assert [e.id for e in hist.list()] == [keep.id]


def test_delete_and_get_refuse_ids_that_are_not_ours(hist, tmp_path):
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    for bad in ("../victim", "20261123-../../victim", "", "20261123-204512123456-XYZ"):
        assert hist.get(bad) is None
        assert not hist.delete(bad)
    assert victim.exists()


def test_removing_the_last_entry_of_a_day_removes_the_folder(hist):
    entry = hist.record(b"x", "png", meta())
    hist.delete(entry.id)
    assert not entry.image_path.parent.exists()


def test_size_bytes_counts_every_file(hist):
    assert hist.size_bytes() == 0
    entry = hist.record(b"x" * 1000, "png", meta(), attachments={"mask": b"m" * 10})
    expected = sum(p.stat().st_size for p in entry.image_path.parent.iterdir())
    assert hist.size_bytes() == expected >= 1010


def test_prune_removes_the_oldest_first(hist):
    entries = [hist.record(bytes(5000), "png", meta(f"p{i}")) for i in range(5)]
    one = hist.size_bytes() // 5
    removed = hist.prune(max_bytes=2 * one + one // 2)
    assert removed == [e.id for e in entries[:3]]
    assert [e.id for e in hist.list()] == [e.id for e in entries[:2:-1]]
    assert hist.size_bytes() <= 2 * one + one // 2


def test_prune_keeps_the_newest_and_does_nothing_when_it_fits(hist):
    entries = [hist.record(bytes(5000), "png", meta()) for _ in range(3)]
    assert hist.prune(max_bytes=10**9) == []
    assert hist.prune(max_bytes=0) == [e.id for e in entries[:2]]
    assert [e.id for e in hist.list()] == [entries[-1].id]
    assert hist.prune(max_bytes=0, keep_latest=0) == [entries[-1].id]
    assert hist.list() == [] and hist.size_bytes() == 0


def test_prune_counts_orphans_and_stale_temp_files(hist):
    old = hist.record(bytes(3000), "png", meta())
    old.sidecar_path.unlink()  # a crash between image and sidecar leaves an orphan
    new = hist.record(bytes(3000), "png", meta())
    stale = new.image_path.parent / f".{new.image_path.name}.abc.tmp"
    stale.write_bytes(bytes(100))
    ancient = time.time() - 7200
    os.utime(stale, (ancient, ancient))
    fresh = new.image_path.parent / f".{new.sidecar_path.name}.def.tmp"
    fresh.write_bytes(bytes(10))  # a write in progress elsewhere: not stale, not touched
    newest_bytes = sum(p.stat().st_size for p in (new.image_path, new.sidecar_path, fresh))
    removed = hist.prune(max_bytes=newest_bytes)
    assert removed == [old.id]
    assert not old.image_path.exists() and not stale.exists() and fresh.exists()
    assert [e.id for e in hist.list()] == [new.id]


def test_failed_sidecar_write_leaves_nothing_behind(hist, monkeypatch):
    real = paths.write_private_file

    def fail_on_sidecar(path, data):
        if path.suffix == ".json":
            raise OSError("disk full")
        real(path, data)

    monkeypatch.setattr(history_module.paths, "write_private_file", fail_on_sidecar)
    with pytest.raises(OSError):
        hist.record(b"x", "png", meta(), attachments={"mask": b"m"})
    assert hist.size_bytes() == 0 and hist.list() == []


def test_atomic_write_never_shows_half_a_file(tmp_path, monkeypatch):
    target = tmp_path / "f.json"
    paths.write_private_file(target, b"old")

    def broken_replace(src, dst):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        paths.write_private_file(target, b"new content")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_empty_or_missing_root_lists_nothing(tmp_path):
    hist = History(tmp_path / "never-created")
    assert hist.list() == [] and hist.size_bytes() == 0 and hist.prune(0) == []
    assert not hist.root.exists()
