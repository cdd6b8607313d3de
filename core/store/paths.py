"""Where the plug-in keeps its own files, and how it writes them privately.

Owns the per-user config and data folders (one set shared by the Krita and
GIMP plug-ins, so both see the same settings, key file and history), the
names of the files inside them, and the atomic private write every store
uses. Nothing here runs at import: folders are created only by an explicit
`ensure_private_dir`. Imports nothing from the rest of the core.

Folders, unless OPENAI_IMAGES_CONFIG_DIR / OPENAI_IMAGES_DATA_DIR say otherwise:

    Linux    $XDG_CONFIG_HOME/openai-images   (~/.config/openai-images)
             $XDG_DATA_HOME/openai-images     (~/.local/share/openai-images)
    macOS    ~/Library/Application Support/openai-images   (both)
    Windows  %APPDATA%\\openai-images  and  %LOCALAPPDATA%\\openai-images

On Windows the 0600/0700 modes are nearly meaningless; privacy there comes
from the per-user profile folders themselves.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

APP_DIR_NAME = "openai-images"
CONFIG_ENV = "OPENAI_IMAGES_CONFIG_DIR"
DATA_ENV = "OPENAI_IMAGES_DATA_DIR"

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def user_config_dir(
    *, platform: str | None = None, env: Mapping[str, str] | None = None, home: Path | None = None
) -> Path:
    """The folder for settings and the key file. Not created here.

    `platform`, `env` and `home` default to this machine; tests pass their own.
    """
    return _user_dir("config", platform, env, home)


def user_data_dir(
    *, platform: str | None = None, env: Mapping[str, str] | None = None, home: Path | None = None
) -> Path:
    """The folder for history and the spend ledger. Not created here."""
    return _user_dir("data", platform, env, home)


def settings_path() -> Path:
    return user_config_dir() / "settings.json"


def key_file_path() -> Path:
    return user_config_dir() / "api-key"


def history_dir() -> Path:
    return user_data_dir() / "history"


def account_models_path(base_url: str) -> Path:
    """The account's model list with its shutdown dates (ids and dates only), one file per
    server: a compatible server may still serve what OpenAI has shut down."""
    digest = hashlib.sha256(base_url.rstrip("/").encode("utf-8")).hexdigest()[:12]
    return user_data_dir() / "account-models" / f"{digest}.json"


def spend_path() -> Path:
    return user_data_dir() / "spend.json"


def _user_dir(
    kind: str, platform: str | None, env: Mapping[str, str] | None, home: Path | None
) -> Path:
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else home
    override = env.get(CONFIG_ENV if kind == "config" else DATA_ENV, "")
    if override:
        return Path(override).expanduser()
    if platform == "win32":
        var, fallback = ("APPDATA", "Roaming") if kind == "config" else ("LOCALAPPDATA", "Local")
        base = env.get(var, "")
        root = Path(base) if base else home / "AppData" / fallback
        return root / APP_DIR_NAME
    if platform == "darwin":
        return home / "Library" / "Application Support" / APP_DIR_NAME
    var, default = (
        ("XDG_CONFIG_HOME", home / ".config")
        if kind == "config"
        else ("XDG_DATA_HOME", home / ".local" / "share")
    )
    base = env.get(var, "")
    # The XDG spec says relative paths in these variables are invalid and must be ignored.
    root = Path(base) if base and Path(base).is_absolute() else default
    return root / APP_DIR_NAME


def ensure_private_dir(path: Path) -> Path:
    """Create `path` and any missing parents as 0700, and make `path` itself 0700.

    Parents that already exist are left alone. (The XDG spec asks for 0700 on
    the folders an application has to create, ~/.local/share included.)
    """
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        # pathlib's parents=True would give the parents the umask's mode, not ours.
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        _make_private_dir(folder)
    _make_private_dir(path)
    return path


def _make_private_dir(folder: Path) -> None:
    # mkdir's mode is filtered by the umask, and an existing folder keeps its mode.
    if os.name == "posix" and (folder.stat().st_mode & 0o777) != PRIVATE_DIR_MODE:
        os.chmod(folder, PRIVATE_DIR_MODE)


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, readable by the owner only (0600).

    A temporary file in the same folder is written, flushed to disk and then
    renamed over `path` with os.replace, so a reader (or a crash) sees either
    the old file or the new one, never half of either. The folder must exist.
    """
    path = Path(path)
    # mkstemp creates the file with mode 0600 whatever the umask.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX only; Windows cannot open folders)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def is_private_file(path: Path) -> bool:
    """True when no one but the owner may read or write `path` (always True off POSIX)."""
    if os.name != "posix":
        return True
    return (Path(path).stat().st_mode & 0o077) == 0
