"""Where and how to reach the Images API: `ClientConfig`, read from arguments and the environment.

Owns the URL rules that keep the key safe (https anywhere, plain http only to
loopback hosts, no credentials in URLs) and the SDK's environment variables.
Imports only the standard library and the core's errors; no httpx.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .. import __version__
from ..errors import ConfigurationError

MiB = 1024 * 1024
DEFAULT_BASE_URL = "https://api.openai.com/v1"
USER_AGENT = f"openai-images-krita-gimp/{__version__}"


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 and 'localhost': the only hosts plain http may reach."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def local_address(host: str) -> bool:
    """This computer or a private, link-local or reserved network: loopback names and
    IP literals only (a public name resolving to a private address is not caught)."""
    if is_loopback_host(host) or host.lower().rstrip(".").endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_private or address.is_link_local or address.is_reserved or (
        address.is_unspecified or address.is_multicast)


def _check_url(name: str, url: str, *, allow_query: bool = False) -> None:
    """https anywhere, http only on loopback, no credentials in the URL."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ConfigurationError(f"{name} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigurationError(f"{name} must start with https:// and name a host")
    if parts.username or parts.password:
        raise ConfigurationError(f"{name} must not contain a user name or password")
    if (parts.query and not allow_query) or parts.fragment:
        raise ConfigurationError(f"{name} must not contain a query or fragment")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ConfigurationError(f"{name} must use https:// (plain http only to this computer)")


def _check_proxy(url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ConfigurationError("the proxy URL is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError("the proxy URL must look like http://proxy.example:8080")


@dataclass(frozen=True)
class Deadlines:
    """Seconds from the first byte sent to the last byte read, for one attempt and for
    a whole call with its retries and the waits between them."""

    attempt: float
    call: float


# The slowest renders documented (high quality, the largest sizes of gpt-image-2) take
# "well over a minute", about two; 600 s per attempt is the SDK's own timeout and leaves
# time for a slow upload of a 4K canvas. 1200 s lets one retry after a full attempt.
ATTEMPT_DEADLINE = 600.0
CALL_DEADLINE = 1200.0
DEFAULT_DEADLINES = Deadlines(ATTEMPT_DEADLINE, CALL_DEADLINE)


@dataclass(frozen=True)
class ClientConfig:
    """Where and how to reach the API. The key never appears in repr()."""

    api_key: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    organization: str | None = None
    project: str | None = None
    azure_deployment: str | None = None
    # Set: Azure classic, with deployment URLs, ?api-version= and the api-key header.
    azure_api_version: str | None = None
    # http://host:port (any host: TLS to the API runs through the tunnel); may hold
    # proxy credentials, so kept out of repr() too.
    proxy: str | None = field(default=None, repr=False)
    ca_bundle: str | None = None  # a PEM file trusted in addition to certifi's bundle
    connect_timeout: float = 10.0
    read_timeout: float = 600.0
    max_retries: int = 2
    max_image_bytes: int = 64 * MiB
    user_agent: str = USER_AGENT
    max_retry_after: float = 60.0
    # httpx's timeouts above are per read; these bound the whole exchange.
    attempt_deadline: float = ATTEMPT_DEADLINE
    call_deadline: float = CALL_DEADLINE

    @classmethod
    def from_env(cls, *, environ: Mapping[str, str] | None = None, **over: Any) -> ClientConfig:
        """Read the variables the official SDK reads; keyword arguments win over them.

        AZURE_OPENAI_ENDPOINT (unless a base URL is given) selects Azure: with
        OPENAI_API_VERSION the classic deployment URLs, without it the v1 API
        under /openai/v1, which takes the plain OpenAI shape.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {"api_key": env.get("OPENAI_API_KEY", "")}
        for var, key in (
            ("OPENAI_BASE_URL", "base_url"),
            ("OPENAI_ORG_ID", "organization"),
            ("OPENAI_PROJECT_ID", "project"),
        ):
            if env.get(var):
                values[key] = env[var]
        endpoint = env.get("AZURE_OPENAI_ENDPOINT")
        if endpoint and "base_url" not in values and "base_url" not in over:
            version = env.get("OPENAI_API_VERSION")
            if version:
                values.update(base_url=endpoint, azure_api_version=version)
            else:
                values["base_url"] = endpoint.rstrip("/") + "/openai/v1"
            values["api_key"] = env.get("AZURE_OPENAI_API_KEY") or values["api_key"]
        values.update(over)
        return cls(**values)

    @property
    def deadlines(self) -> Deadlines:
        return Deadlines(self.attempt_deadline, self.call_deadline)

    @property
    def azure_classic(self) -> bool:
        return self.azure_api_version is not None

    def validate(self) -> None:
        """Raise ConfigurationError for settings the client cannot work with."""
        key = self.api_key.strip()
        if not key:
            raise ConfigurationError("no API key is set")
        if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
            raise ConfigurationError("the API key contains characters a key cannot have")
        _check_url("the base URL", self.base_url)
        for name, value in (("organization", self.organization), ("project", self.project),
                            ("Azure deployment", self.azure_deployment)):
            if value is not None and not (value.isascii() and value.isprintable()):
                # header values: anything else failed later as a UnicodeEncodeError
                raise ConfigurationError(f"the {name} id may hold only plain ASCII characters")
        if self.proxy is not None:
            _check_proxy(self.proxy)
        if self.ca_bundle is not None and not os.path.isfile(self.ca_bundle):
            raise ConfigurationError(f"the CA file {self.ca_bundle!r} does not exist")
        if self.azure_deployment and not self.azure_api_version:
            raise ConfigurationError("an Azure deployment needs an API version")
        if min(self.connect_timeout, self.read_timeout, self.attempt_deadline,
               self.call_deadline) <= 0:
            raise ConfigurationError("timeouts and deadlines must be positive")
        if self.max_retries < 0 or self.max_image_bytes <= 0:
            raise ConfigurationError("max_retries must be 0 or more and max_image_bytes positive")
