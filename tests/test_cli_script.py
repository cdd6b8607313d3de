"""`python -m core` as a script runs it: a subprocess against the stand-in, judged by
its exit code, its stdout and stderr, the files it leaves and the stand-in's own
request log (GET /_standin/requests), which says whether anything was sent.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image as PILImage

from core.store.settings import Settings
from tests.conftest import TEST_KEY

ROOT = Path(__file__).resolve().parent.parent
W, H = 96, 64


@pytest.fixture
def env(standin, user_dirs):
    return environment(standin, user_dirs)


def environment(standin, user_dirs) -> dict[str, str]:
    """A user's environment: a key, the stand-in as the server, this test's folders."""
    data, config = user_dirs
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))},
        "OPENAI_BASE_URL": standin.base_url, "OPENAI_API_KEY": TEST_KEY,
        "OPENAI_IMAGES_DATA_DIR": str(data), "OPENAI_IMAGES_CONFIG_DIR": str(config),
        "PYTHONPATH": str(ROOT), "NO_COLOR": "1",
    }


def cli(env, *args, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, env=env, input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True, text=True, timeout=timeout,
    )


def sent(standin) -> list[dict]:
    """The stand-in's log as any client reads it."""
    return httpx.get(standin.root_url + "/_standin/requests").json()


@pytest.fixture
def picture(tmp_path) -> Path:
    rng = np.random.default_rng(5)
    path = tmp_path / "in.png"
    PILImage.fromarray(rng.integers(0, 256, (H, W, 3), dtype=np.uint8), "RGB").save(path)
    return path


# -- outputs are checked before anything is sent ----------------------------------------
def _bad_outs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    (tmp_path / "folder").mkdir()
    (tmp_path / "a-file").write_text("x")
    return {
        "an existing folder": ([str(tmp_path / "folder")], "is a folder"),
        "under a file": ([str(tmp_path / "a-file" / "x.png")], "is not a folder"),
        "no known extension": ([str(tmp_path / "x.gif")], "has no extension we write"),
        "format against extension": (
            [str(tmp_path / "x.jpg"), "--output-format", "webp"], "disagrees with"),
    }


@pytest.mark.parametrize("case", ["an existing folder", "under a file", "no known extension",
                                  "format against extension"])
def test_a_bad_out_is_refused_before_anything_is_sent(env, standin, tmp_path, case):
    extra, words = _bad_outs(tmp_path)[case]
    done = cli(env, "generate", "-p", "a fox", "-o", *extra)
    assert done.returncode == 2, done.stderr
    assert words in done.stderr and extra[0] in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert sent(standin) == []


def test_a_second_candidate_path_that_is_a_folder_is_refused_too(env, standin, tmp_path):
    (tmp_path / "v-2.png").mkdir()
    done = cli(env, "generate", "-p", "a fox", "-n", "2", "-o", tmp_path / "v.png")
    assert done.returncode == 2 and "v-2.png" in done.stderr
    assert sent(standin) == []


@pytest.mark.parametrize("name, magic, asked", [
    ("x.jpg", b"\xff\xd8\xff", "jpeg"), ("x.webp", b"RIFF", "webp"), ("x.png", b"\x89PNG", None)])
def test_the_extension_sets_the_format_asked_for_and_written(env, standin, tmp_path, name,
                                                             magic, asked):
    out = tmp_path / name
    done = cli(env, "generate", "-p", "a fox", "-s", "1024x1024", "-o", out)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(magic)
    [request] = sent(standin)
    assert request["fields"].get("output_format") == asked  # png is the default, not sent
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # outputs are not secrets


def test_a_write_failing_after_payment_names_the_history_copy(env, standin, tmp_path):
    standin.latency = 1.5
    folder = tmp_path / "results"
    folder.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", "generate", "-p", "a fox", "-s", "1024x1024",
         "-o", str(folder / "fox.png"), "--json", "-v"], cwd=ROOT, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    _wait_for(proc, "rendering")
    folder.rmdir()
    folder.write_text("now a file: the result cannot go there")  # checked, then taken away
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 6, err  # paid and kept: not 2, which says nothing was sent
    [history] = [p for p in (Path(env["OPENAI_IMAGES_DATA_DIR"]) / "history").glob("*/*.png")
                 if ".answer." not in p.name]
    assert "Nothing is lost" in err and str(history) in err
    report = json.loads(out)
    assert report["exit_code"] == 6 and report["history_images"] == [str(history)]
    assert len(sent(standin)) == 1 and "Traceback" not in err


def _wait_for(proc: subprocess.Popen, word: str, timeout: float = 30) -> str:
    """stderr read line by line until `word` shows (plain lines: not a terminal)."""
    seen = ""
    deadline = time.monotonic() + timeout
    while word not in seen:
        assert time.monotonic() < deadline, f"no {word!r} in {seen!r}"
        line = proc.stderr.readline()
        assert line or proc.poll() is None, f"ended before {word!r}: {seen!r}"
        seen += line
    return seen


