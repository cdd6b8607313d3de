"""`make screenshots`: the Krita docker and the GIMP dialog, photographed under Xvfb.

    .venv/bin/python tests/hosts/screenshots.py [--krita krita-5.2] [--gimp gimp-3.0]

Writes docs/screenshots/krita-docker.png, krita-window.png, krita-docker-in-use.png
(the docker with the results of a job, from the krita_panel scenario) and gimp-dialog.png
(what the README shows). Uses the same root folders, profiles and stand-in as
`make test-hosts`. Krita grabs its own widgets (inhost/krita_screenshot.py);
GUI GIMP opens our generate dialog and an X client saves that window
(inhost/gimp_screenshot.sh). Exits 1 if a picture could not be taken.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import profiles  # noqa: E402
import roots  # noqa: E402
import run  # noqa: E402

DOCS = roots.REPO / "docs" / "screenshots"
TIMEOUT = 300


def _prepare(host: profiles.Host) -> tuple[Path, Path, Path]:
    """Root folder, a fresh profile, and an empty output folder inside it."""
    rootfs = roots.ensure_rootfs(host.suite, run.WORK / f"rootfs-{host.suite}.log")
    vendor = roots.ensure_vendor(roots.rootfs_python(rootfs), run.WORK / "vendor.log")
    home = run.WORK / f"{host.name}-screenshots" / "home"
    profiles.make_profile(host, rootfs, home, vendor)
    out = home / "out" / "screenshots"
    out.mkdir(parents=True)
    profiles.chown_tree(home / "out")
    return rootfs, home, out


def _run_in_host(rootfs: Path, home: Path, command: list[str], log: Path) -> None:
    with log.open("w") as sink:
        try:
            subprocess.run(
                [str(roots.HERE / "in-rootfs.sh"), str(rootfs), str(home), *command],
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            print(f"screenshots: timed out after {TIMEOUT} s (log: {log})")


def krita_docker(host: profiles.Host) -> list[str]:
    rootfs, home, out = _prepare(host)
    with run.standin([], home.parent / "standin.log") as base_url:
        env = run.host_env(base_url, "screenshots", host.app)
        env["HARNESS_SCENARIO"] = f"{profiles.HOME_IN_HOST}/harness/inhost/krita_screenshot.py"
        command = profiles.host_command(host, rootfs, env, env["HARNESS_OUT"])
        _run_in_host(rootfs, home, command, home.parent / "krita.log")
    return _publish(out, ["krita-docker.png", "krita-window.png"], home.parent / "krita.log")


def krita_in_use(host: profiles.Host) -> list[str]:
    """The docker after a real job: the krita_panel scenario photographs it with results."""
    subprocess.run(
        [
            sys.executable,
            str(roots.HERE / "run.py"),
            "--hosts",
            host.name,
            "--scenarios",
            "krita_panel",
            "--no-selftest",
        ],
        stdin=subprocess.DEVNULL,
        timeout=TIMEOUT * 2,
        check=False,
    )
    out = run.WORK / host.name / "home" / "out" / "krita_panel"
    if (out / "panel.png").is_file():
        shutil.copyfile(out / "panel.png", out / "krita-docker-in-use.png")
    return _publish(out, ["krita-docker-in-use.png"], run.WORK / host.name / "krita_panel.log")


def gimp_dialog(host: profiles.Host) -> list[str]:
    rootfs, home, out = _prepare(host)
    gimp = f"gimp-{profiles.gimp_version(rootfs)}"
    with run.standin([], home.parent / "standin.log") as base_url:
        env = run.host_env(base_url, "screenshots", host.app)
        variables = [f"{k}={v}" for k, v in sorted(env.items())]
        script = f"{profiles.HOME_IN_HOST}/harness/inhost/gimp_screenshot.sh"
        xvfb = ["xvfb-run", "-n", str(profiles.free_display()), "-s", "-screen 0 1280x1024x24"]
        command = ["env", *variables, *xvfb, script, gimp, f"{env['HARNESS_OUT']}/gimp-dialog.png"]
        _run_in_host(rootfs, home, command, home.parent / "gimp.log")
    return _publish(out, ["gimp-dialog.png"], home.parent / "gimp.log")


def _publish(out: Path, names: list[str], log: Path) -> list[str]:
    """Copy the pictures to docs/screenshots; return the names that are missing."""
    DOCS.mkdir(parents=True, exist_ok=True)
    missing = []
    for name in names:
        if (out / name).is_file():
            shutil.copyfile(out / name, DOCS / name)
            print(f"screenshots: {DOCS / name}")
        else:
            missing.append(name)
            print(f"screenshots: {name} was not taken; tail of {log}:\n{roots.tail(log, 25)}")
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--krita", default="krita-5.2", choices=["krita-5.2", "krita-5.3", "krita-6.0"]
    )
    parser.add_argument("--gimp", default="gimp-3.0", choices=["gimp-3.0", "gimp-3.2"])
    args = parser.parse_args(argv)
    hosts = [profiles.HOSTS[args.krita], profiles.HOSTS[args.gimp]]
    reason = roots.why_cannot_build([h.suite for h in hosts])
    if reason:
        print(f"SKIP screenshots: {reason}")
        return 0
    missing = krita_docker(hosts[0]) + krita_in_use(hosts[0]) + gimp_dialog(hosts[1])
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
