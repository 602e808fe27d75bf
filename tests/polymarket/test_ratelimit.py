"""Token buckets on a fake clock: sizes, refill, blocking, both windows."""

from __future__ import annotations

import math
import threading

import pytest

from polybot.polymarket import ratelimit
from polybot.polymarket.ratelimit import Limit, RateLimiter


class FakeClock:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def limiter(clock: FakeClock, fraction: float = 0.5, **kwargs: object) -> RateLimiter:
    return RateLimiter(fraction, clock=clock, sleep=clock.sleep, **kwargs)  # type: ignore[arg-type]


def test_it_sizes_each_family_at_the_fraction_of_the_documented_limit(clock):
    limits = limiter(clock, 0.5)
    # /markets: 300 per 10 s documented → 150 tokens, refilled at 15/s.
    markets = limits.family(ratelimit.GAMMA_MARKETS)
    assert markets.capacity == 150
    assert markets.buckets[0].rate == 15.0
    # POST /order has a burst and a sustained window.
    post = limits.family(ratelimit.TRADING_POST_ORDER)
    assert [(b.capacity, b.rate) for b in post.buckets] == [
        (1750, 175.0),
        (18000, 30.0),
    ]


def test_it_grants_the_capacity_then_refuses_without_blocking(clock):
    limits = limiter(clock)
    granted = [limits.try_acquire(ratelimit.GAMMA_MARKETS) for _ in range(151)]
    assert granted.count(True) == 150
    assert granted[-1] is False
    assert clock.sleeps == []


def test_it_refills_continuously(clock):
    limits = limiter(clock)
    for _ in range(150):
        assert limits.try_acquire(ratelimit.GAMMA_MARKETS)
    clock.now += 1 / 15  # one token's worth at 15/s
    assert limits.try_acquire(ratelimit.GAMMA_MARKETS)
    assert not limits.try_acquire(ratelimit.GAMMA_MARKETS)


def test_it_never_refills_above_capacity(clock):
    limits = limiter(clock)
    clock.now += 3600
    assert limits.family(ratelimit.GAMMA_MARKETS).available() == 150


def test_acquire_blocks_exactly_until_a_token_is_back(clock):
    limits = limiter(clock)
    for _ in range(150):
        limits.acquire(ratelimit.GAMMA_MARKETS)
    assert clock.sleeps == []
    slept = limits.acquire(ratelimit.GAMMA_MARKETS)
    assert len(clock.sleeps) == 1
    assert math.isclose(clock.sleeps[0], 1 / 15)
    assert math.isclose(slept, 1 / 15)


def test_acquire_with_a_cost_waits_for_all_of_it(clock):
    limits = limiter(clock)
    for _ in range(150):
        limits.acquire(ratelimit.GAMMA_MARKETS)
    limits.acquire(ratelimit.GAMMA_MARKETS, cost=3)
    assert math.isclose(sum(clock.sleeps), 3 / 15)


def test_a_request_must_fit_the_burst_and_the_sustained_window(clock):
    limits = limiter(clock)
    family = ratelimit.TRADING_CANCEL_MARKET  # 1000/10 s and 1500/10 min
    for _ in range(500):
        assert limits.try_acquire(family)
    assert not limits.try_acquire(family)
    clock.now += 10  # burst full again (500); sustained has 250 + 10 * 1.25
    granted = sum(limits.try_acquire(family) for _ in range(500))
    assert granted == 262


def test_acquire_sleeps_for_the_slower_window(clock):
    limits = RateLimiter(
        1.0,
        limits={"x": (Limit(10, 10.0), Limit(10, 100.0))},
        clock=clock,
        sleep=clock.sleep,
    )
    for _ in range(10):
        limits.acquire("x")
    limits.acquire("x")
    # Burst refills 1/s, sustained 0.1/s: the sustained window decides.
    assert clock.sleeps == [pytest.approx(10.0)]


def test_it_refuses_costs_it_could_never_grant(clock):
    limits = limiter(clock)
    with pytest.raises(ValueError):
        limits.acquire(ratelimit.GAMMA_MARKETS, cost=151)
    with pytest.raises(ValueError):
        limits.try_acquire(ratelimit.GAMMA_MARKETS, cost=0)


def test_unknown_family_is_an_error_not_a_free_pass(clock):
    with pytest.raises(KeyError, match="gamma.market"):
        limiter(clock).acquire("gamma.market")


@pytest.mark.parametrize("fraction", [0, -0.1, 1.5])
def test_it_rejects_a_fraction_outside_zero_one(clock, fraction):
    with pytest.raises(ValueError):
        limiter(clock, fraction)


def test_a_tiny_fraction_still_leaves_one_token(clock):
    limits = limiter(clock, 0.001)
    assert limits.family(ratelimit.CLOB_BALANCE_UPDATE).capacity == 1  # 50 * 0.001


def test_a_clock_stepping_back_does_not_drain_the_bucket(clock):
    limits = limiter(clock)
    limits.acquire(ratelimit.CLOB_TICK_SIZE)
    clock.now -= 50
    assert limits.family(ratelimit.CLOB_TICK_SIZE).available() == 99


def test_it_is_thread_safe(clock):
    limits = limiter(clock)  # the clock is frozen: no refill during the race
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        local = [limits.try_acquire(ratelimit.GAMMA_MARKETS) for _ in range(100)]
        with lock:
            results.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 150
    assert len(results) == 800


def test_every_family_has_a_documented_limit():
    names = [
        value
        for key, value in vars(ratelimit).items()
        if key.isupper() and isinstance(value, str) and "." in value
    ]
    assert names
    assert set(names) == set(ratelimit.DOCUMENTED_LIMITS)
