"""The two pixel engines, one contract (issue 16): the lean engine's planes, images and
compositing give the numpy engine's results to the bit, and the whole planning path
runs in a Python where numpy and Pillow cannot be imported at all.

The numpy engine is the reference: each lean operation is run on the same random
input and compared byte for byte. Resampling is the one operation that differs by
design (a host's resampler against Pillow's bicubic); tests here either avoid it or
compare only what must not depend on it (the mask, the pixels outside the selection).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from core.formats import png
from core.pixels import numpy_planes
from core.pixels import rgba as numpy_image
from core.pixels.geometry import Bounds, Extent, Point
from core.pixels.lean import image as lean_image
from core.pixels.lean import planes as lean_planes
from core.pixels.masks import footprints

ROOT = Path(__file__).resolve().parents[1]
planes_2d = hnp.arrays(np.uint8, st.tuples(st.integers(1, 24), st.integers(1, 24)))


def lean(plane: np.ndarray) -> lean_planes.Plane:
    return lean_planes.Plane(plane.shape[1], plane.shape[0], plane.tobytes())


def same(lean_plane: lean_planes.Plane, reference: np.ndarray) -> bool:
    return np.array_equal(np.asarray(lean_plane), reference)


@settings(max_examples=60, deadline=None)
@given(planes_2d, st.data())
def test_one_and_two_input_maps_agree(a: np.ndarray, data) -> None:
    b = data.draw(hnp.arrays(np.uint8, a.shape))
    assert same(lean_planes.invert(lean(a)), numpy_planes.invert(a))
    assert same(lean_planes.nonzero(lean(a)), numpy_planes.nonzero(a))
    assert same(lean_planes.below_full(lean(a)), numpy_planes.below_full(a))
    assert same(lean_planes.maximum(lean(a), lean(b)), numpy_planes.maximum(a, b))
    assert same(lean_planes.weight(lean(a), lean(b)), numpy_planes.weight(a, b))
    assert same(lean_planes.keep_where(lean(a), lean(b)), numpy_planes.keep_where(a, b))
    assert lean_planes.bounds(lean(a)) == numpy_planes.bounds(a)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(bool, st.tuples(st.integers(1, 20), st.integers(1, 20))), st.integers(0, 6))
def test_grow_agrees(edit: np.ndarray, px: int) -> None:
    binary = np.where(edit, 255, 0).astype(np.uint8)
    assert same(lean_planes.grow(lean(binary), px), numpy_planes.grow(binary, px))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(bool, st.tuples(st.integers(1, 30), st.integers(1, 30))),
       st.integers(1, 40), st.integers(1, 40))
def test_touched_resize_agrees_and_keeps_every_touched_pixel(edit, width, height) -> None:
    binary = np.where(edit, 255, 0).astype(np.uint8)
    target = Extent(width, height)
    reference = numpy_planes.touched_resize(binary, target, footprints)
    assert same(lean_planes.touched_resize(lean(binary), target, footprints), reference)
    # the rule itself: a target pixel is set exactly when its footprint holds a set pixel
    rows, cols = footprints(edit.shape[0], height), footprints(edit.shape[1], width)
    brute = np.array([[edit[r0:r1, c0:c1].any() for c0, c1 in cols] for r0, r1 in rows])
    assert np.array_equal(reference > 0, brute)


def test_footprints_cover_the_source_in_order() -> None:
    for source, target in [(100, 10), (10, 100), (7, 3), (3, 7), (1536, 1216)]:
        spans = footprints(source, target)
        assert spans[0][0] == 0 and spans[-1][1] == source
        assert all(a < b for a, b in spans)
        assert all(spans[i][0] <= spans[i + 1][0] for i in range(len(spans) - 1))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(-4, 8), st.integers(-4, 8), st.data())
def test_composite_over_agrees_to_the_byte(w, h, x, y, data) -> None:
    base = data.draw(hnp.arrays(np.uint8, (9, 10, 4)))
    top = data.draw(hnp.arrays(np.uint8, (h, w, 4)))
    ref = numpy_image.composite_over(numpy_image.Image(base), numpy_image.Image(top), Point(x, y))
    got = lean_image.composite_over(
        lean_image.Image(10, 9, base.tobytes()), lean_image.Image(w, h, top.tobytes()),
        Point(x, y))
    assert got.data == ref.pixels.tobytes()


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 16), st.integers(1, 16), st.just(4))),
       st.data())
def test_crops_channels_and_flatness_agree(pixels: np.ndarray, data) -> None:
    h, w = pixels.shape[:2]
    box = Bounds(data.draw(st.integers(-5, w)), data.draw(st.integers(-5, h)),
                 data.draw(st.integers(1, 20)), data.draw(st.integers(1, 20)))
    ref = numpy_image.Image(pixels)
    got = lean_image.Image(w, h, pixels.tobytes())
    assert got.crop(box).data == ref.crop(box).pixels.tobytes()
    assert got.is_opaque == ref.is_opaque
    assert same(got.alpha, ref.alpha)
    assert got.flat_share() == pytest.approx(ref.flat_share())
    assert got.to_bgra_bytes() == ref.to_bgra_bytes()
    alpha = data.draw(hnp.arrays(np.uint8, (h, w)))
    assert got.with_alpha(lean(alpha)).data == ref.with_alpha(alpha).pixels.tobytes()


def test_our_png_reads_back_what_pillow_and_we_write() -> None:
    from PIL import Image as PILImage

    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (33, 47, 4), dtype=np.uint8)
    pixels[:12] = (10, 200, 30, 255)  # flat rows, which Pillow's filters treat otherwise
    for data in (png.encode_png(pixels.tobytes(), 47, 33), numpy_image.Image(pixels).to_png()):
        w, h, rgba = png.decode_png(data, 10**6)
        assert (w, h, rgba) == (47, 33, pixels.tobytes())
        assert np.array_equal(np.asarray(PILImage.open(__import__("io").BytesIO(data))), pixels)


def test_a_png_bomb_stops_at_the_size_its_header_allows() -> None:
    flat = png.encode_png(bytes(4 * 64 * 64), 64, 64)
    with pytest.raises(png.PNGError, match="larger than the limit"):
        png.decode_png(flat, 100)
    cut = flat[:60] + flat[-12:]  # IDAT cut short
    with pytest.raises(png.PNGError):
        png.decode_png(cut, 10**6)


LEAN_RUN = r"""
import importlib.abc, json, sys
class Refuse(importlib.abc.MetaPathFinder):  # this Python has no numpy and no Pillow
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("numpy", "PIL"):
            raise ImportError(f"No module named {name!r}")
