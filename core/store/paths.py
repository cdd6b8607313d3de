"""Where the plug-in keeps its own files, and how it writes them privately.

Owns the per-user config and data folders (one set shared by the Krita and
GIMP plug-ins, so both see the same settings, key file and history), the
names of the files inside them, and the atomic private write every store
uses. Nothing here runs at import: folders are created only by an explicit
`ensure_private_dir`, which also refuses a folder that is not safe to write
into (`FolderError`). Imports only `..errors` from the rest of the core.

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
import stat
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..errors import ConfigurationError

APP_DIR_NAME = "openai-images"
CONFIG_ENV = "OPENAI_IMAGES_CONFIG_DIR"
DATA_ENV = "OPENAI_IMAGES_DATA_DIR"

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


class FolderError(ConfigurationError):
    """A folder of the plug-in's is a link, another user's, not a folder, or cannot be made.

    The folder was left exactly as it was found. The message is one line that
    names the folder and says what the artist can do about it.
    """

    def __init__(self, path: Path, problem: str, remedy: str) -> None:
        super().__init__(
            f"{path} {problem}: {remedy} (or set {DATA_ENV} / {CONFIG_ENV} to another folder)"
        )
        self.path = path


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
    """Create `path` and any missing parents as 0700, or check the folder already there.

    Only folders made here are set to 0700 (the XDG spec asks for 0700 on the
    folders an application has to create, ~/.local/share included); a folder
    that exists keeps its mode, whoever made it. `path` itself must be a real
    folder of this user, else FolderError: through a symbolic link we would
    write (and used to chmod) wherever it points, and another user could read
    or swap what we write. Parents that exist are not checked: a linked home
    or ~/.local is common and harmless. Never raises OSError.
    """
    path = Path(path)
    try:
        # lexists, not exists: a dangling link is something there, to be refused below.
        missing = [p for p in (path, *path.parents) if not os.path.lexists(p)]
        for folder in reversed(missing):
            _create_private_dir(folder)
        check_own_dir(path)
    except OSError as exc:
        failed = Path(exc.filename) if isinstance(exc.filename, (str, os.PathLike)) else path
        reason = exc.strerror or type(exc).__name__
        raise FolderError(
            failed, f"cannot be created or read ({reason})", "check its parent folder's permissions"
        ) from None
    return path


def check_own_dir(path: Path) -> None:
    """Raise FolderError unless `path` is a folder (not a link to one) of this user.

    The owner check is skipped where os.geteuid does not exist (Windows), whose
    per-user profile folders already keep other users out.
    """
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise FolderError(path, "is a symbolic link", "replace it with a real folder")
    if not stat.S_ISDIR(st.st_mode):
        raise FolderError(path, "is not a folder", "move that file away")
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise FolderError(
            path, f"belongs to another user (uid {st.st_uid})", "make it yours with chown"
        )


def _create_private_dir(folder: Path) -> None:
    try:
        # pathlib's parents=True would give the parents the umask's mode, not ours.
        os.mkdir(folder, PRIVATE_DIR_MODE)
    except FileExistsError:
        return  # made meanwhile by another process: not ours to chmod; the leaf is checked
    if os.name != "posix":
        return  # Windows ignores the mode bits of a folder
    # mkdir's mode is filtered by the umask, so set it again, through a descriptor of the
    # folder itself: a link swapped in since the mkdir is refused, never followed.
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != PRIVATE_DIR_MODE:
            os.fchmod(fd, PRIVATE_DIR_MODE)
    finally:
        os.close(fd)


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
