"""Shared or hostile folders (issue 14, "Folders"): nothing paid is lost, no mode is changed.

A history, settings or key folder that is a symbolic link, another user's, or
not a folder at all is refused with one line of the core's error tree; a
history refused that way (or one that cannot be written) sends the result to a
private fallback folder that the warning names. The suite runs as root, so
"another user" is simulated with os.chown to uid 1000, and the probe's own
case (a non-root artist whose history folder belongs to root) by lowering the
effective uid for the length of one call.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import cli
from core.errors import ConfigurationError
from core.store import history as history_module
from core.store import paths
from core.store.history import History, ResultMeta
from core.store.secrets import KeyStore, KeyStoreError
from core.store.settings import Settings

from ..conftest import TEST_KEY

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX owners and modes")
as_root = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0, reason="chown to another user needs root"
)
OTHER_UID = 1000
PNG = b"\x89PNG\r\n\x1a\n paid result"


def meta() -> ResultMeta:
    return ResultMeta(prompt="a red fox", model="gpt-image-2", job="generate", size="1024x1024")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def fallback_in_tmp(tmp_path, monkeypatch) -> Path:
    """Each test gets its own fallback parent, so no test sees another's fallback folder."""
    parent = tmp_path / "tmp"
    parent.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(parent))
    monkeypatch.setattr(history_module, "_fallback_root", None, raising=False)
    return parent


@pytest.fixture
def own_folder(tmp_path) -> Path:
    """A folder of the user's own, 0755, that a link may point at."""
    folder = tmp_path / "mine"
    folder.mkdir()
    os.chmod(folder, 0o755)
    return folder


def assert_one_line_naming(error: BaseException, folder: Path) -> None:
    text = str(error)
    assert isinstance(error, ConfigurationError) and not isinstance(error, OSError)
    assert str(folder) in text and "\n" not in text


def assert_in_fallback(entry, fallback_parent: Path, refused: Path) -> None:
    """The paid bytes are on disk in a private fallback, and the refused folder is named."""
    assert entry.image_path.read_bytes() == PNG and entry.sidecar_path.is_file()
    fallback = entry.image_path.parent.parent
    assert fallback.parent == fallback_parent and fallback.name.startswith("openai-images-history-")
    assert mode(fallback) == 0o700
    assert entry.fallback_reason is not None and str(refused) in entry.fallback_reason
    assert str(fallback) in entry.fallback_reason


# -- a link to the user's own folder -------------------------------------------------------------


@posix_only
def test_ensure_private_dir_refuses_a_link_and_leaves_its_target_alone(tmp_path, own_folder):
    link = tmp_path / "history"
    link.symlink_to(own_folder)
    with pytest.raises(ConfigurationError) as caught:
        paths.ensure_private_dir(link)
    assert_one_line_naming(caught.value, link)
    assert "link" in str(caught.value)
    assert mode(own_folder) == 0o755


@posix_only
def test_a_linked_history_keeps_its_mode_and_the_result_goes_to_the_fallback(
    tmp_path, own_folder, fallback_in_tmp, caplog
):
    link = tmp_path / "history"
    link.symlink_to(own_folder)
    hist = History(link)
    with caplog.at_level(logging.WARNING, logger="openai_images.history"):
        entry = hist.record(PNG, "png", meta())
    assert mode(own_folder) == 0o755 and list(own_folder.iterdir()) == []
    assert_in_fallback(entry, fallback_in_tmp, link)
    assert hist.fallback_reason == entry.fallback_reason
    assert str(entry.image_path.parent.parent) in caplog.text


@posix_only
def test_a_linked_day_folder_sends_the_result_to_the_fallback(
    tmp_path, own_folder, fallback_in_tmp
):
    hist = History(tmp_path / "history")
    first = hist.record(PNG, "png", meta())
    # Replace today's folder with a link: the next result must not follow it.
    day = first.image_path.parent
    shutil.rmtree(day)
    day.symlink_to(own_folder)
    entry = hist.record(PNG, "png", meta())
    assert list(own_folder.iterdir()) == [] and mode(own_folder) == 0o755
    assert_in_fallback(entry, fallback_in_tmp, day)


