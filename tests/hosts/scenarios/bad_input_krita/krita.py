"""The bad-input matrix in real Krita: awkward documents, layers, selections and requests.

Each case builds a fresh document, calls `openai_images.scripting` (generate,
edit_selection or variations) and records: the outcome (new layers, or the
exception's class, its base classes and message), the layer tree before and
after, whether every layer that existed before still has the same pixel bytes
(at the document's own depth and model), how many projection pixels outside the
selection changed, and how many requests the stand-in received for the case
(its control route). check.py decides what each case must give: a clear message
with the document unchanged, or a correct conversion. One case's crash is
recorded as such and does not hide the others.
"""

import hashlib
import json
import os
import time
import traceback
import urllib.request
import zlib

import numpy as np
from krita import Krita, Selection
from openai_images import scripting
from openai_images.qt import process_events

W, H = 96, 64
TIMEOUT = 120
# Whole-canvas comparisons go strip by strip: a 16384x16384 canvas is 1 GiB per
# read, and this script must not be what makes the large rows heavy.
STRIP_ROWS = 512


def _bytes(qba):
    return bytes(qba.data()) if hasattr(qba, "data") else bytes(qba)


def standin(path, order=None):
    """The stand-in's control route: queue a fault, or read the request log."""
    root = os.environ["OPENAI_BASE_URL"].rsplit("/v1", 1)[0]
    data = json.dumps(order).encode() if order is not None else None
    request = urllib.request.Request(f"{root}/_standin/{path}", data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read() or b"null")


def request_count():
    return len(standin("requests"))


def settle(doc=None, active=None):
    """Let Krita finish: the projection, and (Krita 5.2 sets it late) the active layer."""
    deadline = time.monotonic() + 3
    while True:
        if doc is not None:
            doc.refreshProjection()
            doc.waitForDone()
        for _ in range(3):
            process_events()
        if active is None or doc.activeNode() == active or time.monotonic() > deadline:
            return
        doc.setActiveNode(active)
        time.sleep(0.05)


def noise(w, h, seed=7):
    pixels = np.random.default_rng(seed).integers(0, 256, (h, w, 4), dtype=np.uint8)
    pixels[..., 3] = 255
    return pixels.tobytes()


def new_document(name, w=W, h=H, model="RGBA", depth="U8", fill=True):
    """A document with a view and one painted (opaque noise) layer that is active."""
    app = Krita.instance()
    doc = app.createDocument(w, h, name, "RGBA", "U8", "", 72.0)
    window = app.activeWindow()
    view = window.addView(doc)
    # Krita 5.2 sets the active layer only on the current window's active view
    window.activate()
    window.showView(view)
    view.setVisible()
    layer = doc.createNode("painted", "paintlayer")
    doc.rootNode().addChildNode(layer, None)
    if fill:
        layer.setPixelData(noise(w, h), 0, 0, w, h)
    if (model, depth) != ("RGBA", "U8"):
        profile = {"CMYKA": "Chemical proof"}.get(model, "")
        if not doc.setColorSpace(model, depth, profile):
            doc.setColorSpace(model, depth, "")
    doc.setActiveNode(layer)
    settle(doc, layer)
    return doc, layer


def select(doc, x, y, w, h):
    sel = Selection()
    sel.select(x, y, w, h, 255)
    doc.setSelection(sel)


def walk(node):
    for child in node.childNodes():
        yield child
        yield from walk(child)


def digest(data):
    return hashlib.sha1(data).hexdigest()


def strips(doc):
    """Row bands covering the canvas: (y, rows)."""
    h = doc.height()
    return [(y, min(STRIP_ROWS, h - y)) for y in range(0, h, STRIP_ROWS)]


def tree(doc):
    """Every layer: name, type, bounds and a digest of its pixels over the canvas."""
    w = doc.width()
    out = []
    for node in walk(doc.rootNode()):
        r = node.bounds()
        pixels = hashlib.sha1()
        for y, rows in strips(doc):
            pixels.update(_bytes(node.pixelData(0, y, w, rows)))
        out.append(
            {
                "name": node.name(),
                "type": node.type(),
                "bounds": [r.x(), r.y(), r.width(), r.height()],
                "pixels": pixels.hexdigest(),
            }
        )
    return out


def projection_strip(doc, y, rows):
    w = doc.width()
    data = np.frombuffer(_bytes(doc.pixelData(0, y, w, rows)), np.uint8)
    return data.reshape(rows, w, -1)


def projection(doc):
    """The merged image, one compressed strip per band (mostly empty canvases shrink)."""
    settle(doc)
    return [zlib.compress(projection_strip(doc, y, rows).tobytes(), 1) for y, rows in strips(doc)]


def coverage_strip(doc, y, rows):
    """The selection over one band (0 where nothing is selected), or None."""
    sel = doc.selection()
    if sel is None:
        return None
    w = doc.width()
    return np.frombuffer(_bytes(sel.pixelData(0, y, w, rows)), np.uint8).reshape(rows, w)


