"""Krita side of the host test harness (a pykrita plug-in installed beside ours).

When Krita's first window exists, it runs the scenario named by HARNESS_SCENARIO
(its `run(out)` returns the facts the outside check reads), writes
HARNESS_OUT/result.json and ends Krita with os._exit(0): Krita 6 may segfault
in a normal quit with a view open (hosts.md Part 2, pitfall 6), and the result
file, not the exit status, carries the outcome. Without HARNESS_SCENARIO it does
nothing, so a screenshot run can keep Krita open.
"""

import importlib.util
import json
import os
import sys
import traceback

from krita import Extension, Krita

try:  # Krita's Qt major: pykrita.qt_major_version() exists since 5.3; 5.2 is Qt 5
    import pykrita

    _QT6 = pykrita.qt_major_version() == 6
except (ImportError, AttributeError):
    _QT6 = False
if _QT6:
    from PyQt6.QtCore import QTimer
else:
    from PyQt5.QtCore import QTimer


def _run_scenario() -> None:
    path, out = os.environ["HARNESS_SCENARIO"], os.environ["HARNESS_OUT"]
    result = {"facts": None, "error": None}
    try:
        spec = importlib.util.spec_from_file_location("scenario", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        result["facts"] = module.run(out)
    except Exception:
        result["error"] = traceback.format_exc()
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump(result, f, indent=1, default=str)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


class HarnessRunner(Extension):
    def setup(self) -> None:
        if not os.environ.get("HARNESS_SCENARIO"):
            return
        notifier = Krita.instance().notifier()
        notifier.setActive(True)
        # a short delay lets the other plug-ins finish their own window set-up
        notifier.windowCreated.connect(lambda: QTimer.singleShot(500, _run_scenario))

    def createActions(self, window) -> None:
        pass


Krita.instance().addExtension(HarnessRunner(Krita.instance()))
