"""Provenance (issue 21): the API's answer is kept byte for byte beside each result
with whether it carried Content Credentials, and the XMP we write marks outputs as
made (generate) or changed (edit, variation) by a generative model."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image as PILImage

from core.jobs.options import JobOptions
from core.jobs.runner import JobRunner
from core.pixels.geometry import Bounds
from core.pixels.provenance import (
    IPTC_SOURCE,
    Provenance,
    has_c2pa,
    jpeg_with_xmp,
    png_with_xmp,
    read_xmp,
    source_for,
    with_xmp,
    xmp_packet,
)
from core.store.history import History
from standin import credentials
from standin.server import running_standin
from tests.conftest import TEST_KEY

PROV = Provenance("compositeWithTrainedAlgorithmicMedia", "tool 1.0", "gpt-image-2", "h-1")


def _encoded(fmt: str) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (16, 8), (200, 10, 30)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_xmp_written_at_byte_level_is_what_pillow_reads(fmt):
    data = _encoded(fmt)
    marked = png_with_xmp(data, xmp_packet(PROV)) if fmt == "PNG" else jpeg_with_xmp(
        data, xmp_packet(PROV))
    with PILImage.open(io.BytesIO(marked)) as img:
        info = img.info.get("XML:com.adobe.xmp") or img.info.get("xmp")
        assert np.array_equal(np.asarray(img), np.asarray(PILImage.open(io.BytesIO(data))))
    text = info.decode() if isinstance(info, bytes) else info
    assert IPTC_SOURCE + "compositeWithTrainedAlgorithmicMedia" in text
    assert read_xmp(marked) == xmp_packet(PROV)
    # marking twice keeps one packet
    if fmt == "PNG":
        assert png_with_xmp(marked, xmp_packet(PROV)).count(b"XML:com.adobe.xmp") == 1


def test_xmp_escapes_what_it_is_given():
    packet = xmp_packet(Provenance("trainedAlgorithmicMedia", "a<b>&c", "m", None)).decode()
    assert "a&lt;b&gt;&amp;c" in packet and "HistoryId" not in packet


def test_the_source_type_follows_the_job():
    assert source_for("generate") == "trainedAlgorithmicMedia"
    assert source_for("edit") == source_for("variation") == "compositeWithTrainedAlgorithmicMedia"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_the_stand_ins_marker_is_seen_and_keeps_the_file_readable(fmt):
    data = _encoded(fmt)
    assert not has_c2pa(data)
    marked = credentials.mark(data)
    assert has_c2pa(marked) and marked != data
    with PILImage.open(io.BytesIO(marked)) as img, PILImage.open(io.BytesIO(data)) as plain:
        assert np.array_equal(np.asarray(img), np.asarray(plain))  # the same picture


@pytest.mark.parametrize("options", [{"quality": 80}, {"lossless": True, "mode": "RGBA"}])
def test_a_marked_webp_is_the_extended_format_with_its_riff_size_right(options):
    """C2PA puts the manifest of a WebP in a `C2PA` chunk; a simple WebP may hold only
    its bitstream, so the marked one gains a VP8X header that repeats size and alpha."""
    import struct

    mode = options.pop("mode", "RGB")
    out = io.BytesIO()
    PILImage.new(mode, (37, 21), (10, 200, 30, 128)).save(out, "WEBP", **options)
    marked = credentials.mark(out.getvalue())
    assert struct.unpack("<I", marked[4:8])[0] == len(marked) - 8
    assert marked[12:16] == b"VP8X"
    flags, size = marked[20], marked[24:30]
    assert bool(flags & 0x10) == (mode == "RGBA")
    width = int.from_bytes(size[:3], "little") + 1
    height = int.from_bytes(size[3:], "little") + 1
    assert (width, height) == (37, 21)
    assert marked.endswith(credentials.MARKER + (b"\x00" if len(credentials.MARKER) & 1 else b""))


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("webp", b"RIFF"),
                                        ("jpeg", b"\xff\xd8")])
def test_the_history_keeps_the_answer_byte_for_byte(tmp_path, monkeypatch, fmt, magic):
    """What the stand-in sent (with its C2PA-like marker) is the `answer` attachment,
    unchanged; the sidecar says credentials were present and what the result is."""
    from core.api.client import ClientConfig, ImagesClient

    sent_bytes: list[bytes] = []
    real_mark = credentials.mark

    def mark(encoded: bytes) -> bytes:  # what the stand-in puts on the wire
        sent_bytes.append(real_mark(encoded))
        return sent_bytes[-1]

    monkeypatch.setattr(credentials, "mark", mark)
    with running_standin() as server:
        client = ImagesClient(ClientConfig(api_key=TEST_KEY, base_url=server.base_url,
                                           max_retries=0))
        runner = JobRunner(client, History(tmp_path / "h"))
        job = runner.submit_generate("a kite", Bounds(0, 0, 256, 256),
                                     JobOptions(model="gpt-image-2", size="1024x1024",
                                                output_format=fmt))
        assert job.wait(60) and job.state == "done", job.error
        sent = [r for r in server.requests if r.endpoint == "generations"]
        client.close()
    [candidate] = job.result.candidates
    answer = candidate.entry.attachments["answer"].read_bytes()
    assert answer == sent_bytes[-1]  # byte for byte, marker included
    assert has_c2pa(answer) and answer.startswith(magic)
    assert candidate.entry.attachments["answer"].suffix == {"jpeg": ".jpg"}.get(fmt, f".{fmt}")
    assert len(sent) == 1
    sidecar = json.loads(candidate.entry.sidecar_path.read_text())["meta"]
    assert sidecar["content_credentials"] is True
    assert sidecar["digital_source_type"] == "trainedAlgorithmicMedia"
    decoded = np.asarray(PILImage.open(io.BytesIO(answer)).convert("RGBA"))
    assert decoded.shape == (1024, 1024, 4)


@pytest.mark.parametrize("options", [{"lossless": True}, {"quality": 80},
                                     {"lossless": True, "mode": "RGBA"}])
def test_webp_gets_an_xmp_chunk_without_re_encoding(options):
    mode = options.pop("mode", "RGB")
    out = io.BytesIO()
    PILImage.new(mode, (37, 21), (10, 200, 30)).save(out, "WEBP", **options)
    data = out.getvalue()
    marked = with_xmp(data, xmp_packet(PROV))
    assert read_xmp(marked) == xmp_packet(PROV)
    with PILImage.open(io.BytesIO(marked)) as img, PILImage.open(io.BytesIO(data)) as plain:
        assert img.size == (37, 21)
        assert np.array_equal(np.asarray(img), np.asarray(plain))
        assert b"compositeWithTrainedAlgorithmicMedia" in (img.info.get("xmp") or b"")
    again = with_xmp(marked, xmp_packet(PROV))  # a VP8X file: one packet still
    assert again.count(b"XMP ") == 1


# -- the CLI's outputs, every format (a subprocess against the stand-in) ----------------
@pytest.mark.parametrize("suffix", [".png", ".webp", ".jpg", ".ora"])
def test_every_cli_output_format_carries_the_xmp(standin, user_dirs, tmp_path, suffix):
    """Read back by Pillow (PNG, WebP, JPEG) or from the .ora's merged image; a
    generate says trainedAlgorithmicMedia and names the model and history id."""
    import zipfile

    from tests.test_cli_script import cli, environment

    out = tmp_path / f"result{suffix}"
    run = cli(environment(standin, user_dirs), "generate", "-p", "a kite", "-m", "gpt-image-2",
              "-s", "1024x1024", "-o", out, "--yes")
    assert run.returncode == 0, run.stderr
    data = out.read_bytes()
    if suffix == ".ora":
        with zipfile.ZipFile(out) as ora:
            data = ora.read("mergedimage.png")
    with PILImage.open(io.BytesIO(data)) as img:
        seen = img.info.get("XML:com.adobe.xmp") or img.info.get("xmp")
    seen = seen.encode() if isinstance(seen, str) else seen
    assert seen == read_xmp(data) and seen is not None
    assert (IPTC_SOURCE + "trainedAlgorithmicMedia").encode() in seen
    assert b"gpt-image-2" in seen and b"HistoryId" in seen


def test_an_edit_says_composite_and_the_setting_turns_it_off(standin, user_dirs, tmp_path):
    from core.store.settings import Settings
    from tests.test_cli_script import cli, environment

    picture = tmp_path / "in.png"
    PILImage.new("RGBA", (64, 64), (20, 40, 60, 255)).save(picture)
    mask = tmp_path / "sel.png"
    sel = PILImage.new("L", (64, 64), 0)
    sel.paste(255, (16, 16, 48, 48))
    sel.save(mask)
    env = environment(standin, user_dirs)
    out = tmp_path / "edit.png"
    run = cli(env, "edit", "-i", picture, "--selection", mask, "-p", "a boat",
              "-m", "gpt-image-2", "-o", out, "--yes")
    assert run.returncode == 0, run.stderr
    assert b"compositeWithTrainedAlgorithmicMedia" in read_xmp(out.read_bytes())
    Settings(mark_provenance=False).save()
    off = tmp_path / "off.png"
    run = cli(env, "edit", "-i", picture, "--selection", mask, "-p", "a boat",
              "-m", "gpt-image-2", "-o", off, "--yes")
    assert run.returncode == 0, run.stderr
    assert read_xmp(off.read_bytes()) is None
