"""What a request will probably cost, what it did cost, and the daily spend.

Owns the reading of prices.json, `estimate` (before a request) and
`actual_cost` (after it, from the `usage` the API returns), and `book_usage`
(whether that usage is trusted for the history and the ledger). The spend per day,
checked against the user's caps, is core.spend's `SpendTracker`.

Every figure here is an ESTIMATE in US dollars. The price table is data taken
from secondary sources (see prices.json); OpenAI's invoice is the only truth.
`actual_cost` is as good as the token rates in the table, no better.

Imports `.catalogue`, `.errors` and `.paths` only; no httpx, no host modules.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ..models.catalogue import get_model, parse_size

# The day's ledger and its caps live in core.spend; importable from here as before.
from ..store.spend import SpendCapError, SpendTracker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CostEstimate:
    """An estimated cost in USD: the likeliest figure `usd` within [`low`, `high`].

    `basis` says in a few words how the figure was reached; `guess` is True
    when the table has no price for the model or quality, so the figure is a
    labelled guess from a neighbour rather than a published price.
    """

    usd: float
    low: float
    high: float
    basis: str
    guess: bool = False


@dataclass(frozen=True)
class _Band:
    usd: float
    low: float
    high: float

    def __add__(self, other: _Band) -> _Band:
        return _Band(self.usd + other.usd, self.low + other.low, self.high + other.high)

    def scaled(self, factor: float) -> _Band:
        return _Band(self.usd * factor, self.low * factor, self.high * factor)


@lru_cache(maxsize=1)
def price_table() -> dict[str, Any]:
    """The parsed prices.json (shared and cached: do not modify it)."""
    text = resources.files(__package__).joinpath("prices.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _entry(model: str) -> tuple[str, dict[str, Any]] | None:
    """The table entry for `model`, following `same_as` and catalogue snapshots."""
    models = price_table()["models"]
    name: str | None = model
    seen: set[str] = set()
    while name and name not in seen:
        seen.add(name)
        entry = models.get(name)
        if entry is None:
            name = get_model(name).snapshot_of
        elif "same_as" in entry:
            name = entry["same_as"]
        else:
            return name, entry
    return None


def _per_image(prices: dict[str, float], size: str) -> tuple[_Band, str]:
    values = list(prices.values())
    if size in prices:
        p = prices[size]
        return _Band(p, p, p), f"${p:g} per image"
    parsed = parse_size(size)
    if parsed is None:  # "auto" (or unreadable): the server picks one of the listed sizes
        return _Band(max(values), min(values), max(values)), "size auto: dearest listed size"
    area = parsed[0] * parsed[1]
    per_pixel = [p / _area(s) for s, p in prices.items()]
    ref = price_table()["reference_pixels"]
    square = next((p for s, p in prices.items() if _area(s) == ref), None)
    usd = square * area / ref if square is not None else sum(per_pixel) / len(per_pixel) * area
    band = _Band(usd, min(per_pixel) * area, max(per_pixel) * area)
    return band, f"{size} priced by area from {len(prices)} listed sizes"


def _area(size: str) -> int:
    parsed = parse_size(size)
    return parsed[0] * parsed[1] if parsed else price_table()["reference_pixels"]


@dataclass(frozen=True)
class _Quality:
    """The table's quality a request is priced as, and how its per-image band is stretched."""

    name: str
    note: str = ""
    guess: bool = False
    factor: float = 1.0  # times the figure
    upper: float = 1.0  # times the upper bound; the lower bound is never lowered


