"""`openai-images history` (issue 20): the real CLI finds, stars and deletes what real
jobs against the stand-in put in the history; nothing is sent."""

from __future__ import annotations

import json

import pytest

from tests.test_cli_script import cli, environment, sent


@pytest.fixture
def env(standin, user_dirs):
    return environment(standin, user_dirs)


def history(env, *args):
    done = cli(env, "history", *args)
    return done


def test_history_finds_stars_and_deletes_results_of_real_jobs(env, standin, tmp_path):
    for prompt in ("a red fox in the snow", "a lighthouse at dusk"):
        done = cli(env, "generate", "-p", prompt, "-o", tmp_path / f"{prompt[:5]}.png")
        assert done.returncode == 0, done.stderr
    requests_before = len(sent(standin))

    listed = json.loads(history(env, "--json").stdout)
    assert [e["prompt"] for e in listed] == ["a lighthouse at dusk", "a red fox in the snow"]
    fox = listed[1]["id"]
    found = json.loads(history(env, "FOX", "snow", "--json").stdout)
    assert [e["id"] for e in found] == [fox]
    assert json.loads(history(env, "fox", "dusk", "--json").stdout) == []

    done = history(env, "--star", fox)
    assert done.returncode == 0 and f"starred {fox}" in done.stdout
    starred = json.loads(history(env, "--favourites", "--json").stdout)
    assert [(e["id"], e["favourite"]) for e in starred] == [(fox, True)]
    assert history(env).stdout.splitlines()[1].startswith(f"* {fox}")

    done = history(env, "--delete", fox)
    assert done.returncode == 0
    assert [e["prompt"] for e in json.loads(history(env, "--json").stdout)] == [
        "a lighthouse at dusk"]
    assert json.loads(history(env, "--favourites", "--json").stdout) == []
    assert len(sent(standin)) == requests_before  # the history command sends nothing


def test_an_unknown_id_is_one_line_and_exit_2(env):
    done = history(env, "--star", "20261208-000000000000-abcdef01")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no result" in done.stderr
    assert "Traceback" not in done.stderr
