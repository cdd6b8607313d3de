"""What the stand-in receives for the same choices from Krita scripting and the docker.

The choices are same_choices.py's (model, quality, size, n, background, padding;
output format webp where the entry point takes one), on one 320x240 document
with an opaque layer. Each job is one step, recorded with the stand-in's own
log of what it received (fields, file parts: GET /_standin/requests):

- chosen: scripting generate / edit_selection (a hard rectangular selection) /
  variations with every choice passed, streaming off; then the docker driven
  like a user (model, quality, size, count, background, padding set in its form,
  streaming unticked, Go pressed) for generate, edit and variations. No settings
  file: the docker's output format is the saved default (png, not sent).
- stream_unchosen: generate through scripting and through the docker with the
  streaming choice left alone (the saved default, on), so both must stream alike.
- saved: settings.json with grow_px and output_format webp: scripting generate
  and edit that pass no output_format, and the docker's generate, must send webp.
- cap: settings.json with spend_cap_job_usd 0.0001: a scripting generate and a
  docker generate are refused (SpendCapError) and nothing reaches the stand-in.
The settings file is removed again after each case.
"""

import os
import sys
import time
import traceback

from krita import Krita, Selection
from openai_images import docker as docker_module
from openai_images import scripting, workflow
from openai_images.qt import process_events

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# harness/inhost, next to harness/scenarios (tests/hosts/profiles.py)
sys.path.insert(0, os.path.join(HERE, "..", "..", "inhost"))
import same_choices as same  # noqa: E402
from standin_control import images_requests, standin  # noqa: E402

TIMEOUT = 120
CHOSEN = {
    "model": same.MODEL,
    "quality": same.QUALITY,
    "size": same.SIZE,
    "n": same.N,
    "background": same.BACKGROUND,
}