def _pick_quality(table: dict[str, dict[str, float]], quality: str) -> _Quality:
    if quality in table:
        return _Quality(quality)
    dearest = max(table, key=lambda q: max(table[q].values()))
    if quality in ("", "auto"):
        chosen = price_table()["auto_quality"]
        chosen = chosen if chosen in table else dearest
        return _Quality(chosen, f"quality auto counted as {chosen}")
    rule = price_table().get("quality_guesses", {}).get(quality)
    if isinstance(rule, dict) and rule.get("like") in table:
        # xhigh/max are unpublished: a guessed multiple of high, so a cap errs on refusing.
        like, factor, upper = rule["like"], float(rule["factor"]), float(rule["upper"])
        note = f"no price for quality {quality!r}: a GUESS of {factor:g} x {like}"
        note += f", up to {upper:g} x"
        return _Quality(like, note, True, factor, upper)
    note = f"no price for quality {quality!r}: counted as {dearest}, up to twice"
    return _Quality(dearest, note, True, 1.0, 2.0)


def _input_image_tokens(pixels: float) -> int:
    """Tokens for one input image of `pixels` pixels, assumed square (see prices.json)."""
    side = math.sqrt(max(pixels, 1.0))
    return input_image_tokens(side, side)


def input_image_tokens(width: float, height: float) -> int:
    """Tokens for one input image of this shape, by the vision rule in prices.json:
    fit in 2048x2048, bring the short side down to 768, count 512-px tiles."""
    cfg = price_table()["input_image_tokens"]
    w, h = max(width, 1.0), max(height, 1.0)
    fit = min(1.0, cfg["fit_px"] / max(w, h))
    fit *= min(1.0, cfg["short_side_px"] / (min(w, h) * fit))
    tiles = math.ceil(w * fit / cfg["tile_px"]) * math.ceil(h * fit / cfg["tile_px"])
    return int(cfg["base"] + cfg["per_tile"] * tiles)


def _token_extras(
    rates: dict[str, float],
    n: int,
    prompt_chars: int,
    input_images: int,
    input_pixels: int,
    partial_images: int,
    input_sizes: Sequence[tuple[int, int]] = (),
) -> tuple[_Band, list[str]]:
    """Prompt text, edit inputs and streamed partial images, priced by token rates."""
    table = price_table()
    band, notes = _Band(0.0, 0.0, 0.0), []
    if prompt_chars > 0:
        cpt, per_token = table["chars_per_token"], rates["text_in"] / 1e6
        band += _Band(
            prompt_chars / cpt["typical"] * per_token,
            prompt_chars / cpt["few"] * per_token,
            prompt_chars / cpt["many"] * per_token,
        )
    if input_sizes or input_images > 0:
        if input_sizes:  # the shapes the plan will upload
            tokens = sum(input_image_tokens(w, h) for w, h in input_sizes)
            input_images = len(input_sizes)
        else:
            each = input_pixels / input_images if input_pixels > 0 else table["reference_pixels"]
            tokens = _input_image_tokens(each) * input_images
        usd = tokens * rates["image_in"] / 1e6
        band += _Band(usd, usd, usd * table["input_image_tokens"]["high_factor"])
        notes.append(f"{input_images} input image(s) ~{tokens} tokens")
    if partial_images > 0:
        tokens = n * partial_images * table["partial_image_output_tokens"]
        usd = tokens * rates["image_out"] / 1e6
        band += _Band(usd, usd, usd)
    return band, notes


