"""Key lookup order, the key file's privacy, redaction of text and of log records."""

from __future__ import annotations

import io
import logging
import os
import stat
import sys
import types

import pytest

from core.errors import ConfigurationError
from core.store.secrets import (
    KeyStore,
    KeyStoreError,
    RedactingFilter,
    install_redaction,
    mask_key,
    redact,
    register_secret,
)

PROJECT_KEY = "sk-proj-" + "Ab3_" * 30 + "wxyz"
LEGACY_KEY = "sk-" + "a1B2c3D4" * 6
SERVICE_KEY = "sk-svcacct-" + "Zz9-" * 12 + "Q7r8"


def fresh_key(tag: str) -> str:
    """A key no other test has registered (registration is process-wide)."""
    return f"sk-proj-{tag}-{os.urandom(16).hex()}"


class FakeKeyring(types.ModuleType):
    """Stands in for the `keyring` package: a dict, or a backend that always fails."""

    def __init__(self, broken: bool = False) -> None:
        super().__init__("keyring")
        self.store: dict[tuple[str, str], str] = {}
        self.broken = broken

    def get_password(self, service, account):
        if self.broken:
            raise RuntimeError("no D-Bus session")
        return self.store.get((service, account))

    def set_password(self, service, account, value):
        if self.broken:
            raise RuntimeError("no D-Bus session")
        self.store[(service, account)] = value

    def delete_password(self, service, account):
        if self.broken or (service, account) not in self.store:
            raise RuntimeError("nothing to delete")
        del self.store[(service, account)]


@pytest.fixture(autouse=True)
def no_real_keyring(monkeypatch):
    # None in sys.modules makes `import keyring` fail: no test may touch the real keychain.
    monkeypatch.setitem(sys.modules, "keyring", None)


@pytest.fixture
def fake_keyring(monkeypatch):
    fake = FakeKeyring()
    monkeypatch.setitem(sys.modules, "keyring", fake)
    return fake


# -- redaction ---------------------------------------------------------------


@pytest.mark.parametrize("key", [PROJECT_KEY, LEGACY_KEY, SERVICE_KEY])
def test_redact_masks_openai_keys(key):
    text = f"calling with {key}, then again ({key})."
    out = redact(text)
    assert key not in out
    assert out.count("..." + key[-4:]) == 2
    assert out.startswith("calling with sk-") and out.endswith(").")


def test_redact_leaves_ordinary_text_alone():
    text = "a task-oriented mask-like sk-short prompt; bearer of good news; 32 px"
    assert redact(text) == text


def test_redact_masks_header_values():
    token = "eyJhbGciOiJSUzI1NiJ9.payload-part.signature"
    assert token not in redact(f"Authorization: Bearer {token}")
    assert "abcdef0123456789" not in redact("headers {'api-key': 'abcdef0123456789'}")
    assert "verysecretvalue1" not in redact("OPENAI_API_KEY=verysecretvalue1")


def test_azure_style_key_masked_only_once_registered():
    azure = os.urandom(16).hex()  # 32 hex digits, like an Azure key or any hash
    assert redact(f"key {azure}") == f"key {azure}"
    register_secret(azure)
    assert azure not in redact(f"key {azure} and {azure}")
    assert redact(f"key {azure}").endswith(azure[-4:])


def test_short_registered_secrets_are_not_masked_everywhere():
    register_secret("test")
    assert redact("a test prompt") == "a test prompt"


def test_mask_key_shows_the_kind_and_last_four_only():
    assert mask_key(PROJECT_KEY) == "sk-proj-...wxyz"
    assert mask_key(LEGACY_KEY) == "sk-..." + LEGACY_KEY[-4:]
    assert mask_key("0123456789abcdef0123456789abcdef") == "...cdef"
    assert mask_key("sk-abc") == "sk-***"
    assert mask_key("short") == "***"


# -- log records ---------------------------------------------------------------


