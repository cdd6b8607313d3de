"""The installable bundles: wheel tags per platform and Python, clean imports, install.

The bundle tests (marked `bundles`: `make test-packaging` runs them, `make test` leaves
them out) use dist/ when `make dist` has filled it, else build every bundle once
per session into a temporary folder (downloads are cached in PACKAGING_CACHE, so only
the first build on a machine goes to PyPI). The import tests run each Linux bundle in a
clean interpreter (-I -S: no site-packages, so numpy and friends can only come from the
bundle): pyenv's python3.10 ... 3.13 where installed, and Python 3.14 (and 3.13 when
pyenv has none) inside the host harness's cached Debian root folders when they are ready.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "packaging"))
import bundle as builder  # noqa: E402
import install  # noqa: E402
import targets  # noqa: E402
import wheels  # noqa: E402

HOSTS_CACHE = Path(os.environ.get("HOSTS_CACHE", "/var/cache/openai-images-hosts"))
IN_ROOTFS = REPO / "tests" / "hosts" / "in-rootfs.sh"
ROOTFS_SUITE = {"3.13": "trixie", "3.14": "unstable"}
LIBRARIES = ("numpy", "PIL", "httpx", "certifi", "httpcore", "h11", "anyio", "idna")

# Runs in the interpreter under test. argv: plug-in root (Krita: pykrita; GIMP: the
# openai-images folder), host. Puts the vendored folders on sys.path exactly as the host
# does, imports the core and the libraries, and prints where each came from.
PROBE = r"""
import json, sys
root, host = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
if host == "krita":
    import openai_images  # runs the vendor-path block; `import krita` fails: registers nothing
    # existence at start (cheap), the real import on the first job
    problem = openai_images.missing_dependency() or openai_images.load_problem()
else:
    from openai_images import _vendor
    _vendor.activate()
    problem = _vendor.missing_dependency()
facts = {"problem": problem, "python": "%d.%d" % sys.version_info[:2], "files": {}}
if problem is None:
    import numpy, PIL.Image, httpx, certifi, httpcore, h11, anyio, idna
    from openai_images.core.api import client
    from openai_images.core.jobs import runner
    from openai_images.core.pixels import imaging, planning
    for name in LIBRARIES:
        facts["files"][name] = sys.modules[name].__file__
    facts["core"] = planning.__file__
    image = PIL.Image.fromarray(numpy.full((3, 4, 4), 200, numpy.uint8))
    facts["pixel"] = list(image.getpixel((1, 1)))
    facts["certifi"] = certifi.where()
print(json.dumps(facts))
""".replace("LIBRARIES", repr(LIBRARIES))


# ---- bundles ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory) -> Path:
    """dist/ when it holds every bundle of this version, else a fresh build (slow once)."""
    version = builder.plugin_version()
    expected = [b.file_name(version) for b in targets.BUNDLES]
    dist = REPO / "dist"
    if all((dist / name).is_file() for name in expected):
        return dist
    out = tmp_path_factory.mktemp("dist")
    builder.build_all(out)
    return out


def _bundle_id(bundle: targets.Bundle) -> str:
    return f"{bundle.host}-{bundle.platform.name}"


class Archive:
    """Read access to a zip or tar.gz bundle by member name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.name.endswith(".zip"):
            self._zip = zipfile.ZipFile(path)
            self.names = self._zip.namelist()
        else:  # one pass: a gzip stream has no random access worth the name
            self._files: dict[str, bytes] = {}
            self.names = []
            with tarfile.open(path) as archive:
                for member in archive:
                    self.names.append(member.name + ("/" if member.isdir() else ""))
                    if member.isfile() and re.search(self.WANTED, member.name):
                        handle = archive.extractfile(member)
                        assert handle is not None
                        self._files[member.name] = handle.read()

    WANTED = r"(\.dist-info/WHEEL|/MANIFEST\.json|/vendor/LICENSES/.*)$"

    def read(self, name: str) -> bytes:
        if self.path.name.endswith(".zip"):
            return self._zip.read(name)
        return self._files[name]


def _package_prefix(bundle: targets.Bundle) -> str:
    return "openai_images/" if bundle.host == "krita" else "openai-images/openai_images/"


