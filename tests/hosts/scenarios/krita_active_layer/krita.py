"""The active-layer path in real Krita (issue 15): read that layer, not the visible
image, and place the result directly above it, inside its group.

The document: "base" (grey), a group "G" holding "low" (colour blocks) and "mid"
(empty) above it, and "top" (opaque red over everything) above the group, so the
visible image is red and only "low" has the blocks. The stand-in answers with
colour blocks and logs the colours of each upload's cells.

- explicit: `layer=low` (the scripting option, the same path as the active layer):
  generate and edit; every Krita, 5.2 included.
- active: "low" made active with Document.setActiveNode, then the same calls with
  no layer given. Krita 5.2 run headless never takes an active layer (activeNode()
  stays None: the window is never Krita's current main window; addView first or
  last, showView, setActiveDocument, a .kra opened from disk, the layer actions and
  QApplication.setActiveWindow were all tried), so there the facts say so and the
  check holds 5.2 to the no-active-layer behaviour instead.
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

SIDE = 128


def settle(doc, active=None):
    for _ in range(10):
        doc.refreshProjection()
        doc.waitForDone()
        process_events()
        if active is not None and doc.activeNode() != active:
            doc.setActiveNode(active)


def fill(node, rgba):
    bgra = np.empty((SIDE, SIDE, 4), np.uint8)
    bgra[...] = (rgba[2], rgba[1], rgba[0], rgba[3])
    node.setPixelData(bgra.tobytes(), 0, 0, SIDE, SIDE)


def blocks(palette, grid):
    cell = SIDE // grid
    bgra = np.full((SIDE, SIDE, 4), 255, np.uint8)
    for k, colour in enumerate(palette[: grid * grid]):
        row, col = divmod(k, grid)
        bgra[row * cell:(row + 1) * cell, col * cell:(col + 1) * cell, :3] = colour[::-1]
    return bgra.tobytes()


def document(name, palette, grid):
    app = Krita.instance()
    doc = app.createDocument(SIDE, SIDE, name, "RGBA", "U8", "", 72.0)
    app.activeWindow().addView(doc)
    root = doc.rootNode()
    base = doc.createNode("base", "paintlayer")
    root.addChildNode(base, None)
    fill(base, (128, 128, 128, 255))
    group = doc.createNode("G", "grouplayer")
    root.addChildNode(group, base)
    low = doc.createNode("low", "paintlayer")
    group.addChildNode(low, None)
    low.setPixelData(blocks(palette, grid), 0, 0, SIDE, SIDE)
    mid = doc.createNode("mid", "paintlayer")
    group.addChildNode(mid, low)
    top = doc.createNode("top", "paintlayer")
    root.addChildNode(top, group)
    fill(top, (255, 0, 0, 255))
    settle(doc)
    return doc, low


def tree(doc):
    def names(node):
        return [[n.name(), names(n)] if n.type() == "grouplayer" else n.name()
                for n in node.childNodes()]
    return names(doc.rootNode())


def place(doc, layer_name):
    """(parent name, sibling names bottom to top) of the layer named so."""
    def walk(node):
        for child in node.childNodes():
            if child.name() == layer_name:
                return node.name(), [c.name() for c in node.childNodes()]
            found = walk(child)
            if found:
                return found
        return None
    return walk(doc.rootNode())


def case(kind, palette, grid, explicit):
    doc, low = document(f"active-{kind}-{'explicit' if explicit else 'active'}", palette, grid)
    if not explicit:
        doc.setActiveNode(low)
        settle(doc, low)
    active = doc.activeNode()
    options = {"layer": low} if explicit else {}
    asked = len(images_requests())
    if kind == "edit":
        sel = Selection()
        sel.select(32, 32, 64, 64, 255)
        doc.setSelection(sel)
        new = scripting.edit_selection(doc, "blocks", whole_image=True, timeout=120, **options)
    else:
        new = scripting.generate(doc, "blocks", timeout=120, **options)
    settle(doc)
    sent = images_requests()[asked:]
    files = [f for r in sent for f in r["files"] if f["name"].startswith("image")]
    facts = {
        "active_seen": active.name() if active is not None else None,
        "new": [n.name() for n in new],
        "place": place(doc, new[0].name()) if new else None,
        "tree": tree(doc),
        "upload_cells": files[0]["cells"] if files else None,
        # provenance (issue 21): the XMP packet kept as a document annotation
        "annotation": bytes(doc.annotation("openai-images-provenance")).decode("utf-8", "replace"),
    }
    doc.setModified(False)
    doc.close()
    return facts


def run(out):
    app = Krita.instance()
    app.setBatchmode(True)
    order = standin("picture", {"kind": "blocks"})
    palette, grid = [tuple(c) for c in order["palette"]], order["grid"]
    facts = {"krita": app.version(), "palette": [list(c) for c in palette], "grid": grid}
    workflow.set_runner(None)
    try:
        for kind in ("generate", "edit"):
            for explicit in (True, False):
                key = f"{kind}_{'explicit' if explicit else 'active'}"
                try:
                    facts[key] = case(kind, palette, grid, explicit)
                except Exception:
                    facts[key] = {"error": traceback.format_exc()}
    finally:
        workflow.set_runner(None)
        standin("picture", {"kind": None})
    return facts