# -- exit codes -------------------------------------------------------------------------
def test_local_validation_exits_2_and_sends_nothing(env, standin, picture, tmp_path):
    black = tmp_path / "black.png"
    PILImage.new("L", (W, H), 0).save(black)
    small = tmp_path / "small.png"
    PILImage.new("L", (W // 2, H // 2), 255).save(small)
    text = tmp_path / "hello.png"
    text.write_text("hello\n")
    out = tmp_path / "o.png"
    runs = {
        "the selection is empty": ["edit", "-i", picture, "--selection", black, "-p", "x"],
        "no transparent pixels": ["edit", "-i", picture, "--alpha", "-p", "x"],
        f"is {W // 2}x{H // 2} but the image is {W}x{H}": [
            "edit", "-i", picture, "--selection", small, "-p", "x"],
        f"{text}: not a PNG": ["edit", "-i", text, "-p", "x"],
        "outside 1..10": ["generate", "-p", "x", "-n", "11"],
        "not a whole number": ["generate", "-p", "x", "-n", "1000000000000000000000x"],
    }
    for words, argv in runs.items():
        done = cli(env, *argv, "-o", out)
        assert done.returncode == 2, (words, done.stderr)
        assert words in done.stderr and "API error" not in done.stderr
    assert sent(standin) == [] and not out.exists()


def test_spend_cap_and_an_unconfirmed_job_exit_5_without_sending(env, standin, tmp_path):
    out = tmp_path / "o.png"
    dear = ["generate", "-p", "x", "-s", "1024x1024", "--quality", "high", "-n", "6",
            "-o", out]  # about $1.27: above the $1 threshold
    done = cli(env, *dear)
    assert done.returncode == 5 and "--yes" in done.stderr and "no terminal" in done.stderr
    done = cli(env, *dear, "--confirm-above", "0.01")
    assert done.returncode == 5
    assert sent(standin) == []
    assert cli(env, *dear, "--yes").returncode == 0
    assert len(sent(standin)) == 1
    Settings(spend_cap_job_usd=0.01).save()
    done = cli(env, "generate", "-p", "x", "-o", out)
    assert done.returncode == 5 and "per-job cap" in done.stderr
    assert len(sent(standin)) == 1


def test_an_api_error_exits_3_with_its_request_id(env, standin, tmp_path):
    standin.inject("moderation_blocked")
    done = cli(env, "generate", "-p", "x", "-o", tmp_path / "o.png")
    assert done.returncode == 3 and "req_" in done.stderr and "safety" in done.stderr.lower()


def test_an_unknown_host_names_the_host_and_the_proxy(env, tmp_path):
    env = {**env, "OPENAI_BASE_URL": "https://no-such-host.invalid/v1"}
    done = cli(env, "generate", "-p", "x", "-o", tmp_path / "o.png")
    assert done.returncode == 4, done.stderr
    last = done.stderr.strip().splitlines()[-1]  # the error: one line, after the retries
    assert last.startswith("openai-images: network error: the host no-such-host.invalid "
                           "could not be resolved")
    assert "no proxy is set" in last


def test_no_key_says_how_to_give_the_cli_one_and_key_set_stores_it(env, standin, tmp_path):
    env = {k: v for k, v in env.items() if k != "OPENAI_API_KEY"}
    done = cli(env, "generate", "-p", "x", "-o", tmp_path / "o.png")
    assert done.returncode == 2
    assert "OPENAI_API_KEY" in done.stderr and "openai-images key set" in done.stderr
    assert cli(env, "key", "set", stdin=TEST_KEY + "\n").returncode == 0
    status = cli(env, "key", "status")
    assert status.returncode == 0 and TEST_KEY not in status.stdout and "file" in status.stdout
    assert cli(env, "generate", "-p", "x", "-o", tmp_path / "o.png").returncode == 0


# -- Ctrl-C and closed pipes ------------------------------------------------------------
def _interrupted(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


def test_ctrl_c_while_the_modules_load(env, tmp_path):
    # -X importtime prints each module as it finishes: once core.cli is in, main() is
    # loading numpy, Pillow and httpx
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "core", "generate", "-p", "x", "-o",
         str(tmp_path / "o.png")], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    _wait_for(proc, "| core.cli\n")
    code, err = _interrupted(proc)
    assert code == 130 and "Traceback" not in err


def test_ctrl_c_while_the_prompt_is_read_from_stdin(env, standin, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", "generate", "-p", "-", "-o", str(tmp_path / "o.png")],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    time.sleep(1.5)  # the imports are done: it waits for stdin, which never ends
    code, err = _interrupted(proc)
    assert code == 130 and "Traceback" not in err and "cancelled" in err
    assert sent(standin) == []


def test_ctrl_c_while_rendering_cancels_and_writes_nothing(env, standin, tmp_path):
    standin.latency = 5.0
    out = tmp_path / "o.png"
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", "generate", "-p", "x", "-s", "1024x1024", "-o",
         str(out)], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    _wait_for(proc, "rendering")
    started = time.monotonic()
    code, err = _interrupted(proc)
    assert code == 130 and "cancelled" in err and "Traceback" not in err
    assert time.monotonic() - started < 4  # not waiting for the render
    assert not out.exists()


def test_a_closed_stdout_is_quiet(env):
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", "models"], cwd=ROOT, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # closed before the first line: every write fails with EPIPE
    err = proc.stderr.read().decode()
    assert proc.wait(30) == 141 and err == ""
    piped = subprocess.run(
        f"set -o pipefail; {sys.executable} -m core models | head -1", shell=True,
        executable="/bin/bash", cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert piped.stdout.count("\n") == 1 and piped.stderr == ""
    assert piped.returncode in (0, 141)  # 0 when every line fitted the pipe before head left


# -- for scripts ------------------------------------------------------------------------
def test_json_is_the_only_thing_on_stdout(env, standin, picture, tmp_path):
    out = tmp_path / "v.png"
    done = cli(env, "vary", "-i", picture, "-n", "2", "--json", "-o", out)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)  # the whole of stdout is one document
    assert doc["ok"] is True and doc["files"] == [str(tmp_path / "v-1.png"),
                                                  str(tmp_path / "v-2.png")]
    [request] = sent(standin)
    assert [c["index"] for c in doc["candidates"]] == [0, 1]
    for c in doc["candidates"]:
        assert Path(c["history_image"]).is_file() and Path(c["history_sidecar"]).is_file()
        assert c["request_id"] in doc["request_ids"] and c["size"] and c["quality"]
        assert "revised_prompt" in c
    assert doc["estimated_cost_usd"] > 0 and doc["booked_cost_usd"] > 0
    failed = cli(env, "generate", "-p", "x", "--json", "-o", tmp_path / "folder.png",
                 "--size", "1000x1000")
    assert failed.returncode == 2
    assert json.loads(failed.stdout) == {"ok": False, "exit_code": 2,
                                         "error": failed.stderr.strip()[len("openai-images: "):]}


def test_the_prompt_from_stdin_and_from_a_file(env, standin, tmp_path):
    assert cli(env, "generate", "-p", "-", "-o", tmp_path / "a.png",
               stdin="a fox in the snow\n").returncode == 0
    (tmp_path / "prompt.txt").write_text("a heron\nat dawn\n", "utf-8")
    assert cli(env, "generate", "-p", f"@{tmp_path / 'prompt.txt'}",
               "-o", tmp_path / "b.png").returncode == 0
    assert cli(env, "generate", "-p", "@@home", "-o", tmp_path / "c.png").returncode == 0
    assert [r["fields"]["prompt"] for r in sent(standin)] == [
        "a fox in the snow", "a heron\nat dawn", "@home"]


def test_quiet_prints_the_paths_only_and_verbose_adds_request_ids(env, standin, tmp_path):
    quiet = cli(env, "generate", "-p", "x", "-n", "2", "-q", "-o", tmp_path / "q.png")
    assert quiet.stdout.splitlines() == [str(tmp_path / "q-1.png"), str(tmp_path / "q-2.png")]
    assert quiet.stderr == ""
    loud = cli(env, "generate", "-p", "x", "-v", "-o", tmp_path / "v.png")
    [request_id] = [line.split(": ")[-1] for line in loud.stderr.splitlines()
                    if "request ids:" in line]
    assert request_id.startswith("req_") and "finished in" in loud.stderr


def test_help_says_values_examples_exit_codes_and_environment(env):
    text = cli(env, "generate", "--help").stdout
    for words in ("gpt-image-2.6-flare", "xhigh", "examples:", "-p -", "130", "141",
                  "OPENAI_API_KEY", "OPENAI_IMAGES_DATA_DIR", "NO_COLOR", "--json", "-o FILE"):
        assert words in text, words
    assert "dall-e-3" not in text  # shut down: not offered
    assert "6    the job was paid but a result could not be written" in text


# -- what is written ---------------------------------------------------------------------
def test_an_ora_holds_every_candidate_the_first_visible_and_prints_the_cost(
    env, standin, picture, tmp_path
):
    ora = tmp_path / "e.ora"
    done = cli(env, "vary", "-i", picture, "-n", "3", "--quality", "low", "-o", ora)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(ora) as z:
        stack = z.read("stack.xml").decode()
        layers = [n for n in z.namelist() if n.startswith("data/")]
    assert len(layers) == 4 and stack.count("<layer") == 4  # the original and three
    visible = [part.split('visibility="')[1][:7] for part in stack.split("<layer")[1:]]
    assert visible == ["hidden\"", "hidden\"", "visible", "visible"]  # top first
    assert stat.S_IMODE(ora.stat().st_mode) == 0o644
    assert "cost: estimated $" in done.stderr


def test_progress_without_a_terminal_is_plain_lines_per_candidate(env, standin, tmp_path):
    done = cli(env, "generate", "-p", "x", "-n", "2", "--stream", "-o", tmp_path / "s.png")
    assert done.returncode == 0 and "\r" not in done.stderr and "\x1b[" not in done.stderr
    assert "candidate 2 of 2" in done.stderr and "estimated cost: about $" in done.stderr
    together = cli(env, "generate", "-p", "x", "-n", "2", "-o", tmp_path / "t.png")
    assert "rendering (candidates 1-2 of 2)" in together.stderr

