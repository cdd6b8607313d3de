"""The composition root: a ready `JobRunner` from settings, the key store and the environment.

The CLI and both host adapters build their runner here, so they resolve the
key, the server and the folders the same way. Precedence for each value is the
SDK's: an explicit argument (a flag), then the environment (OPENAI_API_KEY,
OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID, AZURE_OPENAI_*), then the
saved settings and key store, then the default. So `OPENAI_BASE_URL=... make
demo` talks to that server whatever a saved setting says.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .api.client import ClientConfig, ImagesClient
from .errors import MissingKeyError
from .jobs.cost import SpendTracker
from .jobs.runner import JobRunner
from .models.lifecycle import AccountLifecycle
from .store.history_care import MIB, BoundedHistory
from .store.paths import account_models_path, history_dir, spend_path
from .store.secrets import KeyStore, register_secret
from .store.settings import Settings

NO_KEY_HELP = (
    "No OpenAI API key. Create one at https://platform.openai.com/api-keys and enter it in the "
    "plug-in's settings (or set OPENAI_API_KEY)."
)


def load_settings() -> Settings:
    """The user's settings; a missing or broken file gives the defaults."""
    return Settings.load()


# A saved value yields to these variables (ClientConfig.from_env reads them).
_ENV_OF = {
    "base_url": ("OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT"),
    "organization": ("OPENAI_ORG_ID",),
    "project": ("OPENAI_PROJECT_ID",),
    "azure_api_version": ("OPENAI_API_VERSION",),
}


def client_config(
    settings: Settings,
    key: str,
    base_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ClientConfig:
    """Flag over environment over saved settings over default, for each value."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    over: dict[str, Any] = {
        "connect_timeout": settings.connect_timeout,
        "read_timeout": settings.read_timeout,
        "attempt_deadline": settings.attempt_deadline,
        # a call cannot outlast its job; the runner holds the job to the same limit
        "call_deadline": settings.job_deadline,
        "max_retries": settings.max_retries,
    }
    for name in (
        "base_url",
        "organization",
        "project",
        "azure_deployment",
        "azure_api_version",
        "proxy",
        "ca_bundle",
    ):
        saved = getattr(settings, name)
        if not saved or saved == getattr(defaults, name):
            continue
        if any(env.get(var) for var in _ENV_OF.get(name, ())):
            continue  # the environment outranks what was saved
        over[name] = saved
    if base_url:
        over["base_url"] = base_url
    if key:
        over["api_key"] = key
    return ClientConfig.from_env(environ=env, **over)


def make_runner(
    settings: Settings | None = None, base_url: str | None = None, need_key: bool = True
) -> JobRunner:
    """A runner ready to submit jobs; raises MissingKeyError (with how to get a key)."""
    settings = settings or load_settings()
    account = "azure" if settings.is_azure else "openai"
    # the environment's key first, as the SDK does, then the keychain or key file
    key, _source = KeyStore(account=account, store=settings.key_store).get()
    key = key or os.environ.get("OPENAI_API_KEY", "")
    if not key and need_key:
        raise MissingKeyError(NO_KEY_HELP)
    if key:
        register_secret(key)  # the logging filter masks it from now on
    config = client_config(settings, key or "dry-run", base_url)
    client = ImagesClient(config)
    dates = AccountLifecycle(account_models_path(config.base_url)) if key else None
    # the history keeps to the saved size (0: unbounded), never losing a favourite
    history = BoundedHistory(history_dir(), max_bytes=settings.history_max_mb * MIB)
    return JobRunner(client, history, SpendTracker(spend_path()), account=dates,
                     job_deadline=settings.job_deadline)
