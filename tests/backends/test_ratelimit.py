"""The rate limiter on both backends: hits beyond the rate raise RateLimited."""

from __future__ import annotations

import pytest

from orderdesk.backends import Backends
from orderdesk.core.errors import RateLimited


async def test_hits_beyond_the_rate_are_refused_with_retry_after(backends: Backends) -> None:
    for _ in range(3):
        await backends.rate_limiter.hit("3/minute", "login-user", "ivan")
    with pytest.raises(RateLimited) as refused:
        await backends.rate_limiter.hit("3/minute", "login-user", "ivan")
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 60
    await backends.rate_limiter.hit("3/minute", "login-user", "olga")


async def test_reset_forgets_counters(backends: Backends) -> None:
    for _ in range(2):
        await backends.rate_limiter.hit("2/minute", "k")
    await backends.rate_limiter.reset()
    await backends.rate_limiter.hit("2/minute", "k")
