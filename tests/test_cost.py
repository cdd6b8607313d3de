"""Cost estimates against the price table, actual cost from usage, the daily spend ledger."""

from __future__ import annotations

import json
import math
import os
import stat
from datetime import date

import pytest

from core.errors import ImagesError
from core.jobs.cost import (
    CostEstimate,
    SpendCapError,
    SpendTracker,
    _entry,
    actual_cost,
    estimate,
    price_table,
)
from core.models.catalogue import get_model
from core.models.lifecycle import live_models

TABLE_CELLS = [
    (model, quality, size, price)
    for model, entry in price_table()["models"].items()
    if "per_image" in entry
    for quality, sizes in entry["per_image"].items()
    for size, price in sizes.items()
]


def test_gpt_image_2_high_square_is_the_published_figure():
    est = estimate("gpt-image-2", "high", "1024x1024", 1, 0)
    assert est == CostEstimate(0.211, 0.211, 0.211, est.basis, False)
    assert "estimate" in est.basis


@pytest.mark.parametrize(("model", "quality", "size", "price"), TABLE_CELLS)
def test_every_listed_size_costs_its_table_price(model, quality, size, price):
    est = estimate(model, quality, size, n=1, prompt_chars=0)
    assert est.usd == pytest.approx(price)
    assert est.low == pytest.approx(price) and est.high == pytest.approx(price)
    assert not est.guess


def test_some_figures_of_section_12():
    assert estimate("gpt-image-1.5", "medium", "1024x1536").usd == pytest.approx(0.05)
    assert estimate("gpt-image-1-mini", "low", "1536x1024").usd == pytest.approx(0.006)
    assert estimate("gpt-image-2", "low", "1536x1024").usd == pytest.approx(0.005)


def test_n_multiplies_the_image_price():
    assert estimate("gpt-image-2", "medium", "1024x1024", n=3).usd == pytest.approx(3 * 0.053)


def test_auto_quality_is_estimated_as_high():
    auto = estimate("gpt-image-2", "auto", "1536x1024")
    assert auto.usd == pytest.approx(estimate("gpt-image-2", "high", "1536x1024").usd)
    assert "auto" in auto.basis and not auto.guess


def test_auto_size_spans_the_listed_sizes():
    est = estimate("gpt-image-1.5", "high", "auto")
    assert (est.usd, est.low, est.high) == pytest.approx((0.2, 0.133, 0.2))


def test_free_size_is_scaled_by_area_from_the_square_price():
    est = estimate("gpt-image-2", "high", "2048x2048")
    assert est.usd == pytest.approx(4 * 0.211)
    # The band comes from the cheapest and dearest price per pixel of the listed sizes.
    assert est.low == pytest.approx(0.165 / (1536 * 1024) * 2048 * 2048)
    assert est.high == pytest.approx(4 * 0.211)
    assert est.low < est.usd


def test_snapshots_and_aliases_use_their_base_prices():
    base = estimate("gpt-image-2", "low", "1024x1024").usd
    assert estimate("gpt-image-2-2026-04-21", "low", "1024x1024").usd == pytest.approx(base)
    assert estimate("chatgpt-image-latest", "high", "1024x1024").usd == pytest.approx(0.133)


def test_unpriced_model_gets_a_labelled_guess():
    est = estimate("gpt-image-9-preview", "high", "1024x1024")
    assert est.guess
    assert "gpt-image-9-preview" in est.basis
    assert est.usd == pytest.approx(0.211)
    assert est.low < est.usd < est.high


def test_unpriced_quality_is_a_guess_counted_as_the_dearest():
    est = estimate("gpt-image-2", "ultra", "1024x1024")
    assert est.guess and est.usd == pytest.approx(0.211) and est.high == pytest.approx(0.422)


# Section A: 2.5 and 2.6 take xhigh and max, whose prices are unpublished.
XHIGH_MODELS = [s.id for s in live_models() if "xhigh" in s.qualities]


def test_the_models_with_xhigh_include_2_5_and_2_6():
    assert {"gpt-image-2.5-flare", "gpt-image-2.6-flare", "gpt-image-2.6-sunburst"} <= set(
        XHIGH_MODELS
    )


