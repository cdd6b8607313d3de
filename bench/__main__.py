"""`make bench` (`python -m bench`): every row, a table, bench/results.json.

    python -m bench [--quick] [--only p1,p2,p3,hosts] [--hosts "krita-5.2 gimp-3.0"]

Runs, in this order: P2 (upload encoding), P1 and P6 (one child process per
canvas size: 1024², 4096², 8192²), P3 and P4 (jobs against the stand-in), P5
and P7 (inside real Krita and GIMP through the host harness). Prints the table
and writes bench/results.json (the rows and every raw figure). `--quick` runs
fewer rounds (a smoke test of the benchmark itself, not figures to quote).
Exits 0 whatever the figures: a benchmark reports, it does not assert.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy
import PIL

from . import hosts, report

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results.json"
SIZES = (1024, 4096, 8192)
# rounds of ours and the floor / of the naive pipeline, per canvas size
ROUNDS = {1024: (7, 5), 4096: (5, 2), 8192: (5, 2)}
QUICK = {1024: (3, 2), 4096: (3, 1), 8192: (3, 1)}


def child(args: list[str], timeout: float) -> dict[str, Any]:
    """Run a bench module in a fresh interpreter and read its JSON."""
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout)


_T0 = time.monotonic()


def say(text: str) -> None:
    print(f"bench: {time.monotonic() - _T0:5.0f} s  {text}", file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pillow": PIL.__version__,
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (not for quoting)")
    parser.add_argument("--only", default="p1,p2,p3,hosts", help="comma-separated parts")
    parser.add_argument("--hosts", default=" ".join(hosts.DEFAULT_HOSTS))
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    started = time.monotonic()
    raw: dict[str, Any] = {"machine": machine()}
    if "p2" in parts:
        say("P2 upload encoding")
        raw["p2"] = child(["bench.pipeline", "p2", "--rounds", "3" if args.quick else "5"], 300)
    if "p1" in parts:
        raw["p1"] = {}
        for size in SIZES:
            rounds, naive = (QUICK if args.quick else ROUNDS)[size]
            say(f"P1/P6 canvas {size}² ({rounds} rounds, naive {naive})")
            raw["p1"][str(size)] = child(
                [
                    "bench.pipeline",
                    "p1",
                    "--size",
                    str(size),
                    "--rounds",
                    str(rounds),
                    "--naive-rounds",
                    str(naive),
                ],
                900,
            )
    if "p3" in parts:
        say("P3/P4 jobs against the stand-in")
        rounds = "1" if args.quick else "2"
        raw["rendering"] = child(["bench.rendering", "--rounds", rounds], 600)
    if "hosts" in parts:
        say(f"P5/P7 in real hosts: {args.hosts}")
        raw["hosts"] = hosts.run(tuple(args.hosts.split()))
    raw["machine"]["load_average_end"] = os.getloadavg()
    raw["seconds"] = time.monotonic() - started
    rows = report.rows_from(raw)
    print(report.table(rows))
    print(
        f"\nbench: {raw['seconds'] / 60:.1f} min on {raw['machine']['cpus']} CPUs, load "
        f"{raw['machine']['load_average'][0]:.1f} at the start; {RESULTS.relative_to(REPO)}"
    )
    RESULTS.write_text(json.dumps({"rows": report.as_json(rows), "raw": raw}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
