"""Smoke, GIMP side: our procedures are in the PDB, with their menu paths.

Runs in GIMP's python-fu-eval batch process (tests/hosts/inhost/gimp_batch.py).
"""

import sys

import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp  # noqa: E402

PROCEDURES = (
    "plug-in-openai-images-generate",
    "plug-in-openai-images-edit",
    "plug-in-openai-images-variations",
    "plug-in-openai-images-settings",
)


def run(out: str) -> dict:
    pdb = Gimp.get_pdb()
    found = {}
    for name in PROCEDURES:
        procedure = pdb.lookup_procedure(name)
        found[name] = (
            None
            if procedure is None
            else {
                "menu_label": procedure.get_menu_label(),
                "menu_paths": list(procedure.get_menu_paths()),
            }
        )
    return {"gimp": Gimp.version(), "python": sys.version.split()[0], "procedures": found}