@pytest.mark.parametrize("model", XHIGH_MODELS)
@pytest.mark.parametrize("quality", ["xhigh", "max"])
@pytest.mark.parametrize("size", ["1024x1024", "1536x1024", "2048x1152", "auto"])
def test_xhigh_and_max_are_a_labelled_guess_never_below_high(model, quality, size):
    high = estimate(model, "high", size, n=2, prompt_chars=400)
    est = estimate(model, quality, size, n=2, prompt_chars=400)
    assert est.guess and "guess" in est.basis.lower()
    assert est.usd > high.usd and est.low >= high.low and est.high > high.high
    assert est.low <= est.usd <= est.high


def test_xhigh_and_max_are_the_documented_multiples_of_high():
    guesses = price_table()["quality_guesses"]
    high = estimate("gpt-image-2.6-flare", "high", "1024x1024").usd
    for quality in ("xhigh", "max"):
        est = estimate("gpt-image-2.6-flare", quality, "1024x1024")
        assert est.usd == pytest.approx(guesses[quality]["factor"] * high)
        assert est.low == pytest.approx(high)
        assert est.high == pytest.approx(guesses[quality]["upper"] * high)
    assert (
        estimate("gpt-image-2.6-flare", "max", "1024x1024").usd
        > estimate("gpt-image-2.6-flare", "xhigh", "1024x1024").usd
    )


LIVE = [s.id for s in live_models()]
SECTION_A_RATES = {
    "text_in": 5.0,
    "text_in_cached": 1.25,
    "image_in": 8.0,
    "image_in_cached": 2.0,
    "image_out": 30.0,
}
TYPICAL_USAGE = {
    "input_tokens": 60,
    "output_tokens": 4160,
    "total_tokens": 4220,
    "input_tokens_details": {"text_tokens": 20, "image_tokens": 40},
}


def test_the_live_models_include_the_default_and_2_6():
    assert {"gpt-image-2", "gpt-image-2.6-flare", "gpt-image-2.6-sunburst"} <= set(LIVE)


@pytest.mark.parametrize("model", LIVE)
def test_every_live_model_has_its_own_price_entry(model):
    found = _entry(model)
    assert found is not None, f"{model} would be priced as the unknown-model guess"
    name, entry = found
    # Its own entry, or (a dated snapshot) its base model's: never the unknown-model guess.
    assert name in (model, get_model(model).snapshot_of)
    assert entry["tokens_per_million"] == SECTION_A_RATES
    est = estimate(model, "high", "1024x1024")
    assert not est.guess and "no price" not in est.basis


@pytest.mark.parametrize("model", LIVE)
def test_every_live_model_books_a_cost_from_usage(model):
    expected = (20 * 5.0 + 40 * 8.0 + 4160 * 30.0) / 1e6
    assert actual_cost(model, TYPICAL_USAGE) == pytest.approx(expected)


def test_prompt_text_adds_text_input_tokens():
    plain = estimate("gpt-image-2", "low", "1024x1024").usd
    with_prompt = estimate("gpt-image-2", "low", "1024x1024", prompt_chars=4000)
    # 4000 characters ~ 1000 tokens at $5 per million.
    assert with_prompt.usd - plain == pytest.approx(1000 * 5.0 / 1e6)
    assert with_prompt.low < with_prompt.usd < with_prompt.high


def test_edit_input_images_add_image_input_tokens():
    plain = estimate("gpt-image-2", "low", "1024x1024").usd
    edit = estimate("gpt-image-2", "low", "1024x1024", input_images=2, input_pixels=2 * 1024 * 1024)
    # A 1024x1024 input is scaled to 768x768: 4 tiles of 512 -> 85 + 4 * 170 = 765 tokens.
    assert edit.usd - plain == pytest.approx(2 * 765 * 8.0 / 1e6)
    assert edit.high > edit.usd


def test_small_input_image_is_one_tile():
    plain = estimate("gpt-image-2", "low", "1024x1024").usd
    edit = estimate("gpt-image-2", "low", "1024x1024", input_images=1, input_pixels=256 * 256)
    assert edit.usd - plain == pytest.approx((85 + 170) * 8.0 / 1e6)


