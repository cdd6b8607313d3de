"""No holes in an edit (issue 12), in real Krita, through the scripting API.

An opaque patterned layer, a hard rectangular selection inside it, and a
stand-in told to punch 21.7 % alpha-0 pixels into every edit result whatever
background was asked (POST /_standin/holes). Two cases, each on a fresh
document, each through scripting.edit_selection (the path krita_jobs uses):

- default: no background asked. The core must ask for "opaque" and keep the new
  layer at least as opaque as the source, so the new layer is alpha 255 over the
  whole selection and the flattened image there is the new layer's pixels.
- transparent: background="transparent", output_format="png". The transparency
  that was asked for is kept: the new layer has alpha-0 pixels in the selection.

The stand-in's own log (GET /_standin/requests) says what it received (the form
fields, the file parts) and the alpha-0 share of what it sent back.
Exports per case: before/after PNGs, the new layer alone (PNG, canvas-sized)
and the selection's coverage (.npy), so check.py can compare again from outside.
"""

import os
import sys
import traceback

import numpy as np
from krita import Krita, Selection
from openai_images import scripting, workflow
from openai_images.qt import process_events

# harness/inhost, next to harness/scenarios (tests/hosts/profiles.py)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "inhost"))
from standin_control import images_requests, standin  # noqa: E402

W, H = 160, 120
SELECTION = (40, 30, 70, 50)  # x, y, w, h: inside the layer, away from its edges
HOLES = 0.217
PROMPT = "a red umbrella"
# Little context, so the selection is a large share of the image sent: the forced holes
# (21.7 % of that image, the edited area first) then fall inside the selection, and
# cover only part of it (in the transparent case the rest is painted).
PADDING = 16


def _bytes(qba):
    return bytes(qba.data()) if hasattr(qba, "data") else bytes(qba)




def pattern():
    """Opaque stripes and gradients: no two neighbours alike, alpha 255 everywhere."""
    y, x = np.mgrid[0:H, 0:W]
    pixels = np.stack([(x * 3) & 255, (y * 5) & 255, (x ^ y) & 255, np.full_like(x, 255)], -1)
    return pixels.astype(np.uint8)


def settle(doc, active=None):
    for _ in range(10):
        doc.refreshProjection()
        doc.waitForDone()
        process_events()
        if active is not None and doc.activeNode() != active:
            doc.setActiveNode(active)  # Krita 5.2 sets the active layer late


def new_document(name):
    app = Krita.instance()
    doc = app.createDocument(W, H, name, "RGBA", "U8", "", 72.0)
    app.activeWindow().addView(doc)
    layer = doc.createNode("painted", "paintlayer")
    doc.rootNode().addChildNode(layer, None)
    layer.setPixelData(pattern().tobytes(), 0, 0, W, H)
    doc.setActiveNode(layer)
    settle(doc, layer)
    return doc, layer


def projection(doc):
    doc.refreshProjection()
    doc.waitForDone()
    return np.frombuffer(_bytes(doc.pixelData(0, 0, W, H)), np.uint8).reshape(H, W, 4).copy()


def node_pixels(node):
    return np.frombuffer(_bytes(node.pixelData(0, 0, W, H)), np.uint8).reshape(H, W, 4).copy()


def save_png(pixels_bgra, path):
    from PIL import Image  # the plug-in's vendored Pillow

    Image.fromarray(pixels_bgra[..., [2, 1, 0, 3]], "RGBA").save(path)


def run_case(out, case, **options):
    doc, layer = new_document(f"no-holes-{case}")
    sel = Selection()
    sel.select(*SELECTION, 255)
    doc.setSelection(sel)
    coverage = np.frombuffer(_bytes(doc.selection().pixelData(0, 0, W, H)), np.uint8)
    coverage = coverage.reshape(H, W).copy()
    before = projection(doc)
    source_before = _bytes(layer.pixelData(0, 0, W, H))
    children_before = [n.name() for n in doc.rootNode().childNodes()]
    wire_before = len(images_requests())
    answered_before = len([r for r in standin("requests") if r["endpoint"] == "edits"])

    layers = scripting.edit_selection(doc, PROMPT, padding=PADDING, timeout=120, **options)
    settle(doc)
    after = projection(doc)
    new = node_pixels(layers[0]) if layers else np.zeros((H, W, 4), np.uint8)
    inside, outside = coverage == 255, coverage == 0
    alpha = new[..., 3]
    flat_differs = (after != new).any(axis=-1)
    changed = (after != before).any(axis=-1)
    edits = [r for r in standin("requests") if r["endpoint"] == "edits"][answered_before:]
    facts = {
        "layers": [n.name() for n in layers],
        "children_before": children_before,
        "children_after": [n.name() for n in doc.rootNode().childNodes()],
        "new_layer_color": [layers[0].colorModel(), layers[0].colorDepth()] if layers else None,
        "inside_pixels": int(inside.sum()),
        "outside_pixels": int(outside.sum()),
        "soft_pixels": int(((coverage > 0) & (coverage < 255)).sum()),
        "coverage_box": _box(inside),
        "inside_alpha_min": int(alpha[inside].min()) if inside.any() else None,
        "inside_alpha_below_255": int((alpha[inside] < 255).sum()),
        "inside_alpha_0": int((alpha[inside] == 0).sum()),
        "inside_flat_differs_from_new": int(flat_differs[inside].sum()),
        "inside_changed": int(changed[inside].sum()),
        "outside_changed": int(changed[outside].sum()),
        "source_unchanged": _bytes(layer.pixelData(0, 0, W, H)) == source_before,
        "wire": images_requests()[wire_before:],
        "standin_edits": edits,
    }
    save_png(before, os.path.join(out, f"{case}-before.png"))
    save_png(after, os.path.join(out, f"{case}-after.png"))
    save_png(new, os.path.join(out, f"{case}-new-layer.png"))
    np.save(os.path.join(out, f"{case}-coverage.npy"), coverage)
    doc.setModified(False)
    return facts


def _box(mask):
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return None
    return [
        int(xs.min()),
        int(ys.min()),
        int(xs.max() - xs.min() + 1),
        int(ys.max() - ys.min() + 1),
    ]


def run(out):
    app = Krita.instance()
    app.setBatchmode(True)
    facts = {"krita": app.version(), "selection": list(SELECTION), "holes_fraction": HOLES}
    facts["holes_order"] = standin("holes", {"fraction": HOLES})
    workflow.set_runner(None)
    try:
        cases = (
            ("default", {}),
            ("transparent", {"background": "transparent", "output_format": "png"}),
        )
        for case, options in cases:
            try:
                facts[case] = run_case(out, case, **options)
            except Exception:
                facts[case] = {"error": traceback.format_exc()}
    finally:
        workflow.set_runner(None)
        standin("holes", {"fraction": 0})
    wire = facts["default"].get("wire") or [{}]
    facts["background_received_default"] = wire[0].get("fields", {}).get("background")
    return facts