def estimate(
    model: str,
    quality: str | None,
    size: str | None,
    n: int = 1,
    prompt_chars: int = 0,
    input_images: int = 0,
    input_pixels: int = 0,
    partial_images: int = 0,
    input_sizes: Sequence[tuple[int, int]] = (),
) -> CostEstimate:
    """Estimated USD for `n` images, before the request is sent.

    Images: n x the table's per-image price; quality "auto" counts as high;
    the unpublished xhigh/max as a guessed multiple of high (prices.json
    "quality_guesses"), labelled a guess, never below high;
    "auto" size as the dearest listed size; a free size (gpt-image-2) is the
    1024x1024 price scaled by pixel area, with the band from the other sizes'
    price per pixel. Plus the prompt's text tokens (about 4 characters each),
    edit inputs (`input_sizes`, the shapes sent; or `input_images` images of
    `input_pixels` pixels in all, assumed square) as
    image-input tokens, and about 100 output tokens per streamed partial image.
    A model without a price is priced as gpt-image-2 and labelled a guess,
    with the band widened to half and twice the figure.
    """
    table = price_table()
    quality, size = quality or "auto", size or "auto"
    notes: list[str] = []
    found = _entry(model)
    guessed = found is None
    if found is None:
        found = (table["unknown_model_guess"], table["models"][table["unknown_model_guess"]])
        notes.append(f"no price for {model!r}: priced as {found[0]}")
    name, entry = found
    q = _pick_quality(entry["per_image"], quality)
    one, size_note = _per_image(entry["per_image"][q.name], size)
    one = _Band(one.usd * q.factor, one.low, one.high * q.upper)
    n = max(int(n), 1)
    total = one.scaled(n)
    notes[:0] = [f"{name} {q.name} {size}: {n} x {size_note}"]
    notes += [q.note] if q.note else []
    notes += [entry["per_image_note"]] if "per_image_note" in entry else []
    rates = entry.get("tokens_per_million")
    if rates:
        extra, extra_notes = _token_extras(
            rates, n, prompt_chars, input_images, input_pixels, partial_images, input_sizes
        )
        total += extra
        notes += extra_notes
    if guessed:
        total = _Band(total.usd, total.usd * 0.5, total.high * 2)
    notes.append(f"estimate from prices as of {table['as_of']}")
    return CostEstimate(total.usd, total.low, total.high, "; ".join(notes), guessed or q.guess)


# More tokens than this in one response is junk, not a bill: the largest image
# (~8.3 Mpx), 16 inputs and a 32000-character prompt stay far below it. The limit
# also keeps a huge int from overflowing the float arithmetic.
_MAX_TOKENS = 100_000_000


def _count(value: Any) -> int | None:
    """A usable token count, or None (absent, bool, negative, fraction, string, absurd)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            return None
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= _MAX_TOKENS:
        return None
    return value


def _token_rates(model: str) -> dict[str, float]:
    """The model's token rates, else the unknown-model guess's: every job gets booked."""
    found = _entry(model)
    rates = found[1].get("tokens_per_million") if found else None
    if rates:
        return dict(rates)
    table = price_table()
    return dict(table["models"][table["unknown_model_guess"]]["tokens_per_million"])


def _side_usd(total: Any, details: Any, parts: dict[str, float], rest_rate: float) -> float | None:
    """Micro-USD for one side (input or output) of a usage; None without a usable count.

    Usable counts of the breakdown at their own rates, the rest of the total at
    `rest_rate`. A junk part stays in that rest; a junk total leaves the parts.
    """
    counted = _count(total)
    breakdown = details if isinstance(details, dict) else {}
    known = [(n, parts[k]) for k in parts if (n := _count(breakdown.get(k))) is not None]
    if counted is None and not known:
        return None
    usd = sum(n * rate for n, rate in known)
    if counted is not None:
        usd += max(counted - sum(n for n, _ in known), 0) * rest_rate
    return usd


def actual_cost(model: str, usage: dict[str, Any] | None) -> float | None:
    """USD for one response's `usage`, from the table's token rates; still an estimate.

    A model without token rates of its own (unknown, DALL-E) is charged at the
    unknown-model guess's rates, so the spend ledger counts every job. None
    only when `usage` is not a dict or has no usable token count; junk values
    are skipped, never raised on. Input tokens outside the text/image breakdown
    are counted at the dearer input rate; output text tokens at the
    text-output rate where there is one, the rest of the output at the image rate.
    """
    if not isinstance(usage, dict):
        return None
    rates = _token_rates(model)
    text_in, image_in, image_out = rates["text_in"], rates["image_in"], rates["image_out"]
    into = _side_usd(
        usage.get("input_tokens"),
        usage.get("input_tokens_details"),
        {"text_tokens": text_in, "image_tokens": image_in},
        max(text_in, image_in),
    )
    out = _side_usd(
        usage.get("output_tokens"),
        usage.get("output_tokens_details"),
        {"text_tokens": rates.get("text_out", image_out), "image_tokens": image_out},
        image_out,
    )
    if into is None and out is None:
        return None
    return ((into or 0.0) + (out or 0.0)) / 1e6


# A reply costing more than this times the top of its estimate is junk, not a bill. The
# top already allows for the guesses (an unpriced model 2x, xhigh/max up to 8x high) and
# a quality step is 4-9x the tokens: 10x over it is more than any misprice we know of.
# A fixed cap per image would not do: "max" at 4K is by our guess near 450k output
# tokens, a low 1024x1024 under 300. A wrong rejection books the estimate the caps
# allowed (the invoice stays the truth); a wrong $2,400 refuses every job of the day.
PLAUSIBLE_OVER_ESTIMATE = 10.0


@dataclass(frozen=True)
class BookedCost:
    """What a reply's `usage` is booked as (`usd`, None: unknown), and why a usage the
    server did send was not trusted (`rejected`: a junk or implausible count)."""

    usd: float | None
    rejected: str | None = None


def usage_ceiling(est: CostEstimate | None, images: int, n: int) -> float | None:
    """The most a reply of `images` of a job's `n` may plausibly cost (None: no estimate)."""
    if est is None or not math.isfinite(est.high):
        return None
    return PLAUSIBLE_OVER_ESTIMATE * est.high * max(images, 1) / max(n, 1)


