"""The docker panel and the actions in real Krita, driven like a user would.

Actions: registered with their default shortcuts. Panel: a prompt, two images,
Go; the results arrive as thumbnails, the first shows as a locked preview
layer, Apply makes it a layer, Discard removes the preview. Also writes a
screenshot of the window with the panel in use (panel.png). Models: the panel
starts on the catalogue's default model; after a fetch of the stand-in's GET
/v1/models (the refresh button) the combo box holds the live models and none
that are shut down. Then the account (the stand-in's lifecycle control route)
lists dall-e-3 with no shutdown date, as a compatible server that still serves
it would, and gives gpt-image-2 a date 18 days ahead: after a refresh dall-e-3
is offered, gpt-image-2 is marked "(ends ...)", and "Use prompt as-is" follows
the chosen model (only dall-e-3 rewrites prompts). With the account's dates
cleared and one more refresh, dall-e-3 is gone again.
"""

import datetime
import json
import os
import time
import traceback
import urllib.request

import numpy as np
from krita import Krita
from openai_images import docker as docker_module
from openai_images.qt import process_events

ACTIONS = ("openai_images_generate", "openai_images_edit", "openai_images_variations",
           "openai_images_apply", "openai_images_cancel")
W, H = 320, 240


def pump(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        process_events()
        time.sleep(0.02)


def _tidy_for_screenshot(app, ours):
    """The window over the whole screen (Xvfb has no window manager to maximise it),
    with only our docker, so the panel is readable."""
    window = app.activeWindow().qwindow()
    window.setGeometry(0, 0, 1280, 1024)
    for dock in app.dockers():
        if dock is not ours:
            dock.hide()
    ours.show()
    pump(1.0)
    return window


def step_actions():
    app = Krita.instance()
    found = {}
    for name in ACTIONS:
        action = app.action(name)
        found[name] = None if action is None else {
            "text": action.text(), "shortcut": action.shortcut().toString()}
    return found


def names(doc):
    return [n.name() for n in doc.rootNode().childNodes()]


def step_panel(out):
    app = Krita.instance()
    doc = app.createDocument(W, H, "panel", "RGBA", "U8", "", 72.0)
    app.activeWindow().addView(doc)
    layer = doc.createNode("painted", "paintlayer")
    doc.rootNode().addChildNode(layer, None)
    pixels = np.zeros((H, W, 4), np.uint8)
    pixels[..., 0], pixels[..., 1], pixels[..., 3] = 200, 120, 255
    layer.setPixelData(pixels.tobytes(), 0, 0, W, H)
    doc.setActiveNode(layer)
    pump(0.5)
    dock = next(d for d in app.dockers() if d.objectName() == "openai_images_docker")
    dock.show()
    dock.raise_()
    panel = docker_module.panel_for_active_window()
    facts = {"panel_found": panel is not None, "title": dock.windowTitle(),
             "layers_before": names(doc),
             # before anything is touched: what a fresh profile's panel starts on
             "model_at_start": {"id": panel.form.model_id(),
                                "text": panel.form.model.currentText()}}
    panel.prompt.setPlainText("a lighthouse on a cliff at dusk")
    panel.kind.setCurrentIndex(panel.kind.findData("generate"))
    panel.form.count.setValue(2)
    panel.form.size.setCurrentText("1024x1024")
    facts["cost_label"] = panel.cost.text()
    panel.go.click()
    deadline = time.monotonic() + 120
    stages = []
    while time.monotonic() < deadline and (panel.job is None or not panel.job.finished):
        process_events()
        text = panel.progress.format()
        if not stages or stages[-1] != text:
            stages.append(text)
        time.sleep(0.02)
    pump(0.3)
    facts["progress_texts"] = stages
    facts["status"] = panel.status.text()
    facts["thumbnails"] = panel.results.count()
    facts["layers_with_preview"] = names(doc)
    facts["preview_locked"] = bool(panel.preview_layer is not None and panel.preview_layer.locked())
    grab = _tidy_for_screenshot(app, dock).grab()
    facts["screenshot"] = grab.save(os.path.join(out, "panel.png"))
    panel.apply_selected()
    pump(0.2)
    facts["layers_after_apply"] = names(doc)
    panel.results.setCurrentRow(1)
    pump(0.2)
    facts["layers_second_preview"] = names(doc)
    panel.discard()
    pump(0.2)
    facts["layers_after_discard"] = names(doc)
    # the History tab: both results are listed; re-applying one adds a layer
    panel.history.refresh()
    facts["history_entries"] = panel.history.list.count()
    panel.history.list.setCurrentRow(0)
    panel.history.reapply()
    pump(0.2)
    facts["layers_after_reapply"] = names(doc)
    doc.setModified(False)
    return facts


def served_models():
    """What GET /v1/models answers, read here independently of the plug-in."""
    url = os.environ["OPENAI_BASE_URL"].rstrip("/") + "/models"
    request = urllib.request.Request(
        url, headers={"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]})
    with urllib.request.urlopen(request, timeout=10) as response:
        return {m["id"]: m["shutdown_date"] for m in json.load(response)["data"]}


def standin_lifecycle(order):
    """The stand-in's control route for the account's shutdown dates."""
    root = os.environ["OPENAI_BASE_URL"].rsplit("/v1", 1)[0]
    request = urllib.request.Request(
        f"{root}/_standin/lifecycle", data=json.dumps(order).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.load(reply)


def refetch(panel):
    """Click the model list's refresh button and wait until the panel has shown the answer."""
    panel.form.refresh_models.click()
    asked = panel.models_fetch is not None
    deadline = time.monotonic() + 30
    while panel.models_fetch is not None and time.monotonic() < deadline:
        pump(0.05)
    pump(0.1)
    combo = panel.form.model
    return {"asked": asked, "finished": panel.models_fetch is None,
            "tooltip": panel.form.refresh_models.toolTip(),
            "served": served_models(),
            "items": [[combo.itemText(i), combo.itemData(i)] for i in range(combo.count())],
            "current": panel.form.model_id()}


def step_models():
    app = Krita.instance()
    dock = next(d for d in app.dockers() if d.objectName() == "openai_images_docker")
    dock.show()
    panel = docker_module.panel_for_active_window()
    form = panel.form
    combo = form.model
    facts = {"normal": refetch(panel)}
    # the account lists dall-e-3 without a date (a compatible server still has it) and
    # gives gpt-image-2 one 18 days ahead: the account outranks the catalogue
    ends = (datetime.datetime.now(datetime.timezone.utc).date()
            + datetime.timedelta(days=18)).isoformat()
    standin_lifecycle({"model": "dall-e-3", "shutdown_date": None})
    standin_lifecycle({"model": "gpt-image-2", "shutdown_date": ends})
    facts["ends"] = ends
    facts["account"] = refetch(panel)
    form.advanced_toggle.setChecked(True)
    form.as_is.setChecked(True)
    default = form.model_id()
    facts["as_is"] = {}
    for model in ("dall-e-3", "gpt-image-2", default):  # the default last: chosen again
        combo.setCurrentIndex(combo.findData(model))
        pump(0.1)
        facts["as_is"][model] = {
            "text": combo.currentText(), "as_is_enabled": form.as_is.isEnabled(),
            "options_as_is": form.options()["prompt_as_is"],
            "options_model": form.options()["model"]}
    form.as_is.setChecked(False)
    form.advanced_toggle.setChecked(False)
    standin_lifecycle({"clear": True})
    facts["cleared"] = refetch(panel)
    return facts


def step_settings():
    from openai_images.qt import QtWidgets, qenum
    from openai_images.settings_dialog import SettingsDialog

    dialog = SettingsDialog(docker_module.panel_for_active_window())
    password = qenum(QtWidgets.QLineEdit, "EchoMode", "Password")
    facts = {
        "key_masked": dialog.key.echoMode() == password,
        "key_placeholder": dialog.key.placeholderText(),
        "fields": sorted(dialog.fields),
        "base_url": dialog.fields["base_url"].text(),
    }
    dialog.reject()
    return facts


def run(out):
    facts = {"krita": Krita.instance().version()}
    steps = (("actions", step_actions), ("panel", lambda: step_panel(out)),
             ("models", step_models), ("settings", step_settings))
    for name, step in steps:
        try:
            facts[name] = step()
        except Exception:
            facts[name] = {"error": traceback.format_exc()}
    return facts
