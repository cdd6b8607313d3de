"""`python -m core` on a terminal: a pseudo-terminal as stdin and stderr, so the live
line, its colours and the question before a dear job are seen as a user sees them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.test_cli_script import ROOT, environment, sent


@pytest.fixture
def env(standin, user_dirs):
    return environment(standin, user_dirs)


class Terminal:
    """The CLI with a pseudo-terminal as stdin and stderr (stdout stays a pipe)."""

    def __init__(self, env: dict, *args: object) -> None:
        import pty
        import threading

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "core", *map(str, args)], cwd=ROOT,
            env={**env, "TERM": "xterm"}, stdin=slave, stderr=slave, stdout=subprocess.PIPE,
        )
        os.close(slave)
        self.seen = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: the child closed the terminal
                return
            if not chunk:
                return
            self.seen += chunk

    def wait_for(self, text: bytes, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            assert time.monotonic() < deadline and self.proc.poll() is None, self.seen
            time.sleep(0.02)

    def type(self, text: bytes) -> None:
        os.write(self.master, text)

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        out = self.proc.stdout.read().decode()
        code = self.proc.wait(timeout)
        self._reader.join(5)
        os.close(self.master)
        return code, out, self.seen.decode("utf-8", "replace")


def test_a_terminal_gets_a_live_line_whose_clock_ticks(env, standin, tmp_path):
    import re

    standin.latency = 1.2
    term = Terminal(env, "generate", "-p", "x", "-n", "2", "--stream", "-o", tmp_path / "l.png")
    code, out, seen = term.finish()
    assert code == 0, seen
    assert out.splitlines() == [str(tmp_path / "l-1.png"), str(tmp_path / "l-2.png")]
    clocks = {float(t) for t in re.findall(r"\r. +(\d+\.\d)s", seen)}
    assert len(clocks) >= 8  # redrawn every tenth of a second, not per stage
    assert "candidate 1 " in seen and "candidate 2 " in seen and "\x1b[" not in seen  # NO_COLOR


def test_colour_only_without_no_color(env, standin, tmp_path):
    env = {k: v for k, v in env.items() if k != "NO_COLOR"}
    standin.latency = 0.5
    code, _, seen = Terminal(env, "generate", "-p", "x", "-o", tmp_path / "c.png").finish()
    assert code == 0 and "\x1b[36m" in seen


@pytest.mark.parametrize("answer, code, requests", [(b"y\n", 0, 1), (b"n\n", 5, 0)])
def test_a_dear_job_asks_first_on_a_terminal(env, standin, tmp_path, answer, code, requests):
    term = Terminal(env, "generate", "-p", "x", "-s", "1024x1024", "--quality", "high",
                    "-n", "6", "-o", tmp_path / "d.png")
    term.wait_for(b"[y/N]")
    assert sent(standin) == []
    term.type(answer)
    assert term.finish()[0] == code
    assert len(sent(standin)) == requests


def test_ctrl_c_at_the_question(env, standin, tmp_path):
    term = Terminal(env, "generate", "-p", "x", "-s", "1024x1024", "--quality", "high",
                    "-n", "6", "-o", tmp_path / "d.png")
    term.wait_for(b"[y/N]")
    term.proc.send_signal(signal.SIGINT)
    code, _, seen = term.finish()
    assert code == 130 and "Traceback" not in seen and sent(standin) == []
