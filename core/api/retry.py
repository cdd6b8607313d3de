"""When to retry a failed request and how long to wait first: pure functions, no I/O.

Follows the official SDK (openai-python `_base_client.py`, openai-node `client.ts`):
retry connection errors and timeouts, 408, 409, 429 and >= 500; `x-should-retry`
overrides the status rule; a server's `retry-after-ms` / `retry-after` is honoured
when it lies in (0, cap], otherwise exponential backoff 0.5 s * 2**k capped at 8 s,
with up to 25 % taken off at random so that clients do not retry in step.
Unlike the SDK we never retry a refusal by the safety system or an exhausted
quota: both come back the same, and image requests cost money.

Imports only the standard library and errors.py (for the refusal codes).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..errors import is_moderation, is_quota

RETRY_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True)
class RetryPolicy:
    """How many retries, and the limits of the wait between them (seconds)."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0  # a server hint above this is ignored; backoff is used instead
    jitter: float = 0.25


DEFAULT_POLICY = RetryPolicy()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value.strip()
    return None


def should_retry(
    attempt: int,
    status: int | None,
    headers: Mapping[str, str],
    *,
    code: str | None = None,
    message: str = "",
    policy: RetryPolicy = DEFAULT_POLICY,
) -> bool:
    """Whether to try again after failure number `attempt` (0 for the first request).

    `status` is None for a connection error or timeout. `code` and `message`
    are the API error's, when the reply had one.
    """
    if attempt >= policy.max_retries:
        return False
    if is_moderation(code, message) or is_quota(code):
        return False
    if status is None:
        return True
    override = _header(headers, "x-should-retry")
    if override is not None and override.lower() in ("true", "false"):
        return override.lower() == "true"
    return status in RETRY_STATUSES or status >= 500


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The server's requested wait in seconds, or None when it gave none we can read."""
    millis = _header(headers, "retry-after-ms")
    if millis is not None:
        try:
            return float(millis) / 1000.0
        except ValueError:
            pass
    value = _header(headers, "retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return when.timestamp() - (time.time() if now is None else now)


def retry_delay(
    attempt: int,
    headers: Mapping[str, str],
    random: Callable[[], float],
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    now: float | None = None,
) -> float:
    """Seconds to wait before retry number `attempt + 1`; `random()` returns [0, 1)."""
    hinted = retry_after(headers, now)
    if hinted is not None and 0 < hinted <= policy.max_retry_after:
        return hinted
    base = min(policy.initial_delay * 2**attempt, policy.max_delay)
    return max(0.0, base * (1.0 - policy.jitter * random()))