def test_partial_images_add_about_100_output_tokens_each():
    plain = estimate("gpt-image-2", "medium", "1024x1024", n=2).usd
    streamed = estimate("gpt-image-2", "medium", "1024x1024", n=2, partial_images=3)
    assert streamed.usd - plain == pytest.approx(2 * 3 * 100 * 30.0 / 1e6)


def test_actual_cost_from_a_usage_dict():
    usage = {
        "input_tokens": 50,
        "output_tokens": 7024,
        "total_tokens": 7074,
        "input_tokens_details": {"text_tokens": 10, "image_tokens": 40},
    }
    expected = (10 * 5.0 + 40 * 8.0 + 7024 * 30.0) / 1e6
    assert actual_cost("gpt-image-2", usage) == pytest.approx(expected)


def test_actual_cost_with_output_text_tokens_uses_the_text_output_rate():
    usage = {
        "input_tokens": 0,
        "output_tokens": 1100,
        "input_tokens_details": {"text_tokens": 0, "image_tokens": 0},
        "output_tokens_details": {"image_tokens": 1000, "text_tokens": 100},
    }
    expected = (1000 * 32.0 + 100 * 10.0) / 1e6
    assert actual_cost("gpt-image-1.5", usage) == pytest.approx(expected)


def test_actual_cost_without_input_breakdown_uses_the_dearer_input_rate():
    usage = {"input_tokens": 1000, "output_tokens": 0}
    assert actual_cost("gpt-image-2", usage) == pytest.approx(1000 * 8.0 / 1e6)


@pytest.mark.parametrize(
    ("model", "tokens", "table_price"),
    [("gpt-image-1", 4160, 0.167), ("gpt-image-1", 6240, 0.25), ("gpt-image-1.5", 4160, 0.133)],
)
def test_token_rates_reproduce_the_per_image_table(model, tokens, table_price):
    # Section 12's sanity check: OpenAI's output-token counts at the table's rates.
    usage = {"input_tokens": 0, "output_tokens": tokens}
    assert actual_cost(model, usage) == pytest.approx(table_price, abs=0.001)


@pytest.mark.parametrize("model", ["gpt-image-9-preview", "dall-e-3"])
def test_a_model_without_token_rates_books_usage_at_the_guess_rates(model):
    # Without this the ledger never counts the job, and a daily cap protects nobody.
    expected = (20 * 5.0 + 40 * 8.0 + 4160 * 30.0) / 1e6
    assert actual_cost(model, TYPICAL_USAGE) == pytest.approx(expected)


JUNK = [True, False, -5, "5", 1.5, float("nan"), float("inf"), 10**400, 1e300, None, [3], {}]


@pytest.mark.parametrize(
    "usage",
    [
        None,
        "usage",
        [],
        {},
        {"total_tokens": 7},
        *({"input_tokens": junk, "output_tokens": junk} for junk in JUNK),
        {"input_tokens": "5", "input_tokens_details": {"text_tokens": -1, "image_tokens": True}},
        {"output_tokens": 10**400, "output_tokens_details": "lots"},
    ],
)
def test_actual_cost_is_none_without_a_usable_count(usage):
    assert actual_cost("gpt-image-2", usage) is None


@pytest.mark.parametrize("junk", JUNK, ids=lambda v: repr(v)[:12])
@pytest.mark.parametrize(
    "slot",
    [
        ("input_tokens",),
        ("output_tokens",),
        ("input_tokens_details", "text_tokens"),
        ("input_tokens_details", "image_tokens"),
        ("output_tokens_details", "image_tokens"),
        ("input_tokens_details",),
    ],
)
def test_junk_in_any_slot_never_raises_and_the_usable_counts_are_booked(slot, junk):
    usage = {
        "input_tokens": 60,
        "output_tokens": 4160,
        "input_tokens_details": {"text_tokens": 20, "image_tokens": 40},
        "output_tokens_details": {"image_tokens": 4160, "text_tokens": 0},
    }
    *parents, key = slot
    target = usage
    for parent in parents:
        target = target[parent]
    target[key] = junk
    usd = actual_cost("gpt-image-2", usage)
    assert usd is not None and math.isfinite(usd) and usd > 0
    # At most the clean figure with every input token at the dearer rate.
    assert usd <= (60 * 8.0 + 4160 * 30.0) / 1e6 + 1e-12


