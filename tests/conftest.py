"""Shared fixtures: the stand-in on loopback, and private folders for history and settings."""

from __future__ import annotations

import pytest

from standin.server import running_standin

TEST_KEY = "sk-test-0123456789abcdefghijklmnop"


@pytest.fixture
def standin():
    """The stand-in; at the end, every request it received must have validated."""
    with running_standin() as server:
        yield server
        rejected = [(r.endpoint, r.error) for r in server.rejected]
        assert not rejected, f"the stand-in rejected requests the client sent: {rejected}"


@pytest.fixture
def user_dirs(tmp_path, monkeypatch):
    """Point the core's data and config folders, and the key, at this test only."""
    data, config = tmp_path / "data", tmp_path / "config"
    monkeypatch.setenv("OPENAI_IMAGES_DATA_DIR", str(data))
    monkeypatch.setenv("OPENAI_IMAGES_CONFIG_DIR", str(config))
    for var in (
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "AZURE_OPENAI_ENDPOINT",
        "OPENAI_API_VERSION",
    ):
        monkeypatch.delenv(var, raising=False)
    return data, config


@pytest.fixture
def api_env(standin, user_dirs, monkeypatch):
    """The environment a user with a key and OPENAI_BASE_URL pointing at the stand-in has."""
    monkeypatch.setenv("OPENAI_BASE_URL", standin.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    return standin


def compatible_server_account(*models: str):
    """The account's model list of a compatible server that still serves `models`
    (the legacy stand-in's dall-e-2 and dall-e-3), as the runner would have cached it:
    listed without a shutdown date, they outrank the catalogue's OpenAI dates."""
    from core.models.lifecycle import AccountLifecycle

    account = AccountLifecycle(None)
    account.store([{"id": m, "shutdown_date": None} for m in models or ("dall-e-2", "dall-e-3")])
    return account
