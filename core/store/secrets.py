"""The API key: where it is found, where it is kept, and keeping it out of text.

Owns `KeyStore` (lookup order: environment variable, then the OS keychain
through the optional `keyring` package, then a private file in the user's
config folder), `redact` and `mask_key` for text shown or written anywhere,
and `RedactingFilter` for log records. The key is never written to settings,
history, documents or logs; every key this module hands out is registered so
`redact` masks it even when it does not look like an OpenAI key (Azure keys,
OpenAI-compatible servers).

Nothing happens at import: `keyring` is imported lazily on first use, and log
filters are attached only by `install_redaction`. Imports only `.paths` and
`.errors` from the core; never imports httpx.

(The stdlib module of the same name is unaffected: the core imports this one
relatively, as `.secrets`.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError
from . import paths

log = logging.getLogger(__name__)

KEYRING_SERVICE = "openai-images"
STORES = ("auto", "keyring", "file")
ACCOUNTS = {"openai": "OPENAI_API_KEY", "azure": "AZURE_OPENAI_API_KEY"}

# Legacy keys are sk-<48>, project/service-account/admin keys sk-proj-..., sk-svcacct-...,
# sk-admin-...: all are "sk-" and a long run of [A-Za-z0-9_-]. The lookbehind keeps words
# such as "task-..." from matching.
_OPENAI_KEY = re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{16,}")
# Header values, whatever the token looks like (Entra ID tokens, other servers' keys). A
# bearer token needs 20+ characters so that prose ("a bearer carrying...") is left alone.
_BEARER = re.compile(r"(?i)(\bbearer\s+)([A-Za-z0-9._~+/=-]{20,})")
_API_KEY_HEADER = re.compile(r"""(?i)(api[-_]?key["']?\s*[:=]\s*["']?)([^\s"',;}]{8,})""")
# A registered secret shorter than this is not masked on its own: masking every "test"
# in a log would garble it, and no real key is that short.
MIN_REGISTERED_LENGTH = 8

_registered: set[str] = set()
_registered_lock = threading.Lock()
_registered_pattern: re.Pattern[str] | None = None


class KeyStoreError(ConfigurationError):
    """The key could not be stored where asked (no keychain, folder not writable)."""


def register_secret(secret: str) -> None:
    """Mask `secret` wherever `redact` sees it from now on (Azure keys, stand-in keys)."""
    global _registered_pattern
    secret = secret.strip()
    if len(secret) < MIN_REGISTERED_LENGTH:
        return
    with _registered_lock:
        if secret not in _registered:
            _registered.add(secret)
            _registered_pattern = None


def _registered_regex() -> re.Pattern[str] | None:
    global _registered_pattern
    with _registered_lock:
        if _registered_pattern is None and _registered:
            # Longest first, so a key that contains another is masked whole.
            alternatives = sorted(_registered, key=len, reverse=True)
            _registered_pattern = re.compile("|".join(re.escape(s) for s in alternatives))
        return _registered_pattern


def mask_key(key: str) -> str:
    """'sk-proj-...abcd' for showing which key is in use; never enough to use it."""
    key = key.strip()
    prefix = ""
    for known in ("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-"):
        if key.startswith(known):
            prefix = known
            break
    if len(key) < 20:
        return (prefix or "") + "***"
    return f"{prefix}...{key[-4:]}"


def redact(text: str) -> str:
    """`text` with every key-looking value and every registered secret masked."""
    pattern = _registered_regex()
    if pattern is not None:
        text = pattern.sub(lambda m: mask_key(m.group(0)), text)
    text = _OPENAI_KEY.sub(lambda m: mask_key(m.group(0)), text)
    text = _BEARER.sub(lambda m: m.group(1) + "***", text)
    return _API_KEY_HEADER.sub(lambda m: m.group(1) + "***", text)


# Terminal escapes (CSI, OSC up to BEL or ST), then single control and bidi characters:
# a server's text must not move the cursor, retitle the terminal, ring, or reorder
# what the artist reads (right-to-left overrides, U+202A-202E and U+2066-2069).
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?")
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MESSAGE_MAX = 500  # characters of a message shown; the rest is named, not printed


def user_text(message: object, limit: int = MESSAGE_MAX) -> str:
    """The one form in which any message reaches the artist (CLI, Krita, GIMP): keys
    masked, terminal escapes, control and bidi characters dropped, on one line, cut
    to `limit` characters with a note of the full length."""
    text = redact(str(message))
    text = _INVISIBLE.sub("", _ESCAPES.sub("", text))
    text = " ".join(text.split())
    if len(text) > limit:
        text = f"{text[:limit].rstrip()}… (cut: {len(text)} characters in all)"
    return text


def looks_secret(text: str) -> bool:
    return redact(text) != text


class RedactingFilter(logging.Filter):
    """Masks keys in a record's message, its arguments, exception and stack text.

    The message is formatted here (msg % args) and the result stored back with
    no args, because an argument's str() can hold a key that a check of the
    raw values would miss (an exception, a dict of headers).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = " ".join(str(part) for part in (record.msg, record.args))
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_redaction(target: logging.Logger | logging.Handler) -> None:
    """Attach a `RedactingFilter` to a handler, or to a logger and its current handlers.

    A logger's own filters see only records logged on that very logger, not
    those that propagate up from its children; handler filters see them all.
    So for a logger the filter goes on its handlers too. Handlers added later
    need their own call. Calling twice adds nothing.
    """
    targets: list[logging.Logger | logging.Handler] = [target]
    if isinstance(target, logging.Logger):
        targets.extend(target.handlers)
    for item in targets:
        if not any(isinstance(f, RedactingFilter) for f in item.filters):
            item.addFilter(RedactingFilter())


