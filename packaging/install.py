"""Install the Linux bundles into this user's Krita and GIMP 3.x, or remove them.

    python packaging/install.py install [--dist dist]     (make install)
    python packaging/install.py uninstall                  (make uninstall)

Krita: the zip is unpacked the way Krita's *Import Python Plugin from File…* does it
(the `.desktop` file and the package folder named by its X-KDE-Library) into
$XDG_DATA_HOME/krita/pykrita, and `enable_openai_images=true` is set in the [python]
group of $XDG_CONFIG_HOME/kritarc (a plug-in not enabled there is silently not loaded).
GIMP: the archive's `openai-images/` folder goes into the plug-ins folder of every
GIMP 3.x profile found under $XDG_CONFIG_HOME/GIMP. XDG_* default to ~/.local/share and
~/.config. Both commands print what they did. `install_krita` and `install_gimp` are
also what a test harness calls to install a bundle exactly as a user would.

Standard library only (building a missing bundle first needs pip: packaging/bundle.py).
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import shutil
import stat
import sys
import tarfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PLUGIN = "openai_images"  # Krita's X-KDE-Library
GIMP_FOLDER = "openai-images"
LINUX = "linux-x86_64"


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def krita_pykrita() -> Path:
    return data_home() / "krita" / "pykrita"


def gimp_plugin_folders() -> list[Path]:
    """plug-ins of every GIMP 3.x profile (~/.config/GIMP/3.0, 3.2 ...), existing or not yet."""
    root = config_home() / "GIMP"
    profiles = [p for p in root.glob("3.*") if p.is_dir() and re.fullmatch(r"3\.\d+", p.name)]
    return [p / "plug-ins" for p in sorted(profiles)]


def find_bundle(dist: Path, host: str, platform: str = LINUX) -> Path | None:
    """The newest openai-images-HOST-<version>-PLATFORM.* in DIST, if any."""
    found = sorted(dist.glob(f"openai-images-{host}-*-{platform}.*"), key=_version_key)
    found = [p for p in found if not p.name.endswith(".partial")]
    return found[-1] if found else None


def _version_key(path: Path) -> tuple[int, ...]:
    match = re.search(r"-(\d+(?:\.\d+)*)-", path.name)
    return tuple(int(n) for n in match.group(1).split(".")) if match else ()


# ---- Krita ------------------------------------------------------------------------


def install_krita(bundle: Path, pykrita: Path) -> Path:
    """Unpack BUNDLE (zip) into PYKRITA as Krita's importer does; returns the package folder."""
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        desktop = _krita_desktop(archive, names)
        library = _desktop_library(archive.read(desktop).decode("utf-8"))
        module = f"{library}/"
        if module not in names or f"{module}__init__.py" not in names:
            raise RuntimeError(f"{bundle.name}: no folder {module} with __init__.py at the top")
        pykrita.mkdir(parents=True, exist_ok=True)
        package = pykrita / library
        if package.exists():
            shutil.rmtree(package)
        for name in names:
            if name.startswith(module) and not name.endswith("/"):
                _extract(archive, name, pykrita)
        (pykrita / f"{library}.desktop").write_bytes(archive.read(desktop))
    return package


def _krita_desktop(archive: zipfile.ZipFile, names: list[str]) -> str:
    desktops = [n for n in names if n.endswith(".desktop")]
    if len(desktops) != 1:
        raise RuntimeError(f"expected one .desktop file in the Krita bundle, found {desktops}")
    return desktops[0]


def _desktop_library(text: str) -> str:
    config = configparser.ConfigParser(interpolation=None)
    config.read_string(text)
    return config["Desktop Entry"]["X-KDE-Library"]


