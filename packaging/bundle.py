"""Build the installable bundles into dist/: `python packaging/bundle.py [--dist DIR] [--only ...]`.

One bundle per host and platform (packaging/targets.py). Each is the installed
layout that packaging/assemble.py makes from the working tree, plus:

    <package>/vendor/common/     pure-Python dependencies (httpx, httpcore, h11, anyio,
                                 idna, certifi, typing_extensions, exceptiongroup), once
    <package>/vendor/cpXY/       numpy and Pillow built for CPython X.Y, one folder per
                                 Python the host may embed on that platform
    <package>/vendor/LICENSES/   the licence files of every vendored wheel (its dist-info)
    <package>/MANIFEST.json      bundle, platform, Pythons, and per vendored wheel its
                                 version, tags, sha256 and the sha256 of its unpacked files

Krita: a zip with `openai_images.desktop` and `openai_images/` at the top, as Krita's
*Import Python Plugin from File…* expects (it needs the folder's own zip entry).
GIMP: `openai-images/` in a tar.gz (keeps the entry script's executable bit) or, for
Windows, a zip. Archives are reproducible: sorted entries, fixed times and owners.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import stat
import sys
import tarfile
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import assemble  # noqa: E402
import targets  # noqa: E402
import wheels  # noqa: E402

REPO = HERE.parent
# 2020-01-01: a fixed time for every archive entry (zip cannot store 1970)
FIXED_TIME = int(os.environ.get("SOURCE_DATE_EPOCH", "1577836800"))
VENDOR_NOTE = (
    "vendor/common holds the pure-Python libraries; vendor/cpXY holds numpy and Pillow for "
    "CPython X.Y; the plug-in puts this Python's folder and common/ first on sys.path"
)


def plugin_version() -> str:
    match = re.search(r'^version = "([^"]+)"', (REPO / "pyproject.toml").read_text(), re.M)
    if match is None:
        raise RuntimeError("no version in pyproject.toml")
    return match.group(1)


def runtime_requirements() -> list[str]:
    """pyproject.toml's [project] dependencies (a regex: no tomllib on Python 3.10)."""
    text = (REPO / "pyproject.toml").read_text()
    block = re.search(r"^dependencies = \[(.*?)\]", text, re.M | re.S)
    if block is None:
        raise RuntimeError("no dependencies list in pyproject.toml")
    return re.findall(r'"([^"]+)"', block.group(1))


def common_wheels(requirements: list[str]) -> list[wheels.Wheel]:
    """The pure-Python wheels, resolved for the oldest Python and closed over all markers."""
    floor = wheels.Target(targets.FLOOR_PYTHON, targets.PLATFORMS["linux-x86_64"].wheel_platforms)
    resolved = wheels.resolve_closed(requirements, floor, targets.ALL_PYTHONS)
    return sorted((w for w in resolved if w.is_pure), key=lambda w: w.name)


def bundle_wheels(bundle: targets.Bundle, requirements: list[str]) -> dict[str, list[wheels.Wheel]]:
    """{'common': [...], 'cp310': [...], ...}; raises when a requirement is left unserved."""
    sets = {"common": common_wheels(requirements)}
    tags = bundle.platform.wheel_platforms
    for python in bundle.pythons:
        chosen = wheels.resolve(requirements, wheels.Target(python, tags))
        binary = sorted((w for w in chosen if not w.is_pure), key=lambda w: w.name)
        sets[targets.cp_tag(python)] = binary
        missing = wheels.missing_requirements(sets["common"] + binary, (python,), tags)
        if missing:
            raise RuntimeError(f"{bundle.file_name('x')}: Python {python} lacks {missing}")
    _check_served(bundle, requirements, sets)
    return sets


def _check_served(bundle: targets.Bundle, requirements: list[str], sets: dict) -> None:
    """Every requirement is pure, or binary in every cpXY set, or declared unvendorable."""
    canon = wheels.canonicalize_name
    skipped = {canon(name) for name, _ in bundle.unvendorable}
    names = {tag: {canon(w.name) for w in chosen} for tag, chosen in sets.items()}
    binary_tags = [tag for tag in sets if tag != "common"]
    for line in requirements:
        name = canon(wheels.Requirement(line).name)
        if name in names["common"] or name in skipped:
            continue
        lacking = [tag for tag in binary_tags if name not in names[tag]]
        if lacking or not binary_tags:
            where = ", ".join(lacking) or "any Python"
            raise RuntimeError(f"{name} has no wheel for {where} on {bundle.platform.name}")


def build_vendor(sets: dict[str, list[wheels.Wheel]], vendor: Path) -> dict[str, list[dict]]:
    """Unpack every wheel set into VENDOR/<set>/; returns the manifest's 'vendored' part."""
    licences = vendor / "LICENSES"
    vendored: dict[str, list[dict]] = {}
    for tag, chosen in sets.items():
        vendored[tag] = []
        for wheel in chosen:
            unpacked = wheels.unpack(wheel, vendor / tag, licences)
            vendored[tag].append({
                "name": wheel.name,
                "version": wheel.version,
                "wheel": wheel.path.name,
                "wheel_sha256": wheel.sha256(),
                "tags": wheel.tags,
                "files": len(unpacked.files),
                "files_sha256": unpacked.files_sha256,
                "licences": [f"vendor/LICENSES/{p}" for p in unpacked.licences],
            })
    return vendored


