"""The history as artists use it (issue 20): favourites, search, and a size it keeps to."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.store.history_care import BoundedHistory, Favourites, Query, search
from core.store.result_meta import ResultMeta

PNG = b"\x89PNG\r\n\x1a\n" + bytes(2000)  # 2 kB a result: the limit below holds four


def clock():
    moments = iter(datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc) + timedelta(minutes=i)
                   for i in range(1000))
    return lambda: next(moments)


def record(history, prompt, job="generate", document="poster.kra", revised=None):
    meta = ResultMeta(prompt=prompt, job=job, document=document, model="gpt-image-2",
                      revised_prompt=revised)
    return history.record(PNG, "png", meta)


def test_search_finds_every_word_in_any_case_across_prompt_document_and_model(tmp_path):
    history = BoundedHistory(tmp_path, clock=clock())
    fox = record(history, "A red Fox in snow")
    record(history, "a blue whale", job="edit", document="sea.xcf")
    owl = record(history, "night bird", revised="an owl at dusk, red eyes")
    entries = history.list()
    assert [e.id for e in search(entries, Query("red"))] == [owl.id, fox.id]
    assert [e.id for e in search(entries, Query("FOX snow"))] == [fox.id]
    assert [e.id for e in search(entries, Query("fox whale"))] == []  # every word must match
    assert [e.meta.prompt for e in search(entries, Query(job="edit"))] == ["a blue whale"]
    assert len(search(entries, Query("sea.xcf gpt-image-2"))) == 1
    assert len(search(entries, Query())) == 3


def test_favourites_survive_pruning_and_deleting_unstars(tmp_path):
    history = BoundedHistory(tmp_path, clock=clock())
    first = record(history, "keep me")
    history.favourites.mark(first.id)
    for i in range(5):
        record(history, f"filler {i}")
    assert Favourites(tmp_path).ids() == {first.id}  # on disk, not only in memory
    assert search(history.list(), Query(favourites_only=True), history.favourites.ids())[0].id \
        == first.id
    removed = history.prune(max_bytes=3 * 2100, keep=history.favourites.ids())
    assert removed and first.id not in removed and history.get(first.id) is not None
    assert history.delete(first.id)
    assert history.favourites.ids() == frozenset()


def test_a_bounded_history_keeps_to_its_size_after_every_record(tmp_path):
    limit = 4 * 2600  # four entries with their sidecars
    history = BoundedHistory(tmp_path, max_bytes=limit, clock=clock())
    ids = [record(history, f"picture {i}").id for i in range(8)]
    assert history.size_bytes() <= limit
    kept = [e.id for e in history.list()]
    assert kept[0] == ids[-1]  # the newest is always kept
    assert set(kept) < set(ids) and ids[0] not in kept


def test_an_unbounded_history_keeps_everything(tmp_path):
    history = BoundedHistory(tmp_path, max_bytes=0, clock=clock())
    for i in range(6):
        record(history, f"picture {i}")
    assert len(history.list()) == 6


def test_a_damaged_favourites_file_counts_as_none(tmp_path):
    (tmp_path / "favourites.json").write_text("{not json")
    assert Favourites(tmp_path).ids() == frozenset()
    Favourites(tmp_path).mark("20261208-000000000000-abcdef01")
    assert Favourites(tmp_path).ids() == {"20261208-000000000000-abcdef01"}
