"""The fault matrix: every failure the API or the network can produce, run as a whole job.

Each row injects a fault into the stand-in (real loopback HTTP) and runs a
generate job through `JobRunner` -> `ImagesClient`, with the retry pauses on a
fake clock. The client-level tests (tests/test_client.py, test_client_loopback.py)
already prove the error class of each reply; this matrix proves what the user
sees at the end of a job:

- the attempts the server saw and the pauses slept (backoff with jitter, or the
  server's retry-after);
- the job ends `failed` with the right error, its message names the request id
  when the failing reply had one, and the job did not crash ("internal error");
- no partial layer: a failed job hands back no candidate and writes nothing to the
  history; a job that recovered after retries delivers exactly its image;
- with n candidates in parallel requests, one failure loses no other result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pytest

from core.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ImagesError,
    InternalServerError,
    ModerationError,
    PermissionDeniedError,
    QuotaError,
    RateLimitError,
    ResponseError,
)
from core.jobs.runner import JobOptions
from core.pixels.geometry import Bounds

from .conftest import backoff, finish, history_files, make_runner

MiB = 1024 * 1024
TARGET = Bounds(0, 0, 1024, 1024)
PLAIN = JobOptions(size="1024x1024", quality="low")
STREAM = JobOptions(size="1024x1024", quality="low", stream=True, partial_images=2)
TWO_BACKOFFS = [backoff(0), backoff(1)]


@dataclass(frozen=True)
class Row:
    fault: str | None  # a stand-in fault, or None for the connect-timeout row (no server)
    count: int  # how many consecutive requests get it
    state: str  # the job's final state
    error: type[ImagesError] | None
    attempts: int  # requests the server saw (connect timeout: not countable)
    sleeps: list[float]
    words: str = ""  # a piece of the message the user reads
    request_id: bool = True  # the failing reply carried an id the message must show
    params: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    options: JobOptions = PLAIN


ROWS = {
    "429 retry-after, then ok": Row("429", 1, "done", None, 2, [2.0], params={"retry_after": 2}),
    "429 retry-after, exhausted": Row(
        "429", 3, "failed", RateLimitError, 3, [2.0, 2.0], "Rate limit", params={"retry_after": 2}
    ),
    "429 insufficient_quota": Row(
        "insufficient_quota", 1, "failed", QuotaError, 1, [], "exceeded your current quota"
    ),
    "500, then ok": Row("500", 1, "done", None, 2, [backoff(0)]),
    "500 exhausted": Row("500", 3, "failed", InternalServerError, 3, TWO_BACKOFFS, "HTTP 500"),
    "503 exhausted": Row("503", 3, "failed", InternalServerError, 3, TWO_BACKOFFS, "overloaded"),
    "reset mid-response, then ok": Row("reset", 1, "done", None, 2, [backoff(0)]),
    "reset mid-response, exhausted": Row(
        "reset", 3, "failed", APIConnectionError, 3, TWO_BACKOFFS, "failed", request_id=False
    ),
    "connect timeout": Row(
        None,
        0,
        "failed",
        APITimeoutError,
        0,
        TWO_BACKOFFS,
        "timed out connecting",
        request_id=False,
        config={"connect_timeout": 0.2},
    ),
    "read timeout": Row(
        "slow",
        3,
        "failed",
        APITimeoutError,
        3,
        TWO_BACKOFFS,
        "timed out waiting for the reply",
        request_id=False,
        params={"delay": 3, "body_seconds": 0},
        config={"read_timeout": 0.2},
    ),
    "truncated event stream": Row(
        "truncated_stream", 1, "failed", ResponseError, 1, [], "stream ended", options=STREAM
    ),
    "malformed JSON": Row("malformed_json", 1, "failed", ResponseError, 1, [], "not valid JSON"),
    "401 invalid key": Row("401", 1, "failed", AuthenticationError, 1, [], "HTTP 401"),
    "403 organization not verified": Row(
        "403", 1, "failed", PermissionDeniedError, 1, [], "must be verified"
    ),
    "400 moderation_blocked": Row(
        "moderation_blocked", 1, "failed", ModerationError, 1, [], "safety system"
    ),
    "image over the cap": Row(
        "oversized",
        1,
        "failed",
        ResponseError,
        1,
        [],
        "is larger than the",
        params={"megabytes": 3},
        config={"max_image_bytes": MiB},
    ),
}


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_fault_matrix(row: Row, standin, unaccepting_port, tmp_path, caplog):
    caplog.set_level(logging.ERROR, logger="openai_images.jobs")
    base_url = standin.base_url
    if row.fault is None:
        base_url = f"http://127.0.0.1:{unaccepting_port}/v1"
    else:
        standin.inject(row.fault, count=row.count, **row.params)
    sleeps: list[float] = []
    runner, client = make_runner(base_url, tmp_path / "history", sleeps, **row.config)
    with client:
        job = runner.submit_generate("a lighthouse at dusk", TARGET, row.options)
        events = finish(job)

    seen = standin.requests
    assert len(seen) == row.attempts
    assert [r.fault for r in seen[: row.count]] == [row.fault] * min(row.count, row.attempts)
    assert sleeps == pytest.approx(row.sleeps)
    assert job.state == row.state
    assert events[-1].stage == row.state
    assert "crashed" not in caplog.text  # the job's catch-all for bugs never fired

    stored = history_files(tmp_path / "history")
    if row.state == "done":
        [candidate] = job.result.candidates
        assert job.error is None and not job.result.failures
        assert candidate.entry.meta.request_id == seen[-1].request_id
        assert candidate.patch.image.extent.width == 1024
        # the result, and beside it the API's answer as it came (provenance, issue 21)
        assert len([p for p in stored if p.suffix == ".png" and ".answer." not in p.name]) == 1
        assert len([p for p in stored if ".answer." in p.name]) == 1
        return

    # Failed: a clear message, the request id where the reply had one, nothing delivered.
    assert isinstance(job.error, row.error), repr(job.error)
    message = events[-1].message
    assert message == str(job.error)
    assert row.words in message
    assert "internal error" not in message
    if row.request_id:
        assert seen[-1].request_id in message
    assert job.result.candidates == []
    assert stored == []


def test_truncated_stream_shows_previews_but_delivers_no_layer(standin, tmp_path):
    """The partial images of a stream that breaks off are previews only: the job fails
    with no candidate and no history entry, so the adapter has nothing to apply."""
    standin.inject("truncated_stream")
    runner, client = make_runner(standin.base_url, tmp_path / "history", [])
    with client:
        job = runner.submit_generate("a fox", TARGET, STREAM)
        events = finish(job)
    assert [e.partial_index for e in events if e.stage == "partial"] == [0, 1]
    assert job.state == "failed" and job.result.candidates == []
    assert history_files(tmp_path / "history") == []


@pytest.mark.parametrize("fault", ["moderation_blocked", "truncated_stream", "oversized"])
def test_one_failed_candidate_of_several_loses_no_other_result(fault, standin, tmp_path):
    """Streaming with n=3 sends three parallel one-image requests; one fault hits one of
    them. The other two images are delivered, each in the history with its request id."""
    standin.inject(fault, megabytes=3)  # `megabytes` only matters to `oversized`
    runner, client = make_runner(standin.base_url, tmp_path / "history", [], max_image_bytes=MiB)
    with client:
        options = JobOptions(size="1024x1024", quality="low", n=3, stream=True, partial_images=1)
        job = runner.submit_generate("three foxes", TARGET, options)
        finish(job)

    assert len(standin.requests) == 3
    ok_ids = {r.request_id for r in standin.requests if r.fault is None}
    assert job.state == "done"
    assert len(job.result.candidates) == 2 and len(job.result.failures) == 1
    failure = job.result.failures[0]
    [faulty] = [r for r in standin.requests if r.fault is not None]
    assert faulty.request_id in str(failure)
    assert {c.entry.meta.request_id for c in job.result.candidates} == ok_ids
    on_disk = {e.meta.request_id for e in runner.history.list()}
    assert on_disk == ok_ids
    # Each delivered candidate keeps its own slot, so the user can tell which one failed.
    assert len({c.index for c in job.result.candidates}) == 2