def pump(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        process_events()
        time.sleep(0.02)


class Canvas:
    """The one document every job runs on, put back as it was between jobs."""

    def __init__(self):
        app = Krita.instance()
        self.doc = app.createDocument(same.W, same.H, "request-fields", "RGBA", "U8", "", 72.0)
        app.activeWindow().addView(self.doc)
        self.layer = self.doc.createNode("painted", "paintlayer")
        self.doc.rootNode().addChildNode(self.layer, None)
        rgba = same.pattern_rgba()
        bgra = bytearray(rgba)
        bgra[0::4], bgra[2::4] = rgba[2::4], rgba[0::4]  # Krita's RGBA/U8 is BGRA in memory
        self.layer.setPixelData(bytes(bgra), 0, 0, same.W, same.H)
        self.reset(select=False)

    def reset(self, select):
        """Only the painted layer, active; the edit's selection or none."""
        for node in self.doc.rootNode().childNodes():
            if node.name() != "painted":
                node.remove()
        sel = Selection()
        if select:
            sel.select(*same.SELECTION, 255)
        self.doc.setSelection(sel)
        for _ in range(5):
            self.doc.refreshProjection()
            self.doc.waitForDone()
            process_events()
            if self.doc.activeNode() != self.layer:
                self.doc.setActiveNode(self.layer)  # Krita 5.2 sets the active layer late
        current = self.doc.selection()
        return (
            None
            if current is None
            else [current.x(), current.y(), current.width(), current.height()]
        )


class Wire:
    """The stand-in's log of Images requests since the last look."""

    def __init__(self):
        self.seen = len(images_requests())

    def take(self):
        requests = images_requests()
        new, self.seen = requests[self.seen :], len(requests)
        return new


KINDS = {
    "generate": scripting.generate,
    "edit": scripting.edit_selection,
    "variation": scripting.variations,
}


def scripted(canvas, wire, kind, **options):
    """One scripting call; the layers it added, or its error; what the stand-in received."""
    selection = canvas.reset(select=kind == "edit")
    wire.take()
    facts = {"selection": selection, "options": {k: v for k, v in options.items()}}
    call = KINDS[kind]
    prompt = same.PROMPT if kind != "variation" else ""
    try:
        layers = call(canvas.doc, prompt, timeout=TIMEOUT, **options)
        facts["layers"] = len(layers)
    except Exception as exc:
        facts["raised"] = {
            "type": type(exc).__name__,
            "message": str(exc),
            "estimate": getattr(exc, "estimate", None),
            "cap": getattr(exc, "cap", None),
            "kind": getattr(exc, "kind", None),
        }
    pump(0.2)
    facts["requests"] = wire.take()
    canvas.reset(select=False)
    return facts


class Docker:
    """The real docker widget, driven as a user drives it."""

    def __init__(self):
        app = Krita.instance()
        self.dock = next(d for d in app.dockers() if d.objectName() == "openai_images_docker")
        self.dock.show()
        self.dock.raise_()
        self.panel = docker_module.panel_for_active_window()
        deadline = time.monotonic() + 30  # the model list fetched when the panel shows
        while self.panel.models_fetch is not None and time.monotonic() < deadline:
            pump(0.05)
        pump(0.2)
        form = self.panel.form
        self.loaded = {
            "stream": form.stream.isChecked(),
            "model": form.model_id(),
            "padding": form.padding.value(),
        }

    def choose(self, stream=None):
        """The same choices in the form (streaming: untick, tick, or leave as it is)."""
        form = self.panel.form
        form.select_model(same.MODEL)
        pump(0.1)
        form.quality.setCurrentIndex(form.quality.findData(same.QUALITY))
        form.size.setCurrentIndex(form.size.findData(same.SIZE))
        form.count.setValue(same.N)
        form.background.setCurrentIndex(form.background.findData(same.BACKGROUND))
        form.padding.setValue(same.PADDING)
        if stream is not None:
            form.stream.setChecked(stream)
        pump(0.1)
        return {
            "model": form.model_id(),
            "quality": form.quality.currentData(),
            "size": form.size_value(),
            "count": form.count.value(),
            "background": form.background.currentData(),
            "padding": form.padding.value(),
            "stream": form.stream.isChecked(),
            "options": form.options(),
        }

    def run(self, canvas, wire, kind, stream=None):
        panel = self.panel
        selection = canvas.reset(select=kind == "edit")
        wire.take()
        facts = {"selection": selection, "form": self.choose(stream)}
        panel.prompt.setPlainText(same.PROMPT if kind != "variation" else "")
        panel.kind.setCurrentIndex(panel.kind.findData(kind))
        pump(0.1)
        facts["cost_label"] = panel.cost.text()
        before = panel.job
        panel.go.click()
        started = panel.job is not before and panel.job is not None
        facts["started"] = started
        deadline = time.monotonic() + TIMEOUT
        while started and not panel.job.finished and time.monotonic() < deadline:
            pump(0.05)
        pump(0.3)
        job = panel.job if started else None
        facts["state"] = None if job is None else job.state
        facts["error"] = (
            None
            if job is None or job.error is None
            else {"type": type(job.error).__name__, "message": str(job.error)}
        )
        facts["progress"] = panel.progress.format()
        facts["status"] = panel.status.text()
        facts["thumbnails"] = panel.results.count()
        panel.discard()
        pump(0.2)
        facts["requests"] = wire.take()
        canvas.reset(select=False)
        return facts


def guarded(facts, name, step):
    try:
        facts[name] = step()
    except Exception:
        facts[name] = {"crashed": traceback.format_exc()}


def run(out):
    app = Krita.instance()
    facts = {
        "krita": app.version(),
        "choices": CHOSEN,
        "settings_path": same.settings_path(),
        "settings_at_start": os.path.exists(same.settings_path()),
    }
    workflow.set_runner(None)
    canvas = Canvas()
    wire = Wire()
    docker = Docker()
    facts["docker_loaded"] = docker.loaded

    # -- streaming left to the saved default (on), before the form is touched for it ------
    unchosen = {}
    guarded(
        unchosen,
        "scripting",
        lambda: scripted(canvas, wire, "generate", output_format=same.OUTPUT_FORMAT, **CHOSEN),
    )
    guarded(unchosen, "docker", lambda: docker.run(canvas, wire, "generate"))
    facts["stream_unchosen"] = unchosen

    # -- every choice made, streaming off, no settings file ---------------------------------
    chosen = {}
    for kind in ("generate", "edit", "variation"):
        extra = {"padding": same.PADDING} if kind == "edit" else {}
        guarded(
            chosen,
            f"scripting_{kind}",
            lambda kind=kind, extra=extra: scripted(
                canvas,
                wire,
                kind,
                output_format=same.OUTPUT_FORMAT,
                stream=False,
                **CHOSEN,
                **extra,
            ),
        )
    for kind in ("generate", "edit", "variation"):
        guarded(
            chosen, f"docker_{kind}", lambda kind=kind: docker.run(canvas, wire, kind, stream=False)
        )
    facts["chosen"] = chosen

    # -- saved settings: grow_px and output_format webp, no output_format passed -------------
    saved = {}
    with same.SavedSettings(same.SAVED) as file:
        guarded(saved, "options", lambda: _options_facts(**CHOSEN, stream=False))
        guarded(
            saved,
            "scripting_generate",
            lambda: scripted(canvas, wire, "generate", stream=False, **CHOSEN),
        )
        guarded(
            saved,
            "scripting_edit",
            lambda: scripted(canvas, wire, "edit", stream=False, padding=same.PADDING, **CHOSEN),
        )
        guarded(
            saved, "docker_generate", lambda: docker.run(canvas, wire, "generate", stream=False)
        )
    saved["settings_restored"] = file.restored()
    facts["saved"] = saved

    # -- saved per-job cap far below the estimate: refused, nothing sent ---------------------
    cap = {}
    with same.SavedSettings({**same.SAVED, "spend_cap_job_usd": same.CAP}) as file:
        guarded(cap, "options", lambda: _options_facts(**CHOSEN, stream=False))
        before = len(standin("requests"))
        guarded(
            cap,
            "scripting_generate",
            lambda: scripted(
                canvas, wire, "generate", stream=False, output_format=same.OUTPUT_FORMAT, **CHOSEN
            ),
        )
        cap["any_request_scripting"] = standin("requests")[before:]
        before = len(standin("requests"))
        guarded(cap, "docker_generate", lambda: docker.run(canvas, wire, "generate", stream=False))
        cap["any_request_docker"] = standin("requests")[before:]
    cap["settings_restored"] = file.restored()
    facts["cap"] = cap

    canvas.doc.setModified(False)
    workflow.set_runner(None)
    return facts


def _options_facts(**choices):
    """What the core decides from the choices over the saved settings (the job's options)."""
    opts = workflow.job_options(**choices)
    return {
        "output_format": opts.output_format,
        "grow_px": opts.context.grow_px,
        "padding_px": opts.context.padding_px,
        "spend_cap_job_usd": opts.spend_cap_job_usd,
        "quality": opts.quality,
        "n": opts.n,
        "model": opts.model,
        "stream": opts.stream,
    }
