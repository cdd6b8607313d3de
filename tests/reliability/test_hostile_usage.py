"""A hostile or broken `usage` (issue 14, "nothing paid is lost"): the image the artist
paid for lands in the history whatever the reply's token counts say, an implausible
count is recorded as unknown cost and logged, and the day's ledger is booked with the
estimate's share instead, so a junk reply cannot refuse every later job of the day.

A loopback server answers every generation with one real PNG and the `usage` its test
sets, as raw JSON text (so `10**400` and `NaN` reach the client as a server would send
them); the runner, client, history and ledger under test are the real ones.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image as PILImage

from core.api.client import ClientConfig, ImagesClient
from core.jobs.cost import SpendTracker, actual_cost
from core.jobs.runner import Job, JobOptions, JobRunner
from core.pixels.geometry import Bounds
from core.store.history import History

from ..conftest import TEST_KEY
from .conftest import finish

MODEL = "gpt-image-2.6-flare"
PROMPT = "a lighthouse at dusk"
REQUEST_ID = "req_hostile_usage"


def _png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGBA", (1024, 1024), (40, 90, 160, 255)).save(out, "PNG")
    return out.getvalue()


_B64 = base64.b64encode(_png()).decode("ascii")
# What the stand-in sends for one low-quality 1024x1024 image of PROMPT (standin/results.py).
NORMAL = {
    "input_tokens": 5,
    "output_tokens": 196,
    "total_tokens": 201,
    "input_tokens_details": {"text_tokens": 5, "image_tokens": 0},
    "output_tokens_details": {"image_tokens": 196, "text_tokens": 0},
}


class Usage:
    text = json.dumps(NORMAL)  # the raw JSON of the reply's `usage`


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = (
            f'{{"created": 1700000000, "size": "1024x1024", "quality": "low",'
            f' "data": [{{"b64_json": "{_B64}"}}], "usage": {Usage.text}}}'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-request-id", REQUEST_ID)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()
        Usage.text = json.dumps(NORMAL)


@pytest.fixture
def ledger(tmp_path: Path) -> SpendTracker:
    return SpendTracker(tmp_path / "spend.json")


@pytest.fixture
def runner(server: str, tmp_path: Path, ledger: SpendTracker) -> Iterator[JobRunner]:
    client = ImagesClient(ClientConfig(api_key=TEST_KEY, base_url=server, max_retries=0))
    yield JobRunner(client, History(tmp_path / "history"), ledger)
    client.close()


def _options(cap_day: float | None = None) -> JobOptions:
    return JobOptions(model=MODEL, quality="low", size="1024x1024", n=1, stream=False,
                      spend_cap_day_usd=cap_day)


def _run(runner: JobRunner, options: JobOptions) -> Job:
    job = runner.submit_generate(PROMPT, Bounds(0, 0, 1024, 1024), options)
    finish(job)
    return job


def _sidecars(runner: JobRunner) -> list[dict]:
    return [json.loads(p.read_text("utf-8"))["meta"]
            for p in sorted(runner.history.root.rglob("*.json"))]


def _serve_usage(text: str) -> None:
    Usage.text = text


def _assert_kept_with_unknown_cost(job: Job, runner: JobRunner, caplog) -> dict:
    """The image is in the history and handed back; its sidecar says the cost is unknown."""
    assert job.state == "done", job.error
    assert len(job.result.candidates) == 1 and job.result.candidates[0].entry is not None
    [meta] = _sidecars(runner)
    assert meta["request_id"] == REQUEST_ID
    assert meta["actual_cost"] is None and meta["usage_rejected"], meta
    assert job.result.actual_cost_usd is None
    assert "crashed" not in caplog.text and "Traceback" not in caplog.text
    return meta


def _rejections(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.levelno == logging.WARNING and "usage" in r.getMessage()
            and REQUEST_ID in r.getMessage()]


def test_an_integer_too_big_for_a_float_still_lands_in_the_history(runner, ledger, caplog):
    """output_tokens: 10**400 crashed the cost step before the history write: the paid
    image was in neither the history nor the output."""
    caplog.set_level(logging.INFO)
    _serve_usage('{"input_tokens": 5, "output_tokens": 1' + "0" * 400 + "}")
    job = _run(runner, _options())
    _assert_kept_with_unknown_cost(job, runner, caplog)
    est = job.result.estimate
    assert est is not None and ledger.spent() == pytest.approx(est.usd)
    [warning] = _rejections(caplog)  # logged once, naming the request and the value
    assert "output_tokens" in warning.getMessage()


def test_a_plausible_looking_huge_count_does_not_poison_the_days_ledger(runner, ledger, caplog):
    """output_tokens: 10**15 booked $3e10 for the day, and every later job was refused."""
    caplog.set_level(logging.INFO)
    _serve_usage(json.dumps({**NORMAL, "output_tokens": 10**15, "total_tokens": 10**15 + 5}))
    first = _run(runner, _options(cap_day=1.0))
    _assert_kept_with_unknown_cost(first, runner, caplog)
    est = first.result.estimate
    assert est is not None and ledger.spent() == pytest.approx(est.usd)
    [warning] = _rejections(caplog)
    assert str(10**15) in warning.getMessage()

    _serve_usage(json.dumps(NORMAL))
    second = _run(runner, _options(cap_day=1.0))  # a cap far above two real jobs
    assert second.state == "done", second.error
    assert ledger.spent() == pytest.approx(est.usd + actual_cost(MODEL, NORMAL))


def test_a_count_far_above_what_the_request_could_produce_is_unknown(runner, ledger, caplog):
    """Within the old absolute limit (100 M tokens) but thousands of times what one
    low-quality 1024x1024 image takes: $2,400 would have been booked for a cent's job."""
    caplog.set_level(logging.INFO)
    _serve_usage(json.dumps({**NORMAL, "output_tokens": 80_000_000}))
    job = _run(runner, _options(cap_day=1.0))
    _assert_kept_with_unknown_cost(job, runner, caplog)
    assert ledger.spent() == pytest.approx(job.result.estimate.usd)
    assert len(_rejections(caplog)) == 1