sys.meta_path.insert(0, Refuse())
sys.path.insert(0, sys.argv[1])
from core.pixels import imaging
from core.pixels.geometry import Bounds, Point
from core.pixels.imaging import Image, Mask
from core.pixels.planning import CanvasSnapshot, composite, plan_edit
from core.pixels.plans import ContextOptions
from core.models.catalogue import get_model
from core.api.requests import EditRequest
W, H = 48, 40
source = Image.from_rgba_bytes(bytes.fromhex(sys.argv[2]), W, H)
mask = Mask.from_bytes(bytes.fromhex(sys.argv[3]), Bounds(0, 0, W, H))
spec = get_model("gpt-image-2")
plan = plan_edit(CanvasSnapshot(source, Point(0, 0), mask, "doc"), spec,
                 ContextOptions(padding_px=4), size_pref="1024x1024")
answer = Image.decode(bytes.fromhex(sys.argv[4]))
patch = composite(plan, answer)
from core.errors import ValidationError
from core.jobs.options import Choices, job_options
from core.store.settings import Settings
try:
    job_options(Settings(), Choices(output_format="webp"))
    refused = ""
except ValidationError as exc:
    refused = str(exc)
print(json.dumps({
    "refused": refused, "png_ok": job_options(Settings(), Choices()).output_format is None,
    "engine": imaging.ENGINE, "numpy": "numpy" in sys.modules, "pil": "PIL" in sys.modules,
    "region": str(plan.region), "mask": plan.mask.data.hex(), "upload": plan.image.filename,
    "bounds": str(patch.bounds), "patch": patch.image.to_rgba_bytes().hex(),
}))
"""


def test_the_planning_path_runs_without_numpy_and_pillow() -> None:
    """Plan, mask, upload, decode and composite in a Python that refuses numpy and Pillow:
    the mask is byte-identical to the numpy engine's, the patch covers the same pixels
    with the same alpha, and where the selection is 0 the patch is fully transparent
    (the source stays bit-identical under it)."""
    from core.models.catalogue import get_model
    from core.pixels.imaging import Image, Mask
    from core.pixels.planning import CanvasSnapshot, composite, plan_edit
    from core.pixels.plans import ContextOptions

    rng = np.random.default_rng(7)
    source = rng.integers(0, 256, (40, 48, 4), dtype=np.uint8)
    source[..., 3] = 255
    coverage = np.zeros((40, 48), np.uint8)
    coverage[10:30, 12:36] = 255
    coverage[10:30, 12:16] = 90  # a soft edge
    answer = Image(np.full((1024, 1024, 4), (200, 40, 90, 255), np.uint8)).to_png()
    run = subprocess.run(
        [sys.executable, "-c", LEAN_RUN, str(ROOT), source.tobytes().hex(),
         coverage.tobytes().hex(), answer.hex()],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert run.returncode == 0, run.stderr
    lean_out = json.loads(run.stdout)
    assert (lean_out["engine"], lean_out["numpy"], lean_out["pil"]) == ("lean", False, False)
    selection = Mask(coverage, Bounds(0, 0, 48, 40))
    snapshot = CanvasSnapshot(Image(source), Point(0, 0), selection, "doc")
    plan = plan_edit(snapshot, get_model("gpt-image-2"), ContextOptions(padding_px=4),
                     size_pref="1024x1024")
    patch = composite(plan, Image.decode(answer))
    assert lean_out["region"] == str(plan.region)
    assert bytes.fromhex(lean_out["mask"]) == plan.mask.data
    assert lean_out["upload"] == "image.png" and plan.image.filename == "image.webp"
    # WebP answers would be paid for and unreadable with no WebP decoder: refused first
    assert "cannot read WEBP answers" in lean_out["refused"] and lean_out["png_ok"]
    assert lean_out["bounds"] == str(patch.bounds)
    got = np.frombuffer(bytes.fromhex(lean_out["patch"]), np.uint8)
    got = got.reshape(patch.image.pixels.shape)
    assert np.array_equal(got[..., 3], patch.image.pixels[..., 3])  # alpha from our own mask
    b = patch.bounds
    outside = coverage[b.y : b.bottom, b.x : b.right] == 0
    assert not got[..., 3][outside].any()
    # A flat answer scales to the same flat colour in any resampler.
    assert np.array_equal(got[..., :3][~outside], patch.image.pixels[..., :3][~outside])


NUMPY_ONLY = {"pixels", "from_array", "from_pil", "to_pil"}


def test_the_gimp_adapter_uses_only_what_both_engines_have() -> None:
    """GIMP on Windows runs the lean engine: the adapter may not import numpy or Pillow
    nor touch the numpy engine's extras (`Image.pixels`, `from_array`, `to_pil` ...)."""
    import ast

    found = []
    for path in sorted((ROOT / "gimp_plugin").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in NUMPY_ONLY:
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            found += [f"{path.name}:{node.lineno} import {n}" for n in names
                      if n.split(".")[0] in ("numpy", "PIL")]
    assert not found, found