@pytest.mark.bundles
@pytest.mark.parametrize("bundle", targets.BUNDLES, ids=_bundle_id)
def test_vendored_wheels_carry_the_intended_platform_and_python_tags(bundle, bundle_dir):
    archive = Archive(bundle_dir / bundle.file_name(builder.plugin_version()))
    vendor = _package_prefix(bundle) + "vendor/"
    folders = {n[len(vendor):].split("/")[0] for n in archive.names if n.startswith(vendor)}
    folders.discard("")  # the vendor/ folder entry itself
    assert folders == {"common", "LICENSES", *(targets.cp_tag(p) for p in bundle.pythons)}

    platform = bundle.platform
    for python in bundle.pythons:
        cp = targets.cp_tag(python)
        tags = _wheel_tags(archive, vendor + cp + "/")
        assert {"numpy", "pillow"} <= set(tags), f"{cp}: {sorted(tags)}"
        for name, wheel_tags in tags.items():
            for tag in wheel_tags:
                interpreter, abi, plat = tag.split("-")
                assert (interpreter, abi) == (cp, cp), f"{name} in {cp}: {tag}"
                assert _platform_matches(plat, platform), f"{name} in {cp}: {tag}"
        # the extension modules themselves: built for this CPython and this platform only
        suffix = platform.extension_suffix.format(v=cp[2:])
        modules = [n for n in archive.names if n.startswith(vendor + cp + "/")
                   and re.search(r"\.(so|pyd)$", n) and ".libs/" not in n and ".dylibs/" not in n]
        assert modules and all(n.endswith(suffix) for n in modules), [
            n for n in modules if not n.endswith(suffix)][:3]
    common = _wheel_tags(archive, vendor + "common/")
    assert {"httpx", "httpcore", "h11", "anyio", "idna", "certifi"} <= set(common)
    assert all(t.endswith("-none-any") for ts in common.values() for t in ts)


def _wheel_tags(archive: Archive, folder: str) -> dict[str, list[str]]:
    """{distribution: its WHEEL file's Tag lines} for the dist-infos directly in FOLDER."""
    found = {}
    for name in archive.names:
        rest = name[len(folder):] if name.startswith(folder) else ""
        if re.fullmatch(r"[^/]+\.dist-info/WHEEL", rest):
            wheel = Parser().parsestr(archive.read(name).decode())
            found[rest.split("-")[0].lower()] = wheel.get_all("Tag")
    return found


def _platform_matches(tag: str, platform: targets.Platform) -> bool:
    if platform.name == "linux-x86_64":
        return re.fullmatch(r"manylinux(_2_\d+|2014|2010|1)_x86_64", tag) is not None
    if platform.name == "windows-x64":
        return tag == "win_amd64"
    arch = "arm64" if platform.name == "macos-arm64" else "x86_64"
    return re.fullmatch(rf"macosx_\d+_\d+_({arch}|universal2)", tag) is not None


@pytest.mark.bundles
@pytest.mark.parametrize("bundle", targets.BUNDLES, ids=_bundle_id)
def test_manifest_lists_every_vendored_wheel_with_hashes_and_licences(bundle, bundle_dir):
    archive = Archive(bundle_dir / bundle.file_name(builder.plugin_version()))
    prefix = _package_prefix(bundle)
    data = json.loads(archive.read(prefix + "MANIFEST.json"))
    assert data["platform"]["name"] == bundle.platform.name and data["host"] == bundle.host
    assert data["pythons"] == list(bundle.pythons)
    assert set(data["vendored"]) == {"common", *(targets.cp_tag(p) for p in bundle.pythons)}
    for folder, entries in data["vendored"].items():
        shipped = _wheel_tags(archive, prefix + "vendor/" + folder + "/")
        assert {e["name"].replace("-", "_") for e in entries} == set(shipped), folder
        for entry in entries:
            assert re.fullmatch(r"[0-9a-f]{64}", entry["wheel_sha256"])
            assert re.fullmatch(r"[0-9a-f]{64}", entry["files_sha256"])
            assert entry["licences"], entry["name"]
            for licence in entry["licences"]:
                assert archive.read(prefix + licence), licence
    skipped = {item["library"] for item in data["not_vendored"]}
    assert skipped == {name for name, _ in bundle.unvendorable}