def test_a_junk_total_falls_back_to_its_breakdown():
    usage = {
        "input_tokens": "60",
        "output_tokens": -1,
        "input_tokens_details": {"text_tokens": 20, "image_tokens": 40},
        "output_tokens_details": {"image_tokens": 4160},
    }
    assert actual_cost("gpt-image-2", usage) == pytest.approx((20 * 5 + 40 * 8 + 4160 * 30) / 1e6)


def test_a_junk_part_stays_in_the_total_at_the_dearer_rate():
    usage = {"input_tokens": 5, "output_tokens": 1, "input_tokens_details": {"text_tokens": 1.5}}
    assert actual_cost("gpt-image-2", usage) == pytest.approx((5 * 8.0 + 1 * 30.0) / 1e6)


def test_integral_float_counts_are_counted():
    usage = {"input_tokens": 0.0, "output_tokens": 4160.0}
    assert actual_cost("gpt-image-2", usage) == pytest.approx(4160 * 30.0 / 1e6)


def test_spend_adds_up_per_day(tmp_path):
    ledger = SpendTracker(tmp_path / "data" / "spend.json")
    d1, d2 = date(2026, 11, 22), date(2026, 11, 23)
    assert ledger.spent(d1) == 0.0
    ledger.add(0.25, d1)
    assert ledger.add(0.5, d1) == pytest.approx(0.75)
    ledger.add(0.1, d2)
    assert SpendTracker(ledger.path).spent(d1) == pytest.approx(0.75)
    assert SpendTracker(ledger.path).spent(d2) == pytest.approx(0.1)


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_spend_ledger_is_private(tmp_path):
    ledger = SpendTracker(tmp_path / "data" / "spend.json")
    ledger.add(1.0, date(2026, 11, 23))
    assert stat.S_IMODE(ledger.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(ledger.path.parent.stat().st_mode) == 0o700


def test_spend_ledger_keeps_only_recent_days(tmp_path):
    ledger = SpendTracker(tmp_path / "spend.json", keep_days=2)
    for day in (1, 2, 3):
        ledger.add(1.0, date(2026, 11, day))
    days = json.loads(ledger.path.read_text())["days"]
    assert sorted(days) == ["2026-11-02", "2026-11-03"]


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"days": {"2026-11-23": "lots"}}'])
def test_corrupt_ledger_counts_as_nothing_spent(tmp_path, content):
    path = tmp_path / "spend.json"
    path.write_text(content)
    ledger = SpendTracker(path)
    assert ledger.spent(date(2026, 11, 23)) == 0.0
    assert ledger.add(0.2, date(2026, 11, 23)) == pytest.approx(0.2)


def test_spend_refuses_negative_or_nan(tmp_path):
    ledger = SpendTracker(tmp_path / "spend.json")
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            ledger.add(bad)


def test_daily_cap(tmp_path):
    ledger = SpendTracker(tmp_path / "spend.json")
    today = date(2026, 11, 23)
    ledger.add(0.9, today)
    est = estimate("gpt-image-2", "high", "1024x1024")
    ledger.check(est, cap_per_day=1.2, day=today)  # 0.9 + 0.211 fits
    with pytest.raises(SpendCapError) as caught:
        ledger.check(est, 1.0, day=today)
    err = caught.value
    assert isinstance(err, ImagesError)
    assert (err.kind, err.cap, err.spent, err.estimate) == ("day", 1.0, pytest.approx(0.9), 0.211)
    assert "estimate" in str(err)
    ledger.check(est, None, day=today)  # no cap, no complaint


def test_per_job_cap(tmp_path):
    ledger = SpendTracker(tmp_path / "spend.json")
    with pytest.raises(SpendCapError) as caught:
        ledger.check(0.5, cap_per_job=0.4)
    assert caught.value.kind == "job"
    ledger.check(0.3, cap_per_job=0.4)
    assert not ledger.path.exists()  # checking never writes
