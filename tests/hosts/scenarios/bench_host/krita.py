"""Benchmark rows P5 and P7 inside real Krita (`make bench` reads the facts).

P5: a 5 ms QTimer heartbeat on Krita's GUI thread while an edit job runs
through the plug-in's own path (`workflow.start`, what the docker's Go does),
streaming previews on, on a 4096x4096 canvas with a 1024x1024 selection
feathered by 32 px. The longest gap between beats is how long the GUI did not
answer. Phases: idle (the same wait with no job: Krita's own floor on this
machine), the click (reading the canvas and selection on the GUI thread, inside
`workflow.start`), and the job in flight (planning, HTTP, decoding and
compositing on the worker thread; preview layers and the final layer written
on the GUI thread by the plug-in's timer).
P7: the plug-in's start-up: `import openai_images` in fresh processes of the
host's python3 (probes.py), and building the docker panel once here.
Nothing here asserts a time; check.py checks that everything ran.
"""

import os
import sys
import time
import traceback

import numpy as np
from krita import Krita, Selection
from openai_images import workflow
from openai_images.qt import QT_MAJOR, QtCore, qenum

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import probes  # noqa: E402

SIZE = 4096
SELECTION = (1536, 1536, 1024, 1024)
FEATHER = 32
BEAT_MS = 5
IDLE_SECONDS = 2.0
REPAINT = 0.05  # a gap starting this soon after a layer write is that write's repaint
_originals = {}


def watch_writes():
    """Record (start, end) of every layer write and removal the plug-in makes."""
    from openai_images import canvas

    intervals = []

    def timed(fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                intervals.append((start, time.perf_counter()))

        return wrapper

    for name in ("apply_patch", "remove_layer"):
        _originals[name] = getattr(canvas, name)
        setattr(canvas, name, timed(_originals[name]))
    return intervals


def unwatch_writes():
    from openai_images import canvas

    for name, fn in _originals.items():
        setattr(canvas, name, fn)


class Heartbeat:
    """Beats of a precise timer on the GUI thread, and the event loop to run them."""

    def __init__(self):
        self.beats = []
        self.timer = QtCore.QTimer()
        self.timer.setTimerType(qenum(QtCore.Qt, "TimerType", "PreciseTimer"))
        self.timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))
        self.timer.start(BEAT_MS)

    def spin(self, until, limit):
        """Run Qt's event loop until `until()` is true (checked every beat) or `limit` s."""
        loop = QtCore.QEventLoop()
        deadline = time.perf_counter() + limit

        def check():
            if until() or time.perf_counter() > deadline:
                loop.quit()

        watch = QtCore.QTimer()
        watch.timeout.connect(check)
        watch.start(BEAT_MS)
        run = getattr(loop, "exec", None) or loop.exec_
        run()
        watch.stop()

    def longest_gap(self, start, end, skip=()):
        """Longest time between beats within [start, end], edges included, in ms;
        gaps that overlap a `skip` interval (or start within REPAINT after it) are left out."""
        inside = [t for t in self.beats if start <= t <= end]
        points = [start, *inside, end]
        gaps = [
            b - a
            for a, b in zip(points, points[1:], strict=False)
            if not any(a <= e + REPAINT and b >= s for s, e in skip)
        ]
        return max(gaps, default=0.0) * 1000

    def stop(self):
        self.timer.stop()


