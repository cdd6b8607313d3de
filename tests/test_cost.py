"""Cost estimates against the price table, actual cost from usage, the daily spend ledger."""

from __future__ import annotations

import json
import os
import stat
from datetime import date

import pytest

from core.cost import (
    CostEstimate,
    SpendCapError,
    SpendTracker,
    actual_cost,
    estimate,
    price_table,
)
from core.errors import ImagesError

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
    est = estimate("gpt-image-2.5-flare", "high", "1024x1024")
    assert est.guess
    assert "gpt-image-2.5-flare" in est.basis
    assert est.usd == pytest.approx(0.211)
    assert est.low < est.usd < est.high


def test_unpriced_quality_is_a_guess_counted_as_the_dearest():
    est = estimate("gpt-image-2", "xhigh", "1024x1024")
    assert est.guess and est.usd == pytest.approx(0.211) and est.high == pytest.approx(0.422)


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


@pytest.mark.parametrize(
    ("model", "usage"),
    [
        ("dall-e-3", {"input_tokens": 1, "output_tokens": 1}),
        ("gpt-image-2.5-flare", {"input_tokens": 1, "output_tokens": 1}),
        ("gpt-image-2", None),
        ("gpt-image-2", {"input_tokens": -5, "output_tokens": 1}),
        ("gpt-image-2", {"input_tokens": "5", "output_tokens": 1}),
        ("gpt-image-2", {"input_tokens": True, "output_tokens": 1}),
        (
            "gpt-image-2",
            {"input_tokens": 5, "output_tokens": 1, "input_tokens_details": {"text_tokens": 1.5}},
        ),
    ],
)
def test_actual_cost_is_none_when_it_cannot_be_known(model, usage):
    assert actual_cost(model, usage) is None


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
