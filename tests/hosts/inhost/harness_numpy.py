"""numpy for scenario scripts, wherever the installed plug-in's bundle has none.

Scenario scripts run in their own python-fu process and read pixels with numpy.
The Linux bundle vendors it; the Windows bundle (installed on the *-windows hosts
to prove the plug-in's lean pixel engine, issue 16) does not, so the harness puts
a copy in the profile (profiles.give_scenarios_numpy), outside the plug-in's
folder: the plug-in's own process never sees it.
"""

from __future__ import annotations

import os
import sys


def load():
    try:
        import numpy
    except ImportError:
        sys.path.append(os.path.join(os.path.expanduser("~"), ".harness-numpy"))
        import numpy
    return numpy
