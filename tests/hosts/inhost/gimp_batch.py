"""Runs one scenario inside GIMP's python-fu-eval batch process (not a plug-in).

Started by the runner as
    gimp-console-3.x -i --batch-interpreter=python-fu-eval \
        -b "import runpy; runpy.run_path('/home/tester/harness/inhost/gimp_batch.py')" --quit
HARNESS_SCENARIO names the scenario's gimp.py; its `run(out)` returns the facts
the outside check reads. Exceptions are recorded, never raised: GIMP would only
exit 64 without saying which scenario broke (hosts.md pitfall 5).
"""

import importlib.util
import json
import os
import sys
import traceback

# Scenarios share helpers kept beside this file (gimp_calls.py).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _run_scenario() -> dict:
    path, out = os.environ["HARNESS_SCENARIO"], os.environ["HARNESS_OUT"]
    result: dict = {"facts": None, "error": None}
    try:
        spec = importlib.util.spec_from_file_location("scenario", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        result["facts"] = module.run(out)
    except Exception:
        result["error"] = traceback.format_exc()
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump(result, f, indent=1, default=str)
    return result


_run_scenario()
