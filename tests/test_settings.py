"""Settings: defaults, validation, round trips, bad files; and the user folders they live in."""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.store import paths
from core.store.settings import Settings, SettingsError

# -- user folders (core/store/paths.py) ------------------------------------------------

HOME = Path("/home/ada")


@pytest.mark.parametrize(
    ("platform", "env", "config", "data"),
    [
        ("linux", {}, HOME / ".config/openai-images", HOME / ".local/share/openai-images"),
        (
            "linux",
            {"XDG_CONFIG_HOME": "/xdg/conf", "XDG_DATA_HOME": "/xdg/data"},
            Path("/xdg/conf/openai-images"),
            Path("/xdg/data/openai-images"),
        ),
        (
            "linux",
            {"XDG_CONFIG_HOME": "relative/conf"},  # the XDG spec says: ignore relative paths
            HOME / ".config/openai-images",
            HOME / ".local/share/openai-images",
        ),
        (
            "darwin",
            {},
            HOME / "Library/Application Support/openai-images",
            HOME / "Library/Application Support/openai-images",
        ),
        (
            "win32",
            {"APPDATA": "/w/Roaming", "LOCALAPPDATA": "/w/Local"},
            Path("/w/Roaming/openai-images"),
            Path("/w/Local/openai-images"),
        ),
        ("win32", {}, HOME / "AppData/Roaming/openai-images", HOME / "AppData/Local/openai-images"),
        (
            "darwin",
            {"OPENAI_IMAGES_CONFIG_DIR": "/t/conf", "OPENAI_IMAGES_DATA_DIR": "/t/data"},
            Path("/t/conf"),
            Path("/t/data"),
        ),
    ],
)
def test_user_dirs_per_platform(platform, env, config, data):
    assert paths.user_config_dir(platform=platform, env=env, home=HOME) == config
    assert paths.user_data_dir(platform=platform, env=env, home=HOME) == data