@pytest.mark.parametrize(
    "junk",
    ["-5", "true", '"196"', "NaN", "Infinity", "196.5", "[196]", '{"n": 1}'],
)
@pytest.mark.parametrize("slot", ["both", "output_tokens"])
def test_junk_token_counts_are_unknown_cost(runner, ledger, caplog, junk, slot):
    """A count present but unusable makes the whole usage untrusted: booking the usable
    rest (5 input tokens when the output count is junk) would under-book the job."""
    caplog.set_level(logging.INFO)
    counts = {"input_tokens": junk if slot == "both" else "5", "output_tokens": junk}
    _serve_usage("{" + ", ".join(f'"{k}": {v}' for k, v in counts.items()) + "}")
    job = _run(runner, _options())
    _assert_kept_with_unknown_cost(job, runner, caplog)
    assert ledger.spent() == pytest.approx(job.result.estimate.usd)
    assert len(_rejections(caplog)) == 1


@pytest.mark.parametrize("text", ["{}", '{"input_tokens": null, "output_tokens": null}',
                                  '{"total_tokens": 7}'])
def test_a_usage_without_counts_books_the_estimate_without_a_warning(runner, ledger, caplog,
                                                                     text):
    """Some compatible servers send an empty `usage`: that is no usage, not a hostile one."""
    caplog.set_level(logging.INFO)
    _serve_usage(text)
    job = _run(runner, _options())
    assert job.state == "done", job.error
    [meta] = _sidecars(runner)
    assert meta["actual_cost"] is None and not meta.get("usage_rejected")
    assert ledger.spent() == pytest.approx(job.result.estimate.usd)
    assert not _rejections(caplog)


