"""Which server and key a runner uses: flag over environment over saved settings over
default, as the official SDK orders them (core/setup.py)."""

from __future__ import annotations

from core.setup import client_config
from core.store.settings import Settings

SAVED = Settings(base_url="https://saved.example/v1", organization="org-saved")


def test_the_environment_outranks_a_saved_server():
    """A saved server used to win over OPENAI_BASE_URL: `make demo` then sent its
    requests to the saved server instead of its own stand-in."""
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_ORG_ID": "org-env"}
    config = client_config(SAVED, "sk-test", environ=env)
    assert (config.base_url, config.organization) == ("http://127.0.0.1:9/v1", "org-env")


def test_a_flag_outranks_the_environment():
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    config = client_config(SAVED, "sk-test", base_url="http://127.0.0.1:8/v1", environ=env)
    assert config.base_url == "http://127.0.0.1:8/v1"


def test_saved_settings_apply_without_the_environment_and_defaults_without_either():
    config = client_config(SAVED, "sk-test", environ={})
    assert (config.base_url, config.organization) == ("https://saved.example/v1", "org-saved")
    assert client_config(Settings(), "sk-test", environ={}).base_url == "https://api.openai.com/v1"


def test_an_azure_endpoint_in_the_environment_outranks_a_saved_server():
    env = {"AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com"}
    config = client_config(SAVED, "sk-test", environ=env)
    assert config.base_url == "https://res.openai.azure.com/openai/v1"


def test_no_key_anywhere_is_its_own_error(user_dirs, monkeypatch):
    """Every entry point tells the artist where to put a key: the CLI used to find out
    by the message's wording; now by the error's type."""
    import pytest

    from core.errors import ConfigurationError, MissingKeyError
    from core.setup import make_runner
    from core.store.secrets import KeyStore

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr(KeyStore, "get", lambda self: ("", None))
    with pytest.raises(MissingKeyError) as caught:
        make_runner(Settings())
    assert isinstance(caught.value, ConfigurationError) and "API key" in str(caught.value)
