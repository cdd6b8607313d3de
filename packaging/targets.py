"""Which bundles exist, and which CPython each one must carry numpy and Pillow for.

Owns the facts: per platform the wheel platform tags pip may pick, and per host
and platform the Python versions the host embeds (packaging/README.md gives the
source of each). Data only; standard library only; imports nothing of the plug-in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    name: str  # in the bundle's file name: linux-x86_64, windows-x64 ...
    wheel_platforms: tuple[str, ...]  # pip --platform values (pip widens macOS ones itself)
    sys_platform: str  # sys.platform on it
    machines: tuple[str, ...]  # platform.machine() values on it
    extension_suffix: str  # how a CPython 3.XY extension module ends there ({v} = 313 ...)


PLATFORMS = {
    p.name: p
    for p in (
        # numpy for cp310 is manylinux_2_17 only, pillow and newer numpy manylinux_2_27/2_28:
        # pip does not widen manylinux tags, so every accepted one is listed (glibc >= 2.28 hosts)
        Platform(
            "linux-x86_64",
            ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64",
             "manylinux2014_x86_64"),
            "linux",
            ("x86_64", "amd64"),
            ".cpython-{v}-x86_64-linux-gnu.so",
        ),
        Platform(
            "windows-x64", ("win_amd64",), "win32", ("amd64", "x86_64"), ".cp{v}-win_amd64.pyd"
        ),
        # numpy and Pillow publish no universal2 wheels any more: one bundle per architecture
        Platform(
            "macos-arm64", ("macosx_11_0_arm64",), "darwin", ("arm64",), ".cpython-{v}-darwin.so"
        ),
        Platform(
            "macos-x86_64", ("macosx_10_15_x86_64",), "darwin", ("x86_64",),
            ".cpython-{v}-darwin.so",
        ),
    )
}

# Every Linux bundle serves the hosts' own Pythons (Krita's AppImage, GIMP's AppImage) and
# the system Python of distribution and Flatpak builds, so it carries all of 3.10 ... 3.14.
LINUX_PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")


@dataclass(frozen=True)
class Bundle:
    host: str  # "krita" or "gimp"
    platform: Platform
    pythons: tuple[str, ...]  # CPython versions numpy/Pillow are vendored for
    archive: str  # "zip" or "tar.gz"
    # libraries that cannot be vendored from PyPI for this host/platform, and why
    unvendorable: tuple[tuple[str, str], ...] = ()

    @property
    def stem(self) -> str:
        return f"openai-images-{self.host}-{{version}}-{self.platform.name}"

    def file_name(self, version: str) -> str:
        return f"{self.stem.format(version=version)}.{self.archive}"


MSYS2_REASON = (
    "GIMP for Windows runs MSYS2's CPython (CLANG64), whose C extensions are not "
    "binary-compatible with PyPI's win_amd64 wheels; numpy and Pillow for it exist only as "
    "MSYS2 packages, which this build cannot fetch. Not needed: the plug-in runs its "
    "built-in pixel engine with GIMP's GEGL and GdkPixbuf instead"
)

BUNDLES = (
    # Krita 5.2: CPython 3.10; Krita 5.3 and 6.0: CPython 3.13 (Windows, macOS, AppImage).
    Bundle("krita", PLATFORMS["linux-x86_64"], LINUX_PYTHONS, "zip"),
    Bundle("krita", PLATFORMS["windows-x64"], ("3.10", "3.13"), "zip"),
    Bundle("krita", PLATFORMS["macos-arm64"], ("3.10", "3.13"), "zip"),
    Bundle("krita", PLATFORMS["macos-x86_64"], ("3.10", "3.13"), "zip"),
    # GIMP: the plug-in folder keeps its executable bit only in a tar archive (Linux, macOS).
    Bundle("gimp", PLATFORMS["linux-x86_64"], LINUX_PYTHONS, "tar.gz"),
    Bundle(
        "gimp",
        PLATFORMS["windows-x64"],
        (),
        "zip",
        (("numpy", MSYS2_REASON), ("Pillow", MSYS2_REASON)),
    ),
    # GIMP 3.0 on macOS: MacPorts python310; GIMP 3.2: python313.
    Bundle("gimp", PLATFORMS["macos-arm64"], ("3.10", "3.13"), "tar.gz"),
    Bundle("gimp", PLATFORMS["macos-x86_64"], ("3.10", "3.13"), "tar.gz"),
)

# Pure-Python dependencies are resolved once, for the oldest Python any bundle serves
# (the plug-in's floor), and their environment markers are then checked for every one.
FLOOR_PYTHON = "3.10"
ALL_PYTHONS = LINUX_PYTHONS


def cp_tag(python: str) -> str:
    """'3.13' -> 'cp313' (the vendor sub-folder and the wheel ABI tag)."""
    major, minor = python.split(".")
    return f"cp{major}{minor}"


def find_bundle(host: str, platform: str) -> Bundle:
    for bundle in BUNDLES:
        if bundle.host == host and bundle.platform.name == platform:
            return bundle
    raise KeyError(f"no {host} bundle for {platform}")