@pytest.mark.bundles
@pytest.mark.slow
def test_krita_zip_is_what_kritas_own_importer_accepts(bundle_dir, installed, tmp_path):
    """Krita's plug-in importer (from the cached trixie root folder) unpacks the zip
    to the same files as install.install_krita."""
    importer = HOSTS_CACHE / "rootfs/trixie/usr/share/krita/pykrita/plugin_importer"
    if not (importer / "plugin_importer.py").is_file():
        pytest.skip(f"no Krita plugin_importer.py under {importer} (no trixie root folder)")
    zip_path = bundle_dir / targets.find_bundle("krita", "linux-x86_64").file_name(
        builder.plugin_version())
    (tmp_path / "k").mkdir()  # Krita's resources folder; the importer adds pykrita/
    done = subprocess.run(
        [sys.executable, str(importer / "plugin_importer.py"), str(zip_path), str(tmp_path / "k")],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0 and "Imported plugin: OpenAI Images" in done.stdout, done.stderr
    home, pykrita = installed["krita"]
    assert _tree(tmp_path / "k" / "pykrita") == _tree(home / pykrita)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# ---- imports in a clean interpreter ---------------------------------------------------


def _pyenv_python(version: str) -> Path | None:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = sorted(root.glob(f"versions/{version}.*/bin/python{version}"))
    return found[-1] if found else None


def _rootfs_ready(suite: str, version: str) -> str | None:
    """None when Python VERSION can run in the harness's SUITE root folder, else why not."""
    if os.geteuid() != 0:
        return "not root (entering the root folder needs mount and chroot)"
    if not (HOSTS_CACHE / f"{suite}.ready").exists():
        return f"the host harness's {suite} root folder is not built ({HOSTS_CACHE})"
    if not (HOSTS_CACHE / "rootfs" / suite / f"usr/bin/python{version}").exists():
        return f"no python{version} in the {suite} root folder"
    return None


def _run_probe(version: str, home: Path, root_in_home: str, host: str) -> dict:
    """The PROBE's facts for the plug-in at HOME/ROOT_IN_HOME, run by CPython VERSION."""
    local = _pyenv_python(version)
    if local is not None:
        command = [str(local), "-I", "-S", "-c", PROBE, str(home / root_in_home), host]
    else:
        suite = ROOTFS_SUITE.get(version)
        why = _rootfs_ready(suite, version) if suite else f"no root folder has Python {version}"
        if why:
            pytest.skip(f"no Python {version}: not in pyenv, and {why}")
        _chown_tree(home)
        command = [str(IN_ROOTFS), str(HOSTS_CACHE / "rootfs" / suite), str(home)]
        command += [f"python{version}", "-I", "-S", "-c", PROBE]
        command += [f"/home/tester/{root_in_home}", host]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _chown_tree(top: Path) -> None:
    for folder, _dirs, files in os.walk(top):
        os.chown(folder, 1000, 1000)
        for name in files:
            os.chown(os.path.join(folder, name), 1000, 1000)


@pytest.fixture(scope="session")
def installed(bundle_dir, tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """Each Linux bundle installed once, as a user would: {host: (home, plug-in root in it)}.

    Shared by the read-only import tests (unpacking ~370 MiB takes seconds).
    """
    homes = {}
    for host in ("krita", "gimp"):
        home = tmp_path_factory.mktemp(f"{host}-home")
        homes[host] = (home, _install(host, bundle_dir, home))
    return homes


def _install(host: str, bundle_dir: Path, home: Path) -> str:
    """Install the Linux bundle of HOST under HOME; returns the plug-in root relative to it."""
    bundle = targets.find_bundle(host, "linux-x86_64")
    path = bundle_dir / bundle.file_name(builder.plugin_version())
    if host == "krita":
        install.install_krita(path, home / "pykrita")
        return "pykrita"
    install.install_gimp(path, home / "plug-ins")
    return "plug-ins/openai-images"


@pytest.mark.bundles
@pytest.mark.parametrize("host", ["krita", "gimp"])
@pytest.mark.parametrize("version", targets.LINUX_PYTHONS)
def test_linux_bundle_imports_core_numpy_pil_httpx_in_a_clean_interpreter(
    version, host, installed
):
    home, root = installed[host]
    facts = _run_probe(version, home, root, host)
    assert facts["problem"] is None and facts["python"] == version
    cp = targets.cp_tag(version)
    for name in ("numpy", "PIL"):
        assert f"/openai_images/vendor/{cp}/{name}/" in facts["files"][name], facts["files"]
    for name in ("httpx", "certifi", "httpcore", "h11", "anyio", "idna"):
        assert f"/openai_images/vendor/common/{name}/" in facts["files"][name], facts["files"]
    assert "/openai_images/core/pixels/planning.py" in facts["core"]
    assert facts["pixel"] == [200, 200, 200, 200]
    assert "/openai_images/vendor/common/certifi/" in facts["certifi"]


@pytest.mark.bundles
@pytest.mark.slow
@pytest.mark.parametrize("host", ["krita", "gimp"])
def test_a_broken_vendored_library_gives_one_message_naming_it(host, bundle_dir, tmp_path):
    home = tmp_path / "home"
    root = _install(host, bundle_dir, home)
    version = next((v for v in ("3.13", "3.12", "3.11", "3.10") if _pyenv_python(v)), "3.14")
    numpy_core = next((home / root).rglob(f"vendor/{targets.cp_tag(version)}/numpy/_core"))
    for module in numpy_core.glob("_multiarray_umath*.so"):
        module.write_bytes(b"not an ELF file")  # a damaged download or a wrong-platform file
    facts = _run_probe(version, home, root, host)
    problem = facts["problem"]
    # Krita finds the damage on the first job (its start checks only that numpy exists)
    assert "numpy" in problem and "Reinstall" in problem and "\n" not in problem
    assert "Traceback" not in problem


# ---- install / uninstall ----------------------------------------------------------------


def _slim_linux_dist(out: Path) -> Path:
    """Linux bundles written by the real writers, without the wheels (fast to install)."""
    version = builder.plugin_version()
    for host in ("krita", "gimp"):
        bundle = targets.find_bundle(host, "linux-x86_64")
        root = out / f"stage-{host}"
        if host == "krita":
            package = builder.assemble.assemble_krita(root)
        else:
            package = builder.assemble.assemble_gimp(root) / "openai_images"
        (package / "vendor" / "cp313" / "numpy").mkdir(parents=True)
        (package / "vendor" / "cp313" / "numpy" / "__init__.py").write_text("")
        writer = builder.write_zip if bundle.archive == "zip" else builder.write_tar_gz
        writer(root, out / bundle.file_name(version))
    return out


def test_make_install_and_uninstall_into_a_temporary_home(tmp_path):
    bundle_dir = _slim_linux_dist(tmp_path / "dist")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"))
    config = home / "config"
    for profile in ("3.0", "3.2", "2.10"):
        (config / "GIMP" / profile).mkdir(parents=True)
    kritarc = config / "kritarc"
    kritarc.write_text("[General]\nfoo=Bar\n\n[python]\nenable_scripter=false\n\n[Other]\nx=1\n")
    run = [sys.executable, str(REPO / "packaging" / "install.py")]

    done = subprocess.run([*run, "install", "--dist", str(bundle_dir)], env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    pykrita = home / "data" / "krita" / "pykrita"
    assert (pykrita / "openai_images" / "__init__.py").is_file()
    assert (pykrita / "openai_images" / "vendor" / "cp313" / "numpy").is_dir()
    assert "X-KDE-Library=openai_images" in (pykrita / "openai_images.desktop").read_text()
    text = kritarc.read_text()
    assert "[python]\nenable_scripter=false\nenable_openai_images=true\n" in text
    assert "[General]\nfoo=Bar\n" in text and "[Other]\nx=1\n" in text
    for profile in ("3.0", "3.2"):
        entry = config / "GIMP" / profile / "plug-ins" / "openai-images" / "openai-images.py"
        assert entry.stat().st_mode & stat.S_IXUSR, profile
        assert str(entry.parent) in done.stdout
    assert not (config / "GIMP" / "2.10" / "plug-ins").exists()
    assert str(pykrita / "openai_images") in done.stdout and "kritarc" in done.stdout

    done = subprocess.run([*run, "uninstall"], env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert not (pykrita / "openai_images").exists()
    assert not (pykrita / "openai_images.desktop").exists()
    assert not list((config / "GIMP").rglob("openai-images"))
    text = kritarc.read_text()
    assert "enable_openai_images" not in text and "enable_scripter=false" in text
    assert "removed" in done.stdout


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", "[python]\nenable_openai_images=true\n"),
        ("[General]\na=1\n", "[General]\na=1\n\n[python]\nenable_openai_images=true\n"),
        ("[python]\nenable_openai_images=false\nb=2\n",
         "[python]\nenable_openai_images=true\nb=2\n"),
        ("[python]\nb=2\n[X]\nc=3\n", "[python]\nb=2\nenable_openai_images=true\n[X]\nc=3\n"),
    ],
)
def test_kritarc_gets_the_enable_line_once_and_keeps_the_rest(before, after, tmp_path):
    kritarc = tmp_path / "kritarc"
    kritarc.write_text(before)
    install.set_krita_enabled(kritarc, True)
    assert kritarc.read_text() == after
    install.set_krita_enabled(kritarc, True)
    assert kritarc.read_text() == after
    install.set_krita_enabled(kritarc, False)
    assert "enable_openai_images" not in kritarc.read_text()


# ---- vendor layout and wheel handling (no downloads) -----------------------------------


def test_vendor_paths_put_this_pythons_folder_first(tmp_path):
    spec = importlib.util.spec_from_file_location("gimp_vendor", REPO / "gimp_plugin/_vendor.py")
    assert spec is not None and spec.loader is not None
    _vendor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(_vendor)
    own = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    for folder in ("common", own, "cp39"):
        (tmp_path / "vendor" / folder).mkdir(parents=True)
    vendor = str(tmp_path / "vendor")
    expected = [os.path.join(vendor, own), os.path.join(vendor, "common")]
    assert _vendor.vendor_paths(vendor) == expected
    shutil.rmtree(tmp_path / "vendor" / own)
    assert _vendor.vendor_paths(vendor) == [os.path.join(vendor, "common")]
    (tmp_path / "flat").mkdir()
    assert _vendor.vendor_paths(str(tmp_path / "flat")) == [str(tmp_path / "flat")]
    assert _vendor.vendor_paths(str(tmp_path / "none")) == []


def _fake_wheel(folder: Path, name: str, requires: list[str], licence: bool = True) -> Path:
    path = folder / f"{name}-1.0-py3-none-any.whl"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}/__init__.py", "x = 1\n")
        archive.writestr(f"{name}-1.0.dist-info/METADATA", metadata)
        if licence:
            archive.writestr(f"{name}-1.0.dist-info/licenses/LICENSE", "MIT\n")
        archive.writestr(f"{name}-1.0.data/purelib/{name}_extra.py", "y = 2\n")
        archive.writestr(f"{name}-1.0.data/scripts/{name}-tool", "#!/bin/sh\n")
    return path


def test_markers_are_evaluated_for_each_target_python_not_for_pip(tmp_path):
    a = wheels.Wheel(_fake_wheel(tmp_path, "alpha", ['backport>=1; python_version < "3.11"',
                                                     "beta", 'gamma; sys_platform == "win32"']))
    b = wheels.Wheel(_fake_wheel(tmp_path, "beta", []))
    assert wheels.missing_requirements([a, b], ("3.11", "3.14")) == []
    assert wheels.missing_requirements([a, b], ("3.10", "3.14")) == ["backport>=1"]
    assert wheels.missing_requirements([a], ("3.12",)) == ["beta"]
    assert wheels.missing_requirements([a, b], ("3.12",), ("win_amd64",)) == ["gamma"]


def test_unpacking_a_wheel_installs_purelib_skips_scripts_and_keeps_licences(tmp_path):
    wheel = wheels.Wheel(_fake_wheel(tmp_path, "alpha", []))
    done = wheels.unpack(wheel, tmp_path / "vendor", tmp_path / "LICENSES")
    assert (tmp_path / "vendor" / "alpha" / "__init__.py").is_file()
    assert (tmp_path / "vendor" / "alpha_extra.py").is_file()
    assert not list((tmp_path / "vendor").rglob("alpha-tool"))
    assert done.licences == ["alpha-1.0/licenses/LICENSE"]
    assert (tmp_path / "LICENSES" / "alpha-1.0" / "licenses" / "LICENSE").read_text() == "MIT\n"
    assert re.fullmatch(r"[0-9a-f]{64}", done.files_sha256)
    again = wheels.unpack(wheel, tmp_path / "vendor2", tmp_path / "L2")
    assert again.files_sha256 == done.files_sha256
    bare = wheels.Wheel(_fake_wheel(tmp_path / "vendor2", "bare", [], licence=False))
    with pytest.raises(RuntimeError, match="no licence"):
        wheels.unpack(bare, tmp_path / "vendor3", tmp_path / "L3")
