"""The user's settings: connection, defaults for new jobs, limits. Never the key.

Owns `Settings` (defaults, validation, JSON load/save) and `SettingsError`.
`to_dict`/`from_dict` let each host keep the values its own way (Krita in
kritarc through QSettings, which may hand every value back as a string; GIMP
or the command line in the JSON file). A bad file never stops the plug-in:
unknown keys are ignored, values of the wrong type fall back to the default,
each with a logged warning. The API key lives in `secrets.KeyStore` only; a
value that looks like a key is never saved.

Imports `.catalogue`, `.errors`, `.paths` and `.secrets`; no httpx, no host modules.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigurationError
from ..models.catalogue import DEFAULT_MODEL, get_model
from ..models.lifecycle import AccountLifecycle, lifecycle, migrate_model
from . import paths
from .secrets import STORES, looks_secret

log = logging.getLogger(__name__)

FILE_VERSION = 1
BACKGROUNDS = ("auto", "transparent", "opaque")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class SettingsError(ConfigurationError, ValueError):
    """One setting breaks one rule: `field` names it, `rule` says what is required."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


@dataclass
class Settings:
    """Everything the user can set, with the defaults a fresh install uses.

    Empty strings mean "not set". Spend caps are in USD and None means no cap;
    they compare against estimates (see cost.py). history_max_mb 0 means the
    history is never pruned.
    """

    base_url: str = "https://api.openai.com/v1"
    azure_deployment: str = ""
    azure_api_version: str = ""
    organization: str = ""
    project: str = ""
    proxy: str = ""
    ca_bundle: str = ""
    connect_timeout: float = 10.0
    read_timeout: float = 600.0
    attempt_deadline: float = 600.0  # one attempt, first byte sent to last byte read
    job_deadline: float = 1200.0  # a whole job, its retries and the waits between them
    # XMP "made or changed by AI" on CLI outputs and GIMP's image metadata (issue 21)
    mark_provenance: bool = True
    # the CLI asks before a job estimated above this (USD); a flag or the environment wins
    confirm_above_usd: float = 1.0
    max_retries: int = 2
    spend_cap_job_usd: float | None = None
    spend_cap_day_usd: float | None = None
    model: str = DEFAULT_MODEL
    size: str = "auto"
    quality: str = "auto"
    n: int = 1
    background: str = "auto"
    output_format: str = "png"
    context_padding_px: int = 64
    grow_px: int = 8
    stream_previews: bool = True
    history_max_mb: int = 1024
    key_store: str = "auto"

    @property
    def is_azure(self) -> bool:
        """True for Azure OpenAI (a deployment name, or an *.openai.azure.com endpoint)."""
        host = urlsplit(self.base_url).hostname or ""
        return bool(self.azure_deployment) or host.endswith(".openai.azure.com")

    def validate(self) -> list[SettingsError]:
        """Every rule broken, one error per field (empty when all is well)."""
        problems = []
        for name, rule in _RULES.items():
            broken = rule(self)
            if broken:
                problems.append(SettingsError(name, broken))
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and looks_secret(value):
                problems.append(
                    SettingsError(f.name, "looks like an API key; keys are not settings")
                )
        return problems

    def check(self) -> None:
        """Raise the first `SettingsError`, if any."""
        problems = self.validate()
        if problems:
            raise problems[0]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values; a string that looks like a key is replaced by its default."""
        data = asdict(self)
        for name, value in data.items():
            if isinstance(value, str) and looks_secret(value):
                log.warning("setting %s looks like an API key; not storing it", name)
                data[name] = _DEFAULTS[name]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Settings:
        """Settings from stored values, tolerating strings for numbers and booleans.

        Unknown keys are ignored, and a value that cannot be read as its
        field's type gets the default; both are logged (names only, never values).
        """
        values: dict[str, Any] = {}
        for key, raw in data.items():
            if key not in _DEFAULTS:
                if key != "version":
                    log.warning("ignoring unknown setting %r", key)
                continue
            value = _coerce(_KINDS[key], raw)
            if value is _BAD:
                log.warning("setting %r has the wrong type; using the default", key)
                continue
            values[key] = value
        return replace(cls(), **values)

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """Read the JSON file (default: the user's settings.json); defaults if missing or bad.
        A saved model that has been shut down is moved to its replacement (see
        load_with_notice, which also says so)."""
        return cls.load_with_notice(path)[0]

    @classmethod
    def load_with_notice(cls, path: Path | None = None) -> tuple[Settings, str | None]:
        """`load`, and the one-line notice of a migration done on this load (else None).

        The migrated settings are written back, so the notice is given once: the
        next load finds the replacement already saved. A file that cannot be
        written still loads migrated, and says so again next time."""
        settings = cls._read(path)
        account = AccountLifecycle(paths.account_models_path(settings.base_url)).dates()
        model, notice = migrate_model(settings.model, account=account)
        if notice is None:
            return settings, None
        migrated = replace(settings, model=model)
        if migrated.validate():  # the old quality or size may not suit the new model
            defaults = cls()
            migrated = replace(
                migrated, quality=defaults.quality, size=defaults.size, n=defaults.n
            )
        log.warning("%s", notice)
        try:
            migrated.save(path)
        except (OSError, paths.FolderError) as exc:
            log.warning("cannot save the migrated settings (%s)", type(exc).__name__)
        return migrated, notice

    @classmethod
    def _read(cls, path: Path | None) -> Settings:
        path = Path(path) if path else paths.settings_path()
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("cannot read settings %s (%s); using defaults", path, type(exc).__name__)
            return cls()
        if not isinstance(data, dict):
            log.warning("settings %s is not a JSON object; using defaults", path)
            return cls()
        return cls.from_dict(data)

    def save(self, path: Path | None = None) -> None:
        """Write the JSON file atomically, owner-only (0600)."""
        path = Path(path) if path else paths.settings_path()
        # Always checked, not only when missing: a linked or foreign folder is refused
        # (paths.FolderError), and one that exists keeps its mode.
        paths.ensure_private_dir(path.parent)
        body = {"version": FILE_VERSION, **self.to_dict()}
        text = json.dumps(body, indent=2, sort_keys=True) + "\n"
        paths.write_private_file(path, text.encode("utf-8"))


_DEFAULTS: dict[str, Any] = asdict(Settings())
# Field kinds for reading stored values; "float?" is a float or None.
_KINDS: dict[str, str] = {
    name: "float?" if name.startswith("spend_cap") else type(value).__name__
    for name, value in _DEFAULTS.items()
}
_BAD = object()
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _coerce(kind: str, raw: Any) -> Any:
    """`raw` as a value of `kind` ("str", "int", "float", "float?", "bool"), or _BAD."""
    if kind == "str":
        return raw if isinstance(raw, str) else _BAD
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower() if isinstance(raw, (str, int)) else ""
        return True if text in _TRUE else False if text in _FALSE else _BAD
    if kind == "float?" and (raw is None or (isinstance(raw, str) and raw.strip() in ("", "none"))):
        return None
    if isinstance(raw, bool):
        return _BAD
    try:
        number = float(raw) if isinstance(raw, (int, float, str)) else math.nan
    except ValueError:
        return _BAD
    if not math.isfinite(number):
        return _BAD
    if kind == "int":
        return int(number) if number.is_integer() else _BAD
    return number


def _url_rule(url: str, what: str, schemes: tuple[str, ...]) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.hostname:
        return f"must be a {what} URL starting with " + " or ".join(f"{s}://" for s in schemes)
    return None


def _base_url_rule(s: Settings) -> str | None:
    broken = _url_rule(s.base_url, "server", ("https", "http"))
    if broken:
        return broken
    parts = urlsplit(s.base_url)
    # The key travels in a header: plain http only to this machine (the stand-in, local servers).
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        return "must use https:// (http:// only for 127.0.0.1 or localhost)"
    return None


def _range(name: str, low: float, high: float, unit: str = "") -> Callable[[Settings], str | None]:
    def rule(s: Settings) -> str | None:
        value = getattr(s, name)
        ok = low <= value <= high
        return None if ok else f"must be between {low:g} and {high:g}{unit}"

    return rule


def _cap(name: str) -> Callable[[Settings], str | None]:
    def rule(s: Settings) -> str | None:
        value = getattr(s, name)
        return (
            None if value is None or value > 0 else "must be more than 0 USD, or empty for no cap"
        )

    return rule


def _model_rule(field: str) -> Callable[[Settings], str | None]:
    def rule(s: Settings) -> str | None:
        spec = get_model(s.model)
        if field == "size":
            return spec.size_rule.check(s.size)
        if field == "quality":
            return (
                None
                if s.quality in spec.qualities
                else "must be one of " + ", ".join(spec.qualities)
            )
        if field == "n":
            return None if 1 <= s.n <= spec.n_max else f"must be between 1 and {spec.n_max}"
        if field == "output_format":
            formats = spec.output_formats
            return None if s.output_format in formats else "must be one of " + ", ".join(formats)
        if s.background not in BACKGROUNDS:
            return "must be one of " + ", ".join(BACKGROUNDS)
        if s.background != "auto" and not spec.background:
            return "this model has no background option; use auto"
        if s.background == "transparent" and s.output_format == "jpeg":
            return "transparent needs png or webp output"
        return None

    return rule


_RULES: dict[str, Callable[[Settings], str | None]] = {
    "base_url": _base_url_rule,
    "azure_api_version": lambda s: (
        "needed with an Azure deployment (for example 2025-04-01-preview)"
        if s.azure_deployment and not s.azure_api_version
        else None
    ),
    "proxy": lambda s: s.proxy and _url_rule(s.proxy, "proxy", ("http", "https", "socks5")),
    "ca_bundle": lambda s: (
        "file not found" if s.ca_bundle and not os.path.isfile(s.ca_bundle) else None
    ),
    "connect_timeout": _range("connect_timeout", 1, 600, " seconds"),
    "read_timeout": _range("read_timeout", 10, 3600, " seconds"),
    "attempt_deadline": _range("attempt_deadline", 30, 7200, " seconds"),
    "job_deadline": _range("job_deadline", 30, 14400, " seconds"),
    "max_retries": _range("max_retries", 0, 10),
    "confirm_above_usd": _range("confirm_above_usd", 0, 1_000_000, " USD"),
    "spend_cap_job_usd": _cap("spend_cap_job_usd"),
    "spend_cap_day_usd": _cap("spend_cap_day_usd"),
    "model": lambda s: (
        (lifecycle(s.model).notice() if not lifecycle(s.model).alive else None)
        if s.model.strip()
        else "must name a model"
    ),
    "size": _model_rule("size"),
    "quality": _model_rule("quality"),
    "n": _model_rule("n"),
    "background": _model_rule("background"),
    "output_format": _model_rule("output_format"),
    "context_padding_px": _range("context_padding_px", 0, 4096, " px"),
    "grow_px": _range("grow_px", 0, 256, " px"),
    "history_max_mb": _range("history_max_mb", 0, 1_000_000, " MB"),
    "key_store": lambda s: None if s.key_store in STORES else "must be one of " + ", ".join(STORES),
}
