"""P5 and P7: the host rows, run inside real Krita and GIMP through the host harness.

Runs `tests/hosts/run.py --scenarios bench_host --no-selftest` for the chosen
hosts (one host start each; the in-host side is tests/hosts/scenarios/bench_host),
in a work folder of its own (build/bench-hosts) so that a `make test-hosts`
running at the same time does not share profiles with it, and reads back each
host's result.json. Where the harness cannot run (no root, no root folders) or
a host fails, the host's entry says why instead of holding figures.
Standard library only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "build" / "bench-hosts"
SCENARIO = "bench_host"
DEFAULT_HOSTS = ("krita-5.2", "gimp-3.0", "gimp-3.0-windows")  # the last: P8, lean engine


def unready(hosts: tuple[str, ...]) -> dict[str, str]:
    """Hosts the benchmark will not start, with the reason. Building a root folder
    takes minutes (`make test-hosts` does it once and caches it), so the benchmark
    only uses root folders that are already there."""
    sys.path.insert(0, str(REPO / "tests" / "hosts"))
    try:
        import profiles  # noqa: PLC0415 (the harness's own modules, read only)
        import roots  # noqa: PLC0415
    finally:
        sys.path.pop(0)
    reasons = {}
    for host in hosts:
        if host not in profiles.HOSTS:
            reasons[host] = f"unknown host (known: {' '.join(profiles.HOSTS)})"
        elif os.geteuid() != 0:
            reasons[host] = "not root (the host harness needs mount, chroot and unshare)"
        elif not roots.is_ready(profiles.HOSTS[host].suite):
            suite = profiles.HOSTS[host].suite
            reasons[host] = f"no cached {suite} root folder: run `make test-hosts` once first"
    return reasons


def run(hosts: tuple[str, ...] = DEFAULT_HOSTS, timeout: float = 420) -> dict[str, Any]:
    """{host: facts} or {host: {"not_measured": reason}}, plus "_log" (the runner's output)."""
    skipped = unready(hosts)
    results: dict[str, Any] = {h: {"not_measured": why} for h, why in skipped.items()}
    hosts = tuple(h for h in hosts if h not in skipped)
    if not hosts:
        return {**results, "_log": ""}
    env = {**os.environ, "HOSTS_WORK": str(WORK)}
    command = [sys.executable, str(REPO / "tests/hosts/run.py"), "--hosts", " ".join(hosts)]
    command += ["--scenarios", SCENARIO, "--no-selftest"]
    try:
        done = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
        )
        log = done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        log = f"the host harness did not finish within {timeout:.0f} s\n{exc.stdout or ''}"
    results["_log"] = log[-4000:]
    for host in hosts:
        results[host] = _read(host, log)
    return results


def _read(host: str, log: str) -> dict[str, Any]:
    lines = [line for line in log.splitlines() if f" {host}" in line or line.startswith(host)]
    skip = next((line for line in lines if line.startswith("SKIP")), None)
    if skip is not None:
        return {"not_measured": skip.split(":", 1)[-1].strip()}
    if not any(line.startswith(("PASS", "FAIL")) for line in lines):
        return {"not_measured": "the host harness did not run it (see bench/results.json _log)"}
    path = WORK / host / "home" / "out" / SCENARIO / "result.json"
    if not path.is_file():
        return {"not_measured": f"no {path.relative_to(REPO)} (the host did not finish)"}
    result = json.loads(path.read_text())
    if result.get("error") or not result.get("facts"):
        first = (result.get("error") or "no facts").strip().splitlines()[-1]
        return {"not_measured": f"the in-host script failed: {first}"}
    facts = result["facts"]
    facts["harness"] = next(line for line in lines if line.startswith(("PASS", "FAIL")))
    return facts