@posix_only
def test_an_existing_folder_of_ones_own_keeps_its_mode(own_folder):
    assert paths.ensure_private_dir(own_folder) == own_folder
    assert mode(own_folder) == 0o755


@posix_only
def test_folders_the_plug_in_creates_are_still_private(tmp_path):
    old = os.umask(0o022)
    try:
        made = paths.ensure_private_dir(tmp_path / "a" / "b")
    finally:
        os.umask(old)
    assert mode(made) == 0o700 and mode(tmp_path / "a") == 0o700


# -- another user's folder ----------------------------------------------------------------------


@as_root
def test_ensure_private_dir_refuses_another_users_folder_untouched(tmp_path):
    folder = tmp_path / "history"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    os.chown(folder, OTHER_UID, OTHER_UID)
    with pytest.raises(ConfigurationError) as caught:
        paths.ensure_private_dir(folder)
    assert_one_line_naming(caught.value, folder)
    assert "another user" in str(caught.value)
    assert mode(folder) == 0o755 and folder.stat().st_uid == OTHER_UID


@as_root
def test_another_users_history_sends_the_result_to_the_fallback(tmp_path, fallback_in_tmp, caplog):
    folder = tmp_path / "history"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    os.chown(folder, OTHER_UID, OTHER_UID)
    hist = History(folder)
    with caplog.at_level(logging.WARNING, logger="openai_images.history"):
        entry = hist.record(PNG, "png", meta())
    assert list(folder.iterdir()) == [] and mode(folder) == 0o755
    assert_in_fallback(entry, fallback_in_tmp, folder)
    assert str(entry.image_path.parent.parent) in caplog.text
    # One fallback per process: the next refused result joins the first.
    again = hist.record(PNG, "png", meta())
    assert again.image_path.parent.parent == entry.image_path.parent.parent


@as_root
def test_the_cli_keeps_the_paid_result_and_says_where_in_one_line(
    api_env, user_dirs, tmp_path, fallback_in_tmp, capsys
):
    data, _ = user_dirs
    folder = data / "history"
    folder.mkdir(parents=True)
    os.chmod(folder, 0o755)
    os.chown(folder, OTHER_UID, OTHER_UID)
    out = tmp_path / "fox.png"
    assert cli.main(["generate", "--prompt", "a fox", "--out", str(out)]) == 0
    assert out.is_file() and list(folder.iterdir()) == [] and mode(folder) == 0o755
    [fallback] = fallback_in_tmp.iterdir()
    [image] = [p for p in fallback.glob("*/*.png") if ".answer." not in p.name]
    assert image.read_bytes()[:8] == PNG[:8]
    [warning] = [line for line in capsys.readouterr().err.splitlines() if "WARNING" in line]
    assert str(folder) in warning and str(fallback) in warning and "another user" in warning