def compare_projection(doc, before):
    """Pixels of the merged image that changed, outside and inside the selection."""
    settle(doc)
    counts = {"outside_pixels": 0, "outside_changed": 0, "inside_changed": 0}
    for (y, rows), packed in zip(strips(doc), before, strict=True):
        now = projection_strip(doc, y, rows)
        changed = now != np.frombuffer(zlib.decompress(packed), np.uint8).reshape(now.shape)
        changed = changed.any(axis=-1)
        cover = coverage_strip(doc, y, rows)
        outside = np.ones(changed.shape, bool) if cover is None else cover == 0
        counts["outside_pixels"] += int(outside.sum())
        counts["outside_changed"] += int((changed & outside).sum())
        counts["inside_changed"] += int((changed & ~outside).sum())
    return counts


def memory_status(field):
    """VmRSS / VmHWM of this Krita process, in MiB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    return None


def reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux clear_refs 5) and return the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass
    return memory_status("VmRSS")


def describe_exception(exc):
    return {
        "class": type(exc).__name__,
        "bases": [c.__name__ for c in type(exc).__mro__],
        "message": str(exc),
        "traceback": traceback.format_exc(),
    }


def attempt(doc, call, fault=None, compare=True):
    """Run `call()` (a scripting function) and collect the facts check.py needs."""
    before = tree(doc) if doc is not None else []
    proj_before = projection(doc) if doc is not None and compare else None
    sent_before = request_count()
    if fault:
        standin("faults", {"name": fault, "count": 1, "params": {}})
    active = doc.activeNode() if doc is not None else None
    facts = {"success": False, "error": None, "new_layers": []}
    facts["active_layer"] = None if active is None else [active.name(), active.type()]
    rss_before = reset_peak_rss()
    started = time.monotonic()
    try:
        layers = call()
        facts["success"] = True
        facts["new_layers"] = [
            {
                "name": n.name(),
                "type": n.type(),
                "bounds": [n.bounds().x(), n.bounds().y(), n.bounds().width(),
                           n.bounds().height()],
                "color": [n.colorModel(), n.colorDepth()],
            }
            for n in layers
        ]
    except Exception as exc:  # recorded and judged by check.py
        facts["error"] = describe_exception(exc)
    facts["seconds"] = round(time.monotonic() - started, 2)
    # memory the call itself took on top of what the document and this script held
    facts["rss_before_mib"] = rss_before
    facts["call_peak_rss_mib"] = memory_status("VmHWM")
    facts["sent"] = request_count() - sent_before
    if doc is None:
        return facts
    after = tree(doc)
    facts["layers_before"] = [(x["name"], x["type"]) for x in before]
    facts["layers_after"] = [(x["name"], x["type"]) for x in after]
    facts["unchanged"] = after == before
    facts["old_layers_kept"] = all(x in after for x in before)
    facts["changed_layers"] = [x["name"] for x in before if x not in after]
    facts["doc_color"] = [doc.colorModel(), doc.colorDepth()]
    if proj_before is not None:
        facts.update(compare_projection(doc, proj_before))
    doc.setModified(False)
    doc.close()
    settle()
    return facts


# --- cases -------------------------------------------------------------------


def case_no_document(kind):
    fn = {
        "generate": lambda: scripting.generate(None, "a cat", timeout=TIMEOUT),
        "edit": lambda: scripting.edit_selection(None, "a cat", timeout=TIMEOUT),
        "variations": lambda: scripting.variations(None, timeout=TIMEOUT),
    }[kind]
    return attempt(None, fn)


def case_no_active_document():
    """All documents closed: the Scripter idiom `Krita.instance().activeDocument()`."""
    for doc in Krita.instance().documents():
        doc.setModified(False)
        doc.close()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:  # closing a viewed document finishes in the event loop
        settle()
        time.sleep(0.05)
    active = Krita.instance().activeDocument()
    facts = {
        "documents_left": [d.name() for d in Krita.instance().documents()],
        "active_document": None if active is None else active.name(),
    }
    facts.update(attempt(None, lambda: scripting.edit_selection(active, "a cat", timeout=TIMEOUT)))
    return facts


def edit_case(doc, prompt="a red balloon", fault=None, **options):
    return attempt(
        doc,
        lambda: scripting.edit_selection(doc, prompt, timeout=TIMEOUT, **options),
        fault=fault,
    )


def case_no_selection_opaque():
    doc, _ = new_document("no-selection")
    return edit_case(doc)


def case_empty_selection():
    doc, _ = new_document("empty-selection")
    sel = Selection()
    sel.select(10, 10, 30, 20, 255)
    sel.subtract(sel.duplicate())
    doc.setSelection(sel)
    return edit_case(doc)


def case_selection_outside_layer():
    """The active layer's pixels cover only the top-left corner; the selection is elsewhere."""
    doc, _ = new_document("outside", fill=False)
    small = doc.createNode("small", "paintlayer")
    doc.rootNode().addChildNode(small, None)
    small.setPixelData(noise(30, 20), 0, 0, 30, 20)
    doc.setActiveNode(small)
    select(doc, 60, 40, 30, 20)
    settle(doc, small)
    return edit_case(doc)


