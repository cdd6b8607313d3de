"""Benchmark row P8 inside real GIMP: one feathered 1024² edit on a 4096² image, step by step.

Runs the plug-in's own code (its installed package, imported into this python-fu
process as bad_input_gimp does) with whichever pixel engine that package gets:
numpy + Pillow from the Linux bundle, the lean engine from the Windows bundle's
contents (the gimp-*-windows hosts; no numpy anywhere on this process's path).
Steps: read (selection, window, snapshot), plan (mask, resample, encode the
upload), decode the answer, composite, write the layer. The stand-in's round
trip is left out: it is the model's time, not the engine's. The answer is a
photo-like PNG of the API size, made once before the clock starts.
"""

from __future__ import annotations

import os
import sys
import time

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp  # noqa: E402

SIDE, SELECTION, FEATHER = 4096, 1024, 64


def _package():
    folder = os.path.join(Gimp.directory(), "plug-ins", "openai-images")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    from openai_images import _vendor

    _vendor.activate()
    from openai_images import canvas
    from openai_images.core.models.catalogue import get_model
    from openai_images.core.pixels import imaging, planning
    from openai_images.core.pixels.answers import decode_answer

    return canvas, get_model, imaging, planning, decode_answer


def _photo_like_row(y: int) -> bytes:
    """A gradient with a fine texture: compresses like a photo, not like noise or flat art."""
    return bytes(((x * 255) // SIDE + ((x * 7 + y * 13) % 23)) & 255 for x in range(SIDE))


def measure() -> dict:
    canvas, get_model, imaging, planning, decode_answer = _package()
    image = Gimp.Image.new(SIDE, SIDE, Gimp.ImageBaseType.RGB)
    layer = Gimp.Layer.new(image, "photo", SIDE, SIDE, Gimp.ImageType.RGBA_IMAGE, 100.0,
                           Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, None, 0)
    buffer = layer.get_buffer()
    for top in range(0, SIDE, 256):
        rows = b"".join(_photo_like_row(y) for y in range(top, top + 256))
        rgba = bytearray(len(rows) * 4)
        rgba[0::4], rgba[1::4], rgba[2::4] = rows, rows[::-1], rows
        rgba[3::4] = b"\xff" * len(rows)
        buffer.set(Gegl.Rectangle.new(0, top, SIDE, 256), "R'G'B'A u8", bytes(rgba))
    buffer.flush()
    corner = (SIDE - SELECTION) // 2
    image.select_rectangle(Gimp.ChannelOps.REPLACE, corner, corner, SELECTION, SELECTION)
    Gimp.Selection.feather(image, float(FEATHER))
    spec = get_model("gpt-image-2")

    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name] = round(now - clock, 3)
        clock = now

    selection = canvas.read_selection(image)
    window = planning.edit_window(selection, planning.Bounds(0, 0, SIDE, SIDE), spec)
    snapshot = canvas.read_snapshot(image, layer, False, "bench", selection=selection,
                                    window=window)
    lap("read")
    plan = planning.plan_edit(snapshot, spec)
    lap("plan")
    answer = snapshot.image.resize(plan.api_extent).to_png()  # outside the clock: the server's
    clock = time.perf_counter()
    result = decode_answer(answer, plan.api_extent)
    lap("decode")
    patch = planning.composite(plan, result, "bench")
    lap("composite")
    layers = canvas.apply_patches(image, layer, [patch])
    lap("write")
    facts = {
        "engine": imaging.describe(),
        "steps": steps,
        "click_to_upload": round(steps["read"] + steps["plan"], 3),
        "answer_to_layer": round(steps["decode"] + steps["composite"] + steps["write"], 3),
        "slowest": max(steps, key=steps.get),
        "region": str(plan.region), "api": str(plan.api_extent), "upload": plan.image.filename,
        "upload_bytes": len(plan.image.data), "layers": len(layers),
    }
    image.delete()
    return facts
