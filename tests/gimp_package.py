"""The GIMP plug-in's modules, imported from the source tree as installed.

`gimp_plugin/core` is a link to `core/`, so `gimp_plugin` is the installed
`openai_images` package as it stands in the tree: its `from .core ...` imports
resolve for Python, editors and type checkers alike, without a copied loader.
"""

from __future__ import annotations

import importlib
from types import ModuleType

PACKAGE = "gimp_plugin"


def gimp_module(name: str) -> ModuleType:
    """gimp_plugin.<name> (its .core is the working tree's core)."""
    return importlib.import_module(f"{PACKAGE}.{name}")
