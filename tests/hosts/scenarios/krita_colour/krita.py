"""Colour-managed documents in real Krita (issue 15): a profile x depth matrix.

The stand-in answers every request with known colour blocks (POST
/_standin/picture {"kind": "blocks"}) and logs the colour of each cell of every
upload. For each case a 256x256 document is painted in 8-bit sRGB with the blocks
in reverse order, then converted by Krita itself into the case's depth and
profile. Then, through scripting (the docker's path):

- generate over the whole canvas: the new layer, converted to 8-bit sRGB by Krita
  (on a copy of its pixels in a scratch document, not by our plug-in), must show
  the API's blocks at every cell centre;
- edit a selection of the four middle cells, the whole image as context (so the
  upload is the canvas and the answer's cells land on the canvas's cells): inside,
  the new layer in sRGB shows the API's blocks; outside, the document's own bytes
  are bit-identical; the upload's cells are the layer's colours in sRGB.

The reference for every comparison is Krita's own round trip of the sRGB colours
through the case's space (an 8-bit linear document cannot hold every sRGB level),
so "within 2 levels" measures our conversions, not the document's precision.
"""

import os
import sys
import traceback

import numpy as np
from krita import Krita, Selection
from openai_images import scripting, workflow
from openai_images.qt import process_events

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "inhost"))
from standin_control import images_requests, standin  # noqa: E402

SIDE = 256
SRGB = ("RGBA", "U8", "sRGB-elle-V2-srgbtrc.icc")
SELECTION = (64, 64, 128, 128)  # the four middle cells of the 4x4 grid
# (name, model, depth, a fragment of the profile's name); the first profile of
# Krita's list for that model and depth whose name holds the fragment. Display P3 is
# not among the profiles Debian's Krita ships.
CASES = (
    ("srgb-u8", "RGBA", "U8", "sRGB-elle-V2-srgbtrc"),
    ("linear-srgb-u8", "RGBA", "U8", "sRGB-elle-V2-g10"),
    # krita25_lcms-builtin-sRGB_g100-truegamma.icc, by its description
    ("linear-truegamma-u8", "RGBA", "U8", "lcms sRGB built-in with linear gamma"),
    ("srgb-builtin-u8", "RGBA", "U8", "sRGB built-in"),
    ("clayrgb-u8", "RGBA", "U8", "ClayRGB-elle-V2-g22"),
    ("srgb-u16", "RGBA", "U16", "sRGB-elle-V2-srgbtrc"),
    ("clayrgb-u16", "RGBA", "U16", "ClayRGB-elle-V2-g22"),
    ("rec2020-u16", "RGBA", "U16", "Rec2020-elle-V4"),
    ("linear-srgb-f32", "RGBA", "F32", "sRGB-elle-V2-g10"),
    ("rec2020-linear-f16", "RGBA", "F16", "Rec2020-elle-V4-g10"),
    ("scrgb-linear-f32", "RGBA", "F32", "scRGB (linear)"),
    ("grey-u8", "GRAYA", "U8", "Gray-D50-elle-V2-srgbtrc"),
    ("grey-linear-u16", "GRAYA", "U16", "Gray-D50-elle-V2-g10"),
)


def _bytes(qba):
    return bytes(qba.data()) if hasattr(qba, "data") else bytes(qba)


def blocks(palette, grid, order):
    """SIDE x SIDE B,G,R,A bytes of the palette's cells, in `order` (indexes)."""
    cell = SIDE // grid
    rgb = np.zeros((SIDE, SIDE, 3), np.uint8)
    for k, index in enumerate(order):
        row, col = divmod(k, grid)
        rgb[row * cell:(row + 1) * cell, col * cell:(col + 1) * cell] = palette[index]
    alpha = np.full((SIDE, SIDE, 1), 255, np.uint8)
    return np.concatenate([rgb[..., ::-1], alpha], -1).tobytes()


def to_srgb(data, space):
    """Pixel bytes of `space` as 8-bit sRGB R,G,B,A, converted by Krita in a scratch
    document (the same conversion the host applies on export to sRGB)."""
    app = Krita.instance()
    doc = app.createDocument(SIDE, SIDE, "colour-scratch", *space, 72.0)
    try:
        node = doc.createNode("pixels", "paintlayer")
        doc.rootNode().addChildNode(node, None)
        node.setPixelData(data, 0, 0, SIDE, SIDE)
        doc.setColorSpace(*SRGB)
        doc.waitForDone()
        bgra = np.frombuffer(_bytes(node.pixelData(0, 0, SIDE, SIDE)), np.uint8)
        return bgra.reshape(SIDE, SIDE, 4)[..., [2, 1, 0, 3]].copy()
    finally:
        doc.close()


