"""Remove with an empty prompt (issue 19, point 4): an edit with no words removes what
is selected, in the core's words (core.jobs.recipes.REMOVAL_PROMPT). `python -m core`
as a subprocess against the stand-in, judged by the stand-in's request log, the
history sidecar and the layer names of the .ora it writes; generations keep refusing
an empty prompt."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from core.jobs.options import JobOptions
from core.jobs.quote import quote_edit
from core.jobs.recipes import REMOVAL_PROMPT
from core.pixels.geometry import Bounds
from core.store.result_meta import ResultMeta
from tests import test_cli_script
from tests.test_cli_script import H, W, cli, sent

env, picture = test_cli_script.env, test_cli_script.picture  # its fixtures, here too


@pytest.fixture
def selection(tmp_path) -> Path:
    grey = np.zeros((H, W), np.uint8)
    grey[20:44, 30:70] = 255
    path = tmp_path / "sel.png"
    PILImage.fromarray(grey, "L").save(path)
    return path


def _meta(doc: dict) -> dict:
    [candidate] = doc["candidates"]
    return json.loads(Path(candidate["history_sidecar"]).read_text("utf-8"))["meta"]


def _layer_names(ora: Path) -> list[str]:
    with zipfile.ZipFile(ora) as z:
        stack = z.read("stack.xml").decode()
    return [part.split('name="')[1].split('"')[0] for part in stack.split("<layer")[1:]]


@pytest.mark.parametrize("prompt", [[], ["-p", ""], ["-p", " \t "]],
                         ids=["no --prompt", "empty", "blank"])
def test_an_edit_without_words_removes_the_selection(env, standin, picture, selection, tmp_path,
                                                     prompt):
    ora = tmp_path / "clean.ora"
    done = cli(env, "edit", "-i", picture, "--selection", selection, *prompt, "--json", "-o", ora)
    assert done.returncode == 0, done.stderr
    [request] = sent(standin)
    assert request["endpoint"] == "edits" and request["fields"]["prompt"] == REMOVAL_PROMPT
    assert {f["name"] for f in request["files"]} == {"image", "mask"}
    meta = _meta(json.loads(done.stdout))
    assert (meta["prompt"], meta["task"], meta["job"]) == (REMOVAL_PROMPT, "remove", "edit")
    assert ResultMeta.from_dict(meta).task == "remove"  # and the history reads it back
    assert _layer_names(ora)[0] == "AI: Remove"  # the result, above the original


def test_an_edit_with_words_is_no_removal(env, standin, picture, selection, tmp_path):
    ora = tmp_path / "kite.ora"
    done = cli(env, "edit", "-i", picture, "--selection", selection, "-p", "a red kite",
               "--json", "-o", ora)
    assert done.returncode == 0, done.stderr
    assert [r["fields"]["prompt"] for r in sent(standin)] == ["a red kite"]
    meta = _meta(json.loads(done.stdout))
    assert (meta["prompt"], meta["task"]) == ("a red kite", None)
    assert _layer_names(ora)[0] == "AI: a red kite"


def test_transparency_is_filled_from_its_surroundings_without_words(env, standin, tmp_path):
    rgba = np.full((H, W, 4), 200, np.uint8)
    rgba[10:30, 10:40, 3] = 0
    holed = tmp_path / "holed.png"
    PILImage.fromarray(rgba, "RGBA").save(holed)
    done = cli(env, "edit", "-i", holed, "--alpha", "-o", tmp_path / "filled.png")
    assert done.returncode == 0, done.stderr
    assert [r["fields"]["prompt"] for r in sent(standin)] == [REMOVAL_PROMPT]


def test_without_a_selection_or_words_nothing_is_sent(env, standin, picture, tmp_path):
    """No selection, mask or --alpha is an edit of the whole image, unmasked: there is
    nothing to remove, so an empty prompt is refused as a usage error."""
    out = tmp_path / "o.png"
    done = cli(env, "edit", "-i", picture, "-o", out)
    assert done.returncode == 2, done.stderr
    assert "an empty one removes what is selected" in done.stderr
    generate = cli(env, "generate", "-p", "", "-o", out)  # generations keep their rule
    assert generate.returncode == 2 and "prompt: must not be empty" in generate.stderr
    assert sent(standin) == [] and not out.exists()


def test_the_help_says_an_edit_without_words_removes(env):
    text = " ".join(cli(env, "edit", "--help").stdout.split())
    assert "without it (or with an empty one) the edit removes what is selected" in text
    assert "# no prompt: remove" in text


def test_the_estimate_counts_the_removal_prompt() -> None:
    """A panel quotes an empty prompt at the removal prompt's length: what is sent."""
    options = JobOptions(model="gpt-image-2", quality="low")
    canvas, box = Bounds(0, 0, 800, 600), Bounds(100, 100, 200, 150)
    empty = quote_edit(box, canvas, options, "  ")
    assert empty == quote_edit(box, canvas, options, REMOVAL_PROMPT)
    assert empty.usd > quote_edit(box, canvas, options, "x").usd
