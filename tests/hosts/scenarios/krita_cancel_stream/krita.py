"""Cancel and streaming in real Krita, through the scripting module's async path.

Cancel: an edit is cancelled as soon as it reports "rendering"; the document
must end with the same layers and the same pixels. Streaming: a generate with
partial previews must put a locked preview layer on the canvas before the
final image arrives, and remove it afterwards. Close: closing the document
mid-job must not crash; the result still lands in the history.
"""

import os
import time
import traceback

import numpy as np
from krita import Krita, Selection
from openai_images import scripting
from openai_images.core.errors import CancelledError
from openai_images.qt import process_events

W, H = 128, 96
SLOW_PROMPT = "a request cancelled while it renders"


def _bytes(qba):
    return bytes(qba.data()) if hasattr(qba, "data") else bytes(qba)


def new_document(name):
    app = Krita.instance()
    doc = app.createDocument(W, H, name, "RGBA", "U8", "", 72.0)
    app.activeWindow().addView(doc)
    layer = doc.createNode("painted", "paintlayer")
    doc.rootNode().addChildNode(layer, None)
    pixels = np.random.default_rng(3).integers(0, 256, (H, W, 4), dtype=np.uint8)
    pixels[..., 3] = 255
    layer.setPixelData(pixels.tobytes(), 0, 0, W, H)
    doc.setActiveNode(layer)
    doc.refreshProjection()
    doc.waitForDone()
    return doc, layer


def state_of(doc):
    doc.refreshProjection()
    doc.waitForDone()
    return [n.name() for n in doc.rootNode().childNodes()], _bytes(doc.pixelData(0, 0, W, H))


def step_cancel():
    doc, _layer = new_document("cancel")
    sel = Selection()
    sel.select(30, 20, 50, 40, 255)
    sel.feather(6)
    doc.setSelection(sel)
    names_before, pixels_before = state_of(doc)
    stages = []

    def on_event(job, event):
        stages.append(event.stage)
        if event.stage == "rendering":
            job.cancel()

    job = scripting.edit_selection_async(doc, SLOW_PROMPT, on_event=on_event)
    raised = None
    try:
        scripting.wait(job, timeout=120)
    except CancelledError as exc:
        raised = type(exc).__name__
    names_after, pixels_after = state_of(doc)
    doc.setModified(False)
    return {
        "stages": stages,
        "state": job.state,
        "raised": raised,
        "layers_before": names_before,
        "layers_after": names_after,
        "pixels_unchanged": pixels_before == pixels_after,
    }


def step_stream():
    doc, _layer = new_document("stream")
    seen = []

    def on_event(job, event):
        names = [n.name() for n in doc.rootNode().childNodes()]
        previews = [n for n in doc.rootNode().childNodes() if n.name().startswith("[preview]")]
        seen.append(
            {
                "stage": event.stage,
                "t": round(time.monotonic(), 3),
                "layers": names,
                "preview_locked": [n.locked() for n in previews],
            }
        )

    job = scripting.generate_async(
        doc,
        "a lighthouse, streamed",
        size="1024x1024",
        stream=True,
        partial_images=2,
        on_event=on_event,
    )
    layers = scripting.wait(job, timeout=120)
    names_after = [n.name() for n in doc.rootNode().childNodes()]
    doc.setModified(False)
    return {
        "events": seen,
        "partials_shown": job.partials_shown,
        "result_layers": [n.name() for n in layers],
        "layers_after": names_after,
    }


def step_close():
    """The document is closed while its job renders: no crash, the result is in the history."""
    doc, _layer = new_document("closed mid-job")
    closed = []

    def on_event(job, event):
        if event.stage == "rendering" and not closed:
            doc.setModified(False)
            doc.close()
            closed.append(True)

    job = scripting.generate_async(doc, "a result for a closed document", on_event=on_event)
    layers = scripting.wait(job, timeout=120)
    entries = [c.entry for c in job.result.candidates]
    return {
        "closed": bool(closed),
        "state": job.state,
        "layers": len(layers),
        "history_files": [os.path.isfile(str(e.image_path)) for e in entries],
        "documents_open": [d.name() for d in Krita.instance().documents()],
    }


def run(out):
    Krita.instance().setBatchmode(True)
    for _ in range(5):
        process_events()
    facts = {"krita": Krita.instance().version()}
    for name, step in (("cancel", step_cancel), ("stream", step_stream), ("close", step_close)):
        try:
            facts[name] = step()
        except Exception:
            facts[name] = {"error": traceback.format_exc()}
    return facts
