"""P3 and P4: whole jobs against the loopback stand-in with a fixed render latency.

    python -m bench.rendering [--latency 2.0] [--rounds 3]

Prints one JSON object. The stand-in sleeps `latency` seconds per rendered
image (n images in one request take n times as long, as a server that renders
them one after another), spread evenly over the stream's events when
streaming. Everything else in a job is ours: planning and encoding, HTTP on
loopback, decoding, compositing, writing every candidate to the history.

The stand-in runs in its own process with its pictures memoized
(bench/quick_standin.py): on this two-core machine its rendering would
otherwise compete with the job it serves, which a real server does not. Each
case runs once unmeasured first (connections, imports, the memo).

P3: wall time of an edit with n = 4 against n = 1, with streaming previews on
(the plug-ins' default: parallel requests of one image each) and off (one
request for n images, where the model allows it).
P4: time to the first partial preview (decoded and composited, ready for the
host) against the whole job, streaming on, n = 1, two partial images.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.api.client import ClientConfig, ImagesClient
from core.jobs.runner import JobOptions, JobRunner
from core.pixels.geometry import Bounds, Point
from core.pixels.imaging import Image, Mask
from core.pixels.planning import CanvasSnapshot
from core.store.history import History

from . import content
from .measure import median

CANVAS = 2048
POLL_SECONDS = 0.002
DUMMY_KEY = "sk-bench-not-a-real-key"
REPO = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def quick_standin(latency: float) -> Iterator[str]:
    """The memoized stand-in in a child process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.quick_standin", "--port", "0", "--latency", str(latency)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        base = (process.stdout.readline() if process.stdout else "").strip()
        if not base.startswith("http://127.0.0.1"):
            raise RuntimeError(f"the stand-in printed {base!r}, not its URL")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def snapshot() -> CanvasSnapshot:
    pixels = content.photo_like(CANVAS, CANVAS)
    coverage = content.feathered_selection(1024, 32)
    at = (CANVAS - coverage.shape[0]) // 2
    sel = Mask(coverage, Bounds(at, at, coverage.shape[1], coverage.shape[0]))
    return CanvasSnapshot(Image(pixels), Point(0, 0), sel, "bench.kra", "photo")


def run_job(runner: JobRunner, snap: CanvasSnapshot, options: JobOptions) -> dict[str, Any]:
    """One edit job, followed as a host would (polling its events); times in seconds."""
    start = time.perf_counter()
    job = runner.submit_edit("a red umbrella", snap, options)
    first_partial = None
    while not job.done:
        for event in job.poll_events():
            if event.stage == "partial" and first_partial is None:
                first_partial = time.perf_counter() - start
        time.sleep(POLL_SECONDS)
    total = time.perf_counter() - start
    for event in job.poll_events():
        if event.stage == "partial" and first_partial is None:
            first_partial = total
    if job.state != "done" or len(job.result.candidates) != options.n:
        raise RuntimeError(f"bench job ended {job.state}: {job.error}")
    return {"seconds": total, "first_partial": first_partial}


def measure(latency: float, rounds: int) -> dict[str, Any]:
    snap = snapshot()
    cases = {
        "stream_n1": JobOptions(n=1, stream=True, partial_images=2),
        "stream_n4": JobOptions(n=4, stream=True, partial_images=2),
        "plain_n1": JobOptions(n=1, stream=False),
        "plain_n4": JobOptions(n=4, stream=False),
    }
    seconds: dict[str, list[float]] = {name: [] for name in cases}
    partials: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, quick_standin(latency) as base_url:
        client = ImagesClient(ClientConfig(api_key=DUMMY_KEY, base_url=base_url))
        runner = JobRunner(client, History(Path(tmp) / "history"))
        try:
            for options in cases.values():  # unmeasured: connections, imports, the memo
                run_job(runner, snap, options)
            names = list(cases)
            for r in range(rounds):
                for name in names[r % len(names) :] + names[: r % len(names)]:
                    if name == "plain_n4" and r > 0:
                        continue  # 4 x latency each time, and its ratio is the server's
                    got = run_job(runner, snap, cases[name])
                    seconds[name].append(got["seconds"])
                    if name == "stream_n1" and got["first_partial"] is not None:
                        partials.append(got["first_partial"])
        finally:
            client.close()

    def ratio(top: str, bottom: str) -> float:
        return median([a / b for a, b in zip(seconds[top], seconds[bottom], strict=False)])

    return {
        "latency_per_image": latency,
        "canvas": CANVAS,
        "seconds": seconds,
        "median": {name: median(v) for name, v in seconds.items()},
        "n4_vs_n1_stream": ratio("stream_n4", "stream_n1"),
        "n4_vs_n1_plain": ratio("plain_n4", "plain_n1"),
        "first_partial": partials,
        "first_partial_share": median(
            [p / t for p, t in zip(partials, seconds["stream_n1"], strict=False)]
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rendering")
    parser.add_argument("--latency", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    json.dump(measure(args.latency, args.rounds), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