def book_usage(model: str, usage: Any, ceiling_usd: float | None) -> BookedCost:
    """The cost to book for a reply's `usage`; never raises, whatever the server sent.

    Stricter than `actual_cost`: one count present but unusable (bool, negative,
    fraction, string, NaN, out of range) makes the whole usage untrusted, since pricing
    the rest would book 5 input tokens for a job whose output count was junk; so does a
    cost over `ceiling_usd`. A usage without counts (`{}`) is no usage, not a rejected one.
    """
    try:
        ceiling = math.inf if ceiling_usd is None else ceiling_usd
        junk = _first_junk(usage) if isinstance(usage, dict) else None
        usd = actual_cost(model, usage) if junk is None else None
        if usd is not None and not (math.isfinite(usd) and usd <= ceiling):
            counts = ", ".join(f"{k}={_shown(usage[k])}" for k in _COUNTS if k in usage)
            junk = f"{counts} would cost ${usd:.2f}, over the plausible ${ceiling:.2f}"
            usd = None
        return BookedCost(usd, junk)
    except Exception as exc:  # noqa: BLE001 - pricing must never cost the artist the image
        return BookedCost(None, f"pricing failed: {type(exc).__name__}")


_COUNTS = ("input_tokens", "output_tokens")


def _first_junk(usage: dict[str, Any]) -> str | None:
    """'name=value' of the first count present (not null) but unusable, else None."""
    slots = [(k, usage.get(k)) for k in _COUNTS]
    for name in ("input_tokens_details", "output_tokens_details"):
        details = usage.get(name)
        if details is not None and not isinstance(details, dict):
            return f"{name}={_shown(details)}"
        slots += [(f"{name}.{k}", (details or {}).get(k)) for k in ("text_tokens", "image_tokens")]
    junk = (f"{k}={_shown(v)}" for k, v in slots if v is not None and _count(v) is None)
    return next(junk, None)


def _shown(value: Any) -> str:
    """A server value, short, for a log line and the sidecar (never raising: repr of an
    int of more than 4300 digits does)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:32]}... ({len(text)} characters)"


__all__ = [
    "BookedCost", "CostEstimate", "SpendCapError", "SpendTracker", "actual_cost", "book_usage",
    "estimate", "input_image_tokens", "price_table", "usage_ceiling",
]
