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
    """Cumulative microseconds of the top-level packages imported, largest first."""
    top = {}
    for line in stderr.splitlines():
        found = IMPORTTIME.match(line)
        if found and len(found.group(3)) == 1:  # one space: imported at top level
            name = found.group(4).split(".")[0]
            top[name] = top.get(name, 0) + int(found.group(2))
    return dict(sorted(top.items(), key=lambda kv: -kv[1])[:12])
