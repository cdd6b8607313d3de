"""The core's layers, enforced: which sub-package may import which.

    errors, glossary, cancel  the error tree, the panels' words, the cancel token
    models | formats          what each model takes and when it shuts down (data);
                              what an image file's bytes say (headers, our PNG codec)
    pixels | api | store      pixels and plans; the HTTP client; files on disk
    jobs                      the one path: options, canvas port, recipes, cost, runner
    setup, cli                the composition root, and the command line built on it

A layer imports only layers below it (pixels, api and store are siblings and
import none of each other), and no module of the core imports a host (krita,
PyQt, gi) or, outside api, httpx.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parent.parent / "core"
RANK = {"__init__": 0, "errors": 0, "glossary": 0, "cancel": 1, "models": 2, "formats": 2,
        "pixels": 3, "api": 3, "store": 3,
        "jobs": 4, "setup": 5, "cli": 6, "__main__": 7}
HOSTS = ("krita", "PyQt5", "PyQt6", "gi", "sip")


def _layer(path: Path) -> str:
    rel = path.relative_to(CORE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> list[tuple[str, int]]:
    """(core layer imported, line) for each relative import; ("<abs>:name", line) for others."""
    here = path.relative_to(CORE).parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here)[: len(here) - (node.level - 1)] if node.level > 1 else list(here)
            parts = base + (node.module.split(".") if node.module else [])
            if not parts:  # from . import __version__ at the top
                parts = [a.name for a in node.names]
            found.append((parts[0], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(f"<abs>:{a.name.split('.')[0]}", node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((f"<abs>:{(node.module or '').split('.')[0]}", node.lineno))
    return found


MODULES = sorted(CORE.rglob("*.py"))


def test_the_core_is_grouped_in_layer_packages():
    # locale/ holds the plug-ins' translation catalogues (data, no Python)
    assert {p.name for p in CORE.iterdir() if p.is_dir() and p.name != "__pycache__"} == {
        "models", "formats", "pixels", "api", "store", "jobs", "cli", "locale"}
    assert not list((CORE / "locale").rglob("*.py"))
    for path in MODULES:
        assert _layer(path) in RANK, f"{path.relative_to(CORE)} is in no known layer"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CORE)))
def test_a_module_imports_only_layers_below_its_own(path):
    layer = _layer(path)
    for target, line in _imports(path):
        if target.startswith("<abs>:"):
            name = target.split(":", 1)[1]
            assert name not in HOSTS, f"{path.name}:{line} imports the host module {name}"
            if name == "httpx":
                assert layer == "api", f"{path.name}:{line}: only core.api speaks HTTP"
            continue
        if target in ("__version__", "PRODUCT") or target == layer:
            continue
        assert target in RANK, f"{path.name}:{line} imports unknown {target}"
        ok = RANK[target] < RANK[layer]
        assert ok, f"{path.relative_to(CORE)}:{line} ({layer}) imports {target}, not below it"


def test_the_layer_check_sees_a_wrong_import(tmp_path):
    """The checker itself can fail: a store module importing jobs is caught."""
    fake = tmp_path / "core"
    (fake / "store").mkdir(parents=True)
    bad = fake / "store" / "bad.py"
    bad.write_text("from ..jobs.runner import JobRunner\n")
    global CORE
    saved, CORE = CORE, fake
    try:
        with pytest.raises(AssertionError, match="not below it"):
            test_a_module_imports_only_layers_below_its_own(bad)
    finally:
        CORE = saved
