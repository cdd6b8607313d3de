"""GIMP's panels under Xvfb, photographed: the edit dialog and the candidate picker (issue 18).

    .venv/bin/python tests/hosts/gimp_panels.py [--gimp gimp-3.2] [--out docs/screenshots]

GUI GIMP runs a batch command (inhost/gimp_panels/): one opens our edit
procedure INTERACTIVE (multi-line prompt, size presets, advanced options
folded away, the options the model does not take hidden); the other opens the
candidate picker over four candidates with the first previewed on the canvas.
An X client saves each window (inhost/x_grab.py). Exits 1 when a picture was
not taken or GIMP's log shows a warning or critical naming our plug-in (a Gtk
widget our dialog code got wrong says so there). Uses the root folders,
profiles and stand-in of `make test-hosts` (screenshots.py's preparation).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import profiles  # noqa: E402
import roots  # noqa: E402
import run  # noqa: E402
import screenshots  # noqa: E402

SHOTS = {  # picture: (in-host script, window title prefix)
    "gimp-edit-dialog.png": ("edit_dialog.py", "OpenAI Images"),
    "gimp-picker.png": ("picker.py", "OpenAI Images: "),
}
OURS = re.compile(r"openai.images|openai_images", re.IGNORECASE)
BAD = re.compile(r"CRITICAL|Warning|Traceback|Error", re.IGNORECASE)


def problems_in(log: str) -> list[str]:
    """Log lines that are a warning or error and name our plug-in."""
    return [line for line in log.splitlines() if BAD.search(line) and OURS.search(line)]


def shoot(host: profiles.Host, out_dir: Path) -> list[str]:
    rootfs, home, out = screenshots._prepare(host)
    gimp = f"gimp-{profiles.gimp_version(rootfs)}"
    failures = []
    for picture, (script, title) in SHOTS.items():
        log = home.parent / f"{picture}.log"
        with run.standin([], home.parent / "standin.log") as base_url:
            env = run.host_env(base_url, "screenshots", host.app)
            variables = [f"{k}={v}" for k, v in sorted(env.items())]
            here = f"{profiles.HOME_IN_HOST}/harness/inhost/gimp_panels"
            xvfb = ["xvfb-run", "-n", str(profiles.free_display()), "-s",
                    "-screen 0 1280x1024x24"]
            command = ["env", *variables, *xvfb, f"{here}/shot.sh", gimp, f"{here}/{script}",
                       title, f"{env['HARNESS_OUT']}/{picture}"]
            screenshots._run_in_host(rootfs, home, command, log)
        bad = problems_in(log.read_text("utf-8", "replace")) if log.exists() else ["no log"]
        if not (out / picture).is_file():
            failures.append(f"{picture}: not taken; tail of {log}:\n{roots.tail(log, 25)}")
        else:
            out_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / picture, out_dir / picture)
            print(f"gimp-panels: {out_dir / picture}")
        failures += [f"{picture}: {line}" for line in bad]
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gimp", default="gimp-3.2", choices=["gimp-3.0", "gimp-3.2"])
    parser.add_argument("--out", type=Path, default=screenshots.DOCS)
    args = parser.parse_args(argv)
    host = profiles.HOSTS[args.gimp]
    reason = roots.why_cannot_build([host.suite])
    if reason:
        print(f"SKIP gimp-panels: {reason}")
        return 0
    failures = shoot(host, args.out)
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
