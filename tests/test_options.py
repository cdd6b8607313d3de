"""One rule for a job's options (core.jobs.options): a choice over the saved settings
over the defaults; caps the tighter of choice and settings; streaming only when chosen."""

from __future__ import annotations

import pytest

from core.jobs.options import Choices, job_options, tighter
from core.store.settings import Settings


def test_a_choice_beats_the_saved_setting_which_beats_the_default():
    saved = Settings(quality="low", n=3, grow_px=20, output_format="webp", context_padding_px=10)
    opts = job_options(saved, Choices())
    assert (opts.quality, opts.n, opts.output_format) == ("low", 3, "webp")
    assert (opts.context.grow_px, opts.context.padding_px) == (20, 10)
    chosen = job_options(saved, Choices(quality="high", n=1, output_format="png", padding_px=0))
    assert (chosen.quality, chosen.n, chosen.output_format) == ("high", 1, None)  # png: not sent
    assert chosen.context.padding_px == 0 and chosen.context.grow_px == 20
    assert job_options(Settings(), Choices()).quality is None  # auto: leave it to the API


def test_auto_as_a_choice_overrides_a_saved_value():
    opts = job_options(Settings(quality="high", background="opaque"),
                       Choices(quality="auto", background="auto"))
    assert (opts.quality, opts.background) == (None, None)


@pytest.mark.parametrize(("chosen", "saved", "applied"), [
    (None, 0.5, 0.5), (0.2, 0.5, 0.2), (2.0, 0.5, 0.5), (0.3, None, 0.3), (None, None, None),
])
def test_a_job_may_lower_the_saved_cap_never_lift_it(chosen, saved, applied):
    opts = job_options(Settings(spend_cap_job_usd=saved, spend_cap_day_usd=saved),
                       Choices(spend_cap_job_usd=chosen, spend_cap_day_usd=chosen))
    assert opts.spend_cap_job_usd == opts.spend_cap_day_usd == applied
    assert tighter(chosen, saved) == applied


def test_streaming_is_on_only_when_chosen_whatever_is_saved():
    assert job_options(Settings(stream_previews=True), Choices()).stream is False
    assert job_options(Settings(stream_previews=False), Choices(stream=True)).stream is True


def test_script_keywords_become_choices_and_an_unknown_one_is_named():
    c = Choices.from_keywords(count=3, padding=16, quality="low")
    assert (c.n, c.padding_px, c.quality) == (3, 16, "low")
    with pytest.raises(TypeError, match="colour"):
        Choices.from_keywords(colour="red")


def test_the_ai_marking_follows_the_choice_over_the_saved_setting():
    assert job_options(Settings()).mark_provenance is True
    off = Settings(mark_provenance=False)
    assert job_options(off).mark_provenance is False
    assert job_options(off, Choices(mark_provenance=True)).mark_provenance is True
