"""Lifecycle: shutdown dates that take effect by themselves, the account's list first,
saved settings that migrate, and jobs on a shut-down model refused before any upload."""

import json
from datetime import date

import numpy as np
import pytest

from core.errors import ValidationError
from core.jobs.recipes import edit_recipe, generate_recipe, variation_recipe
from core.jobs.runner import JobOptions, JobRunner
from core.models import lifecycle as L
from core.models.catalogue import DEFAULT_MODEL, get_model, known_models
from core.pixels.geometry import Bounds, Point
from core.pixels.imaging import Image
from core.pixels.planning import CanvasSnapshot
from core.store.history import History
from core.store.settings import Settings

DEC_2 = date(2026, 12, 2)
GONE_ON_DEC_1 = [
    "gpt-image-1.5", "gpt-image-1.5-2025-12-16", "gpt-image-1-mini", "chatgpt-image-latest"
]


def test_models_shut_down_yesterday_are_gone_today_without_a_release():
    live = {s.id for s in L.live_models(DEC_2)}
    for model in GONE_ON_DEC_1 + ["gpt-image-1", "dall-e-2", "dall-e-3"]:
        assert model not in live
        standing = L.lifecycle(model, DEC_2)
        assert standing.status == "shut_down"
        assert standing.replacement and L.lifecycle(standing.replacement, DEC_2).alive
    # the same data, a day earlier: still offered, marked as ending tomorrow
    eve = L.lifecycle("gpt-image-1.5", date(2026, 11, 30))
    assert eve.status == "ending" and "tomorrow" in (eve.notice() or "")
    assert "gpt-image-1.5" in {s.id for s in L.live_models(date(2026, 11, 30))}
    assert L.lifecycle("gpt-image-1.5", date(2026, 10, 1)).status == "live"


def test_every_live_model_of_today_is_in_the_list_and_the_default_is_safe():
    live = {s.id for s in L.live_models(DEC_2)}
    today = {"gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.6-sunburst", "gpt-image-2.6-flare"}
    assert today <= live
    assert DEFAULT_MODEL in live and L.default_model_ok(DEFAULT_MODEL, DEC_2)
    # a default within 90 days of its shutdown is not acceptable: gpt-image-1.5 in October
    assert not L.default_model_ok("gpt-image-1.5", date(2026, 10, 1))


def test_the_account_outranks_the_shipped_dates():
    # the account says gpt-image-2 goes in 10 days: ending, and the source says so
    account = {"gpt-image-2": date(2026, 12, 12)}
    standing = L.lifecycle("gpt-image-2", DEC_2, account)
    assert standing.status == "ending" and standing.source == "account"
    assert "in 10 days" in (standing.notice() or "")
    # a server that still lists dall-e-2, without a date, still serves it (a compatible one)
    assert L.lifecycle("dall-e-2", DEC_2, {"dall-e-2": None}).status == "live"
    # and one that does not list it leaves the catalogue's verdict
    assert L.lifecycle("dall-e-2", DEC_2, {"gpt-image-2": None}).status == "shut_down"
    # an account date in the future revives a model the catalogue thinks gone
    assert L.lifecycle("gpt-image-1.5", DEC_2, {"gpt-image-1.5": date(2026, 12, 16)}).alive


def test_migration_follows_the_replacement_and_says_so_once():
    assert L.migrate_model("gpt-image-2", DEC_2) == ("gpt-image-2", None)
    model, notice = L.migrate_model("gpt-image-1-mini", DEC_2)
    assert model == "gpt-image-2.6-flare"
    assert notice and "2026-12-01" in notice and model in notice


def test_saved_settings_naming_a_shut_down_model_migrate_once(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"model": "gpt-image-1.5", "quality": "high", "n": 2}))
    settings, notice = Settings.load_with_notice(path)
    assert settings.model == "gpt-image-2.6-flare" and settings.quality == "high"
    assert notice and "gpt-image-1.5" in notice
    assert json.loads(path.read_text())["model"] == "gpt-image-2.6-flare"
    again, second = Settings.load_with_notice(path)
    assert again.model == "gpt-image-2.6-flare" and second is None
    # and a shut-down model cannot be saved again through the settings dialogs' check
    assert any(p.field == "model" for p in Settings(model="dall-e-3").validate())


class _Lister:
    def __init__(self, entries):
        self.entries, self.calls = entries, 0

    def list_model_entries(self):
        self.calls += 1
        if isinstance(self.entries, Exception):
            raise self.entries
        return self.entries


def test_account_cache_keeps_ids_and_dates_only_and_expires(tmp_path):
    clock = [1000.0]
    path = tmp_path / "account.json"
    cache = L.AccountLifecycle(path, ttl_s=60, clock=lambda: clock[0])
    assert cache.stale and cache.dates() is None
    lister = _Lister([
        {"id": "gpt-image-2", "shutdown_date": "2027-03-01", "owned_by": "system"},
        {"id": "gpt-5", "shutdown_date": None},
        {"id": "gpt-image-2.6-flare", "shutdown_date": "not a date"},
    ])
    assert cache.refresh(lister)
    assert cache.dates() == {"gpt-image-2": date(2027, 3, 1), "gpt-image-2.6-flare": None}
    assert "system" not in path.read_text()  # nothing but ids and dates is kept
    reread = L.AccountLifecycle(path, ttl_s=60, clock=lambda: clock[0])
    assert reread.dates() == cache.dates() and not reread.stale
    clock[0] += 61
    assert reread.stale
    # a failure keeps the old copy and never raises
    assert not reread.refresh(_Lister(OSError("offline")))
    assert reread.dates() == cache.dates()


def _snapshot() -> CanvasSnapshot:
    pixels = np.zeros((64, 64, 4), np.uint8)
    pixels[..., 3] = 255
    canvas = Bounds(0, 0, 64, 64)
    return CanvasSnapshot(Image(pixels), Point(0, 0), None, "layer", "doc", canvas)


class _NoNetwork:
    def __getattr__(self, name):
        raise AssertionError(f"the client was used: {name}")


@pytest.mark.parametrize("model", GONE_ON_DEC_1)
def test_a_job_on_a_shut_down_model_is_refused_before_anything_is_planned(tmp_path, model):
    runner = JobRunner(_NoNetwork(), History(tmp_path / "h"))  # type: ignore[arg-type]
    recipe = variation_recipe(_snapshot(), JobOptions(model=model))
    with pytest.raises(ValidationError) as caught:
        runner.dry_run(recipe)
    assert caught.value.field == "model" and "gpt-image-2.6" in str(caught.value)
    job = runner.submit(edit_recipe("a cat", _snapshot(), JobOptions(model=model)))
    assert job.wait(10) and job.state == "failed"
    assert isinstance(job.error, ValidationError) and "2026-12-01" in str(job.error)


def test_a_job_on_an_ending_model_says_so_once_and_runs(tmp_path):
    cache = L.AccountLifecycle(None)
    cache.store([{"id": "gpt-image-2", "shutdown_date": "2026-12-20"}])
    runner = JobRunner(_NoNetwork(), History(tmp_path / "h"), account=cache)  # type: ignore[arg-type]
    target, options = Bounds(0, 0, 1024, 1024), JobOptions(model="gpt-image-2")
    recipe = generate_recipe("a cat", target, options)
    plan = runner.dry_run(recipe)
    assert plan["notice"] and "2026-12-20" in plan["notice"]


def test_every_catalogue_entry_with_a_date_names_a_live_replacement():
    for spec in known_models():
        if spec.shutdown:
            assert spec.replacement, spec.id
            assert L.lifecycle(get_model(spec.replacement), DEC_2).alive
