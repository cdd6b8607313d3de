"""OpenAI Images for Krita: the pykrita plug-in package (installed as `openai_images`).

Owns the start-up: the vendored libraries on sys.path, the dependency check,
and the registration of the Extension (actions) and the docker panel. Imports
krita and the plug-in's own modules; nothing else happens at import.
"""

from __future__ import annotations

import importlib.util
import os
import sys


# The bundle ships httpx, numpy, Pillow and certifi in vendor/: the pure-Python
# libraries once in vendor/common, numpy and Pillow per CPython side by side in
# vendor/cp310, vendor/cp313 ... (one Linux bundle serves Krita's own Python and
# a distribution's). This is the one place that puts them on sys.path, this
# Python's folder first, before any module of the plug-in or the core imports
# them. A vendor/ without common/ (a plain pip --target folder) is used as is.
# Where Krita's Python already has numpy or Pillow (Linux distributions), the
# vendored copies still win, so every host runs the versions the bundle was tested with.
def _vendor_paths(vendor: str) -> list[str]:
    if not os.path.isdir(os.path.join(vendor, "common")):
        return [vendor] if os.path.isdir(vendor) else []
    own = os.path.join(vendor, f"cp{sys.version_info[0]}{sys.version_info[1]}")
    return [p for p in (own, os.path.join(vendor, "common")) if os.path.isdir(p)]


_VENDOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor")
for _path in reversed(_vendor_paths(_VENDOR)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

DOCKER_ID = "openai_images_docker"
DEPENDENCIES = ("numpy", "PIL", "httpx", "certifi")


def missing_dependency() -> tuple[str, str] | None:
    """(library, error) for the first runtime dependency that cannot be found, else None.

    Existence only (importlib.util.find_spec): importing numpy and httpx here
    would cost Krita's start most of the plug-in's time (docs/performance.md,
    P7). They are imported on the first job or panel use; a library that is
    there but broken (a wheel for another Python) fails there, with its message.
    """
    for name in DEPENDENCIES:
        try:
            found = importlib.util.find_spec(name) is not None
            error = f"ModuleNotFoundError: No module named '{name}'"
        except Exception as exc:  # a broken package can raise while being located
            found = False
            error = f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"
        if not found:
            return name, error
    return None


def load_problem() -> str | None:
    """None when every dependency imports; else ONE line naming the library that does not.

    The first real import (on the first job): a library that is there but broken
    (damaged, or built for another Python) shows up here, not at Krita's start.
    """
    for name in DEPENDENCIES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a broken binary wheel raises more than ImportError
            detail = (str(exc).strip().splitlines() or [""])[0]
            return (
                f"OpenAI Images cannot run: the bundled library '{name}' does not load "
                f"({type(exc).__name__}: {detail}). Reinstall the bundle made for your system."
            )
    return None


def _register() -> None:
    from krita import DockWidgetFactory, DockWidgetFactoryBase, Krita

    from .qt import qenum

    app = Krita.instance()
    problem = missing_dependency()
    if problem is not None:
        from .extension import BrokenInstallExtension

        app.addExtension(BrokenInstallExtension(app, *problem))
        return
    from .docker import ImagesDocker
    from .extension import ImagesExtension

    app.addExtension(ImagesExtension(app))
    # PyQt6 has only the scoped spelling; Krita 5 has both.
    right = qenum(DockWidgetFactoryBase, "DockPosition", "DockRight")
    app.addDockWidgetFactory(DockWidgetFactory(DOCKER_ID, right, ImagesDocker))


try:
    import krita as _krita  # noqa: F401
except ImportError:  # imported outside Krita (unit tests, packaging): register nothing
    pass
else:
    _register()
