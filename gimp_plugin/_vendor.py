"""Where the plug-in's third-party libraries come from, and the one check that they load.

GIMP runs plug-ins with the system's python3, which has none of httpx, numpy,
Pillow or certifi unless the distribution packages them. The bundle ships them
in `openai_images/vendor/` (pip --target); `activate()` puts that folder on
sys.path ahead of site-packages, and must run before anything imports them.
Imports nothing but the standard library.
"""

from __future__ import annotations

import importlib
import os
import sys

VENDOR_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor")

# import name -> the name a user finds in the bundle / on PyPI
REQUIRED = (("numpy", "numpy"), ("PIL", "Pillow"), ("httpx", "httpx"), ("certifi", "certifi"))


def activate(vendor_dir: str = VENDOR_DIR) -> bool:
    """Put the vendored folder first on sys.path (once). False when there is none."""
    if not os.path.isdir(vendor_dir):
        return False
    if vendor_dir not in sys.path:
        sys.path.insert(0, vendor_dir)
    return True


def missing_dependency(required=REQUIRED) -> str | None:
    """None when every library imports, else ONE message naming the first that does not."""
    for module, project in required:
        try:
            importlib.import_module(module)
        except Exception as exc:  # ImportError, or a broken binary wheel (OSError, ...)
            return (
                f"OpenAI Images cannot start: the library '{project}' failed to load "
                f"({type(exc).__name__}: {exc}). Reinstall the OpenAI Images bundle for this "
                f"GIMP version and operating system; it ships '{project}' in its vendor folder."
            )
    return None
