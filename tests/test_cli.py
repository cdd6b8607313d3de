"""The `openai-images` command line against the stand-in, over real loopback HTTP."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter

from core import cli

W, H = 320, 240


def rgba(path: Path) -> np.ndarray:
    return np.asarray(PILImage.open(path).convert("RGBA"))


@pytest.fixture
def picture(tmp_path) -> Path:
    rng = np.random.default_rng(3)
    arr = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    path = tmp_path / "in.png"
    PILImage.fromarray(arr, "RGB").save(path)
    return path


@pytest.fixture
def feathered(tmp_path) -> Path:
    sel = PILImage.new("L", (W, H), 0)
    ImageDraw.Draw(sel).ellipse((150, 60, 290, 200), fill=255)
    path = tmp_path / "sel.png"
    sel.filter(ImageFilter.GaussianBlur(8)).save(path)
    return path


def test_edit_leaves_every_pixel_outside_the_selection_bit_identical(
    api_env, picture, feathered, tmp_path
):
    out = tmp_path / "out.png"
    code = cli.main(
        [
            "edit",
            "--image",
            str(picture),
            "--selection",
            str(feathered),
            "--prompt",
            "a red balloon",
            "--out",
            str(out),
        ]
    )
    assert code == cli.EXIT_OK
    before, after = rgba(picture), rgba(out)
    coverage = np.asarray(PILImage.open(feathered))
    assert after.shape == before.shape
    outside = coverage == 0
    # The stand-in re-renders the whole frame, as the models do: only our composite
    # through the soft mask keeps these pixels.
    assert np.array_equal(after[outside], before[outside])
    inside = coverage == 255
    changed = np.any(after[inside] != before[inside], axis=-1)
    assert changed.mean() > 0.9
    soft = (coverage > 0) & (coverage < 255)
    assert soft.any() and np.any(after[soft] != before[soft])
    [request] = [r for r in api_env.requests if r.endpoint == "edits"]
    assert request.valid and {f.name for f in request.files} == {"image", "mask"}


def test_edit_with_an_openai_mask_and_with_alpha(api_env, picture, tmp_path):
    mask = PILImage.new("RGBA", (W, H), (0, 0, 0, 255))
    ImageDraw.Draw(mask).rectangle((20, 20, 100, 100), fill=(0, 0, 0, 0))
    mask_path = tmp_path / "mask.png"
    mask.save(mask_path)
    out = tmp_path / "masked.png"
    assert (
        cli.main(
            [
                "edit",
                "--image",
                str(picture),
                "--mask",
                str(mask_path),
                "--prompt",
                "x",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    before, after = rgba(picture), rgba(out)
    keep = np.asarray(mask)[..., 3] == 255
    assert np.array_equal(after[keep], before[keep])
    assert not np.array_equal(after[30:90, 30:90], before[30:90, 30:90])

    holed = before.copy()
    holed[150:, :, 3] = 0  # the bottom is transparent: the area to fill
    holed_path = tmp_path / "holed.png"
    PILImage.fromarray(holed, "RGBA").save(holed_path)
    filled = tmp_path / "filled.png"
    assert (
        cli.main(
            [
                "edit",
                "--image",
                str(holed_path),
                "--alpha",
                "--prompt",
                "grass",
                "--out",
                str(filled),
            ]
        )
        == 0
    )
    result = rgba(filled)
    assert np.array_equal(result[:140], holed[:140])
    assert (result[160:, :, 3] == 255).all()


def test_generate_writes_a_png_of_the_asked_size(api_env, tmp_path):
    out = tmp_path / "gen.png"
    assert (
        cli.main(["generate", "--prompt", "a fox", "--size", "1536x1024", "--out", str(out)]) == 0
    )
    assert PILImage.open(out).size == (1536, 1024)
    [request] = api_env.requests
    assert request.valid and request.fields["size"] == "1536x1024"


def test_several_candidates_and_an_openraster_file(api_env, picture, feathered, tmp_path):
    assert (
        cli.main(["vary", "--image", str(picture), "-n", "2", "--out", str(tmp_path / "v.png")])
        == 0
    )
    assert (tmp_path / "v-1.png").exists() and (tmp_path / "v-2.png").exists()
    ora = tmp_path / "e.ora"
    assert (
        cli.main(
            [
                "edit",
                "--image",
                str(picture),
                "--selection",
                str(feathered),
                "-n",
                "2",
                "--prompt",
                "a kite",
                "--out",
                str(ora),
            ]
        )
        == 0
    )
    with zipfile.ZipFile(ora) as z:
        assert z.namelist()[0] == "mimetype"
        assert z.read("mimetype") == b"image/openraster"
        stack = z.read("stack.xml").decode()
    assert stack.count("<layer") == 3  # the original and two candidates
    assert all(r.valid for r in api_env.requests)


def test_dry_run_needs_no_key_and_sends_nothing(
    standin, user_dirs, picture, feathered, monkeypatch, capsys
):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", standin.base_url)
    code = cli.main(
        [
            "edit",
            "--image",
            str(picture),
            "--selection",
            str(feathered),
            "--prompt",
            "a kite",
            "--dry-run",
        ]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["endpoint"].endswith("images/edits")
    parts = {f["part"]: f for f in printed["body"]["files"]}
    assert parts["mask"]["mime"] == "image/png" and "image" in parts
    assert printed["estimated_cost_usd"] > 0
    assert standin.requests == []


@pytest.mark.parametrize(
    "fault, code, words",
    [
        ("moderation_blocked", cli.EXIT_API, "safety"),
        ("401", cli.EXIT_API, "401"),
        ("insufficient_quota", cli.EXIT_API, "quota"),
    ],
)
def test_api_errors_exit_3_with_the_message_and_request_id(
    api_env, tmp_path, capsys, fault, code, words
):
    api_env.inject(fault)
    out = tmp_path / "never.png"
    assert cli.main(["generate", "--prompt", "x", "--out", str(out)]) == code
    err = capsys.readouterr().err
    assert words in err.lower() and "req_" in err
    assert not out.exists()


def test_validation_and_network_errors(user_dirs, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdefghijklmnop")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # discard port: refused
    out = str(tmp_path / "x.png")
    assert cli.main(["generate", "--prompt", "x", "--size", "1000x1000", "--out", out]) == 2
    assert "size" in capsys.readouterr().err
    assert cli.main(["generate", "--prompt", "x", "--out", out]) == cli.EXIT_NETWORK
    assert "network" in capsys.readouterr().err


def test_the_key_never_appears_in_output_or_history(api_env, tmp_path, capsys, user_dirs):
    from tests.conftest import TEST_KEY

    api_env.inject("401")
    cli.main(["generate", "--prompt", "x", "--out", str(tmp_path / "a.png")])
    cli.main(["generate", "--prompt", "x", "--out", str(tmp_path / "b.png")])
    captured = capsys.readouterr()
    assert TEST_KEY not in captured.out + captured.err
    data_dir = user_dirs[0]
    sidecars = list(data_dir.rglob("*.json"))
    assert sidecars
    for path in sidecars:
        assert TEST_KEY not in path.read_text()
