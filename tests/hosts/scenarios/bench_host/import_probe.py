"""Run by bench_host with the host's own python3, in a fresh process each time:
how long importing our plug-in takes, on top of what the host has already loaded.

    python3 import_probe.py krita PYKRITA_DIR QT_MAJOR
    python3 import_probe.py gimp PLUGIN_DIR

Krita: Krita's embedded Python has its Qt binding loaded before any plug-in, so
PyQt is imported first, untimed; `krita` (a module only Krita provides) is
replaced by a small recorder with the names the plug-in touches at start; then
`import openai_images` is timed: the vendored libraries, the dependency check,
the Extension and the docker factory registered (recorded, not run).
GIMP: a Python plug-in process imports gi and Gimp whatever the plug-in (timed
apart); then what GIMP's query at start imports (`procedures`), then what a
run imports (`workflows`, `messages`; the dialog needs a display and is left out).
Prints one JSON line. Standard library, the host's Qt or gi, and our plug-in.
"""

import json
import sys
import time
import types


def _krita_stub(QtCore, QtWidgets):  # noqa: N803 (Qt module names)
    calls = []

    class _App:
        def __getattr__(self, name):
            def record(*args, **kwargs):
                calls.append([name] + [type(a).__name__ for a in args])

            return record

    app = _App()
    krita = types.ModuleType("krita")

    class Krita:
        @staticmethod
        def instance():
            return app

    class Extension(QtCore.QObject):
        def __init__(self, parent=None):
            super().__init__()

    class DockWidget(QtWidgets.QDockWidget):
        pass

    class DockWidgetFactoryBase:
        DockRight = 1

        class DockPosition:
            DockRight = 1

    class DockWidgetFactory:
        def __init__(self, *args):
            self.args = args

    for value in (Krita, Extension, DockWidget, DockWidgetFactoryBase, DockWidgetFactory):
        setattr(krita, value.__name__, value)
    return krita, calls


def krita(pykrita_dir, qt_major):
    if qt_major == "6":
        from PyQt6 import QtCore, QtGui, QtWidgets  # noqa: F401
    else:
        from PyQt5 import QtCore, QtGui, QtWidgets  # noqa: F401
    stub, calls = _krita_stub(QtCore, QtWidgets)
    sys.modules["krita"] = stub
    sys.path.insert(0, pykrita_dir)
    before = set(sys.modules)
    start = time.perf_counter()
    import openai_images  # noqa: F401

    seconds = time.perf_counter() - start
    loaded = sorted(set(sys.modules) - before)
    return {
        "seconds": seconds,
        "calls": calls,
        "modules": len(loaded),
        "ours": [m for m in loaded if m.startswith("openai_images")],
    }


def gimp(plugin_dir):
    start = time.perf_counter()
    import gi

    gi.require_version("Gimp", "3.0")
    from gi.repository import Gimp  # noqa: F401

    gi_seconds = time.perf_counter() - start
    sys.path.insert(0, plugin_dir)
    before = set(sys.modules)
    start = time.perf_counter()
    from openai_images import _vendor

    _vendor.activate()
    from openai_images import procedures  # noqa: F401

    query = time.perf_counter() - start
    start = time.perf_counter()
    from openai_images import messages, workflows  # noqa: F401

    run = time.perf_counter() - start
    loaded = sorted(set(sys.modules) - before)
    return {
        "gi_seconds": gi_seconds,
        "seconds": query,
        "run_seconds": run,
        "modules": len(loaded),
        "ours": [m for m in loaded if m.startswith("openai_images")],
    }


if __name__ == "__main__":
    app = sys.argv[1]
    facts = krita(*sys.argv[2:4]) if app == "krita" else gimp(sys.argv[2])
    print(json.dumps(facts))
