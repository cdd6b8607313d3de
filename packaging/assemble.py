"""Build the installed layout of the Krita or GIMP plug-in from the working tree.

    python packaging/assemble.py krita DEST [--vendor VENDOR_DIR]
    python packaging/assemble.py gimp DEST [--vendor VENDOR_DIR]

DEST is the host's plug-in folder (a Krita pykrita folder, a GIMP 3 plug-ins
folder). The layout is the contract in layout.md: the adapter folder becomes the
package, core/ is copied into it as a subpackage, and VENDOR_DIR (httpx, numpy,
Pillow, certifi installed with pip --target) becomes its vendor/ folder.
Only our own entries in DEST are replaced; anything else there is left alone.

Standard library only: it runs with any Python 3.10+, also on users' machines.
"""

from __future__ import annotations

import argparse
import shutil
import stat
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SKIP_PATTERNS = ("__pycache__", "*.pyc", ".*")
SKIP = shutil.ignore_patterns(*SKIP_PATTERNS)

KRITA_DESKTOP = """\
[Desktop Entry]
Type=Service
ServiceTypes=Krita/PythonPlugin
X-KDE-Library=openai_images
X-Python-2-Compatible=false
Name=OpenAI Images
Comment=Generate, edit and vary images with the OpenAI Images API
"""

GIMP_ENTRY = "openai-images.py"


def _replace_tree(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=SKIP)


def _add_core_and_vendor(package: Path, vendor: Path | None) -> None:
    _replace_tree(REPO / "core", package / "core")
    if vendor is not None:
        _replace_tree(vendor, package / "vendor")


def assemble_krita(dest: Path, vendor: Path | None = None) -> Path:
    """Write DEST/openai_images.desktop and DEST/openai_images/; return the package folder."""
    package = dest / "openai_images"
    dest.mkdir(parents=True, exist_ok=True)
    _replace_tree(REPO / "krita_plugin", package)
    _add_core_and_vendor(package, vendor)
    (dest / "openai_images.desktop").write_text(KRITA_DESKTOP, encoding="utf-8")
    return package


def assemble_gimp(dest: Path, vendor: Path | None = None) -> Path:
    """Write DEST/openai-images/ (entry script + package); return the plug-in folder."""
    source = REPO / "gimp_plugin"
    folder = dest / "openai-images"
    if folder.exists():
        shutil.rmtree(folder)
    package = folder / "openai_images"
    # every file of gimp_plugin/ except the entry script is a module of the package
    shutil.copytree(source, package, ignore=shutil.ignore_patterns(GIMP_ENTRY, *SKIP_PATTERNS))
    (package / "__init__.py").touch()
    entry = folder / GIMP_ENTRY
    shutil.copy2(source / GIMP_ENTRY, entry)
    # GIMP silently skips a plug-in that is not executable (hosts.md pitfall 2)
    entry.chmod(entry.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    _add_core_and_vendor(package, vendor)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host", choices=["krita", "gimp"])
    parser.add_argument("dest", type=Path, help="the host's plug-in folder")
    parser.add_argument("--vendor", type=Path, help="folder made by pip install --target")
    args = parser.parse_args(argv)
    if args.vendor is not None and not args.vendor.is_dir():
        parser.error(f"vendor folder not found: {args.vendor}")
    build = assemble_krita if args.host == "krita" else assemble_gimp
    print(build(args.dest, args.vendor))
    return 0


if __name__ == "__main__":
    sys.exit(main())
