"""The command line's rules on their own: the -n bound, the question before a dear job,
the wording of errors, prompts from stdin and files, output names. No server."""

from __future__ import annotations

import io
import os

import pytest

from core.cli import Exit
from core.cli.confirm import DeclinedError, check_count, confirm, threshold
from core.cli.failures import Where, classify, log_unexpected
from core.cli.inputs import read_prompt
from core.cli.outputs import plan_outputs
from core.errors import APIConnectionError, ValidationError
from core.jobs.cost import CostEstimate
from core.models.catalogue import get_model, max_candidates
from tests.conftest import TEST_KEY


def test_the_count_bound_is_the_plugins():
    # dall-e-3 takes one image per request: the runner sends parallel requests, so 10
    # (tests/test_jobs.py::test_models_limited_to_one_image_get_parallel_requests)
    assert max_candidates(get_model("dall-e-3")) == 10
    assert max_candidates(get_model("gpt-image-2")) == 10
    with pytest.raises(ValidationError, match="gpt-image-2 takes 1..10 candidates"):
        check_count(11, get_model("gpt-image-2"))
    check_count(10, get_model("dall-e-3"))


class FakeTerminal(io.StringIO):
    def __init__(self, text: str = "", tty: bool = True) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


DEAR = CostEstimate(usd=1.5, low=1.2, high=1.6, basis="test")


def test_the_question_before_a_dear_job():
    cheap = CostEstimate(usd=0.5, low=0.5, high=0.5, basis="test")
    confirm(cheap, 1.0, yes=False, stdin=FakeTerminal(tty=False), stderr=FakeTerminal())
    confirm(DEAR, 1.0, yes=True, stdin=FakeTerminal(tty=False), stderr=FakeTerminal())
    asked = FakeTerminal()
    confirm(DEAR, 1.0, yes=False, stdin=FakeTerminal("y\n"), stderr=asked)
    assert "about $1.50" in asked.getvalue() and "[y/N]" in asked.getvalue()
    with pytest.raises(DeclinedError, match="declined"):
        confirm(DEAR, 1.0, yes=False, stdin=FakeTerminal("\n"), stderr=FakeTerminal())
    with pytest.raises(DeclinedError, match="--yes"):
        confirm(DEAR, 1.0, yes=False, stdin=FakeTerminal(tty=False), stderr=FakeTerminal())
    assert classify(DeclinedError("x"), Where())[0] == Exit.REFUSED


def test_the_threshold_flag_then_the_environment_then_a_dollar():
    assert threshold(0.2, {"OPENAI_IMAGES_CONFIRM_USD": "5"}) == 0.2
    assert threshold(None, {"OPENAI_IMAGES_CONFIRM_USD": "5"}) == 5.0
    assert threshold(None, {}) == 1.0
    # the saved setting (confirm_above_usd) comes after the flag and the environment
    assert threshold(None, {}, saved=3.0) == 3.0
    assert threshold(None, {"OPENAI_IMAGES_CONFIRM_USD": "5"}, saved=3.0) == 5.0
    assert threshold(0.2, {}, saved=3.0) == 0.2
    for bad in ("five", "-1", "nan"):
        with pytest.raises(ValidationError):
            threshold(None, {"OPENAI_IMAGES_CONFIRM_USD": bad})


def test_network_errors_name_the_host_and_the_proxy_without_its_password():
    dns = APIConnectionError("the image request failed: [Errno -2] Name or service not known")
    code, line = classify(dns, Where("https://api.example.com/v1",
                                     "http://user:secret@proxy.local:3128"))
    assert code == Exit.NETWORK
    assert "the host api.example.com could not be resolved" in line
    assert "through the proxy http://proxy.local:3128" in line and "secret" not in line
    refused = APIConnectionError("the image request failed: [Errno 111] Connection refused")
    code, line = classify(refused, Where("http://127.0.0.1:9/v1"))
    assert code == Exit.NETWORK and "(talking to 127.0.0.1)" in line


