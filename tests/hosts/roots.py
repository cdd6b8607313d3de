"""The cached root folders and vendor folders the host runs need (machine side).

Owns: where the cache lives (HOSTS_CACHE), whether this machine can build root
folders at all, building/restoring them through build-rootfs.sh, and the vendor
folder (httpx, numpy, Pillow, certifi for the root folder's Python) that
packaging/assemble.py copies into the plug-in, as a user's bundle would have.
Runs on the machine with the project's .venv; imports nothing of the plug-in.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CACHE = Path(os.environ.get("HOSTS_CACHE", "/var/cache/openai-images-hosts"))


def rootfs_path(suite: str) -> Path:
    return CACHE / "rootfs" / suite


def is_ready(suite: str) -> bool:
    return (CACHE / f"{suite}.ready").exists() and rootfs_path(suite).is_dir()


def why_cannot_build(suites: list[str]) -> str | None:
    """None when the SUITES' root folders can be built (or are cached) and entered here,
    else the reason in words. Installs mmdebstrap (apt-get) when a build needs it."""
    if os.geteuid() != 0:
        return "not root (building and entering root folders needs mount, chroot, unshare)"
    probe = ["unshare", "--mount", "--pid", "--fork", "true"]
    if subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        return "cannot make mount and PID namespaces here (unshare failed: a restricted container?)"
    if all(is_ready(s) for s in suites):
        return None
    if shutil.which("mmdebstrap") and shutil.which("dpkg-architecture"):
        return None
    if not shutil.which("apt-get"):
        return "mmdebstrap is missing and apt-get is not available to install it"
    print("hosts: installing mmdebstrap (apt-get)", flush=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT}
    subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
    done = subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "mmdebstrap", "dpkg-dev"],
        check=False,
        **quiet,
    )
    return None if done.returncode == 0 else "mmdebstrap could not be installed with apt-get"


def ensure_rootfs(suite: str, log: Path) -> Path:
    """Build or restore the suite's root folder (logged to LOG); raises on failure."""
    if not is_ready(suite):
        print(f"hosts: preparing root folder {suite} (log: {log})", flush=True)
        started = time.monotonic()
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as out:
            done = subprocess.run(
                ["bash", str(HERE / "build-rootfs.sh"), suite],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        if done.returncode != 0 or not is_ready(suite):
            raise RuntimeError(f"building root folder {suite} failed:\n{tail(log)}")
        print(f"hosts: root folder {suite} ready in {time.monotonic() - started:.0f} s", flush=True)
    return rootfs_path(suite)


def rootfs_python(rootfs: Path) -> str:
    """The root folder's Python as 'X.Y' (3.13 on trixie, 3.14 on unstable)."""
    names = [p.name for p in (rootfs / "usr/bin").glob("python3.[0-9]*")]
    versions = sorted(n.removeprefix("python") for n in names if n[8:].isdigit())
    return max(versions, key=lambda v: int(v.split(".")[1]))


def _runtime_requirements() -> list[str]:
    """pyproject.toml's [project] dependencies (a regex: no tomllib on Python 3.10)."""
    text = (REPO / "pyproject.toml").read_text()
    block = re.search(r"^dependencies = \[(.*?)\]", text, re.M | re.S)
    if block is None:
        raise RuntimeError("no dependencies list in pyproject.toml")
    return re.findall(r'"([^"]+)"', block.group(1))


def ensure_vendor(python: str, log: Path) -> Path:
    """pip install --target for the root folder's Python, cached per version.

    Runs the machine's pip with --python-version/--abi for the target Python and
    binary wheels only, so nothing runs inside the root folder (hosts.md Part 2 §3).
    """
    tag = "cp" + python.replace(".", "")
    target = CACHE / "vendor" / tag
    if target.is_dir():
        return target
    partial = target.with_name(tag + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    print(f"hosts: vendoring {', '.join(_runtime_requirements())} for Python {python}", flush=True)
    platforms = ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"]
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--target", str(partial), "--only-binary=:all:", "--implementation", "cp"]
    command += ["--python-version", python, "--abi", tag]
    for platform in platforms:
        command += ["--platform", platform]
    command += _runtime_requirements()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"vendoring for Python {python} failed:\n{tail(log)}")
    partial.rename(target)
    return target


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return f"(no log at {path})"
    return "\n".join("    " + line for line in text[-lines:])
