"""Each error a command can end with, as an exit code and one line that says what to do.

The core never formats UI text (core/errors.py); this is the CLI's wording of
it. The server's own text still goes through `user_text` (keys masked, one
plain line). An error nobody foresaw is one line too: its traceback goes to a
log file, named on that line, never to the terminal.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import (
    APIConnectionError,
    APIError,
    CancelledError,
    ConfigurationError,
    ImagesError,
    MissingKeyError,
    NothingToEditError,
    ValidationError,
)
from ..jobs.cost import SpendCapError
from . import Exit
from .confirm import DeclinedError
from .outputs import OutputError

# What the resolvers of Linux (glibc, musl), macOS and Windows say when a name
# does not resolve: the error carries no host, so the hint must add it.
_DNS_WORDS = re.compile(
    r"name or service not known|nodename nor servname|getaddrinfo failed|"
    r"temporary failure in name resolution|no address associated|name resolution",
    re.IGNORECASE,
)

NO_KEY_CLI = (
    "no OpenAI API key. Create one at https://platform.openai.com/api-keys, then either "
    "set OPENAI_API_KEY in the environment or save it for the CLI and the plug-ins with "
    "`openai-images key set` (it reads the key from the terminal or stdin)"
)


@dataclass
class Where:
    """What the messages may name: the server and the proxy the run used (filled in
    once the runner is made, so an error before that names no server)."""

    base_url: str = ""
    proxy: str | None = None


def classify(exc: BaseException, where: Where) -> tuple[Exit, str]:
    """(exit code, message) for an error that ended a command."""
    if isinstance(exc, (DeclinedError, SpendCapError)):
        if isinstance(exc, SpendCapError):
            return Exit.REFUSED, f"not sent: the {exc}; raise the cap in the settings to go ahead"
        return Exit.REFUSED, str(exc)
    if isinstance(exc, NothingToEditError):  # decided before anything is sent
        return Exit.USAGE, f"nothing to edit: {exc}"
    if isinstance(exc, ValidationError):
        return Exit.USAGE, f"invalid request: {exc}"
    if isinstance(exc, MissingKeyError):  # the plug-ins' words name their settings window
        return Exit.USAGE, NO_KEY_CLI
    if isinstance(exc, ConfigurationError):
        return Exit.USAGE, str(exc)
    if isinstance(exc, OutputError):  # after the answer: paid, and kept in the history
        return Exit.UNSAVED, str(exc)
    if isinstance(exc, CancelledError):
        return Exit.CANCELLED, str(exc)
    if isinstance(exc, APIConnectionError):
        return Exit.NETWORK, f"network error: {_network_hint(exc, where)}"
    if isinstance(exc, APIError):
        return Exit.API, f"API error: {exc}"
    if type(exc) is ImagesError:  # a crashed worker ("internal error: ..."): a bug
        return Exit.INTERNAL, f"unexpected error: {exc}"
    if isinstance(exc, ImagesError):
        return Exit.API, f"error: {exc}"
    if isinstance(exc, OSError):
        name = f"{exc.filename}: " if exc.filename else ""
        return Exit.USAGE, f"{name}{exc.strerror or exc}"
    return Exit.INTERNAL, ""


def _network_hint(exc: APIConnectionError, where: Where) -> str:
    text = str(exc)
    host = urlsplit(where.base_url).hostname or where.base_url or "the server"
    if _DNS_WORDS.search(text):
        via = (
            f"through the proxy {_without_credentials(where.proxy)}"
            if where.proxy
            else "no proxy is set (the settings' proxy; HTTPS_PROXY is not used)"
        )
        return (
            f"the host {host} could not be resolved (DNS): {text}. Check the name in "
            f"--base-url or OPENAI_BASE_URL and the network; {via}"
        )
    proxy = f" through the proxy {_without_credentials(where.proxy)}" if where.proxy else ""
    return f"{text} (talking to {host}{proxy})"


def _without_credentials(url: str | None) -> str:
    parts = urlsplit(url or "")
    if parts.hostname is None:
        return "(set)"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def log_unexpected(exc: BaseException) -> str:
    """Write the traceback to a private log file; its path, or why there is none."""
    from ..store import paths
    from ..store.secrets import redact

    text = redact("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    try:
        folder = paths.ensure_private_dir(paths.user_data_dir() / "logs")
        target = folder / "cli-error.log"
        paths.write_private_file(target, text.encode("utf-8"))
    except (OSError, ImagesError) as failure:
        return f"no log: {failure}"
    return f"full log: {target}"
