"""The rate limiter on both backends: hits beyond the rate raise RateLimited."""

from __future__ import annotations

import pytest
from limits import parse

from orderdesk.backends import Backends
from orderdesk.backends.ratelimit import MemoryWindows
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


def test_in_memory_windows_move_and_forget_idle_keys() -> None:
    windows = MemoryWindows()
    rate = parse("2/minute")
    assert windows.hit(rate, ("anna",), 1000.0) is None
    assert windows.hit(rate, ("anna",), 1030.0) is None
    assert windows.hit(rate, ("anna",), 1059.0) == 1060.0  # refused until the first hit ages out
    assert windows.hit(rate, ("anna",), 1060.5) is None  # the window moved: one hit left in it
    assert windows.hit(rate, ("boris",), 1061.0) is None  # other keys count on their own
    windows.hit(rate, ("olga",), 1200.0)  # a sweep: anna and boris have been idle a window long
    assert list(windows._hits) == [("2", "60.0", "olga")]
