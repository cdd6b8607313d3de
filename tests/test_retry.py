"""retry.py: which failures are retried and how long to wait, as pure functions."""

from __future__ import annotations

import email.utils

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.api.retry import RetryPolicy, retry_after, retry_delay, should_retry


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retried_statuses(status):
    assert should_retry(0, status, {})


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_client_errors_are_not_retried(status):
    assert not should_retry(0, status, {})


def test_connection_errors_are_retried():
    assert should_retry(0, None, {})
    assert should_retry(1, None, {})


def test_attempts_are_bounded_by_the_policy():
    assert not should_retry(2, 500, {})
    assert should_retry(2, 500, {}, policy=RetryPolicy(max_retries=3))
    assert not should_retry(0, None, {}, policy=RetryPolicy(max_retries=0))


def test_x_should_retry_overrides_the_status_rule():
    assert should_retry(0, 400, {"X-Should-Retry": "true"})
    assert not should_retry(0, 503, {"x-should-retry": "false"})
    assert should_retry(0, 503, {"x-should-retry": "maybe"})  # unreadable: status rule


def test_refusals_and_empty_quota_are_never_retried():
    always = {"x-should-retry": "true"}
    assert not should_retry(0, 400, always, code="moderation_blocked")
    assert not should_retry(0, 400, always, message="rejected by the safety system")
    assert not should_retry(0, 429, {}, code="insufficient_quota")
    assert not should_retry(0, 429, always, code="credit_balance_exhausted")
    assert should_retry(0, 429, {}, code="rate_limit_exceeded")


def test_backoff_doubles_to_the_cap_without_jitter():
    delays = [retry_delay(k, {}, lambda: 0.0) for k in range(7)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_jitter_takes_off_up_to_a_quarter():
    assert retry_delay(1, {}, lambda: 0.5) == pytest.approx(1.0 * (1 - 0.125))
    assert retry_delay(3, {}, lambda: 0.999) == pytest.approx(4.0 * (1 - 0.25 * 0.999))


@given(st.integers(0, 20), st.floats(0, 1, exclude_max=True))
def test_backoff_stays_within_bounds(attempt, r):
    base = min(0.5 * 2**attempt, 8.0)
    assert 0.75 * base <= retry_delay(attempt, {}, lambda: r) <= base


def test_server_hints_are_honoured():
    assert retry_delay(0, {"retry-after-ms": "1500"}, lambda: 0.0) == 1.5
    assert retry_delay(0, {"Retry-After": "3"}, lambda: 0.0) == 3.0
    # milliseconds win over seconds, like the SDK
    assert retry_delay(0, {"retry-after-ms": "250", "retry-after": "9"}, lambda: 0.0) == 0.25


def test_http_date_hint():
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 7, usegmt=True)
    assert retry_delay(0, {"retry-after": date}, lambda: 0.0, now=now) == pytest.approx(7.0)
    assert retry_after({"retry-after": date}, now=now) == pytest.approx(7.0)


@pytest.mark.parametrize("hint", ["0", "-2", "61", "3600", "soon", ""])
def test_unusable_hints_fall_back_to_backoff(hint):
    assert retry_delay(2, {"retry-after": hint}, lambda: 0.0) == 2.0


def test_the_cap_on_hints_is_configurable():
    policy = RetryPolicy(max_retry_after=300.0)
    assert retry_delay(0, {"retry-after": "120"}, lambda: 0.0, policy=policy) == 120.0
    assert retry_delay(0, {"retry-after": "120"}, lambda: 0.0) == 0.5


def test_policy_shapes_the_backoff():
    policy = RetryPolicy(initial_delay=1.0, max_delay=3.0, jitter=0.0)
    assert [retry_delay(k, {}, lambda: 0.9, policy=policy) for k in range(3)] == [1.0, 2.0, 3.0]
