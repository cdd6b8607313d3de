"""Scenarios: discovery, one run inside a host, and the checks from outside.

A scenario is a folder tests/hosts/scenarios/<name>/ with
  gimp.py   and/or  krita.py   run(out: str) -> dict, executed inside the host
                                (GIMP: python-fu-eval batch; Krita: under Xvfb
                                once the window exists); `out` is a folder for
                                exported PNG/.ora files, the dict is the facts
  check.py                     check(result: ScenarioResult) -> None, run
                                outside; a failed `assert` fails the scenario
Every scenario also fails when the host log shows an error or warning from our
plug-in's own files (a traceback or a warning line naming them), unless check.py
lists it in EXPECTED_LOG (regexes, for error-path scenarios).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
OUR_FILES = re.compile(r"openai[_-]images")
# noise from every GIMP plug-in, ours included, in batch mode (hosts.md §2)
HARMLESS = ("gimp_flush(): error: Broken pipe", "Zombie plug-in", "never exited")
DEFAULT_TIMEOUT = 240


def discover(app: str, only: list[str] | None = None) -> list[str]:
    """Scenario names for APP ('gimp' or 'krita'), smoke first, then by name."""
    names = sorted(p.parent.name for p in SCENARIOS.glob(f"*/{app}.py"))
    if only:
        names = [n for n in names if n in only]
    return sorted(names, key=lambda n: (n != "smoke", n))


@dataclass
class ScenarioResult:
    """What a check sees: the host's facts, its output folder and its log."""

    host: str
    app: str
    scenario: str
    out: Path
    log: str
    facts: dict[str, Any] = field(default_factory=dict)

    def image(self, name: str) -> Any:
        """An exported file of the scenario as an HxWx4 uint8 RGBA array."""
        import numpy as np
        from PIL import Image

        with Image.open(self.out / name) as img:
            return np.asarray(img.convert("RGBA"))


@dataclass
class Outcome:
    scenario: str
    seconds: float
    problems: list[str]

    @property
    def passed(self) -> bool:
        return not self.problems


KRITA_SCRIPTING = re.compile(r"^krita\.scripting: (.*)$")
TRACEBACK_START = re.compile(r'^(Traceback \(most recent call last\):|\s+File ".*", line \d+)')
TROUBLE = re.compile(r"(?i)traceback|warning|error|critical|exception")


def _unquote(text: str) -> str:
    """Krita quotes what Python printed: "  File \\"x.py\\", line 3" -> the original."""
    if len(text) > 1 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"')
    return text


def _messages(log: str) -> Iterator[str]:
    """The log as messages: a Python traceback, a run of Krita's krita.scripting
    lines (how it reports a plug-in that failed to load), or a single line."""
    lines, i = log.splitlines(), 0
    while i < len(lines):
        if KRITA_SCRIPTING.match(lines[i]):
            j = i
            while j < len(lines) and KRITA_SCRIPTING.match(lines[j]):
                j += 1
            yield "\n".join(_unquote(KRITA_SCRIPTING.match(line).group(1)) for line in lines[i:j])
        elif TRACEBACK_START.match(lines[i]):
            # indented lines follow; the first unindented one is the exception
            j = i + 1
            while j < len(lines) and (not lines[j] or lines[j][0].isspace()):
                j += 1
            j = min(j + 1, len(lines))
            yield "\n".join(lines[i:j])
        else:
            j = i + 1
            yield lines[i]
        i = j


def problems_from_our_code(log: str) -> list[str]:
    """Tracebacks, load failures and warning lines that name our plug-in's files."""
    return [
        message
        for message in _messages(log)
        if OUR_FILES.search(message)
        and TROUBLE.search(message)
        and not any(h in message for h in HARMLESS)
    ]


def standin_args(name: str) -> list[str]:
    """Extra command-line arguments for the scenario's stand-in (check.py STANDIN_ARGS)."""
    return list(getattr(_load_check(name), "STANDIN_ARGS", []))


def _load_check(name: str) -> Any:
    path = SCENARIOS / name / "check.py"
    if not path.is_file():
        raise RuntimeError(f"scenario {name} has no check.py (every scenario needs one)")
    spec = importlib.util.spec_from_file_location(f"check_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_host(command: list[str], log: Path, timeout: float, note: str = "") -> int | None:
    """The host's exit status, or None when it timed out (killed with its namespace)."""
    with log.open("a" if note else "w") as sink:
        if note:
            sink.write(f"\n===== harness: {note} =====\n")
            sink.flush()
        try:
            done = subprocess.run(
                command,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None  # subprocess killed unshare; --kill-child ended the namespace
    return done.returncode


def _on_new_display(command: list[str]) -> list[str]:
    """COMMAND with xvfb-run's display number (-n N) replaced by a free one."""
    from profiles import free_display  # the harness's modules sit side by side

    command = list(command)
    for i, word in enumerate(command[:-1]):
        if word == "-n" and "xvfb-run" in command[:i]:
            command[i + 1] = str(free_display())
    return command


def run_scenario(
    name: str, host: str, app: str, command: list[str], out: Path, log: Path
) -> Outcome:
    """Run COMMAND (the host started inside its root folder) and check the outcome."""
    check = _load_check(name)
    timeout = getattr(check, "TIMEOUT", DEFAULT_TIMEOUT)
    started = time.monotonic()
    rc = _run_host(command, log, timeout)
    if rc == 134 and time.monotonic() - started < 5 and not (out / "result.json").exists():
        # Krita aborting at once, unable to reach the fresh Xvfb: a rare flake under
        # load (hosts.md Part 2, pitfall 12); retried on another display, noted in the log
        for attempt in (1, 2):
            time.sleep(2 * attempt)
            note = f"retry {attempt} on another display after an abort at start (rc 134)"
            rc = _run_host(_on_new_display(command), log, timeout, note=note)
            if rc != 134 or (out / "result.json").exists():
                break
    seconds = time.monotonic() - started
    text = log.read_text(errors="replace")
    # error-path scenarios name the messages they provoke on purpose (check.EXPECTED_LOG)
    expected = [re.compile(p) for p in getattr(check, "EXPECTED_LOG", [])]
    problems = [
        f"error or warning from the plug-in in the host log:\n{p}"
        for p in problems_from_our_code(text)
        if not any(e.search(p) for e in expected)
    ]
    result_file = out / "result.json"
    if rc is None:
        problems.insert(0, f"timed out after {timeout} s")
    if not result_file.exists():
        problems.append(f"the host ended (rc={rc}) without running the scenario")
        return Outcome(name, seconds, problems)
    result = json.loads(result_file.read_text())
    if result["error"]:
        problems.append("the in-host script raised:\n" + result["error"])
        return Outcome(name, seconds, problems)
    try:
        check.check(ScenarioResult(host, app, name, out, text, result["facts"] or {}))
    except AssertionError as e:
        problems.append(f"check failed: {e}")
    return Outcome(name, seconds, problems)
