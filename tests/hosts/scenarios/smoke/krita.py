"""Smoke, Krita side: our plug-in module loaded and its docker is registered.

Runs inside Krita under Xvfb (tests/hosts/inhost/harness_runner), after the
main window exists.
"""

import sys

from krita import Krita

DOCKER = "openai_images_docker"


def run(out: str) -> dict:
    app = Krita.instance()
    module = sys.modules.get("openai_images")
    return {
        "krita": app.version(),
        "python": sys.version.split()[0],
        "module_file": getattr(module, "__file__", None),
        "dockers": [d.objectName() for d in app.dockers() if "openai" in d.objectName()],
    }
