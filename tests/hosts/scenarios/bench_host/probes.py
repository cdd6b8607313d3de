"""The in-host side of P7, shared by krita.py and gimp.py: start import_probe.py with
the host's python3 several times, each a fresh process, and summarise; one more
run with -X importtime says where the time goes."""

import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
RUNS = 5
IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _env():
    # the host's own variables minus anything that would change what gets imported
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def run(args):
    """{"runs": [...], "median": s, "first": s, "breakdown": {...}} or {"error": ...}."""
    command = [PYTHON, os.path.join(HERE, "import_probe.py"), *args]
    runs = []
    for _ in range(RUNS):
        done = subprocess.run(command, capture_output=True, text=True, env=_env(), timeout=120)
        if done.returncode != 0:
            return {"error": done.stderr[-3000:]}
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    timed = subprocess.run(
        [PYTHON, "-X", "importtime", *command[1:]],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    seconds = [r["seconds"] for r in runs]
    return {
        "python": sys.version.split()[0],
        "runs": runs,
        "seconds": seconds,
        "median": statistics.median(seconds),
        "first": seconds[0],
        "breakdown": _breakdown(timed.stderr),
    }


def _breakdown(stderr):
    """Cumulative milliseconds of the slowest imports: top-level packages and, one
    level down, what they pulled in (our modules, numpy, PIL, httpx...)."""
    found = {}
    for line in stderr.splitlines():
        match = IMPORTTIME.match(line)
        if match and len(match.group(3)) <= 3:  # top level, or imported by a top-level one
            found[match.group(4)] = round(int(match.group(2)) / 1000, 1)
    return dict(sorted(found.items(), key=lambda kv: -kv[1])[:16])
