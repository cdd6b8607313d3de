"""Which pixel engine this process uses: numpy + Pillow where they import, else the lean one.

Chosen once, at first import, by what loads, not by platform name (issue 16):
Krita, the CLI and GIMP on Linux and macOS get numpy; GIMP on Windows, whose
Python cannot load numpy or Pillow from PyPI, gets the lean engine (lean/).
`OPENAI_IMAGES_PIXEL_ENGINE=lean` (or `numpy`) forces one, for tests and benches.

Imports only the standard library.
"""

from __future__ import annotations

import importlib
import os
from typing import Literal

EngineName = Literal["numpy", "lean"]
ENV = "OPENAI_IMAGES_PIXEL_ENGINE"
DESCRIPTIONS: dict[EngineName, str] = {
    "numpy": "numpy + Pillow",
    "lean": "built-in (no numpy or Pillow)",
}


def _choose() -> EngineName:
    forced = os.environ.get(ENV, "").strip().lower()
    if forced in ("numpy", "lean"):
        return forced  # type: ignore[return-value]
    for module in ("numpy", "PIL.Image"):  # PIL.Image loads Pillow's compiled core
        try:
            importlib.import_module(module)
        except Exception:  # missing, damaged, or built for another Python: many ways
            return "lean"
    return "numpy"


ENGINE: EngineName = _choose()


def describe() -> str:
    """One line for logs and about texts: 'pixel engine: numpy + Pillow'."""
    return f"pixel engine: {DESCRIPTIONS[ENGINE]}"
