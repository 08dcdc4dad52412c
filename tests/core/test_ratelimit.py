"""The per-user sliding window: counts, waits, and memory that follows only the users active within the window."""

from __future__ import annotations

from datetime import timedelta

from bot.core.ratelimit import RateLimiter
from tests.conftest import FakeClock


def test_the_sixth_request_in_the_window_waits_until_the_first_leaves_it() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, limit=5, window=timedelta(seconds=10))
    for _ in range(5):
        assert limiter.retry_after("ann") == 0
        clock.advance(seconds=1)
    assert limiter.retry_after("ann") == 5.0  # the first request, at 0 s, leaves the window at 10 s; now is 5 s
    assert limiter.retry_after("bob") == 0, "each key has its own window"
    clock.advance(seconds=5)
    assert limiter.retry_after("ann") == 0


def test_a_refused_request_is_not_counted() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, limit=1, window=timedelta(seconds=10))
    assert limiter.retry_after("ann") == 0
    for _ in range(9):
        clock.advance(seconds=1)
        assert limiter.retry_after("ann") > 0
    clock.advance(seconds=1)
    assert limiter.retry_after("ann") == 0


def test_users_idle_for_a_window_are_forgotten_and_active_ones_kept() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, limit=2, window=timedelta(seconds=10))
    for n in range(50_000):  # a burst of distinct users
        assert limiter.retry_after(f"user-{n}") == 0
    assert len(limiter) == 50_000
    clock.advance(seconds=5)
    assert limiter.retry_after("user-7") == 0  # still active: asks again halfway through the window
    assert limiter.retry_after("user-7") > 0, "its first request still counts"
    clock.advance(seconds=6)
    assert limiter.retry_after("late") == 0
    assert len(limiter) == 2, "everyone idle for a whole window is forgotten; user-7 and late are kept"
    assert limiter.retry_after("user-7") == 0, "its first request left the window: one more fits"
    assert limiter.retry_after("user-7") > 0, "its second request, 6 s ago, still counts"
    assert limiter.retry_after("user-8") == 0
