"""Spend caps across jobs: what one job books in the ledger stops the next before it is sent."""

from __future__ import annotations

import pytest

from core.api.client import ClientConfig, ImagesClient
from core.jobs.cost import SpendCapError, SpendTracker, actual_cost, estimate
from core.jobs.runner import JobOptions, JobRunner
from core.pixels.geometry import Bounds
from core.store.history import History

from .conftest import TEST_KEY

MODEL = "gpt-image-2.6-flare"
PROMPT = "a lighthouse at dusk"


@pytest.fixture
def ledger(tmp_path):
    return SpendTracker(tmp_path / "spend.json")


@pytest.fixture
def runner(standin, tmp_path, ledger):
    client = ImagesClient(ClientConfig(api_key=TEST_KEY, base_url=standin.base_url))
    yield JobRunner(client, History(tmp_path / "history"), ledger)
    client.close()


def run(runner, options):
    job = runner.submit_generate(PROMPT, Bounds(0, 0, 1024, 1024), options)
    assert job.wait(60.0), "the job did not end"
    return job


def test_a_daily_cap_below_two_jobs_lets_the_first_through_and_refuses_the_second(
    runner, standin, ledger
):
    est = estimate(MODEL, "high", "1024x1024", 1, len(PROMPT))
    # Room for the first job's estimate, not for what it books plus the second's.
    cap = est.usd * 1.05
    options = JobOptions(model=MODEL, quality="high", size="1024x1024", n=1, spend_cap_day_usd=cap)

    first = run(runner, options)
    assert first.state == "done", first.error
    [request] = standin.requests
    assert request.valid and request.fields["model"] == MODEL
    [usage] = first.result.usage
    booked = actual_cost(MODEL, usage)
    assert booked is not None and booked > 0
    assert first.result.actual_cost_usd == pytest.approx(booked)
    assert ledger.spent() == pytest.approx(booked)
    assert booked + est.usd > cap  # the premise: the second job does not fit

    second = run(runner, options)
    assert second.state == "failed" and isinstance(second.error, SpendCapError)
    assert second.error.kind == "day" and second.error.spent == pytest.approx(booked)
    assert len(standin.requests) == 1  # nothing of the second job was sent
    assert ledger.spent() == pytest.approx(booked)  # and nothing more was booked


def test_a_job_whose_answer_has_no_usage_books_its_estimate(standin, tmp_path, ledger):
    """DALL-E answers (a compatible server's) carry no `usage`: the estimate is booked,
    so a daily cap still counts the job, and the next one that would cross it is refused."""
    from .conftest import compatible_server_account

    standin.legacy = True
    client = ImagesClient(ClientConfig(api_key=TEST_KEY, base_url=standin.base_url))
    account = compatible_server_account("dall-e-2")
    runner = JobRunner(client, History(tmp_path / "history"), ledger, account=account)
    est = estimate("dall-e-2", "standard", "256x256", 2, len(PROMPT))
    options = JobOptions(model="dall-e-2", size="256x256", n=2, spend_cap_day_usd=est.usd * 1.5)
    first = run(runner, options)
    assert first.state == "done", first.error
    assert first.result.usage == [] and len(first.result.candidates) == 2
    assert ledger.spent() == pytest.approx(est.usd)
    second = run(runner, options)
    assert second.state == "failed" and isinstance(second.error, SpendCapError)
    assert len(standin.requests) == 1
    client.close()
