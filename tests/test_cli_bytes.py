"""The CLI's byte progress, as a user and a script see it: the real `python -m core`
against the stand-in, on a pseudo-terminal (a live bar) and into a pipe (a few
plain lines). Every count is checked against the stand-in's own record of the
bytes that crossed the socket (`body_bytes` received, `bytes_out` sent back)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from PIL import Image as PILImage

from tests.test_cli_script import cli, environment
from tests.test_cli_terminal import Terminal


@pytest.fixture
def env(standin, user_dirs):
    return environment(standin, user_dirs)


@pytest.fixture
def noise(tmp_path):
    """An image that does not compress, so the upload is hundreds of kB."""
    path = tmp_path / "noise.png"
    pixels = np.random.default_rng(7).integers(0, 256, (512, 512, 4), dtype=np.uint8)
    pixels[..., 3] = 255
    PILImage.fromarray(pixels, "RGBA").save(path)
    return path


SCALE = {"B": 1, "kB": 1000, "MB": 1_000_000}
BAR = re.compile(r"(up|down) \[([#-]{12})\] ([\d.]+)/([\d.]+) (B|kB|MB)")


def _bars(seen: str, arrow: str) -> list[tuple[str, float, float, int]]:
    """(bar, done, total, unit scale) of every live frame's bar going `arrow`."""
    found = [BAR.search(frame) for frame in seen.split("\r")]
    return [(m.group(2), float(m.group(3)), float(m.group(4)), SCALE[m.group(5)])
            for m in found if m and m.group(1) == arrow]


def _shown(value: float, scale: int, exact: int) -> bool:
    """`value` in `scale` units is `exact` bytes as the display rounds it."""
    return abs(value * scale - exact) <= scale / 100


def test_a_terminal_shows_a_bar_of_the_bytes_up_and_down_to_the_total(env, standin, noise,
                                                                      tmp_path):
    standin.inject("slow", delay=0.3, body_seconds=1.5)  # the reply trickles: a bar fills
    term = Terminal(env, "edit", "-i", noise, "-p", "a cat", "-v", "-o", tmp_path / "e.png")
    code, out, seen = term.finish()
    assert code == 0, seen
    [record] = standin.requests
    up, down = record.body_bytes, record.bytes_out
    assert up > 500_000 and down > 500_000
    # the upload's bar never runs back or past its total, the size the server received,
    # and stands full while the model renders (a frame drawn before the upload ended,
    # as on a loaded machine, shows it part-filled: that is allowed, not required)
    ups = _bars(seen, "up")
    assert ups and all(_shown(total, scale, up) for _, _, total, scale in ups), seen
    counts = [done for _, done, _, _ in ups]
    assert counts == sorted(counts) and all(done <= total for _, done, total, _ in ups), seen
    bar, done, total, _ = ups[-1]
    assert bar == "#" * 12 and done == total, seen
    # the reply's total is known from its first bytes; the bar fills as they come
    downs = _bars(seen, "down")
    assert downs and all(_shown(total, scale, down) for _, _, total, scale in downs), seen
    assert any("-" in bar for bar, *_ in downs)  # part-filled: bytes as they arrive
    bar, done, total, _ = downs[-1]
    assert bar == "#" * 12 and done == total
    # -v says the exact counts
    assert f"candidate 1: sent {up} bytes, received {down} bytes" in seen


def test_without_a_terminal_a_few_plain_lines_say_the_sizes(env, standin, noise, tmp_path):
    done = cli(env, "edit", "-i", noise, "-p", "a cat", "-n", "2", "-o", tmp_path / "e.png")
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stderr and "\x1b[" not in done.stderr
    [record] = standin.requests  # one request carries both candidates
    up, down = record.body_bytes, record.bytes_out
    lines = done.stderr.splitlines()
    assert re.search(rf"rendering \(candidates 1-2 of 2\): [\d.]+ [kM]B \({up} bytes\) sent",
                     done.stderr), done.stderr
    assert re.search(rf"downloaded [\d.]+ [kM]B \({down} bytes\) \(candidates 1-2 of 2\)",
                     done.stderr), done.stderr
    # a line per stage and per finished transfer, never one per piece
    assert sum(" bytes" in line for line in lines) == 2
    assert len(lines) <= 8, lines


def test_a_streamed_reply_reaches_its_size_once_it_ends(env, standin, tmp_path):
    done = cli(env, "generate", "-p", "x", "--stream", "-v", "-o", tmp_path / "s.png")
    assert done.returncode == 0, done.stderr
    [record] = standin.requests
    down = record.bytes_out
    assert record.stream and down > 0
    assert re.search(rf"downloaded [\d.]+ [kM]?B \({down} bytes\)", done.stderr), done.stderr
    assert f"received {down} bytes" in done.stderr


def test_quiet_and_json_add_nothing(env, standin, noise, tmp_path):
    quiet = cli(env, "edit", "-i", noise, "-p", "a cat", "-q", "-o", tmp_path / "q.png")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout.splitlines() == [str(tmp_path / "q.png")]
    scripted = cli(env, "edit", "-i", noise, "-p", "a cat", "--json", "-o", tmp_path / "j.png")
    assert scripted.returncode == 0 and scripted.stderr == ""
    report = json.loads(scripted.stdout)
    assert report["ok"] and "bytes" not in scripted.stdout
