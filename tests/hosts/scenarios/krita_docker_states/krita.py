"""The docker as an artist meets it (issue 18), in real Krita under Xvfb.

- names: the main button names the job the picker chose (Generate, Fill
  selection, Variations); the count is "Candidates", as in GIMP;
- states: Apply, Apply all and Discard are disabled with no candidates, enabled
  once a job brought some, disabled again after Discard;
- progress: a streamed job of two candidates (the stand-in renders slowly) is
  sampled every 20 ms: the stage words, "candidate k of 2", the elapsed time,
  and whether the bar is determinate (range 0..1000) or busy (0..0);
- plain text: a dall-e-3 job (the account makes it available, as in krita_panel)
  whose prompt holds <b> and <img src=...>: the model's revised prompt comes back
  with them, and the candidate's tooltip, rendered as Qt renders it, shows them
  literally; the status line is plain text;
- recent prompts: the prompts are in the config folder's recent-prompts.json, and
  a freshly built panel (as after a restart) lists them;
- layout: the window at 1280x1024 with only our docker: the candidates are on
  screen without scrolling, also with the advanced options unfolded; then the
  docker at its smallest width (its minimum size hint, the narrowest Krita lets
  a docker be): no horizontal scroll bar and every button wide enough for its text.
"""

import os
import sys
import time
import traceback

from krita import Krita
from openai_images import docker as docker_module
from openai_images.qt import Qt, QtCore, QtGui, QtWidgets, process_events, qenum

# harness/inhost, next to harness/scenarios (tests/hosts/profiles.py)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "inhost"))
from standin_control import standin  # noqa: E402

W, H = 256, 192
HOSTILE = "a cat <b>bold</b> <img src='http://127.0.0.1:9/x.png'>"