def _extract(archive: zipfile.ZipFile, name: str, root: Path) -> None:
    target = root.joinpath(*name.split("/"))
    if ".." in name.split("/") or not target.resolve().is_relative_to(root.resolve()):
        raise RuntimeError(f"unsafe path in bundle: {name}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(archive.read(name))


def set_krita_enabled(kritarc: Path, enabled: bool, plugin: str = PLUGIN) -> None:
    """Set (or, enabled=False, remove) enable_PLUGIN=true in kritarc's [python] group.

    Line-based: kritarc is KConfig, whose keys are case-sensitive and whose other
    groups must come back untouched.
    """
    key = f"enable_{plugin}"
    lines = kritarc.read_text().splitlines() if kritarc.is_file() else []
    out: list[str] = []
    group, placed = None, False

    def close_python_group() -> None:  # the line goes after the group's last entry
        end = len(out)
        while end and not out[end - 1].strip():
            end -= 1
        out.insert(end, f"{key}=true")

    for line in lines:
        header = re.fullmatch(r"\s*\[(.*)\]\s*", line)
        if header:
            if group == "python" and enabled and not placed:
                close_python_group()
                placed = True
            group = header.group(1)
        elif group == "python" and line.split("=", 1)[0].strip() == key:
            if enabled and not placed:
                out.append(f"{key}=true")
                placed = True
            continue
        out.append(line)
    if enabled and not placed:
        if group != "python":
            out += ["", "[python]"] if out else ["[python]"]
        close_python_group()
    kritarc.parent.mkdir(parents=True, exist_ok=True)
    kritarc.write_text("\n".join(out) + "\n")


def uninstall_krita(pykrita: Path, plugin: str = PLUGIN) -> bool:
    removed = False
    if (pykrita / plugin).is_dir():
        shutil.rmtree(pykrita / plugin)
        removed = True
    if (pykrita / f"{plugin}.desktop").is_file():
        (pykrita / f"{plugin}.desktop").unlink()
        removed = True
    return removed


# ---- GIMP -------------------------------------------------------------------------


def install_gimp(bundle: Path, plugins: Path) -> Path:
    """Unpack BUNDLE's openai-images/ into PLUGINS (replacing an older one); returns it."""
    folder = plugins / GIMP_FOLDER
    plugins.mkdir(parents=True, exist_ok=True)
    if folder.exists():
        shutil.rmtree(folder)
    if bundle.name.endswith(".zip"):
        with zipfile.ZipFile(bundle) as archive:
            for name in archive.namelist():
                _check_top(name)
                if not name.endswith("/"):
                    _extract(archive, name, plugins)
    else:
        with tarfile.open(bundle) as archive:
            for member in archive.getmembers():
                _check_top(member.name)
            # the "data" filter refuses links out of the folder and absolute paths
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            archive.extractall(plugins, **safe)
    entry = folder / f"{GIMP_FOLDER}.py"
    # GIMP silently skips a plug-in that is not executable (hosts.md pitfall 2)
    entry.chmod(entry.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


def _check_top(name: str) -> None:
    if name.split("/", 1)[0] != GIMP_FOLDER:
        raise RuntimeError(f"unexpected entry outside {GIMP_FOLDER}/ in the GIMP bundle: {name}")


def uninstall_gimp(plugins: Path) -> bool:
    if (plugins / GIMP_FOLDER).is_dir():
        shutil.rmtree(plugins / GIMP_FOLDER)
        return True
    return False


# ---- commands ---------------------------------------------------------------------


def linux_bundles(dist: Path) -> tuple[Path, Path]:
    """The Krita and GIMP Linux bundles in DIST, built first when missing."""
    krita, gimp = find_bundle(dist, "krita"), find_bundle(dist, "gimp")
    if krita is None or gimp is None:
        print(f"install: no Linux bundles in {dist}; building them (packaging/bundle.py)")
        sys.path.insert(0, str(HERE))
        import bundle as builder  # needs pip; only here

        builder.build_all(dist, [LINUX])
        krita, gimp = find_bundle(dist, "krita"), find_bundle(dist, "gimp")
    assert krita is not None and gimp is not None
    return krita, gimp


def install(dist: Path) -> None:
    krita_zip, gimp_archive = linux_bundles(dist)
    package = install_krita(krita_zip, krita_pykrita())
    kritarc = config_home() / "kritarc"
    set_krita_enabled(kritarc, True)
    print(f"install: Krita: {krita_zip.name} -> {package} (+ {PLUGIN}.desktop)")
    print(f"install: Krita: enable_{PLUGIN}=true in {kritarc} [python]; restart Krita")
    folders = gimp_plugin_folders()
    if not folders:
        print(f"install: GIMP: no GIMP 3.x profile in {config_home() / 'GIMP'} (start GIMP 3 "
              "once, then run `make install` again)")
    for plugins in folders:
        print(f"install: GIMP: {gimp_archive.name} -> {install_gimp(gimp_archive, plugins)}")


def uninstall() -> None:
    pykrita = krita_pykrita()
    done = uninstall_krita(pykrita)
    print(f"uninstall: Krita: {'removed' if done else 'nothing to remove in'} {pykrita / PLUGIN}")
    kritarc = config_home() / "kritarc"
    if kritarc.is_file():
        set_krita_enabled(kritarc, False)
        print(f"uninstall: Krita: removed enable_{PLUGIN} from {kritarc}")
    folders = gimp_plugin_folders()
    if not folders:
        print(f"uninstall: GIMP: no GIMP 3.x profile in {config_home() / 'GIMP'}")
    for plugins in folders:
        done = uninstall_gimp(plugins)
        print(f"uninstall: GIMP: {'removed' if done else 'nothing to remove in'} "
              f"{plugins / GIMP_FOLDER}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["install", "uninstall"])
    parser.add_argument("--dist", type=Path, default=REPO / "dist")
    args = parser.parse_args(argv)
    try:
        install(args.dist) if args.command == "install" else uninstall()
    except (RuntimeError, OSError, zipfile.BadZipFile, tarfile.TarError) as e:
        print(f"{args.command}: failed: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