def round_trip(data_srgb, space):
    """8-bit sRGB bytes through `space` and back, by Krita: what the case can hold."""
    app = Krita.instance()
    doc = app.createDocument(SIDE, SIDE, "colour-reference", *SRGB, 72.0)
    try:
        node = doc.createNode("pixels", "paintlayer")
        doc.rootNode().addChildNode(node, None)
        node.setPixelData(data_srgb, 0, 0, SIDE, SIDE)
        doc.setColorSpace(*space)
        doc.waitForDone()
        data = _bytes(node.pixelData(0, 0, SIDE, SIDE))
    finally:
        doc.close()
    return to_srgb(data, space)


def centres(rgba, grid):
    cell = SIDE // grid
    return [rgba[r * cell + cell // 2, c * cell + cell // 2].tolist()
            for r in range(grid) for c in range(grid)]


def settle(doc, active=None):
    for _ in range(10):
        doc.refreshProjection()
        doc.waitForDone()
        process_events()
        if active is not None and doc.activeNode() != active:
            doc.setActiveNode(active)


def new_document(name, space, content):
    app = Krita.instance()
    doc = app.createDocument(SIDE, SIDE, name, *SRGB, 72.0)
    app.activeWindow().addView(doc)
    layer = doc.createNode("painted", "paintlayer")
    doc.rootNode().addChildNode(layer, None)
    layer.setPixelData(content, 0, 0, SIDE, SIDE)
    ok = doc.setColorSpace(*space)  # Krita converts the pixels into the case's space
    doc.setActiveNode(layer)
    settle(doc, layer)
    return doc, layer, ok


def run_case(name, space, palette, grid):
    forward = list(range(grid * grid))
    reverse = forward[::-1]
    api_cells = round_trip(blocks(palette, grid, forward), space)
    layer_cells = round_trip(blocks(palette, grid, reverse), space)
    facts = {"space": list(space), "expected_api": centres(api_cells, grid),
             "expected_layer": centres(layer_cells, grid)}

    doc, layer, ok = new_document(f"colour-gen-{name}", space, blocks(palette, grid, reverse))
    facts["converted"] = bool(ok) and [doc.colorModel(), doc.colorDepth(), doc.colorProfile()]
    new = scripting.generate(doc, "colour blocks", timeout=120)
    settle(doc)
    facts["generate"] = {
        "layers": len(new),
        "layer_space": [new[0].colorModel(), new[0].colorDepth(), new[0].colorProfile()],
        "cells": centres(to_srgb(_bytes(new[0].pixelData(0, 0, SIDE, SIDE)), space), grid),
    }
    doc.setModified(False)
    doc.close()

    doc, layer, _ = new_document(f"colour-edit-{name}", space, blocks(palette, grid, reverse))
    sel = Selection()
    sel.select(*SELECTION, 255)
    doc.setSelection(sel)
    before = _bytes(doc.pixelData(0, 0, SIDE, SIDE))
    asked = len(images_requests())
    new = scripting.edit_selection(doc, "colour blocks", whole_image=True, timeout=120)
    settle(doc)
    after = _bytes(doc.pixelData(0, 0, SIDE, SIDE))
    per_pixel = len(before) // (SIDE * SIDE)
    b = np.frombuffer(before, np.uint8).reshape(SIDE, SIDE, per_pixel)
    a = np.frombuffer(after, np.uint8).reshape(SIDE, SIDE, per_pixel)
    x, y, w, h = SELECTION
    outside = np.ones((SIDE, SIDE), bool)
    outside[y:y + h, x:x + w] = False
    sent = [r for r in images_requests()[asked:] if r["endpoint"] == "edits"]
    facts["edit"] = {
        "layers": len(new),
        "cells": centres(to_srgb(_bytes(new[0].pixelData(0, 0, SIDE, SIDE)), space), grid),
        "outside_changed": int((a != b).any(axis=-1)[outside].sum()),
        "outside_pixels": int(outside.sum()),
        "upload_cells": [f.get("cells") for f in sent[0]["files"] if f["name"].startswith("image")]
        if sent else None,
        "requests": len(sent),
    }
    doc.setModified(False)
    doc.close()
    return facts


def run(out):
    app = Krita.instance()
    app.setBatchmode(True)
    order = standin("picture", {"kind": "blocks"})
    palette = [tuple(c) for c in order["palette"]]
    grid = order["grid"]
    facts = {"krita": app.version(), "grid": grid, "palette": [list(c) for c in palette],
             "selection": list(SELECTION), "cases": {}, "missing": []}
    workflow.set_runner(None)
    try:
        for name, model, depth, fragment in CASES:
            profiles = [p for p in app.profiles(model, depth) if fragment in p]
            if not profiles:
                facts["missing"].append([name, model, depth, fragment])
                continue
            try:
                facts["cases"][name] = run_case(name, (model, depth, profiles[0]), palette, grid)
            except Exception:
                facts["cases"][name] = {"error": traceback.format_exc()}
    finally:
        workflow.set_runner(None)
        standin("picture", {"kind": None})
    return facts
