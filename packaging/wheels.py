"""Wheels for a bundle: download them once (cached), check their markers, unpack them.

Owns the download cache (PACKAGING_CACHE, default ~/.cache/openai-images-packaging):
`wheels/` holds every .whl, `resolved/<key>.json` the file names one pip query chose,
so a rebuild with a warm cache runs no pip and touches no network; `pip/` is pip's
own HTTP cache. Also owns unpacking a wheel into a vendor folder (a wheel is a zip;
no pip needed, works for any target platform) and collecting its licence files.

pip evaluates environment markers with the interpreter running it, not with
--python-version (anyio's `exceptiongroup; python_version < "3.11"` is skipped when
pip runs on 3.11 for a 3.10 target), so `missing_requirements` re-evaluates every
wheel's Requires-Dist for each target Python and the caller downloads what is missing.

Standard library plus `packaging` (pip's vendored copy when the package is absent).
"""

from __future__ import annotations

import email.parser
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name, parse_wheel_filename
except ImportError:  # pip always carries it
    from pip._vendor.packaging.markers import default_environment  # type: ignore[no-redef]
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import (  # type: ignore[no-redef]
        canonicalize_name,
        parse_wheel_filename,
    )

LICENCE_PREFIXES = ("license", "licence", "copying", "notice", "authors")


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "openai-images-packaging"
    return Path(os.environ.get("PACKAGING_CACHE", default)).expanduser()


@dataclass(frozen=True)
class Target:
    python: str  # "3.13"
    platforms: tuple[str, ...]  # pip --platform values; () = pure-Python only

    @property
    def abi(self) -> str:
        return "cp" + self.python.replace(".", "")


@dataclass
class Wheel:
    path: Path

    @property
    def name(self) -> str:
        return str(parse_wheel_filename(self.path.name)[0])

    @property
    def version(self) -> str:
        return str(parse_wheel_filename(self.path.name)[1])

    @property
    def tags(self) -> list[str]:
        return sorted(str(t) for t in parse_wheel_filename(self.path.name)[3])

    @property
    def is_pure(self) -> bool:
        return all(t.endswith("-none-any") for t in self.tags)

    def metadata(self) -> email.message.Message:
        with zipfile.ZipFile(self.path) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            return email.parser.Parser().parsestr(archive.read(name).decode("utf-8"))

    def sha256(self) -> str:
        return sha256_file(self.path)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---- download ------------------------------------------------------------------


def resolve(requirements: list[str], target: Target, no_deps: bool = False) -> list[Wheel]:
    """The wheels pip picks for REQUIREMENTS on TARGET; cached by the query itself."""
    query = {"requirements": sorted(requirements), "python": target.python,
             "platforms": list(target.platforms), "no_deps": no_deps}
    key = hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:24]
    record = cache_dir() / "resolved" / f"{key}.json"
    store = cache_dir() / "wheels"
    if record.is_file():
        names = json.loads(record.read_text())["wheels"]
        if all((store / n).is_file() for n in names):
            return [Wheel(store / n) for n in names]
    names = _pip_download(requirements, target, no_deps, store)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"query": query, "wheels": names}, indent=1) + "\n")
    return [Wheel(store / n) for n in names]


