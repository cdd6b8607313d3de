"""Benchmark rows P7 and P8 inside real GIMP (`make bench` reads the facts).

P8 (engine_edit.py): one feathered edit step by step, with the pixel engine the
installed bundle gives (numpy on gimp-3.x, the lean engine on gimp-3.x-windows).

GIMP runs a Python plug-in as a process of its own: at start only to query a
new or changed plug-in (later starts read pluginrc and run nothing of ours),
and then once per call. So the start-up cost is what that query imports
(`procedures`), measured in fresh processes of the host's python3 on top of
gi and Gimp, which every Python plug-in loads; a call's own imports are
measured beside it. Nothing here asserts a time; check.py checks that it ran.
"""

import os
import sys
import traceback

import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_edit  # noqa: E402
import probes  # noqa: E402


def run(out):
    facts = {"gimp": Gimp.version()}
    plugin = os.path.join(Gimp.directory(), "plug-ins", "openai-images")
    try:
        facts["startup"] = probes.run(["gimp", plugin])
    except Exception:
        facts["startup"] = {"error": traceback.format_exc()}
    try:
        facts["engine_edit"] = engine_edit.measure()
    except Exception:
        facts["engine_edit"] = {"error": traceback.format_exc()}
    return facts
