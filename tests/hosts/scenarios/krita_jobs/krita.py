"""Krita jobs through the scripting module, in the real host, against the stand-in.

Generate (whole canvas and into a selection's box), variations (n layers),
and edit with a feathered selection in 8-bit RGBA, 16-bit RGBA and 8-bit CMYK
documents. Each step records facts (or its error) so one failure does not hide
the others; check.py judges them. Pixel comparisons use the documents' own
bytes (any depth/model), so "outside unchanged" means bit-identical.
"""

import os
import traceback

import numpy as np
from krita import Krita, Selection
from openai_images import scripting
from openai_images.qt import process_events

W, H = 160, 120


def _bytes(qba):
    return bytes(qba.data()) if hasattr(qba, "data") else bytes(qba)


def new_document(name, model="RGBA", depth="U8"):
    """A document with a view, one painted layer (noise) that is active."""
    app = Krita.instance()
    doc = app.createDocument(W, H, name, "RGBA", "U8", "", 72.0)
    app.activeWindow().addView(doc)
    layer = doc.createNode("painted", "paintlayer")
    doc.rootNode().addChildNode(layer, None)
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
    pixels[..., 3] = 255
    layer.setPixelData(pixels.tobytes(), 0, 0, W, H)
    if (model, depth) != ("RGBA", "U8"):
        profile = {"CMYKA": "Chemical proof"}.get(model, "")
        if not doc.setColorSpace(model, depth, profile):
            doc.setColorSpace(model, depth, "")
    doc.setActiveNode(layer)
    doc.refreshProjection()
    doc.waitForDone()
    for _ in range(5):
        process_events()
    return doc, layer


def feathered_selection(doc, x, y, w, h, feather):
    sel = Selection()
    sel.select(x, y, w, h, 255)
    sel.feather(feather)
    doc.setSelection(sel)
    coverage = np.frombuffer(_bytes(doc.selection().pixelData(0, 0, W, H)), np.uint8)
    return coverage.reshape(H, W)


def projection(doc):
    doc.refreshProjection()
    doc.waitForDone()
    data = np.frombuffer(_bytes(doc.pixelData(0, 0, W, H)), np.uint8)
    return data.reshape(H, W, -1)


def layer_facts(doc, node):
    r = node.bounds()
    siblings = [n.name() for n in node.parentNode().childNodes()]
    return {
        "name": node.name(),
        "type": node.type(),
        "bounds": [r.x(), r.y(), r.width(), r.height()],
        "color": [node.colorModel(), node.colorDepth()],
        "index": siblings.index(node.name()),
        "locked": node.locked(),
    }


def step_generate(out):
    doc, layer = new_document("generate")
    before = len(doc.rootNode().childNodes())
    layers = scripting.generate(doc, "a lighthouse at dusk", size="1024x1024", timeout=120)
    facts = {
        "layers": [layer_facts(doc, n) for n in layers],
        "children_before": before,
        "children_after": len(doc.rootNode().childNodes()),
        "painted_index": [n.name() for n in doc.rootNode().childNodes()].index("painted"),
    }
    # into a selection's box
    sel = Selection()
    sel.select(20, 30, 64, 48, 255)
    doc.setSelection(sel)
    boxed = scripting.generate(doc, "a small boat", size="1024x1024", timeout=120)
    facts["boxed"] = [layer_facts(doc, n) for n in boxed]
    doc.setModified(False)
    return facts


def step_variations(out):
    doc, layer = new_document("variations")
    before = projection(doc).copy()
    source_before = _bytes(layer.pixelData(0, 0, W, H))
    layers = scripting.variations(doc, n=3, timeout=120)
    facts = {
        "layers": [layer_facts(doc, n) for n in layers],
        "source_unchanged": _bytes(layer.pixelData(0, 0, W, H)) == source_before,
        "projection_changed": bool((projection(doc) != before).any()),
    }
    doc.setModified(False)
    return facts


def step_edit(out, model, depth):
    doc, layer = new_document(f"edit-{model}-{depth}", model, depth)
    coverage = feathered_selection(doc, 40, 30, 70, 50, 10)
    before = projection(doc).copy()
    source_before = _bytes(layer.pixelData(0, 0, W, H))
    tag = f"{model}-{depth}".lower()
    if (model, depth) == ("RGBA", "U8"):
        _export(doc, os.path.join(out, f"edit-{tag}-before.png"))
    layers = scripting.edit_selection(doc, "a red umbrella", padding=32, timeout=120)
    after = projection(doc)
    changed = (after != before).any(axis=-1)
    facts = {
        "layers": [layer_facts(doc, n) for n in layers],
        "doc_color": [doc.colorModel(), doc.colorDepth()],
        "bytes_per_pixel": int(before.shape[-1]),
        "outside_pixels": int((coverage == 0).sum()),
        "outside_changed": int((changed & (coverage == 0)).sum()),
        "inside_pixels": int((coverage == 255).sum()),
        "inside_changed": int((changed & (coverage == 255)).sum()),
        "soft_pixels": int(((coverage > 0) & (coverage < 255)).sum()),
        "source_unchanged": _bytes(layer.pixelData(0, 0, W, H)) == source_before,
    }
    if (model, depth) == ("RGBA", "U8"):
        _export(doc, os.path.join(out, f"edit-{tag}-after.png"))
        np.save(os.path.join(out, f"edit-{tag}-coverage.npy"), coverage)
    doc.setModified(False)
    return facts


def _export(doc, path):
    from krita import InfoObject

    info = InfoObject()
    info.setProperty("alpha", True)
    doc.setBatchmode(True)
    doc.exportImage(path, info)


def run(out):
    Krita.instance().setBatchmode(True)
    facts = {"krita": Krita.instance().version()}
    steps = {
        "generate": lambda: step_generate(out),
        "variations": lambda: step_variations(out),
        "edit_rgba8": lambda: step_edit(out, "RGBA", "U8"),
        "edit_rgba16": lambda: step_edit(out, "RGBA", "U16"),
        "edit_cmyk8": lambda: step_edit(out, "CMYKA", "U8"),
    }
    only = os.environ.get("KRITA_JOBS_STEPS")
    for name, step in steps.items():
        if only and name not in only.split(","):
            continue
        try:
            facts[name] = step()
        except Exception:
            facts[name] = {"error": traceback.format_exc()}
    return facts