def _pip_download(requirements: list[str], target: Target, no_deps: bool, store: Path) -> list[str]:
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="openai-images-pip-") as scratch:
        command = [sys.executable, "-m", "pip", "download", "--quiet",
                   "--disable-pip-version-check", "--only-binary=:all:", "--dest", scratch,
                   "--cache-dir", str(cache_dir() / "pip"),
                   "--python-version", target.python, "--implementation", "cp"]
        if target.platforms:
            command += ["--abi", target.abi, "--abi", "none", "--abi", "abi3"]
            for platform in target.platforms:
                command += ["--platform", platform]
        if no_deps:
            command.append("--no-deps")
        print(f"packaging: pip download {' '.join(requirements)} for Python {target.python} "
              f"{' '.join(target.platforms) or '(pure Python)'}", flush=True)
        done = subprocess.run(command + requirements, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pip download failed for {target}:\n{done.stderr[-3000:]}")
        names = sorted(p.name for p in Path(scratch).glob("*.whl"))
        for name in names:
            if not (store / name).is_file():
                shutil.move(str(Path(scratch) / name), store / name)
    return names


def marker_environment(python: str, platform_tags: tuple[str, ...] = ()) -> dict[str, str]:
    """The marker variables of CPython PYTHON (platform ones only matter for binary wheels)."""
    env = dict(default_environment())
    env.update(python_version=python, python_full_version=python + ".0",
               implementation_name="cpython", platform_python_implementation="CPython",
               implementation_version=python + ".0")
    joined = " ".join(platform_tags)
    if "win" in joined:
        env.update(sys_platform="win32", platform_system="Windows", os_name="nt")
    elif "macosx" in joined:
        env.update(sys_platform="darwin", platform_system="Darwin", os_name="posix")
    elif joined:
        env.update(sys_platform="linux", platform_system="Linux", os_name="posix")
    return env


def missing_requirements(wheels: list[Wheel], pythons: tuple[str, ...],
                         platform_tags: tuple[str, ...] = ()) -> list[str]:
    """Requires-Dist lines (markers evaluated per Python) that no wheel in WHEELS satisfies."""
    have = {canonicalize_name(w.name): w.version for w in wheels}
    missing: dict[str, str] = {}
    for wheel in wheels:
        for line in wheel.metadata().get_all("Requires-Dist") or []:
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            for python in pythons:
                env = marker_environment(python, platform_tags)
                env["extra"] = ""
                if requirement.marker is not None and not requirement.marker.evaluate(env):
                    continue
                version = have.get(name)
                if version is None or not requirement.specifier.contains(version, prereleases=True):
                    requirement.marker = None
                    missing[name] = str(requirement)
    return sorted(missing.values())


def resolve_closed(
    requirements: list[str], target: Target, pythons: tuple[str, ...]
) -> list[Wheel]:
    """resolve(), then download what the markers of PYTHONS need and pip left out."""
    wheels = resolve(requirements, target)
    for _ in range(5):
        extra = missing_requirements(wheels, pythons, target.platforms)
        if not extra:
            return wheels
        known = {canonicalize_name(w.name) for w in wheels}
        for wheel in resolve(extra, target):
            if canonicalize_name(wheel.name) not in known:
                wheels.append(wheel)
    raise RuntimeError(f"requirements do not close for {pythons}: {extra}")


# ---- unpack ---------------------------------------------------------------------


@dataclass
class Unpacked:
    wheel: Wheel
    files: list[str] = field(default_factory=list)  # relative to the vendor folder
    licences: list[str] = field(default_factory=list)  # relative to the licences folder
    files_sha256: str = ""


def unpack(wheel: Wheel, target: Path, licences: Path) -> Unpacked:
    """Install WHEEL into TARGET (pip --target layout) and copy its licence files to LICENCES.

    Files under `<name>.data/purelib|platlib` go to the top as pip puts them; scripts,
    headers and data are not needed inside a host and are left out.
    """
    result = Unpacked(wheel)
    digest = hashlib.sha256()
    with zipfile.ZipFile(wheel.path) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            relative = _install_path(info.filename)
            if relative is None:
                continue
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            data = archive.read(info)
            destination.write_bytes(data)
            result.files.append(relative)
            digest.update(f"{relative}\0{hashlib.sha256(data).hexdigest()}\n".encode())
            if _is_licence(relative):
                copy = licences / f"{wheel.name}-{wheel.version}" / relative.split("/", 1)[1]
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_bytes(data)
                result.licences.append(copy.relative_to(licences).as_posix())
    result.files_sha256 = digest.hexdigest()
    if not result.licences:
        raise RuntimeError(f"{wheel.path.name} carries no licence file in its dist-info")
    return result


def _install_path(name: str) -> str | None:
    parts = name.split("/")
    if any(p in ("", "..") for p in parts) or name.startswith("/"):
        raise RuntimeError(f"unsafe path in wheel: {name}")
    if parts[0].endswith(".data"):
        if len(parts) > 2 and parts[1] in ("purelib", "platlib"):
            return "/".join(parts[2:])
        return None
    return name


def _is_licence(relative: str) -> bool:
    parts = relative.split("/")
    if len(parts) < 2 or not parts[0].endswith(".dist-info"):
        return False
    return parts[1] == "licenses" or parts[-1].lower().startswith(LICENCE_PREFIXES)