def test_user_dirs_are_not_created(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_IMAGES_CONFIG_DIR", str(tmp_path / "conf"))
    monkeypatch.setenv("OPENAI_IMAGES_DATA_DIR", str(tmp_path / "data"))
    assert paths.settings_path() == tmp_path / "conf" / "settings.json"
    assert paths.history_dir() == tmp_path / "data" / "history"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_ensure_private_dir_is_0700_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        made = paths.ensure_private_dir(tmp_path / "a" / "b")
        existing = tmp_path / "loose"
        existing.mkdir(mode=0o755)
        paths.ensure_private_dir(existing)
    finally:
        os.umask(old)
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    # An existing folder keeps its mode: only folders the plug-in creates are made 0700.
    assert stat.S_IMODE(existing.stat().st_mode) == 0o755


# -- settings ------------------------------------------------------------------


def test_defaults_are_valid():
    s = Settings()
    assert s.validate() == []
    assert (s.model, s.n, s.read_timeout, s.max_retries) == ("gpt-image-2.6-flare", 1, 600.0, 2)
    assert s.spend_cap_day_usd is None and not s.is_azure


def changed() -> Settings:
    return replace(
        Settings(),
        base_url="https://example.openai.azure.com/openai/v1",
        proxy="http://proxy.local:3128",
        connect_timeout=7.5,
        max_retries=0,
        spend_cap_job_usd=0.5,
        spend_cap_day_usd=3.0,
        size="1536x1024",
        quality="high",
        n=4,
        background="transparent",
        output_format="webp",
        stream_previews=False,
        key_store="file",
    )


def test_save_and_load_round_trip(tmp_path):
    path = tmp_path / "conf" / "settings.json"
    changed().save(path)
    assert Settings.load(path) == changed()
    assert json.loads(path.read_text())["version"] == 1


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_saved_file_is_private(tmp_path):
    path = tmp_path / "conf" / "settings.json"
    Settings().save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_save_replaces_atomically(tmp_path, monkeypatch):
    path = tmp_path / "settings.json"
    Settings().save(path)
    before = path.read_bytes()

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        changed().save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temp file left


def test_dict_round_trip():
    assert Settings.from_dict(changed().to_dict()) == changed()


def test_from_dict_reads_qsettings_strings():
    stored = {k: str(v) for k, v in changed().to_dict().items()}
    stored["stream_previews"] = "false"
    stored["spend_cap_day_usd"] = ""
    s = Settings.from_dict(stored)
    assert s.connect_timeout == 7.5 and s.n == 4 and s.max_retries == 0
    assert s.stream_previews is False and s.spend_cap_day_usd is None
    assert s.spend_cap_job_usd == 0.5


@pytest.mark.parametrize("content", ["{broken", "[]", '"text"', ""])
def test_unreadable_file_gives_defaults(tmp_path, content, caplog):
    path = tmp_path / "settings.json"
    path.write_text(content)
    with caplog.at_level(logging.WARNING):
        assert Settings.load(path) == Settings()
    assert "settings" in caplog.text


def test_missing_file_gives_defaults(tmp_path):
    assert Settings.load(tmp_path / "none.json") == Settings()


def test_wrong_types_fall_back_per_field(tmp_path, caplog):
    path = tmp_path / "settings.json"
    data = {
        "n": "three",
        "read_timeout": [1],
        "stream_previews": "maybe",
        "max_retries": 1.5,
        "spend_cap_day_usd": "NaN",
        "model": 42,
        "quality": "low",  # a good value among bad ones survives
        "grow_px": True,
    }
    path.write_text(json.dumps(data))
    with caplog.at_level(logging.WARNING):
        s = Settings.load(path)
    defaults = Settings()
    assert s == replace(defaults, quality="low")
    for name in data.keys() - {"quality"}:
        assert repr(name) in caplog.text


def test_unknown_keys_are_ignored_with_a_warning_that_hides_the_value(tmp_path, caplog):
    path = tmp_path / "settings.json"
    secret = "sk-proj-" + "k" * 40
    path.write_text(json.dumps({"api_key": secret, "colour": "blue", "n": 2}))
    with caplog.at_level(logging.WARNING):
        s = Settings.load(path)
    assert s.n == 2
    assert "'api_key'" in caplog.text and "'colour'" in caplog.text
    assert secret not in caplog.text


def test_a_key_is_never_saved(tmp_path):
    secret = "sk-proj-" + "Q" * 48
    s = replace(Settings(), organization=secret, project="proj_123")
    assert any(p.field == "organization" for p in s.validate())
    path = tmp_path / "settings.json"
    s.save(path)
    text = path.read_text()
    assert secret not in text
    assert Settings.load(path).organization == "" and Settings.load(path).project == "proj_123"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"base_url": "http://api.example.com/v1"}, "base_url"),
        ({"base_url": "ftp://127.0.0.1"}, "base_url"),
        ({"base_url": "api.openai.com/v1"}, "base_url"),
        ({"proxy": "proxy.local:3128"}, "proxy"),
        ({"ca_bundle": "/no/such/file.pem"}, "ca_bundle"),
        ({"azure_deployment": "images"}, "azure_api_version"),
        ({"connect_timeout": 0.0}, "connect_timeout"),
        ({"read_timeout": 5.0}, "read_timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"spend_cap_job_usd": 0.0}, "spend_cap_job_usd"),
        ({"spend_cap_day_usd": -2.0}, "spend_cap_day_usd"),
        ({"model": " "}, "model"),
        ({"size": "1000x1000"}, "size"),
        ({"model": "gpt-image-2", "quality": "xhigh"}, "quality"),
        ({"n": 0}, "n"),
        ({"n": 11}, "n"),
        ({"background": "green"}, "background"),
        ({"background": "transparent", "output_format": "jpeg"}, "background"),
        ({"output_format": "bmp"}, "output_format"),
        ({"context_padding_px": -1}, "context_padding_px"),
        ({"grow_px": 1000}, "grow_px"),
        ({"history_max_mb": -5}, "history_max_mb"),
        ({"key_store": "plaintext"}, "key_store"),
    ],
)
def test_validation_names_the_broken_field(changes, field):
    problems = replace(Settings(), **changes).validate()
    assert [p.field for p in problems] == [field]
    assert problems[0].rule


def test_valid_variants():
    ok = [
        {"base_url": "http://127.0.0.1:8765/v1"},
        {"base_url": "http://localhost/v1", "proxy": "socks5://127.0.0.1:1080"},
        {"model": "gpt-image-2.5-flare", "quality": "xhigh"},
        {"size": "2048x1152"},
        {"azure_deployment": "img", "azure_api_version": "2025-04-01-preview"},
        {"history_max_mb": 0},
    ]
    for changes in ok:
        assert replace(Settings(), **changes).validate() == [], changes


def test_check_raises_a_configuration_error():
    with pytest.raises(SettingsError) as caught:
        replace(Settings(), n=0).check()
    err = caught.value
    assert err.field == "n" and isinstance(err, ConfigurationError) and isinstance(err, ValueError)
    Settings().check()


def test_is_azure():
    assert replace(Settings(), azure_deployment="img").is_azure
    assert replace(Settings(), base_url="https://res.openai.azure.com/openai/v1").is_azure
    assert not replace(Settings(), base_url="https://openai.azure.com.evil.example/v1").is_azure
