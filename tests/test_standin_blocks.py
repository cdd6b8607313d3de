"""The stand-in's colour-blocks mode (issue 15): results are the known blocks at the
size asked for, and the log keeps each upload's colour per cell, so host scenarios
can check both directions of a colour-managed document without our history."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from standin import blocks
from standin.server import running_standin
from tests.test_standin import client_for


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _decoded(body: dict) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(body["data"][0]["b64_json"]))))


def test_results_are_the_blocks_and_uploads_are_logged_by_cell():
    upload = blocks.picture(256, 256)
    upload.paste((0, 0, 0, 255), (192, 192, 256, 256))  # the last cell black
    with running_standin() as server, client_for(server) as http:
        assert (
            http.post(server.root_url + "/_standin/picture", json={"kind": "blocks"}).status_code
            == 200
        )
        reply = http.post(
            "/images/edits",
            data={"model": "gpt-image-2", "prompt": "x", "size": "1024x1024"},
            files={"image": ("image.png", _png(upload), "image/png")},
        )
        assert reply.status_code == 200, reply.text
        [log] = [
            r
            for r in http.get(server.root_url + "/_standin/requests").json()
            if r["endpoint"] == "edits"
        ]
        assert (
            http.post(server.root_url + "/_standin/picture", json={"kind": "plain"}).status_code
            == 400
        )
    answer = _decoded(reply.json())
    assert answer.shape == (1024, 1024, 4)
    for row in range(blocks.GRID):
        for col in range(blocks.GRID):
            centre = answer[row * 256 + 128, col * 256 + 128]
            assert tuple(centre[:3]) == blocks.PALETTE[row * blocks.GRID + col]
    cells = log["files"][0]["cells"]
    assert [c[:3] for c in cells[:15]] == [list(p) for p in blocks.PALETTE[:15]]
    assert cells[15] == [0, 0, 0, 255]


def test_without_the_mode_nothing_changes():
    with running_standin() as server, client_for(server) as http:
        reply = http.post(
            "/images/generations", json={"model": "gpt-image-2", "prompt": "x", "size": "1024x1024"}
        )
        assert reply.status_code == 200
        answer = _decoded(reply.json())
        assert len({tuple(p) for p in answer[::128, ::128].reshape(-1, 4)}) > blocks.GRID**2
