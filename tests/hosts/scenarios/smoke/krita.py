"""Smoke, Krita side: our plug-in module loaded, its docker, actions and
scripting entry points registered.

Runs inside Krita under Xvfb (tests/hosts/inhost/harness_runner), after the
main window exists.
"""

import sys

from krita import Krita

ACTIONS = ("generate", "edit", "variations", "apply", "cancel")
ENTRY_POINTS = ("generate", "edit_selection", "variations")


def run(out: str) -> dict:
    app = Krita.instance()
    module = sys.modules.get("openai_images")  # what Krita loaded, before we import it
    try:
        from openai_images import scripting

        entry_points = [n for n in ENTRY_POINTS if callable(getattr(scripting, n, None))]
    except Exception as e:  # the plug-in did not load: the check says so
        entry_points = [f"{type(e).__name__}: {e}"]
    return {
        "actions": [a for a in ACTIONS if app.action(f"openai_images_{a}") is not None],
        "scripting": entry_points,
        "krita": app.version(),
        "python": sys.version.split()[0],
        "module_file": getattr(module, "__file__", None),
        "dockers": [d.objectName() for d in app.dockers() if "openai" in d.objectName()],
    }