def test_an_unexpected_error_is_one_line_and_a_private_log(user_dirs):
    data, _ = user_dirs
    exc = RuntimeError(f"boom {TEST_KEY}")
    assert classify(exc, Where()) == (Exit.INTERNAL, "")
    try:
        raise exc
    except RuntimeError as raised:
        where = log_unexpected(raised)
    log = data / "logs" / "cli-error.log"
    assert where == f"full log: {log}"
    text = log.read_text()
    assert "Traceback" in text and "boom" in text and TEST_KEY not in text
    assert os.stat(log).st_mode & 0o077 == 0


def test_prompts_from_stdin_a_file_and_literal_at_signs(tmp_path):
    assert read_prompt("-", io.StringIO("  a fox\n")) == "a fox"
    assert read_prompt("@@home") == "@home" and read_prompt("plain") == "plain"
    (tmp_path / "p.txt").write_text("a heron\n", "utf-8")
    assert read_prompt(f"@{tmp_path / 'p.txt'}") == "a heron"
    with pytest.raises(ValidationError, match="is empty"):
        read_prompt("-", io.StringIO("\n"))
    with pytest.raises(ValidationError, match="names no readable file"):
        read_prompt(f"@{tmp_path / 'missing.txt'}")
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValidationError, match="not UTF-8"):
        read_prompt(f"@{tmp_path / 'bin.txt'}")


def test_output_names_and_formats(tmp_path):
    plan = plan_outputs(tmp_path / "x.JPG", 3, None)
    assert plan.file_format == "jpeg" and plan.api_format == "jpeg"
    assert [p.name for p in plan.paths(3)] == ["x-1.JPG", "x-2.JPG", "x-3.JPG"]
    ora = plan_outputs(tmp_path / "x.ora", 3, "webp")  # layers are PNG whatever is sent
    assert ora.paths(3) == [tmp_path / "x.ora"] and ora.api_format is None
    assert plan_outputs(tmp_path / "new" / "deeper" / "x.png", 1, "png").paths(1) == [
        tmp_path / "new" / "deeper" / "x.png"]  # made when written, not before
    assert not (tmp_path / "new").exists()


def test_the_stand_ins_pictures_say_what_they_are():
    import numpy as np
    from PIL import Image as PILImage

    from standin import render

    plain = PILImage.fromarray(np.full((200, 600, 4), (90, 160, 90, 128), np.uint8), "RGBA")
    marked = np.asarray(render.mark(plain, "a lighthouse on a cliff at dawn, watercolour"))
    assert (marked[..., 3] == 128).all()  # alpha untouched: holes and transparency stay
    rgb = marked[..., :3].reshape(-1, 3)
    assert ((rgb == (24, 24, 24)).all(axis=1).mean() > 0.02)  # the band
    assert ((rgb == (255, 255, 255)).all(axis=1).any())  # the words
    # inside the painted region of an edit, not in a corner the mask composites away
    region = PILImage.new("L", (600, 200), 0)
    region.paste(255, (300, 100, 600, 200))
    inside = np.asarray(render.mark(plain, "a pond", region))[..., :3]
    changed = np.any(inside != np.asarray(plain)[..., :3], axis=-1)
    ys, xs = np.nonzero(changed)
    assert ys.min() >= 100 and xs.min() >= 300


def test_a_worker_s_logged_traceback_stays_off_the_terminal(capsys):
    import logging

    from core.cli.app import _log_handler

    handler = _log_handler()
    try:
        try:
            raise ValueError("a bug")
        except ValueError:
            logging.getLogger("openai_images.jobs").exception("job 1 crashed")
    finally:
        logging.getLogger("openai_images").removeHandler(handler)
    err = capsys.readouterr().err
    assert err == "openai-images: ERROR job 1 crashed\n"
    from core.errors import ImagesError

    assert classify(ImagesError("internal error: ValueError('a bug')"), Where())[0] == (
        Exit.INTERNAL)