def manifest(bundle: targets.Bundle, version: str, vendored: dict) -> dict:
    platform = bundle.platform
    return {
        "format": 1,
        "bundle": bundle.stem.format(version=version),
        "file": bundle.file_name(version),
        "plugin": {"name": "OpenAI Images", "version": version},
        "host": bundle.host,
        "platform": {
            "name": platform.name,
            "wheel_platforms": list(platform.wheel_platforms),
            "sys_platform": platform.sys_platform,
            "machines": list(platform.machines),
        },
        "pythons": list(bundle.pythons),
        "vendor_layout": VENDOR_NOTE,
        "vendored": vendored,
        "not_vendored": [{"library": name, "reason": why} for name, why in bundle.unvendorable],
    }


def build_bundle(bundle: targets.Bundle, dist: Path, version: str, sets: dict) -> Path:
    """Assemble, vendor SETS (from bundle_wheels) and archive one bundle into DIST."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="openai-images-bundle-") as stage:
        root = Path(stage) / "root"
        if bundle.host == "krita":
            package = assemble.assemble_krita(root)
        else:
            package = assemble.assemble_gimp(root) / "openai_images"
        # not through assemble's --vendor copy: that skips dot-folders, and macOS wheels
        # keep their libraries in PIL/.dylibs and numpy/.dylibs
        vendored = build_vendor(sets, package / "vendor")
        data = manifest(bundle, version, vendored)
        (package / "MANIFEST.json").write_text(json.dumps(data, indent=1) + "\n")
        dist.mkdir(parents=True, exist_ok=True)
        out = dist / bundle.file_name(version)
        partial = out.with_name(out.name + ".partial")
        if bundle.archive == "zip":
            write_zip(root, partial)
        else:
            write_tar_gz(root, partial)
        partial.replace(out)
    size = out.stat().st_size / 2**20
    print(f"packaging: {out} {size:.1f} MiB ({time.monotonic() - started:.1f} s)", flush=True)
    return out


def _entries(root: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        base = Path(folder)
        if base != root:
            found.append(base)
        found.extend(base / name for name in sorted(files))
    return found


def write_zip(root: Path, out: Path) -> None:
    """Zip ROOT's contents with an entry for every folder (Krita's importer looks for them)."""
    when = time.gmtime(FIXED_TIME)[:6]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in _entries(root):
            name = path.relative_to(root).as_posix()
            if path.is_dir():
                info = zipfile.ZipInfo(name + "/", when)
                info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
                archive.writestr(info, b"")
                continue
            info = zipfile.ZipInfo(name, when)
            info.external_attr = (stat.S_IFREG | _mode(path)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def write_tar_gz(root: Path, out: Path) -> None:
    with out.open("wb") as raw, gzip.GzipFile("", "wb", 6, raw, mtime=FIXED_TIME) as packed:
        with tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for path in _entries(root):
                info = archive.gettarinfo(str(path), path.relative_to(root).as_posix())
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mtime = FIXED_TIME
                info.mode = 0o755 if path.is_dir() else _mode(path)
                if path.is_dir():
                    archive.addfile(info)
                else:
                    with path.open("rb") as f:
                        archive.addfile(info, f)


def _mode(path: Path) -> int:
    return 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644


def build_all(dist: Path, only: list[str] | None = None) -> list[Path]:
    """Build the chosen bundles (default: all) into DIST; prints one line per bundle."""
    version, requirements = plugin_version(), runtime_requirements()
    chosen = [b for b in targets.BUNDLES
              if not only or f"{b.host}-{b.platform.name}" in only or b.platform.name in only]
    if not chosen:
        raise SystemExit(f"nothing matches {only}; names look like krita-linux-x86_64")
    # downloads one after the other (pip and its cache), then archive in parallel: the
    # deflate of a few hundred MiB per bundle is what takes the time
    jobs = [(bundle, dist, version, bundle_wheels(bundle, requirements)) for bundle in chosen]
    with ProcessPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1)) as pool:
        return list(pool.map(build_bundle, *zip(*jobs, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=REPO / "dist")
    parser.add_argument("--only", nargs="*", help="e.g. linux-x86_64 or krita-macos-arm64")
    parser.add_argument("--clean", action="store_true", help="remove DIST's old bundles first")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.clean and args.dist.is_dir():
        for old in args.dist.glob("openai-images-*"):
            old.unlink() if old.is_file() else shutil.rmtree(old)
    try:
        build_all(args.dist, args.only)
    except RuntimeError as e:
        print(f"packaging: failed: {e}", file=sys.stderr)
        return 1
    print(f"packaging: done in {time.monotonic() - started:.1f} s; cache {wheels.cache_dir()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
