"""The composition root: a ready `JobRunner` from settings, the key store and the environment.

The CLI and both host adapters build their runner here, so they resolve the
key, the server and the folders the same way. Precedence for each value: an
explicit argument, then a setting the user changed from its default, then the
SDK's environment variables (OPENAI_BASE_URL, ...), then the default.
"""

from __future__ import annotations

import os
from typing import Any

from .client import ClientConfig, ImagesClient
from .cost import SpendTracker
from .errors import ConfigurationError
from .history import History
from .jobs import JobOptions, JobRunner
from .lifecycle import AccountLifecycle
from .paths import account_models_path, history_dir, spend_path
from .planning import ContextOptions
from .secrets import KeyStore, register_secret
from .settings import Settings

NO_KEY_HELP = (
    "No OpenAI API key. Create one at https://platform.openai.com/api-keys and enter it in the "
    "plug-in's settings (or set OPENAI_API_KEY)."
)


def load_settings() -> Settings:
    """The user's settings; a missing or broken file gives the defaults."""
    return Settings.load()


def client_config(settings: Settings, key: str, base_url: str | None = None) -> ClientConfig:
    defaults = Settings()
    over: dict[str, Any] = {
        "connect_timeout": settings.connect_timeout,
        "read_timeout": settings.read_timeout,
        "max_retries": settings.max_retries,
    }
    if base_url or settings.base_url != defaults.base_url:
        over["base_url"] = base_url or settings.base_url
    for name in (
        "organization",
        "project",
        "azure_deployment",
        "azure_api_version",
        "proxy",
        "ca_bundle",
    ):
        if getattr(settings, name):
            over[name] = getattr(settings, name)
    if key:
        over["api_key"] = key
    return ClientConfig.from_env(**over)


def make_runner(
    settings: Settings | None = None, base_url: str | None = None, need_key: bool = True
) -> JobRunner:
    """A runner ready to submit jobs; raises ConfigurationError (with how to get a key)."""
    settings = settings or load_settings()
    account = "azure" if settings.is_azure else "openai"
    key, _source = KeyStore(account=account, store=settings.key_store).get()
    key = key or os.environ.get("OPENAI_API_KEY", "")
    if not key and need_key:
        raise ConfigurationError(NO_KEY_HELP)
    if key:
        register_secret(key)  # the logging filter masks it from now on
    config = client_config(settings, key or "dry-run", base_url)
    client = ImagesClient(config)
    dates = AccountLifecycle(account_models_path(config.base_url)) if key else None
    return JobRunner(client, History(history_dir()), SpendTracker(spend_path()), account=dates)


def job_options(settings: Settings, **over: Any) -> JobOptions:
    """The settings' defaults for a job; keyword arguments (the panel's choices) win."""
    values: dict[str, Any] = {
        "model": settings.model,
        "size": settings.size,
        "quality": None if settings.quality == "auto" else settings.quality,
        "n": settings.n,
        "background": None if settings.background == "auto" else settings.background,
        "output_format": None if settings.output_format == "png" else settings.output_format,
        "stream": settings.stream_previews,
        "context": ContextOptions(padding_px=settings.context_padding_px, grow_px=settings.grow_px),
        "spend_cap_job_usd": settings.spend_cap_job_usd,
        "spend_cap_day_usd": settings.spend_cap_day_usd,
    }
    values.update(over)
    return JobOptions(**values)
