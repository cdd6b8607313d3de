"""OpenAI Images for Krita: the pykrita plug-in package (installed as `openai_images`).

Owns the start-up: the vendored libraries on sys.path, the dependency check,
and the registration of the Extension (actions) and the docker panel. Imports
krita and the plug-in's own modules; nothing else happens at import.
"""

from __future__ import annotations

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
    """(library, error) for the first runtime dependency that fails to import, else None."""
    for name in DEPENDENCIES:
        try:
            __import__(name)
        except Exception as exc:  # a broken binary wheel raises more than ImportError
            # numpy's ImportError runs over many lines of advice: its first line is the fact
            detail = (str(exc).strip().splitlines() or [""])[0]
            return name, f"{type(exc).__name__}: {detail}"
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