def new_document():
    app = Krita.instance()
    doc = app.createDocument(SIZE, SIZE, "bench", "RGBA", "U8", "", 72.0)
    app.activeWindow().addView(doc)
    layer = doc.createNode("photo", "paintlayer")
    doc.rootNode().addChildNode(layer, None)
    rng = np.random.default_rng(1)
    coarse = rng.integers(40, 216, (SIZE // 64 + 1, SIZE // 64 + 1, 4), dtype=np.uint8)
    pixels = np.repeat(np.repeat(coarse, 64, 0), 64, 1)[:SIZE, :SIZE].copy()
    pixels += rng.integers(0, 8, pixels.shape, dtype=np.uint8)
    pixels[..., 3] = 255
    layer.setPixelData(pixels.tobytes(), 0, 0, SIZE, SIZE)
    doc.setActiveNode(layer)
    sel = Selection()
    sel.select(*SELECTION, 255)
    sel.feather(FEATHER)
    doc.setSelection(sel)
    doc.refreshProjection()
    doc.waitForDone()
    return doc


def step_gui(out):
    doc = new_document()
    beat = Heartbeat()
    beat.spin(lambda: False, 0.5)  # settle after creating the document
    idle_start = time.perf_counter()
    beat.spin(lambda: False, IDLE_SECONDS)
    idle_end = time.perf_counter()

    events = []
    writes = watch_writes()

    def on_event(_job, event):
        events.append([time.perf_counter(), event.stage])

    click = time.perf_counter()
    job = workflow.start(
        "edit", doc, "a red umbrella", stream=True, partial_images=2, on_event=on_event
    )
    started = time.perf_counter()
    beat.spin(lambda: job.finished, 120)
    finished = time.perf_counter()
    beat.spin(lambda: False, 0.3)
    beat.stop()
    unwatch_writes()
    partial_times = [t for t, stage in events if stage == "partial"]
    facts = {
        "canvas": SIZE,
        "selection": list(SELECTION),
        "state": job.state,
        "layers": len(job.layers),
        "partials_shown": job.partials_shown,
        "beats": len(beat.beats),
        "idle_gap_ms": beat.longest_gap(idle_start, idle_end),
        "click_ms": (started - click) * 1000,
        "click_gap_ms": beat.longest_gap(click - 0.001, started + 0.001),
        "job_gap_ms": beat.longest_gap(started, finished),
        "job_seconds": finished - started,
        # the same, leaving out the plug-in's layer writes on the GUI thread (and the
        # repaint right after each): what the worker thread's work costs the GUI
        "worker_gap_ms": beat.longest_gap(started, finished, skip=writes),
        "writes_ms": [round((e - s) * 1000, 1) for s, e in writes],
        # from Go until the first layer write: only the worker is busy (planning,
        # upload, waiting, decoding the first preview); Krita does nothing of ours
        "worker_only_gap_ms": beat.longest_gap(started, writes[0][0] if writes else finished),
        "first_partial_s": (partial_times[0] - click) if partial_times else None,
        "stages": [stage for _, stage in events],
    }
    # where the longest gaps of the job fell, against the job's events
    gaps = sorted(
        ((b - a) * 1000, a - started)
        for a, b in zip(beat.beats, beat.beats[1:], strict=False)
        if started <= a <= finished
    )[-5:]
    facts["largest_gaps"] = [[round(ms, 1), round(at, 3)] for ms, at in reversed(gaps)]
    facts["events"] = [[round(t - started, 3), stage] for t, stage in events]
    if job.state == "done":
        facts["write"] = write_costs(doc, job.result.candidates[0].patch)
    doc.setModified(False)
    return facts


def write_costs(doc, patch):
    """What writing a result layer costs the GUI thread: the plug-in's way
    (canvas.apply_patch: pixels into a new layer, then Document.refreshProjection,
    a synchronous recomposition of the whole image) against writing the pixels
    before the layer joins the image and letting Krita update it in the background."""
    from openai_images import canvas

    beat = Heartbeat()
    start = time.perf_counter()
    canvas.apply_patch(doc, patch, name="bench apply_patch")
    plugin_ms = (time.perf_counter() - start) * 1000
    beat.spin(lambda: False, 0.3)

    b = patch.bounds
    colour = bytes([37, 201, 90, 255])  # B, G, R, A: tells this layer from the result
    cx, cy = b.x + b.width // 2, b.y + b.height // 2
    node = doc.createNode("bench background write", "paintlayer")
    start = time.perf_counter()
    node.setPixelData(colour * (b.width * b.height), b.x, b.y, b.width, b.height)
    doc.rootNode().addChildNode(node, None)
    call_ms = (time.perf_counter() - start) * 1000

    def shown():
        return bytes(doc.pixelData(cx, cy, 1, 1)) == colour

    beat.spin(shown, 5.0)
    visible = shown()
    end = time.perf_counter()
    beat.stop()
    return {
        "plugin_apply_ms": plugin_ms,
        "background_call_ms": call_ms,
        "background_visible": visible,
        "background_visible_after_ms": (end - start) * 1000,
        "background_gap_ms": beat.longest_gap(start, end),
    }


def step_startup():
    pykrita = os.path.expanduser("~/.local/share/krita/pykrita")
    facts = probes.run(["krita", pykrita, str(QT_MAJOR)])
    from openai_images.docker import ImagesDocker

    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        panel = ImagesDocker()
        seconds.append(time.perf_counter() - start)
        panel.deleteLater()
    facts["docker_seconds"] = seconds
    facts["docker_median"] = sorted(seconds)[1]
    return facts


def run(out):
    Krita.instance().setBatchmode(True)
    facts = {"krita": Krita.instance().version(), "qt": QT_MAJOR}
    for name, step in (("startup", step_startup), ("gui", lambda: step_gui(out))):
        try:
            facts[name] = step()
        except Exception:
            facts[name] = {"error": traceback.format_exc()}
    return facts
