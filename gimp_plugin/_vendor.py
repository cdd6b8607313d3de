"""Where the plug-in's third-party libraries come from, and the one check that they load.

GIMP runs plug-ins with the system's python3, which has none of httpx, numpy,
Pillow or certifi unless the distribution packages them. The bundle ships them
in `openai_images/vendor/` (layout: `vendor_paths`); `activate()` puts those
folders on sys.path ahead of site-packages, and must run before anything imports them.
Imports nothing but the standard library.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys

VENDOR_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor")

# import name -> the name a user finds in the bundle / on PyPI. numpy and Pillow are
# required only where the bundle ships them (`required()`): the Windows GIMP bundle
# has none, and the core's lean pixel engine runs there (core/pixels/engine.py,
# issue 16); a Linux bundle whose numpy is damaged must say so, not run slower.
REQUIRED = (("httpx", "httpx"), ("certifi", "certifi"))
PIXEL_LIBRARIES = (("numpy", "numpy"), ("PIL", "Pillow"))


def required(vendor_dir: str = VENDOR_DIR) -> tuple[tuple[str, str], ...]:
    """REQUIRED, plus numpy and Pillow when this Python's vendor folder holds them."""
    shipped = any(os.path.isdir(os.path.join(path, "numpy")) for path in vendor_paths(vendor_dir))
    return (PIXEL_LIBRARIES + REQUIRED) if shipped else REQUIRED


def vendor_paths(vendor_dir: str = VENDOR_DIR) -> list[str]:
    """The folders to put on sys.path, first one first.

    A bundle keeps the pure-Python libraries once in vendor/common and numpy and
    Pillow per CPython side by side in vendor/cp310, vendor/cp313 ... (one Linux
    bundle serves GIMP's AppImage Python and every distribution's): this Python's
    folder goes first. A vendor/ without common/ (plain pip --target) is used as is.
    """
    if not os.path.isdir(os.path.join(vendor_dir, "common")):
        return [vendor_dir] if os.path.isdir(vendor_dir) else []
    own = os.path.join(vendor_dir, f"cp{sys.version_info[0]}{sys.version_info[1]}")
    return [p for p in (own, os.path.join(vendor_dir, "common")) if os.path.isdir(p)]


def activate(vendor_dir: str = VENDOR_DIR) -> bool:
    """Put the vendored folders first on sys.path (once). False when there are none."""
    paths = vendor_paths(vendor_dir)
    for path in reversed(paths):
        if path not in sys.path:
            sys.path.insert(0, path)
    return bool(paths)


def missing_dependency(libraries=None) -> str | None:
    """None when every library imports, else ONE message naming the first that does not
    (`libraries`: None for `required()`)."""
    for module, project in libraries if libraries is not None else required():
        try:
            importlib.import_module(module)
        except Exception as exc:  # ImportError, or a broken binary wheel (OSError, ...)
            # numpy's ImportError runs over many lines of advice: its first line is the fact
            detail = (str(exc).strip().splitlines() or [""])[0]
            return (
                f"OpenAI Images cannot start: the library '{project}' failed to load "
                f"({type(exc).__name__}: {detail}). Reinstall the OpenAI Images bundle for this "
                f"GIMP version and operating system."
                + bundle_hint()
            )
    return None


def bundle_hint(vendor_dir: str = VENDOR_DIR) -> str:
    """One sentence: the installed bundle (its MANIFEST.json) against this GIMP's Python."""
    try:
        path = os.path.join(os.path.dirname(vendor_dir), "MANIFEST.json")
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
        pythons = ", ".join(manifest["pythons"]) or "no Python"
        text = (
            f" Installed: {manifest['file']} (numpy and Pillow for {pythons}); this GIMP runs "
            f"Python {sys.version_info[0]}.{sys.version_info[1]} on {sys.platform} "
            f"{platform.machine()}."
        )
        for item in manifest.get("not_vendored", [])[:1]:
            text += f" Not in this bundle: {item['reason']}."
        return text
    except (OSError, ValueError, KeyError, TypeError):
        return ""
