"""A fresh user profile per host, the plug-in installed into it, and the host command.

The profile is a folder on the machine (build/hosts/<host>/home) that
in-rootfs.sh binds over /home/tester, so the cached root folder never changes
and the outside checks read the host's output files directly. The plug-in is
installed as a user would: packaging/assemble.py into the host's own plug-in
folder (GIMP: ~/.config/GIMP/3.x/plug-ins; Krita: ~/.local/share/krita/pykrita,
enabled in kritarc).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "packaging"))
import assemble  # noqa: E402

HOME_IN_HOST = "/home/tester"
BROKEN_LINE = "\ndef broken_on_purpose(:  # harness self-test: a syntax error in the adapter\n"


@dataclass(frozen=True)
class Host:
    name: str  # gimp-3.0, krita-6.0 ...
    app: str  # "gimp" or "krita"
    suite: str  # trixie, unstable, experimental
    # whose bundle is installed: the Windows GIMP bundle's contents (no numpy, no
    # Pillow, no compiled library) in the real Linux GIMP prove the lean engine (issue 16)
    bundle: str = "linux-x86_64"


WINDOWS = "windows-x64"
HOSTS = {
    h.name: h
    for h in (
        Host("gimp-3.0", "gimp", "trixie"),
        Host("gimp-3.2", "gimp", "unstable"),
        Host("gimp-3.0-windows", "gimp", "trixie", WINDOWS),
        Host("gimp-3.2-windows", "gimp", "unstable", WINDOWS),
        Host("krita-5.2", "krita", "trixie"),
        Host("krita-5.3", "krita", "unstable"),
        Host("krita-6.0", "krita", "experimental"),
    )
}


def gimp_version(rootfs: Path) -> str:
    """'3.0' or '3.2', from the gimp-console-3.x binary (also the profile folder's name)."""
    names = [p.name for p in (rootfs / "usr/bin").glob("gimp-console-3.[0-9]*")]
    if not names:
        raise RuntimeError(f"no gimp-console-3.x in {rootfs}")
    return sorted(names)[-1].removeprefix("gimp-console-")


def make_profile(
    host: Host, rootfs: Path, home: Path, vendor: Path, bundles: Path | None = None
) -> None:
    """A new home folder with the plug-in and the harness installed, owned by uid 1000."""
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    harness = home / "harness"
    shutil.copytree(HERE / "inhost", harness / "inhost")
    shutil.copytree(HERE / "scenarios", harness / "scenarios")
    if host.app == "krita":
        pykrita = home / ".local/share/krita/pykrita"
        shutil.copytree(HERE / "inhost/harness_runner", pykrita / "harness_runner")
        shutil.copy(HERE / "inhost/harness_runner.desktop", pykrita)
        write_kritarc(rootfs, home / ".config/kritarc")
    install_plugin(host, rootfs, home, vendor, bundles=bundles)


def install_plugin(
    host: Host,
    rootfs: Path,
    home: Path,
    vendor: Path,
    broken: bool = False,
    bundles: Path | None = None,
) -> None:
    """(Re)install our plug-in into HOME's plug-in folder, as a user would.

    From the working tree (packaging/assemble.py + VENDOR), or, given BUNDLES (a
    dist/ folder), by unpacking the host's Linux bundle. broken=True appends a
    syntax error to the adapter's entry module (self-test).
    """
    if host.app == "gimp":
        plugins = home / ".config/GIMP" / gimp_version(rootfs) / "plug-ins"
        if host.bundle != "linux-x86_64":
            if bundles is None:
                raise RuntimeError(f"{host.name} installs the {host.bundle} bundle: pass --bundles")
            folder = unpack_bundle(bundles, "gimp", plugins, ["openai-images"], host.bundle)
            # A zip keeps no executable bit and Windows needs none; Linux GIMP runs only
            # executable plug-ins, so the harness sets it, as the one step not a user's.
            (folder / assemble.GIMP_ENTRY).chmod(0o755)
            give_scenarios_numpy(home, vendor)
        elif bundles:
            folder = unpack_bundle(bundles, "gimp", plugins, ["openai-images"])
        else:
            folder = assemble.assemble_gimp(plugins, vendor)
        entry = folder / assemble.GIMP_ENTRY
    else:
        pykrita = home / ".local/share/krita/pykrita"
        if bundles:
            ours = ["openai_images", "openai_images.desktop"]
            package = unpack_bundle(bundles, "krita", pykrita, ours)
        else:
            package = assemble.assemble_krita(pykrita, vendor)
        entry = package / "__init__.py"
    if broken:
        with entry.open("a") as f:
            f.write(BROKEN_LINE)
    chown_tree(home)


SCENARIO_NUMPY = ".harness-numpy"  # in the profile; only scenario scripts look there


def give_scenarios_numpy(home: Path, vendor: Path) -> None:
    """numpy for the scenario scripts (their own python-fu process reads pixels with it),
    outside the plug-in's folder, so the plug-in itself runs without (inhost/harness_numpy)."""
    target = home / SCENARIO_NUMPY
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in vendor.iterdir():
        if path.name == "numpy" or path.name.startswith(("numpy-", "numpy.libs")):
            copy = shutil.copytree if path.is_dir() else shutil.copy2
            copy(path, target / path.name)


def unpack_bundle(
    bundles: Path, app: str, dest: Path, ours: list[str], platform: str = "linux-x86_64"
) -> Path:
    """Unpack dist/openai-images-APP-<version>-PLATFORM.* into DEST; return our folder."""
    found = sorted(bundles.glob(f"openai-images-{app}-*-{platform}.*"))
    if len(found) != 1:
        raise RuntimeError(f"expected one {app} {platform} bundle in {bundles}, found {found}")
    for name in ours:
        target = dest / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    dest.mkdir(parents=True, exist_ok=True)
    if found[0].suffix == ".zip":
        with zipfile.ZipFile(found[0]) as archive:
            archive.extractall(dest)
    else:  # tar.gz keeps the GIMP entry script's executable bit
        with tarfile.open(found[0]) as archive:
            archive.extractall(dest, filter="data")
    return dest / ours[0]


def write_kritarc(rootfs: Path, path: Path) -> None:
    """Enable our plug-in and the harness; turn Krita's own Python plug-ins off.

    A pykrita plug-in not enabled in kritarc is silently not loaded (Part 2,
    pitfall 5). The built-in ones only slow the start and print SyntaxWarnings
    on 5.2 (pitfall 12).
    """
    lines = ["[python]", "enable_openai_images=true", "enable_harness_runner=true"]
    for desktop in sorted((rootfs / "usr/share/krita/pykrita").glob("*.desktop")):
        match = re.search(r"^X-KDE-Library=(\S+)", desktop.read_text(), re.M)
        if match:
            lines.append(f"enable_{match.group(1)}=false")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def chown_tree(top: Path) -> None:
    for folder, _dirs, files in os.walk(top):
        os.chown(folder, 1000, 1000)
        for name in files:
            os.chown(os.path.join(folder, name), 1000, 1000, follow_symlinks=False)


def free_display() -> int:
    """An X display number no Xvfb on this machine uses.

    All root folders share the machine's network namespace, where Xvfb also
    listens on an abstract socket: two runs (two helpers, two hosts) on the same
    display number would talk to each other's X server.
    """
    sockets = Path("/proc/net/unix").read_text()
    while True:
        number = random.randint(100, 4000)
        if f"@/tmp/.X11-unix/X{number}\n" not in sockets and f"X{number}-lock" not in sockets:
            return number


def host_command(host: Host, rootfs: Path, env: dict[str, str], out_in_host: str) -> list[str]:
    """The command (run inside the root folder) that starts the host for one scenario."""
    variables = [f"{k}={v}" for k, v in sorted(env.items())]
    if host.app == "gimp":
        batch = f"import runpy; runpy.run_path('{HOME_IN_HOST}/harness/inhost/gimp_batch.py')"
        app = [f"gimp-console-{gimp_version(rootfs)}", "-i"]
        app += ["--batch-interpreter=python-fu-eval", "-b", batch, "--quit"]
    else:
        # xvfb-run -e keeps Xvfb's own errors (Part 2, pitfall 12)
        app = ["xvfb-run", "-n", str(free_display()), "-e", f"{out_in_host}/xvfb.log"]
        app += ["-s", "-screen 0 1280x1024x24", "krita", "--nosplash"]
    return ["env", *variables, *app]