@pytest.fixture
def captured():
    """A parent logger with redaction installed and a handler writing to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    parent = logging.getLogger("test_secrets_parent")
    parent.handlers[:] = [handler]
    parent.propagate = False
    parent.setLevel(logging.DEBUG)
    install_redaction(parent)
    yield parent, stream
    parent.handlers[:] = []
    parent.filters[:] = []


def test_key_in_message_and_args_is_redacted(captured):
    parent, stream = captured
    key = fresh_key("log")
    child = logging.getLogger("test_secrets_parent.client")
    child.info("direct %s", key)
    child.warning("headers %r", {"Authorization": f"Bearer {key}"})
    parent.error(f"formatted in the message {key}")
    out = stream.getvalue()
    assert key not in out
    assert out.count(key[-4:]) == 3
    assert "direct sk-proj-..." in out


def test_key_in_exception_text_is_redacted(captured):
    parent, stream = captured
    key = fresh_key("exc")
    try:
        raise RuntimeError(f"server said: Incorrect API key provided: {key}")
    except RuntimeError:
        logging.getLogger("test_secrets_parent.jobs").exception("job failed")
    out = stream.getvalue()
    assert "RuntimeError" in out and "Traceback" in out
    assert key not in out


def test_registered_non_openai_key_is_redacted_in_logs(captured):
    parent, stream = captured
    secret = "azure" + os.urandom(12).hex()
    register_secret(secret)
    parent.info("using %s", secret)
    assert secret not in stream.getvalue()


def test_bad_format_string_keeps_the_record(captured):
    parent, stream = captured
    key = fresh_key("fmt")
    parent.info("two %s %s", key)  # one argument short
    out = stream.getvalue()
    assert "two" in out and key not in out


def test_install_redaction_is_idempotent():
    handler = logging.NullHandler()
    logger = logging.getLogger("test_secrets_idempotent")
    logger.addHandler(handler)
    install_redaction(logger)
    install_redaction(logger)
    install_redaction(handler)
    assert sum(isinstance(f, RedactingFilter) for f in logger.filters) == 1
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    logger.removeHandler(handler)
    logger.filters[:] = []


def test_importing_the_module_installed_no_filters():
    for logger in (
        logging.getLogger(),
        logging.getLogger("core"),
        logging.getLogger("core.store.secrets"),
    ):
        assert not any(isinstance(f, RedactingFilter) for f in logger.filters)


# -- the key store -------------------------------------------------------------


def write_key_file(store: KeyStore, key: str, mode: int = 0o600) -> None:
    store.config_dir.mkdir(parents=True, exist_ok=True)
    store.file_path.write_text(key + "\n")
    os.chmod(store.file_path, mode)


def test_env_wins_over_keyring_and_file(tmp_path, fake_keyring):
    env_key, ring_key, file_key = fresh_key("env"), fresh_key("ring"), fresh_key("file")
    fake_keyring.store[("openai-images", "openai")] = ring_key
    store = KeyStore(tmp_path, env={"OPENAI_API_KEY": env_key})
    write_key_file(store, file_key)
    assert store.get() == (env_key, "env:OPENAI_API_KEY")


def test_keyring_wins_over_file(tmp_path, fake_keyring):
    ring_key, file_key = fresh_key("ring"), fresh_key("file")
    fake_keyring.store[("openai-images", "openai")] = ring_key
    store = KeyStore(tmp_path, env={})
    write_key_file(store, file_key)
    assert store.get() == (ring_key, "keyring")


def test_file_used_without_keyring_package(tmp_path):
    file_key = fresh_key("file")
    store = KeyStore(tmp_path, env={"OPENAI_API_KEY": "  "})
    write_key_file(store, file_key)
    assert store.get() == (file_key, "file")


def test_file_store_never_asks_the_keyring(tmp_path, fake_keyring):
    fake_keyring.store[("openai-images", "openai")] = fresh_key("ring")
    file_key = fresh_key("file")
    store = KeyStore(tmp_path, env={}, store="file")
    write_key_file(store, file_key)
    assert store.get() == (file_key, "file")


def test_broken_keyring_backend_is_swallowed(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "keyring", FakeKeyring(broken=True))
    store = KeyStore(tmp_path, env={})
    assert store.get() == (None, "none")
    assert store.set(fresh_key("fallback")) == "file"
    assert store.get()[1] == "file"


def test_azure_account_reads_its_own_variable(tmp_path):
    key = os.urandom(16).hex()
    store = KeyStore(
        tmp_path, account="azure", env={"AZURE_OPENAI_API_KEY": key, "OPENAI_API_KEY": "x"}
    )
    assert store.get() == (key, "env:AZURE_OPENAI_API_KEY")
    assert key not in redact(f"api key {key}")  # found keys are registered for redaction


def test_set_auto_prefers_keyring_and_removes_the_file_copy(tmp_path, fake_keyring):
    store = KeyStore(tmp_path, env={})
    old, new = fresh_key("old"), fresh_key("new")
    assert store.set(old, "file") == "file"
    assert store.set(new) == "keyring"
    assert not store.file_path.exists()
    assert store.get() == (new, "keyring")


def test_set_file_removes_the_keyring_copy(tmp_path, fake_keyring):
    store = KeyStore(tmp_path, env={})
    store.set(fresh_key("ring"), "keyring")
    new = fresh_key("file")
    assert store.set(new, "file") == "file"
    assert fake_keyring.store == {}
    assert store.get() == (new, "file")


def test_set_keyring_without_keyring_fails(tmp_path):
    with pytest.raises(KeyStoreError) as caught:
        KeyStore(tmp_path, env={}).set(fresh_key("none"), "keyring")
    assert isinstance(caught.value, ConfigurationError)


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_key_file_is_private(tmp_path):
    store = KeyStore(tmp_path / "config", env={})
    store.set(fresh_key("mode"), "file")
    assert stat.S_IMODE(store.file_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.config_dir.stat().st_mode) == 0o700


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_readable_key_file_is_made_private_with_a_warning(tmp_path, caplog):
    store = KeyStore(tmp_path, env={})
    key = fresh_key("perm")
    write_key_file(store, key, mode=0o644)
    with caplog.at_level(logging.WARNING, logger="core.store.secrets"):
        assert store.get() == (key, "file")
    assert stat.S_IMODE(store.file_path.stat().st_mode) == 0o600
    assert "private" in caplog.text
    assert key not in caplog.text


def test_set_rejects_empty_or_spaced_keys(tmp_path):
    store = KeyStore(tmp_path, env={})
    for bad in ("", "   ", "sk-one two"):
        with pytest.raises(ValueError):
            store.set(bad, "file")
    assert not store.file_path.exists()


def test_delete_forgets_both_stores(tmp_path, fake_keyring):
    store = KeyStore(tmp_path, env={})
    store.set(fresh_key("a"), "file")
    fake_keyring.store[("openai-images", "openai")] = fresh_key("b")
    store.delete()
    assert store.get() == (None, "none")
    assert fake_keyring.store == {}


def test_key_store_logs_no_key(tmp_path, caplog, fake_keyring):
    key = fresh_key("quiet")
    with caplog.at_level(logging.DEBUG):
        store = KeyStore(tmp_path, env={})
        store.set(key)
        store.get()
        store.delete()
    assert key not in caplog.text
