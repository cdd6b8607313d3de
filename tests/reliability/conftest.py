"""Shared pieces of the reliability suite: run lengths, a job runner on a fake clock, helpers.

How long the long runs are comes from the environment, so `make test` stays quick
and `make fuzz` / `make soak` run the same tests for longer:

    FUZZ_EXAMPLES   hypothesis examples per fuzz test (default 60; `make fuzz`: 4000)
    SOAK_JOBS       jobs in the soak test (default 20; `make soak`: 200)

The settings are applied per test (not as a global hypothesis profile), so the
rest of the suite keeps its own hypothesis settings.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from core.api.client import ClientConfig, ImagesClient
from core.jobs.runner import Job, JobRunner
from core.store.history import History

from ..conftest import TEST_KEY, compatible_server_account

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
SOAK_JOBS = int(os.environ.get("SOAK_JOBS", "20"))

# No deadline: a loaded CI machine must not turn a slow example into a failure.
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# random() used for the retry jitter: 0.5 takes an eighth off every backoff (jitter 25 %),
# so a delay that skips the jitter would show in the figures.
JITTER_DRAW = 0.5


def backoff(attempt: int) -> float:
    """The client's backoff before retry `attempt + 1` with JITTER_DRAW (retry.py's formula)."""
    return min(0.5 * 2**attempt, 8.0) * (1 - 0.25 * JITTER_DRAW)


def make_runner(
    base_url: str, history_dir: Path, sleeps: list[float], **config
) -> tuple[JobRunner, ImagesClient]:
    """A runner whose account lists the legacy stand-in's dall-e models as served."""
    cfg = ClientConfig(api_key=TEST_KEY, base_url=base_url, **config)
    client = ImagesClient(cfg, sleep=sleeps.append, random=lambda: JITTER_DRAW)
    return JobRunner(client, History(history_dir), account=compatible_server_account()), client


def finish(job: Job, timeout: float = 60.0) -> list:
    """The job's events once it has ended; the timeout only keeps a broken build from hanging."""
    assert job.wait(timeout), "the job did not end"
    return job.poll_events()


def history_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def unaccepting_port() -> Iterator[int]:
    """A loopback port whose listener never accepts and whose backlog is full: a new
    connection attempt gets no SYN-ACK, so the client's connect times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(s)
    try:
        yield port
    finally:
        for s in fillers:
            s.close()
        listener.close()
