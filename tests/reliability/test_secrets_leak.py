"""Key leak audit: after real runs, the API key is in no log, history file, document or setting.

tests/test_cli.py already checks the CLI's stdout/stderr and history sidecars, and
tests/test_secrets.py the key store and the log filter on their own. Here:

- a CLI session on the stand-in (file key store, several jobs, an .ora, a retried
  500, a streamed job, a 401) with every logger at DEBUG written to a log file:
  every byte under the data, config and output folders, the .ora's members and the
  log are searched for the key; the key file alone holds it, and it is 0600. The
  key does not look like an OpenAI key, so only the registered-secret path of
  `secrets.redact` can hide it: no pattern luck.
- the profiles the host harness keeps (build/hosts/<host>/ or $HOSTS_WORK/<host>/:
  host and stand-in logs, the fresh home with the GIMP argument store, kritarc,
  the history, exported .ora/.kra/.xcf): the harness's dummy key must appear
  nowhere. `make test-hosts` runs this scan as its last step; skipped when no host
  run has left a profile.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from core import cli
from core.store.secrets import KeyStore
from core.store.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# Not "sk-...": the log filter's OpenAI pattern cannot be what hides it.
KEY = "azkey-7f3c9a1e5b2d4f6a8c0e1b3d5f7a9c2e"
MAX_SCAN_BYTES = 32 * 1024 * 1024


def readable_bytes(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of a file, and of each member when it is a zip (.ora, .kra)."""
    data = path.read_bytes()
    yield str(path), data
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                yield f"{path}!{member}", archive.read(member)


def holders(roots: list[Path], secret: str, skip: tuple[str, ...] = ()) -> list[str]:
    """Every file (or zip member) under `roots` whose bytes contain `secret`."""
    found = []
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            rel = path.as_posix()
            if not path.is_file() or any(part in rel for part in skip):
                continue
            if path.stat().st_size > MAX_SCAN_BYTES:
                continue
            for name, data in readable_bytes(path):
                if secret.encode() in data:
                    found.append(name)
    return found


@pytest.fixture
def debug_log(tmp_path) -> Iterator[Path]:
    """Every logger at DEBUG into a file, as a user who turned on debug logging would have."""
    path = tmp_path / "debug.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()


@pytest.mark.slow
def test_a_cli_session_leaves_the_key_only_in_its_private_file(
    standin, user_dirs, tmp_path, monkeypatch, capsys, debug_log
):
    data_dir, config_dir = user_dirs
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", standin.base_url)
    Settings(key_store="file").save()
    assert KeyStore(store="file").set(KEY) == "file"
    out = tmp_path / "out"
    out.mkdir()
    picture = out / "in.png"
    PILImage.fromarray(np.full((96, 128, 3), 90, np.uint8)).save(picture)

    def run(*argv: str) -> int:
        return cli.main(list(argv))

    assert run("generate", "--prompt", "two boats", "-n", "2", "--out", str(out / "a.ora")) == 0
    standin.inject("500")
    assert run("generate", "--prompt", "retried", "--out", str(out / "b.png")) == 0
    assert run("generate", "--prompt", "stream", "--stream", "--out", str(out / "c.png")) == 0
    assert run("edit", "--image", str(picture), "--prompt", "sky", "--out", str(out / "d.png")) == 0
    standin.inject("401")
    assert run("generate", "--prompt", "refused", "--out", str(out / "e.png")) == cli.EXIT_API
    printed = capsys.readouterr()

    # The session did what it says: results exist, the retry was logged, the 401 was shown.
    assert (out / "a.ora").exists() and (out / "d.png").exists()
    log_text = debug_log.read_text()
    assert "retrying" in log_text and "HTTP Request" in log_text
    assert "401" in printed.err
    assert list(data_dir.rglob("*.json"))  # history sidecars were written

    assert KEY not in printed.out + printed.err
    key_file = KeyStore(store="file").file_path
    assert holders([data_dir, config_dir, out, debug_log], KEY) == [str(key_file)]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700


def harness_key() -> str | None:
    text = (ROOT / "tests/hosts/run.py").read_text()
    match = re.search(r'DUMMY_KEY = "([^"]+)"', text)
    return match.group(1) if match else None


def host_runs() -> list[Path]:
    # the harness's work folder (tests/hosts/run.py): `make test-hosts` runs this
    # scan right after the hosts, on what they left
    hosts = Path(os.environ.get("HOSTS_WORK", ROOT / "build/hosts"))
    if not hosts.is_dir():
        return []
    return sorted(p for p in hosts.iterdir() if p.is_dir() and (p / "home").is_dir())


# The harness's copies of test sources (which name the dummy key on purpose) and the
# installed plug-in code itself; everything the hosts and the plug-in write is scanned.
HOST_SKIP = ("/home/harness/", "/krita/pykrita/", "/plug-ins/openai-images/")


@pytest.mark.skipif(not host_runs(), reason="no host profile kept: run `make test-hosts` first")
@pytest.mark.parametrize("run_dir", host_runs(), ids=lambda p: p.name)
def test_host_runs_leave_no_key_in_logs_profiles_or_documents(run_dir: Path):
    key = harness_key()
    assert key, "tests/hosts/run.py no longer names its DUMMY_KEY"
    found = holders([run_dir], key, skip=HOST_SKIP)
    assert found == [], f"the API key leaked into: {found}"
    # Where a scenario chose the file store, the key file is private.
    for key_file in (run_dir / "home").glob("openai-images-config/*api-key"):
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