def case_color(model, depth):
    doc, _ = new_document(f"color-{model}-{depth}", model=model, depth=depth)
    select(doc, 20, 10, 40, 30)
    return edit_case(doc)


def case_offset_layer():
    doc, layer = new_document("offset")
    layer.move(24, 16)  # the layer's pixels now start at (24, 16), part beyond the canvas
    settle(doc)
    select(doc, 10, 8, 40, 30)
    facts = edit_case(doc)
    return facts


def case_group_active():
    doc, _ = new_document("group")
    group = doc.createGroupLayer("group")
    doc.rootNode().addChildNode(group, None)
    inner = doc.createNode("inner", "paintlayer")
    group.addChildNode(inner, None)
    inner.setPixelData(noise(W, H, seed=11), 0, 0, W, H)
    doc.setActiveNode(group)
    select(doc, 20, 10, 40, 30)
    settle(doc, group)
    return edit_case(doc)


def case_vector_active():
    doc, _ = new_document("vector")
    vector = doc.createVectorLayer("vector")
    doc.rootNode().addChildNode(vector, None)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96pt" height="64pt" '
        'viewBox="0 0 96 64"><rect x="10" y="10" width="40" height="30" '
        'fill="#ff0000"/></svg>'
    )
    vector.addShapesFromSvg(svg)
    doc.setActiveNode(vector)
    select(doc, 20, 10, 40, 30)
    settle(doc, vector)
    # shapes render late, off the projection's job queue: wait until the pixels hold still
    last = None
    for _ in range(20):
        now = digest(_bytes(vector.projectionPixelData(0, 0, W, H)))
        if now == last:
            break
        last = now
        time.sleep(0.1)
        settle(doc)
    return edit_case(doc)


def case_filter_active():
    doc, _ = new_document("filter")
    invert = Krita.instance().filter("invert")
    everything = Selection()
    everything.select(0, 0, W, H, 255)
    layer = doc.createFilterLayer("invert", invert, everything)
    doc.rootNode().addChildNode(layer, None)
    doc.setActiveNode(layer)
    select(doc, 20, 10, 40, 30)
    settle(doc, layer)
    facts = edit_case(doc)
    return facts


def case_one_pixel(kind):
    doc, _ = new_document(f"one-pixel-{kind}", w=1, h=1)
    if kind == "edit":
        select(doc, 0, 0, 1, 1)
        return edit_case(doc, prompt="a dot")
    return attempt(doc, lambda: scripting.generate(doc, "a dot", timeout=TIMEOUT))


def case_large(side):
    doc, layer = new_document(f"large-{side}", w=side, h=side, fill=False)
    # noise only around the selection: filling the whole canvas costs minutes, not meaning
    layer.setPixelData(noise(512, 512), side // 2 - 256, side // 2 - 256, 512, 512)
    select(doc, side // 2 - 64, side // 2 - 48, 128, 96)
    settle(doc)
    return edit_case(doc)


def case_request(fault=None, **options):
    doc, _ = new_document("request")
    select(doc, 20, 10, 40, 30)
    prompt = options.pop("prompt", "a cat")
    return edit_case(doc, prompt=prompt, fault=fault, **options)


CASES = {
    "no_document_generate": lambda: case_no_document("generate"),
    "no_document_edit": lambda: case_no_document("edit"),
    "no_document_variations": lambda: case_no_document("variations"),
    "no_selection_opaque": case_no_selection_opaque,
    "empty_selection": case_empty_selection,
    "selection_outside_layer": case_selection_outside_layer,
    "rgba_u16": lambda: case_color("RGBA", "U16"),
    "rgba_f32": lambda: case_color("RGBA", "F32"),
    "graya_u8": lambda: case_color("GRAYA", "U8"),
    "cmyka_u8": lambda: case_color("CMYKA", "U8"),
    "offset_layer": case_offset_layer,
    "group_layer_active": case_group_active,
    "vector_layer_active": case_vector_active,
    "filter_layer_active": case_filter_active,
    "one_pixel_generate": lambda: case_one_pixel("generate"),
    "one_pixel_edit": lambda: case_one_pixel("edit"),
    "large_8192": lambda: case_large(8192),
    "large_16384": lambda: case_large(16384),
    "prompt_over_limit": lambda: case_request(prompt="x" * 32_001),
    "unknown_model": lambda: case_request(model="gpt-image-nonexistent"),
    "size_not_accepted": lambda: case_request(size="1000x1000"),
    "http_401": lambda: case_request(fault="401"),
    "moderation_blocked": lambda: case_request(fault="moderation_blocked"),
    # last: it closes every open document
    "no_active_document": case_no_active_document,
}


def run(out):
    Krita.instance().setBatchmode(True)
    settle()
    facts = {"krita": Krita.instance().version()}
    only = os.environ.get("BAD_INPUT_CASES")
    for name, case in CASES.items():
        if only and name not in only.split(","):
            continue
        try:
            facts[name] = case()
        except Exception:  # one broken case must not hide the others
            facts[name] = {"crash": traceback.format_exc()}
    return facts
