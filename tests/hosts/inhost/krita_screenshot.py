"""`make screenshots`, Krita side: our docker beside a small document, grabbed by Qt.

Run by harness_runner like a scenario (run(out) -> facts): opens a view, shows
the docker, lets Qt paint for a moment, saves out/krita-docker.png (the docker
alone) and out/krita-window.png (the whole main window).
"""

import os
import time

from krita import Krita
from openai_images.qt import QtWidgets

DOCKER = "openai_images_docker"


def _pump(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QtWidgets.QApplication.processEvents()
        time.sleep(0.02)


def run(out: str) -> dict:
    app = Krita.instance()
    window = app.activeWindow()
    doc = app.createDocument(1024, 768, "screenshot", "RGBA", "U8", "", 72.0)
    window.addView(doc)
    docker = next((d for d in app.dockers() if d.objectName() == DOCKER), None)
    if docker is None:
        raise RuntimeError(f"docker {DOCKER} is not registered")
    # no window manager under Xvfb: size the window ourselves, and give the
    # docker the room a user would (only the layers docker stays beside it)
    window.qwindow().resize(1280, 900)
    for other in app.dockers():
        if other.objectName() not in (DOCKER, "KisLayerBox"):
            other.hide()
    docker.setVisible(True)
    docker.raise_()
    prompt = docker.findChild(QtWidgets.QPlainTextEdit) or docker.findChild(QtWidgets.QTextEdit)
    if prompt is not None:
        prompt.setPlainText("A lighthouse on a cliff at dusk, oil painting")
    _pump(3.0)
    saved = {
        "krita-docker.png": docker.grab().save(os.path.join(out, "krita-docker.png")),
        "krita-window.png": window.qwindow().grab().save(os.path.join(out, "krita-window.png")),
    }
    doc.setModified(False)
    return {"saved": saved, "docker_size": [docker.width(), docker.height()]}
