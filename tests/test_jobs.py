"""The job runner against the stand-in: candidates, streaming, cancel, history first, spend cap."""

from __future__ import annotations

import time

import numpy as np
import pytest

from core.api.client import ClientConfig, ImagesClient
from core.errors import CancelledError, ModerationError, ValidationError
from core.jobs.cost import SpendCapError, SpendTracker
from core.jobs.recipes import edit_recipe
from core.jobs.runner import AS_IS_PREFIX, JobOptions, JobRunner
from core.pixels.geometry import Bounds, Point
from core.pixels.imaging import Image, Mask
from core.pixels.planning import CanvasSnapshot
from core.store.history import History

from .conftest import TEST_KEY, compatible_server_account


@pytest.fixture
def runner(standin, tmp_path):
    client = ImagesClient(ClientConfig(api_key=TEST_KEY, base_url=standin.base_url))
    yield JobRunner(client, History(tmp_path / "history"), SpendTracker(tmp_path / "spend.json"))
    client.close()


def snapshot(w: int = 256, h: int = 192) -> CanvasSnapshot:
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    pixels[..., 3] = 255
    coverage = np.zeros((h, w), np.uint8)
    coverage[60:140, 100:200] = 255
    canvas = Bounds(0, 0, w, h)
    return CanvasSnapshot(
        Image(pixels), Point(0, 0), Mask(coverage, canvas), "doc.kra", "bg", canvas
    )


def finish(job, timeout: float = 60.0):
    assert job.wait(timeout), "the job did not end"
    return job.poll_events()


def test_n_candidates_in_one_request_when_the_model_allows_it(runner, standin):
    job = runner.submit_edit("a boat", snapshot(), JobOptions(n=3))
    events = finish(job)
    assert job.state == "done", job.error
    assert [c.index for c in job.result.candidates] == [0, 1, 2]
    [request] = standin.requests
    assert request.valid and request.fields["n"] == "3"
    stages = [e.stage for e in events]
    assert stages[0] == "queued" and stages[-1] == "done"
    assert stages.index("uploading") < stages.index("rendering") < stages.index("downloading")


def test_every_candidate_is_on_disk_before_the_job_hands_it_back(runner, tmp_path):
    job = runner.submit_edit("a boat", snapshot(), JobOptions(n=2))
    finish(job)
    for candidate in job.result.candidates:
        entry = candidate.entry
        assert entry.image_path.exists() and entry.sidecar_path.exists()
        on_disk = Image.decode(entry.image_path.read_bytes())
        assert np.array_equal(on_disk.pixels, candidate.patch.image.pixels)
        assert entry.meta.prompt == "a boat" and entry.meta.request_id.startswith("req_")
        assert entry.meta.region == (
            candidate.patch.bounds.x,
            candidate.patch.bounds.y,
            candidate.patch.bounds.width,
            candidate.patch.bounds.height,
        )
    assert len(History(tmp_path / "history").list()) == 2


def test_streaming_sends_one_request_per_candidate_and_previews_partials(runner, standin):
    options = JobOptions(n=2, stream=True, partial_images=2)
    job = runner.submit_generate("a lake", Bounds(0, 0, 1024, 1024), options)
    events = finish(job)
    assert job.state == "done", job.error
    assert len(standin.requests) == 2
    assert all(r.valid and r.fields.get("stream") is True for r in standin.requests)
    partials = [e for e in events if e.stage == "partial"]
    assert {e.candidate for e in partials} == {0, 1}
    assert all(
        e.preview is not None and e.preview.bounds == Bounds(0, 0, 1024, 1024) for e in partials
    )


def test_models_limited_to_one_image_get_parallel_requests(standin, tmp_path):
    standin.legacy = True
    client = ImagesClient(ClientConfig(api_key=TEST_KEY, base_url=standin.base_url))
    runner = JobRunner(client, History(tmp_path / "h"), account=compatible_server_account())
    job = runner.submit_generate(
        "a lamp", Bounds(0, 0, 1024, 1024), JobOptions(model="dall-e-3", n=2)
    )
    finish(job)
    assert job.state == "done", job.error
    assert len(job.result.candidates) == 2
    assert [r.fields.get("n", 1) for r in standin.requests] == [1, 1]


@pytest.mark.parametrize(
    ("model", "as_is", "prefixed"),
    [("dall-e-3", True, True), ("dall-e-3", False, False), ("gpt-image-2", True, False)],
)
def test_the_as_is_instruction_goes_only_to_a_model_that_rewrites_prompts(
    standin, tmp_path, model, as_is, prefixed
):
    standin.legacy = True  # dall-e-3 is retired: only the legacy stand-in serves it
    client = ImagesClient(ClientConfig(api_key=TEST_KEY, base_url=standin.base_url))
    runner = JobRunner(client, History(tmp_path / "h"), account=compatible_server_account())
    options = JobOptions(model=model, prompt_as_is=as_is)
    job = runner.submit_generate("a red cube", Bounds(0, 0, 1024, 1024), options)
    finish(job)
    assert job.state == "done", job.error
    [request] = standin.requests
    assert request.valid
    assert request.fields["prompt"] == (AS_IS_PREFIX if prefixed else "") + "a red cube"
    # the history keeps the artist's own words, not the instruction
    assert job.result.candidates[0].entry.meta.prompt == "a red cube"