@contextlib.contextmanager
def effective_user(uid: int) -> Iterator[None]:
    """Act as `uid` (the real uid stays root, so the change can be undone)."""
    os.setegid(uid)
    os.seteuid(uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@as_root
def test_a_non_root_artist_whose_history_belongs_to_root_loses_nothing(monkeypatch):
    """The probe's case: chmod of root's folder raised PermissionError and the result was lost."""
    # Outside pytest's 0700 tmp_path, so that uid 1000 can reach it.
    base = Path(tempfile.mkdtemp(dir="/tmp", prefix="hostile-folders-"))
    try:
        os.chmod(base, 0o755)
        folder = base / "history"
        folder.mkdir()
        os.chmod(folder, 0o755)
        parent = base / "tmp"
        parent.mkdir()
        os.chown(parent, OTHER_UID, OTHER_UID)
        monkeypatch.setattr(tempfile, "tempdir", str(parent))
        hist = History(folder)
        with effective_user(OTHER_UID):
            entry = hist.record(PNG, "png", meta())
        assert_in_fallback(entry, parent, folder)
        assert entry.image_path.stat().st_uid == OTHER_UID
        assert list(folder.iterdir()) == [] and mode(folder) == 0o755
    finally:
        shutil.rmtree(base)


@as_root
def test_without_geteuid_there_is_no_owner_check_and_no_chmod(tmp_path, monkeypatch):
    """Windows has no os.geteuid: the owner check is skipped, an existing folder is kept."""
    folder = tmp_path / "history"
    folder.mkdir()
    os.chmod(folder, 0o755)
    os.chown(folder, OTHER_UID, OTHER_UID)
    monkeypatch.delattr(os, "geteuid")
    assert paths.ensure_private_dir(folder) == folder
    assert mode(folder) == 0o755


# -- not a folder, or not writable ----------------------------------------------------------------


def test_a_file_where_the_history_folder_should_be(tmp_path, fallback_in_tmp):
    blocker = tmp_path / "history"
    blocker.write_bytes(b"not a folder")
    os.chmod(blocker, 0o644)
    with pytest.raises(ConfigurationError) as caught:
        paths.ensure_private_dir(blocker)
    assert_one_line_naming(caught.value, blocker)
    entry = History(blocker).record(PNG, "png", meta())
    assert_in_fallback(entry, fallback_in_tmp, blocker)
    assert blocker.read_bytes() == b"not a folder"
    if os.name == "posix":
        assert mode(blocker) == 0o644


def test_a_history_that_cannot_be_written_sends_the_result_to_the_fallback(
    tmp_path, fallback_in_tmp, monkeypatch
):
    # Root ignores permission bits, so the refusal of a read-only folder is simulated.
    root = tmp_path / "history"
    real = paths.write_private_file

    def read_only_root(path: Path, data: bytes) -> None:
        if root in path.parents:
            raise PermissionError(13, "Permission denied", str(path))
        real(path, data)

    monkeypatch.setattr(history_module.paths, "write_private_file", read_only_root)
    hist = History(root)
    entry = hist.record(PNG, "png", meta(), attachments={"mask": b"mask"})
    assert_in_fallback(entry, fallback_in_tmp, root)
    assert entry.attachments["mask"].read_bytes() == b"mask"
    assert "Permission denied" in entry.fallback_reason
    assert [p for p in root.rglob("*") if p.is_file()] == []
    # Once the folder is writable again, results go home and the reason is cleared.
    monkeypatch.setattr(history_module.paths, "write_private_file", real)
    home = hist.record(PNG, "png", meta())
    assert root in home.image_path.parents and home.fallback_reason is None
    assert hist.fallback_reason is None


# -- settings and key folders ---------------------------------------------------------------------


@posix_only
def test_settings_are_not_written_through_a_linked_folder(tmp_path, own_folder):
    link = tmp_path / "config"
    link.symlink_to(own_folder)
    with pytest.raises(ConfigurationError) as caught:
        Settings().save(link / "settings.json")
    assert_one_line_naming(caught.value, link)
    assert list(own_folder.iterdir()) == [] and mode(own_folder) == 0o755


@posix_only
def test_the_key_file_is_not_written_through_a_linked_folder(tmp_path, own_folder):
    link = tmp_path / "config"
    link.symlink_to(own_folder)
    with pytest.raises(KeyStoreError) as caught:
        KeyStore(link, env={}).set(TEST_KEY, "file")
    assert_one_line_naming(caught.value, link)
    assert TEST_KEY not in str(caught.value)
    assert list(own_folder.iterdir()) == [] and mode(own_folder) == 0o755


def test_when_the_fallback_cannot_be_written_either_the_error_propagates_and_nothing_stays(
    tmp_path, fallback_in_tmp, monkeypatch
):
    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(history_module.paths, "write_private_file", disk_full)
    hist = History(tmp_path / "history")
    with pytest.raises(OSError, match="No space left"):
        hist.record(PNG, "png", meta())
    assert list(fallback_in_tmp.iterdir()) == []
    assert [p for p in hist.root.rglob("*") if p.is_file()] == []
