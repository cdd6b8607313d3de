"""Soak: many jobs against the stand-in with about one in ten hit by a fault, memory watched.

The job mix (generate n=1 and n=2, streamed generate, masked edit) and the faults
come from a seeded random generator, so a failure replays. Jobs run one after the
other, so each injected fault reaches the job it was drawn for and its outcome can
be predicted exactly:

- a retryable fault (429, 500, 503, reset) is retried and the job ends done;
- a refusal or a broken reply ends the job failed, with its own error class and a
  message (never the "internal error" of the bug catch-all);
- a job cancelled while the server is still working ends cancelled;
- the history holds exactly the results the jobs delivered, nothing more or less.

Memory is traced with tracemalloc (numpy's buffers included): the figures after a
warm-up and at the end are printed, and only a generous bound on growth is asserted.
SOAK_JOBS sets the length (conftest.py): 20 in `make test`, 200 in `make soak`.
"""

from __future__ import annotations

import gc
import logging
import random
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np
import pytest

from core.errors import (
    AuthenticationError,
    ImagesError,
    ModerationError,
    QuotaError,
    ResponseError,
)
from core.jobs.runner import Job, JobOptions
from core.pixels.geometry import Bounds, Point
from core.pixels.imaging import Image, Mask
from core.pixels.planning import CanvasSnapshot
from standin.server import running_standin

from .conftest import SOAK_JOBS, make_runner

MiB = 1024 * 1024
SEED = 20261123
FAULT_RATE = 0.10
CANCEL_RATE = 0.03
# fault -> the error class that must end the job; None: retried, so the job succeeds
FAULTS: dict[str, type[ImagesError] | None] = {
    "429": None,
    "500": None,
    "503": None,
    "reset": None,
    "insufficient_quota": QuotaError,
    "moderation_blocked": ModerationError,
    "401": AuthenticationError,
    "malformed_json": ResponseError,
    "oversized": ResponseError,
    "truncated_stream": ResponseError,
}
KINDS = ("generate", "generate2", "stream", "edit")
# Growth allowed between the warm-up and the end: a leak of one result per job
# (4 MiB of pixels each) would pass it after a handful of jobs.
MAX_GROWTH = 16 * MiB


@dataclass
class Outcome:
    kind: str
    fault: str | None
    state: str
    error: ImagesError | None
    entries: list[str]
    n: int


def snapshot() -> CanvasSnapshot:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (160, 200, 4), dtype=np.uint8)
    pixels[..., 3] = 255
    coverage = np.zeros((160, 200), np.uint8)
    coverage[40:120, 50:150] = 255
    canvas = Bounds(0, 0, 200, 160)
    return CanvasSnapshot(Image(pixels), Point(0, 0), Mask(coverage, canvas), "soak", "bg", canvas)


def wait_for(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def submit(runner, kind: str, picture: CanvasSnapshot) -> tuple[Job, int]:
    """Small sizes keep a job near a tenth of a second: dall-e-2 at 256x256 (the legacy
    stand-in), and gpt-image-2 at its smallest size for the streamed jobs."""
    small = Bounds(0, 0, 256, 256)
    legacy = dict(model="dall-e-2", size="256x256")
    if kind == "generate":
        return runner.submit_generate("soak", small, JobOptions(**legacy)), 1
    if kind == "generate2":
        return runner.submit_generate("soak", small, JobOptions(n=2, **legacy)), 2
    if kind == "stream":
        options = JobOptions(size="1024x640", quality="low", stream=True, partial_images=1)
        return runner.submit_generate("soak", Bounds(0, 0, 1024, 640), options), 1
    return runner.submit_edit("soak edit", picture, JobOptions(**legacy)), 1


def run_one(runner, standin, rng: random.Random, picture: CanvasSnapshot) -> Outcome:
    standin.clear_requests()  # the stand-in shares our process: its log must not count
    kind = rng.choice(KINDS)
    fault = None
    cancel = rng.random() < CANCEL_RATE
    if cancel:
        standin.inject("slow", delay=30, body_seconds=0)
    elif rng.random() < FAULT_RATE:
        fault = rng.choice([f for f in FAULTS if kind == "stream" or f != "truncated_stream"])
        standin.inject(fault, megabytes=6)  # `megabytes` only matters to `oversized`
    before = len(standin.requests)
    job, n = submit(runner, kind, picture)
    if cancel:
        assert wait_for(lambda: len(standin.requests) > before), "the request never arrived"
        job.cancel()
    assert job.wait(60), f"a {kind} job with fault {fault} did not end"
    job.poll_events()
    entries = [c.entry.id for c in job.result.candidates]
    return Outcome(kind, "cancel" if cancel else fault, job.state, job.error, entries, n)


def check(outcome: Outcome) -> None:
    o = outcome
    label = f"{o.kind} with {o.fault}: {o.state} {o.error!r}"
    assert o.state in ("done", "failed", "cancelled"), label
    if o.fault == "cancel":
        assert o.state == "cancelled" and not o.entries, label
    elif o.fault is None or FAULTS[o.fault] is None:
        assert o.state == "done" and len(o.entries) == o.n, label
    else:
        assert o.state == "failed" and not o.entries, label
        assert isinstance(o.error, FAULTS[o.fault]), label
        assert str(o.error) and "internal error" not in str(o.error), label


@pytest.mark.slow  # SOAK_JOBS jobs in a row: 20 in `make test` (about 2-4 s), 200 in `make soak`
def test_soak(tmp_path):
    with running_standin(legacy=True) as standin:
        soak(standin, tmp_path)


def soak(standin, tmp_path) -> None:
    runner, client = make_runner(
        standin.base_url, tmp_path / "history", [], max_image_bytes=4 * MiB, read_timeout=60
    )
    rng = random.Random(SEED)
    picture = snapshot()
    warmup = max(3, SOAK_JOBS // 10)
    outcomes: list[Outcome] = []
    # pytest's log capture keeps every record, and a retry warning's record holds the
    # exception with its frames (and the upload bytes in them): the test runner's memory,
    # not the plug-in's. Records are dropped for the run; a host's handlers format and
    # drop them too.
    logging.disable(logging.CRITICAL)
    tracemalloc.start()
    try:
        with client:
            for i in range(SOAK_JOBS):
                if i == warmup:
                    gc.collect()
                    after_warmup = tracemalloc.get_traced_memory()[0]
                outcomes.append(run_one(runner, standin, rng, picture))
            gc.collect()
            at_end, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        logging.disable(logging.NOTSET)

    for outcome in outcomes:
        check(outcome)
    delivered = sorted(e for o in outcomes for e in o.entries)
    assert sorted(e.id for e in runner.history.list()) == delivered

    states = {s: sum(o.state == s for o in outcomes) for s in ("done", "failed", "cancelled")}
    faulted = sum(o.fault not in (None, "cancel") for o in outcomes)
    print(
        f"\nsoak: {SOAK_JOBS} jobs, {faulted} faults injected, {states}, "
        f"{len(delivered)} results in the history; traced memory after warm-up "
        f"{after_warmup / MiB:.1f} MiB, at the end {at_end / MiB:.1f} MiB "
        f"(growth {(at_end - after_warmup) / MiB:+.1f} MiB), peak {peak / MiB:.1f} MiB"
    )
    assert at_end - after_warmup < MAX_GROWTH
    # The draw really exercised the paths: with 20 jobs or more, at least one fault or cancel.
    assert faulted + states["cancelled"] >= 1