def test_the_prompt_limit_counts_the_as_is_instruction(standin, tmp_path):
    standin.legacy = True
    client = ImagesClient(ClientConfig(api_key=TEST_KEY, base_url=standin.base_url))
    runner = JobRunner(client, History(tmp_path / "h"), account=compatible_server_account())
    prompt = "x" * (4000 - len(AS_IS_PREFIX) + 1)  # fits dall-e-3's 4000 alone, not prefixed
    target = Bounds(0, 0, 1024, 1024)
    job = runner.submit_generate(prompt, target, JobOptions(model="dall-e-3", prompt_as_is=True))
    finish(job)
    assert job.state == "failed" and isinstance(job.error, ValidationError)
    assert "at most 4000" in str(job.error)
    assert standin.requests == []
    plain = runner.submit_generate(prompt, target, JobOptions(model="dall-e-3"))
    finish(plain)
    assert plain.state == "done", plain.error


def test_cancel_mid_request_ends_promptly_with_nothing_delivered(standin, tmp_path):
    standin.latency = 120.0  # far past the hang guard below: only a cancel can end this job
    client = ImagesClient(ClientConfig(api_key=TEST_KEY, base_url=standin.base_url))
    runner = JobRunner(client, History(tmp_path / "h"))
    job = runner.submit_edit("slow", snapshot(), JobOptions())
    deadline = time.monotonic() + 10
    # cancel while the model "renders": once the whole request has arrived and validated
    while time.monotonic() < deadline and not (
        standin.requests and standin.requests[0].valid is not None
    ):
        time.sleep(0.02)
    job.cancel()
    # promptly: the job ends while the model still "renders" (120 s); 30 s is only a hang guard
    assert job.wait(30.0), "the cancelled job did not end"
    assert job.state == "cancelled" and isinstance(job.error, CancelledError)
    # the client hung up mid-render instead of waiting for the reply
    assert standin.wait_for_requests(1, timeout=30.0)
    assert standin.requests[0].outcome == "disconnected" and standin.requests[0].status is None
    assert job.result.candidates == []
    assert History(tmp_path / "h").list() == []


def test_a_refusal_fails_the_job_with_the_api_error(runner, standin):
    standin.inject("moderation_blocked")
    job = runner.submit_generate("x", Bounds(0, 0, 1024, 1024), JobOptions())
    events = finish(job)
    assert job.state == "failed" and isinstance(job.error, ModerationError)
    assert job.error.request_id
    assert events[-1].stage == "failed" and "safety" in events[-1].message
    assert len(standin.requests) == 1  # a refusal is never retried


def test_the_spend_cap_stops_a_job_before_anything_is_sent(runner, standin):
    options = JobOptions(quality="high", n=4, spend_cap_job_usd=0.01)
    job = runner.submit_generate("x", Bounds(0, 0, 1024, 1024), options)
    finish(job)
    assert job.state == "failed" and isinstance(job.error, SpendCapError)
    assert standin.requests == []


def test_nothing_to_edit_is_a_clear_failure(runner, standin):
    snap = snapshot()
    opaque = CanvasSnapshot(snap.image, snap.origin, None, "doc", "bg", snap.canvas)
    job = runner.submit_edit("x", opaque, JobOptions())
    finish(job)
    assert job.state == "failed" and "select" in str(job.error)
    assert standin.requests == []


def test_dry_run_describes_the_request_without_sending(runner, standin):
    recipe = edit_recipe("a boat", snapshot(), JobOptions(n=2))
    described = runner.dry_run(recipe)
    assert described["endpoint"].endswith("images/edits")
    assert described["body"]["fields"]["n"] == "2"
    assert standin.requests == []


def test_make_runner_uses_the_key_and_server_of_the_environment(api_env, tmp_path):
    from core.setup import make_runner

    runner = make_runner()
    job = runner.submit_generate("a fox", Bounds(0, 0, 1024, 1024), JobOptions())
    finish(job)
    assert job.state == "done", job.error
    assert api_env.requests[0].auth_present


def test_make_runner_without_a_key_says_how_to_get_one(user_dirs, monkeypatch):
    from core.errors import ConfigurationError
    from core.setup import make_runner

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="api-keys"):
        make_runner()


@pytest.mark.parametrize("stream", [False, True])
def test_more_candidates_than_any_panel_offers_is_refused_before_sending(runner, standin, stream):
    """n=11 (a script, a GIMP call, the CLI): streaming split it into 11 paid requests
    with no bound in the core; now every entry point meets the same 1..10."""
    options = JobOptions(model="gpt-image-2", n=11, stream=stream, size="1024x1024")
    job = runner.submit_generate("a lake", Bounds(0, 0, 1024, 1024), options)
    finish(job)
    assert job.state == "failed" and "1 to 10 candidates" in str(job.error)
    assert [r for r in standin.requests if r.endpoint == "generations"] == []