class KeyStore:
    """Finds and keeps one API key (`account` "openai" or "azure").

    `get` looks in the environment variable first (OPENAI_API_KEY or
    AZURE_OPENAI_API_KEY), then the OS keychain when `keyring` can be
    imported and `store` allows it, then the key file in `config_dir`.
    `store` is the user's choice from settings: "auto" (keychain when there is
    one, else the file), "keyring" or "file" (never touch the keychain, for
    desktops where it hangs or nags).
    """

    def __init__(
        self,
        config_dir: Path | None = None,
        *,
        account: str = "openai",
        store: str = "auto",
        env: Mapping[str, str] | None = None,
    ) -> None:
        if account not in ACCOUNTS:
            raise ValueError(f"account must be one of {', '.join(ACCOUNTS)}")
        if store not in STORES:
            raise ValueError(f"store must be one of {', '.join(STORES)}")
        self.config_dir = Path(config_dir) if config_dir else paths.user_config_dir()
        self.account = account
        self.store = store
        self._env = env

    @property
    def env_var(self) -> str:
        return ACCOUNTS[self.account]

    @property
    def file_path(self) -> Path:
        name = "api-key" if self.account == "openai" else f"{self.account}-api-key"
        return self.config_dir / name

    def get(self) -> tuple[str | None, str]:
        """(key, source) with source "env:<VAR>", "keyring", "file" or "none"."""
        env = os.environ if self._env is None else self._env
        found: tuple[str | None, str] = (None, "none")
        value = env.get(self.env_var, "").strip()
        if value:
            found = (value, f"env:{self.env_var}")
        elif self.store != "file" and (value := (_keyring_get(self.account) or "").strip()):
            found = (value, "keyring")
        elif value := (self._read_file() or "").strip():
            found = (value, "file")
        if found[0]:
            register_secret(found[0])
        return found

    def set(self, key: str, store: str | None = None) -> str:
        """Keep `key` in the keychain or the private file; returns where it went.

        "auto" tries the keychain and falls back to the file. Whatever store is
        chosen, the copy in the other one is removed, so an old key can neither
        shadow the new one nor stay behind in plain text.
        """
        key = key.strip()
        if not key or any(c.isspace() for c in key):
            raise ValueError("an API key is one word with no spaces")
        store = store or self.store
        if store not in STORES:
            raise ValueError(f"store must be one of {', '.join(STORES)}")
        register_secret(key)
        if store in ("auto", "keyring") and _keyring_set(self.account, key):
            self._delete_file()
            return "keyring"
        if store == "keyring":
            raise KeyStoreError("no usable OS keychain; choose the key file instead")
        self._write_file(key)
        if self.store != "file":  # a keychain copy would shadow the file
            _keyring_delete(self.account)
        return "file"

    def delete(self) -> None:
        """Forget the stored key (keychain and file). The environment is not ours to change."""
        if self.store != "file":
            _keyring_delete(self.account)
        self._delete_file()

    def _read_file(self) -> str | None:
        path = self.file_path
        try:
            if not paths.is_private_file(path):
                log.warning("key file %s was readable by others; making it private", path)
                try:
                    os.chmod(path, paths.PRIVATE_FILE_MODE)
                except OSError:
                    log.warning("cannot make %s private; not reading it", path)
                    return None
            return path.read_text("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("cannot read key file %s: %s", path, type(exc).__name__)
            return None

    def _write_file(self, key: str) -> None:
        try:
            paths.ensure_private_dir(self.config_dir)
            paths.write_private_file(self.file_path, (key + "\n").encode("utf-8"))
        except paths.FolderError as exc:  # a linked or foreign folder: its own one line
            raise KeyStoreError(f"cannot write the key file: {exc}") from None
        except OSError as exc:
            raise KeyStoreError(f"cannot write the key file: {exc.strerror}") from None

    def _delete_file(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.file_path.unlink()


# The keyring package is optional and its backends fail in many ways (no D-Bus session,
# locked KWallet, a "fail" backend raising NoKeyringError, RuntimeError from a chainer).
# None of that may break the plug-in, so every call below swallows every exception.


def _keyring() -> Any | None:
    try:
        import keyring  # optional dependency, imported on first use
    except Exception:
        return None
    return keyring


def _keyring_get(account: str) -> str | None:
    module = _keyring()
    if module is None:
        return None
    try:
        value = module.get_password(KEYRING_SERVICE, account)
    except Exception as exc:
        log.info("OS keychain unavailable (%s)", type(exc).__name__)
        return None
    return value if isinstance(value, str) else None


def _keyring_set(account: str, key: str) -> bool:
    module = _keyring()
    if module is None:
        return False
    try:
        module.set_password(KEYRING_SERVICE, account, key)
    except Exception as exc:
        log.info("OS keychain refused the key (%s)", type(exc).__name__)
        return False
    return True


def _keyring_delete(account: str) -> None:
    module = _keyring()
    if module is None:
        return
    try:
        module.delete_password(KEYRING_SERVICE, account)
    except Exception:  # PasswordDeleteError when there was none: nothing to do
        return