def pump(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        process_events()
        time.sleep(0.02)


def panel_and_dock():
    app = Krita.instance()
    dock = next(d for d in app.dockers() if d.objectName() == "openai_images_docker")
    dock.show()
    dock.raise_()
    return docker_module.panel_for_active_window(), dock


def new_document(name):
    app = Krita.instance()
    doc = app.createDocument(W, H, name, "RGBA", "U8", "", 72.0)
    app.activeWindow().addView(doc)
    layer = doc.createNode("painted", "paintlayer")
    doc.rootNode().addChildNode(layer, None)
    layer.setPixelData(bytes([90, 140, 200, 255]) * (W * H), 0, 0, W, H)
    doc.setActiveNode(layer)
    pump(0.3)
    return doc


def buttons(panel):
    return {"apply": panel.apply_button.isEnabled(),
            "apply_all": panel.apply_all_button.isEnabled(),
            "discard": panel.discard_button.isEnabled()}


def run_job(panel, seconds=120):
    """Press the main button and sample the bar until the job ends."""
    panel.go.click()
    samples = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (panel.job is None or not panel.job.finished):
        process_events()
        bar = panel.progress
        sample = [bar.format(), bar.minimum(), bar.maximum(), bar.value()]
        if not samples or samples[-1] != sample:
            samples.append(sample)
        time.sleep(0.02)
    pump(0.3)
    return samples


def step_names():
    panel, _dock = panel_and_dock()
    names = {}
    for kind in ("generate", "edit", "variation"):
        panel.kind.setCurrentIndex(panel.kind.findData(kind))
        names[kind] = {"button": panel.go.text(), "picker": panel.kind.currentText()}
    panel.kind.setCurrentIndex(panel.kind.findData("generate"))
    form_layout = panel.form.layout()
    labels = [form_layout.itemAt(i, qenum(QtWidgets.QFormLayout, "ItemRole", "LabelRole"))
              for i in range(form_layout.rowCount())]
    names["form_labels"] = [item.widget().text() for item in labels
                            if item is not None and item.widget() is not None]
    return names


def step_job():
    panel, _dock = panel_and_dock()
    doc = new_document("states")
    facts = {"before": buttons(panel)}
    panel.prompt.setPlainText("a lighthouse on a cliff, states")
    panel.kind.setCurrentIndex(panel.kind.findData("generate"))
    form = panel.form
    form.select_model("gpt-image-2.6-flare")
    form.count.setValue(2)
    form.size.setCurrentText("1024x1024")
    form.advanced_toggle.setChecked(True)
    form.stream.setChecked(True)
    form.advanced_toggle.setChecked(False)
    facts["stream_enabled"] = form.stream.isEnabled()
    facts["samples"] = run_job(panel)
    facts["state"] = panel.job.state if panel.job is not None else None
    facts["status"] = panel.status.text()
    facts["thumbnails"] = panel.results.count()
    facts["after_job"] = buttons(panel)
    facts["final_format"] = panel.progress.format()
    panel.discard()
    pump(0.2)
    facts["after_discard"] = buttons(panel)
    facts["thumbnails_after_discard"] = panel.results.count()
    doc.setModified(False)
    return facts


def rendered(rich):
    """What Qt draws for a tooltip or rich label: its text once Qt has parsed it."""
    document = QtGui.QTextDocument()
    document.setHtml(rich)
    return document.toPlainText()


def step_plain_text():
    panel, _dock = panel_and_dock()
    doc = new_document("plain")
    standin("lifecycle", {"model": "dall-e-3", "shutdown_date": None})
    panel.form.refresh_models.click()
    deadline = time.monotonic() + 30
    pump(0.1)
    while panel.models_fetch is not None and time.monotonic() < deadline:
        pump(0.05)
    facts = {}
    panel.form.select_model("dall-e-3")
    panel.form.count.setValue(1)
    panel.form.size.setCurrentText("1024x1024")
    panel.prompt.setPlainText(HOSTILE)
    panel.kind.setCurrentIndex(panel.kind.findData("generate"))
    run_job(panel)
    job = panel.job
    facts["state"] = job.state if job is not None else None
    facts["failure"] = panel.status.text() if job is None or job.state != "done" else ""
    if job is not None and job.state == "done":
        cand = job.result.candidates[0]
        facts["revised_prompt"] = cand.entry.meta.revised_prompt
        tooltip = panel.results.item(0).toolTip()
        facts["tooltip_rendered"] = rendered(tooltip)
    plain = qenum(Qt, "TextFormat", "PlainText")
    panel._say(HOSTILE)  # what a server's error message would put there
    facts["status_plain"] = panel.status.textFormat() == plain
    facts["status_text"] = panel.status.text()
    facts["cost_plain"] = panel.cost.textFormat() == plain
    panel.discard()
    panel.form.select_model("gpt-image-2.6-flare")
    standin("lifecycle", {"clear": True})
    doc.setModified(False)
    return facts


def step_recent():
    panel, _dock = panel_and_dock()
    from openai_images.core.store.recent_prompts import RecentPrompts

    stored = RecentPrompts().load()
    fresh = docker_module.ImagesDocker()  # what Krita builds at its next start
    listed = [fresh.recent.itemText(i) for i in range(fresh.recent.count())]
    path = RecentPrompts().path
    facts = {"stored": stored, "fresh_panel": listed, "path": str(path),
             "in_config_dir": str(path).startswith(os.environ["OPENAI_IMAGES_CONFIG_DIR"]),
             "current_panel": [panel.recent.itemText(i) for i in range(panel.recent.count())]}
    fresh.deleteLater()
    return facts


def step_german():
    """The installed plug-in's catalogue, read as Krita started in German would: a fresh
    options form and results area (what the docker builds) say the German words."""
    from openai_images import i18n
    from openai_images.options_form import OptionsForm
    from openai_images.results_area import ResultsArea

    saved = os.environ.get("LANGUAGE")
    os.environ["LANGUAGE"] = "de"
    i18n.reset()
    try:
        form, lower = OptionsForm(), ResultsArea()
        layout = form.layout()
        role = qenum(QtWidgets.QFormLayout, "ItemRole", "LabelRole")
        labels = [layout.itemAt(i, role) for i in range(layout.rowCount())]
        lower.name_job("edit")
        facts = {"form_labels": [item.widget().text() for item in labels
                                 if item is not None and item.widget() is not None],
                 "button": lower.go.text(), "apply_all": lower.apply_all_button.text(),
                 "quality_first": form.quality.itemText(0)}
        form.deleteLater()
        lower.deleteLater()
    finally:
        if saved is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = saved
        i18n.reset()
    return facts


def on_screen(widget, window):
    """The part of `widget` inside `window`'s rectangle and not hidden by a scroll area."""
    top_left = widget.mapTo(window, QtCore.QPoint(0, 0))
    rect = QtCore.QRect(top_left, widget.size()).intersected(window.rect())
    return {"visible": widget.isVisible() and not widget.visibleRegion().isEmpty(),
            "rect": [rect.x(), rect.y(), rect.width(), rect.height()],
            "bottom_in_window": top_left.y() + widget.height()}


def step_layout(out):
    app = Krita.instance()
    panel, dock = panel_and_dock()
    doc = new_document("layout")
    window = app.activeWindow().qwindow()
    window.setGeometry(0, 0, 1280, 1024)
    for other in app.dockers():
        if other is not dock:
            other.hide()
    dock.show()
    panel.prompt.setPlainText("layout")
    panel.form.count.setValue(2)
    run_job(panel)
    pump(0.5)
    facts = {"window": [window.width(), window.height()], "thumbnails": panel.results.count(),
             "results_folded": on_screen(panel.results, window),
             "apply_folded": on_screen(panel.apply_button, window)}
    panel.form.advanced_toggle.setChecked(True)
    pump(0.5)
    facts["results_unfolded"] = on_screen(panel.results, window)
    facts["apply_unfolded"] = on_screen(panel.apply_button, window)
    facts["screenshot"] = window.grab().save(os.path.join(out, "docker-1280x1024.png"))
    # the smallest width Krita lets the docker have: its minimum size hint
    narrow = dock.minimumSizeHint().width()
    horizontal = qenum(Qt, "Orientation", "Horizontal")
    window.resizeDocks([dock], [narrow], horizontal)
    pump(0.8)
    facts["narrow_hint"] = narrow
    parts = {"tabs": panel.widget(), "options": panel.options_scroll.widget(),
             "lower": panel.lower, "history": panel.history, "form": panel.form,
             "advanced": panel.form.advanced}
    facts["min_widths"] = {k: w.minimumSizeHint().width() for k, w in parts.items()}
    facts["narrow_width"] = dock.width()
    bar = panel.options_scroll.horizontalScrollBar()
    facts["horizontal_scroll"] = bar.isVisible() and bar.maximum() > 0
    cramped = []
    for button in panel.findChildren(QtWidgets.QPushButton):
        if button.isVisible() and button.width() < button.minimumSizeHint().width():
            cramped.append([button.text(), button.width(), button.minimumSizeHint().width()])
    facts["cramped_buttons"] = cramped
    facts["results_narrow"] = on_screen(panel.results, window)
    facts["narrow_screenshot"] = dock.grab().save(os.path.join(out, "docker-narrow.png"))
    panel.form.advanced_toggle.setChecked(False)
    panel.discard()
    doc.setModified(False)
    return facts


def run(out):
    facts = {"krita": Krita.instance().version()}
    steps = (("names", step_names), ("job", step_job), ("plain_text", step_plain_text),
             ("recent", step_recent), ("layout", lambda: step_layout(out)),
             ("german", step_german))
    for name, step in steps:
        try:
            facts[name] = step()
        except Exception:
            facts[name] = {"error": traceback.format_exc()}
    return facts