def test_a_normal_usage_still_books_the_real_cost(runner, ledger, caplog):
    caplog.set_level(logging.INFO)
    job = _run(runner, _options(cap_day=1.0))
    assert job.state == "done", job.error
    booked = actual_cost(MODEL, NORMAL)
    assert booked is not None and booked != pytest.approx(job.result.estimate.usd)
    [meta] = _sidecars(runner)
    assert meta["actual_cost"] == pytest.approx(booked) and not meta.get("usage_rejected")
    assert job.result.actual_cost_usd == pytest.approx(booked)
    assert ledger.spent() == pytest.approx(booked)
    assert not _rejections(caplog)


def test_a_cost_step_that_raises_cannot_lose_the_image(runner, ledger, caplog, monkeypatch):
    """Whatever goes wrong in pricing a reply (a bug, a price table that will not load),
    the image is recorded first, with unknown cost, and the job ends done."""
    import core.jobs.cost as cost
    import core.jobs.runner as runner_module

    def broken(*_args, **_kwargs):
        raise OverflowError("int too large to convert to float")

    monkeypatch.setattr(cost, "actual_cost", broken)
    # Before the fix the runner called its own imported copy, on the way to the history.
    monkeypatch.setattr(runner_module, "actual_cost", broken, raising=False)
    caplog.set_level(logging.INFO)
    job = _run(runner, _options())
    _assert_kept_with_unknown_cost(job, runner, caplog)
    assert ledger.spent() == pytest.approx(job.result.estimate.usd)


@pytest.mark.parametrize(
    ("quality", "size"), [("low", "1024x1024"), ("high", "1536x1024"), ("max", "3840x2160")]
)
def test_the_plausibility_bound_lets_the_dearest_real_jobs_through(quality, size):
    """The bound is relative to the estimate, so a 4K image at "max" (our guess: several
    hundred thousand output tokens) is booked, while ten times the top of its band is not."""
    from core.jobs.cost import book_usage, estimate, usage_ceiling

    est = estimate(MODEL, quality, size, 1, len(PROMPT))
    ceiling = usage_ceiling(est, 1, 1)
    tokens = round(est.usd / 30e-6)  # the model's image-output rate: the likeliest bill
    booked = book_usage(MODEL, {"input_tokens": 0, "output_tokens": tokens}, ceiling)
    assert booked.rejected is None and booked.usd == pytest.approx(est.usd, rel=1e-3)
    over = round(ceiling / 30e-6) + 1000
    refused = book_usage(MODEL, {"input_tokens": 0, "output_tokens": over}, ceiling)
    assert refused.usd is None and refused.rejected and str(over) in refused.rejected


def test_an_answer_that_cannot_be_placed_is_kept_in_the_history(runner, monkeypatch):
    """Placing (compositing, naming) runs on the server's pixels before the history
    write; when it fails, the answer's own bytes go to the history and the candidate
    fails naming them (before: "internal error", the paid image lost)."""
    from core.jobs import recipes

    def broken(*args, **kwargs):
        raise ValueError("a bug in placing")

    monkeypatch.setattr(recipes, "patch_from_generation", broken)
    job = _run(runner, _options())
    assert job.state == "failed" and not job.result.candidates
    text = str(job.error)
    assert "could not be placed (ValueError)" in text and REQUEST_ID in repr(job.error.request_id)
    kept = [p for p in runner.history.root.rglob("*.png")]
    assert len(kept) == 1 and str(kept[0]) in text
    assert kept[0].read_bytes() == _png()  # the answer as it came, byte for byte


def test_a_refused_history_is_a_notice_on_the_job(server, tmp_path, ledger):
    """A history folder that is a file (or a link, or another user's): the result goes to
    the fallback, and the job carries one notice naming it, which the CLI prints and
    the Krita docker and the GIMP run show."""
    blocked = tmp_path / "history"
    blocked.write_text("not a folder")
    client = ImagesClient(ClientConfig(api_key=TEST_KEY, base_url=server, max_retries=0))
    runner = JobRunner(client, History(blocked), ledger)
    job = _run(runner, _options())
    assert job.state == "done", job.error
    [notice] = job.result.notices
    entry = job.result.candidates[0].entry
    assert "is not a folder" in notice and str(entry.image_path.parent.parent) in notice
    assert entry.image_path.is_file() and blocked.read_text() == "not a folder"
    client.close()
