"""packaging/assemble.py builds the installed layout of layout.md from the working tree."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "packaging"))
import assemble  # noqa: E402


def _vendor(tmp_path: Path) -> Path:
    vendor = tmp_path / "vendor"
    (vendor / "httpx").mkdir(parents=True)
    (vendor / "httpx" / "__init__.py").write_text("__version__ = 'x'\n")
    return vendor


def test_krita_layout(tmp_path):
    dest = tmp_path / "pykrita"
    (dest / "someone_elses_plugin").mkdir(parents=True)
    package = assemble.assemble_krita(dest, _vendor(tmp_path))
    assert package == dest / "openai_images"
    desktop = (dest / "openai_images.desktop").read_text()
    assert "X-KDE-Library=openai_images\n" in desktop
    assert "ServiceTypes=Krita/PythonPlugin\n" in desktop
    for source in (REPO / "krita_plugin").glob("*.py"):
        assert (package / source.name).read_bytes() == source.read_bytes()
    assert (package / "core" / "models" / "catalogue.py").is_file()
    assert (package / "core" / "models" / "models.json").is_file()
    assert (package / "vendor" / "httpx" / "__init__.py").is_file()
    assert not list(package.rglob("__pycache__"))
    assert (dest / "someone_elses_plugin").is_dir()


def test_gimp_layout(tmp_path):
    folder = assemble.assemble_gimp(tmp_path / "plug-ins", _vendor(tmp_path))
    entry = folder / "openai-images.py"
    assert folder == tmp_path / "plug-ins" / "openai-images"
    assert entry.read_bytes() == (REPO / "gimp_plugin" / "openai-images.py").read_bytes()
    assert os.access(entry, os.X_OK)
    package = folder / "openai_images"
    assert (package / "__init__.py").is_file()
    assert not (package / "openai-images.py").exists()
    for source in (REPO / "gimp_plugin").glob("*.py"):
        if source.name != "openai-images.py":
            assert (package / source.name).read_bytes() == source.read_bytes()
    assert (package / "core" / "models" / "catalogue.py").is_file()
    assert (package / "vendor" / "httpx" / "__init__.py").is_file()


def test_reassembling_replaces_stale_files_and_needs_no_vendor(tmp_path):
    dest = tmp_path / "pykrita"
    package = assemble.assemble_krita(dest, _vendor(tmp_path))
    (package / "stale.py").write_text("x = 1\n")
    assemble.assemble_krita(dest)
    assert not (package / "stale.py").exists()
    assert not (package / "vendor").exists()
    assert (package / "core" / "models" / "catalogue.py").is_file()
