"""Client-side token buckets that keep us under the venue's rate limits.

Polymarket throttles per IP through Cloudflare (requests are queued, then
answered 429) with documented limits per endpoint family (API.md §5.3). We
never want to find those limits by hitting them: each family gets a bucket
sized at ``VenueConfig.rate_limit_fraction`` of its documented limit, and
``http.py`` takes a token before every request.

A family may have more than one window: the trading endpoints have a burst
limit per 10 s *and* a sustained one per 10 min, and a request must fit both.
Buckets start full and refill continuously (``limit * fraction / period``
tokens a second).

Everything here is thread-safe (one lock per family) and takes an injectable
clock and sleep, so tests run on a fake clock and never really sleep.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class Limit:
    """``count`` requests per ``period`` seconds, as documented by the venue."""

    count: int
    period: float = 10.0


# Endpoint families and their documented limits (API.md §5.3). The names are
# what callers pass to ``HttpClient``; keep them stable.
GAMMA_MARKETS = "gamma.markets"
GAMMA_EVENTS = "gamma.events"
GAMMA_GENERAL = "gamma.general"
CLOB_BOOK = "clob.book"
CLOB_BOOKS = "clob.books"
CLOB_PRICE = "clob.price"
CLOB_PRICES = "clob.prices"
CLOB_MIDPOINT = "clob.midpoint"
CLOB_MIDPOINTS = "clob.midpoints"
CLOB_PRICES_HISTORY = "clob.prices_history"
CLOB_TICK_SIZE = "clob.tick_size"
CLOB_OK = "clob.ok"
CLOB_GENERAL = "clob.general"
CLOB_LEDGER_ORDERS = "clob.ledger.orders"
CLOB_LEDGER_TRADES = "clob.ledger.trades"
CLOB_LEDGER_ORDER = "clob.ledger.order"
CLOB_BALANCE = "clob.balance"
CLOB_BALANCE_UPDATE = "clob.balance_update"
CLOB_AUTH = "clob.auth"
TRADING_POST_ORDER = "trading.post_order"
TRADING_POST_ORDERS = "trading.post_orders"
TRADING_CANCEL = "trading.cancel"
TRADING_CANCEL_ORDERS = "trading.cancel_orders"
TRADING_CANCEL_ALL = "trading.cancel_all"
TRADING_CANCEL_MARKET = "trading.cancel_market"
DATA_POSITIONS = "data.positions"
DATA_TRADES = "data.trades"
DATA_GENERAL = "data.general"

_TEN_MINUTES = 600.0

DOCUMENTED_LIMITS: Mapping[str, tuple[Limit, ...]] = {
    GAMMA_MARKETS: (Limit(300),),
    GAMMA_EVENTS: (Limit(500),),
    GAMMA_GENERAL: (Limit(4000),),
    CLOB_BOOK: (Limit(1500),),
    CLOB_BOOKS: (Limit(500),),
    CLOB_PRICE: (Limit(1500),),
    CLOB_PRICES: (Limit(500),),
    CLOB_MIDPOINT: (Limit(1500),),
    CLOB_MIDPOINTS: (Limit(500),),
    CLOB_PRICES_HISTORY: (Limit(1000),),
    CLOB_TICK_SIZE: (Limit(200),),
    CLOB_OK: (Limit(100),),
    CLOB_GENERAL: (Limit(9000),),
    CLOB_LEDGER_ORDERS: (Limit(500),),
    CLOB_LEDGER_TRADES: (Limit(500),),
    CLOB_LEDGER_ORDER: (Limit(900),),
    CLOB_BALANCE: (Limit(200),),
    CLOB_BALANCE_UPDATE: (Limit(50),),
    CLOB_AUTH: (Limit(100),),
    TRADING_POST_ORDER: (Limit(3500), Limit(36000, _TEN_MINUTES)),
    TRADING_POST_ORDERS: (Limit(1000), Limit(15000, _TEN_MINUTES)),
    TRADING_CANCEL: (Limit(3000), Limit(30000, _TEN_MINUTES)),
    TRADING_CANCEL_ORDERS: (Limit(1000), Limit(15000, _TEN_MINUTES)),
    TRADING_CANCEL_ALL: (Limit(250), Limit(6000, _TEN_MINUTES)),
    TRADING_CANCEL_MARKET: (Limit(1000), Limit(1500, _TEN_MINUTES)),
    DATA_POSITIONS: (Limit(150),),
    DATA_TRADES: (Limit(200),),
    DATA_GENERAL: (Limit(1000),),
}


class TokenBucket:
    """One window: ``capacity`` tokens, refilled at ``rate`` tokens a second.

    Not locked itself; ``FamilyLimiter`` holds the lock for all its buckets so
    a request takes from every window at once or from none."""

    __slots__ = ("capacity", "rate", "tokens", "updated")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        if capacity <= 0 or rate <= 0:
            raise ValueError("a bucket needs a positive capacity and rate")
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.updated = now

    def refill(self, now: float) -> None:
        # A clock that steps backwards (it should not; monotonic) must not
        # drain the bucket.
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now

    def wait_for(self, cost: float) -> float:
        """Seconds until ``cost`` tokens are available (0 if they are now)."""
        missing = cost - self.tokens
        return 0.0 if missing <= 0 else missing / self.rate


class FamilyLimiter:
    """All windows of one endpoint family, behind one lock."""

    def __init__(
        self, name: str, buckets: tuple[TokenBucket, ...], clock: Clock, sleep: Sleep
    ) -> None:
        self.name = name
        self.buckets = buckets
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    @property
    def capacity(self) -> float:
        return min(bucket.capacity for bucket in self.buckets)

    def _check_cost(self, cost: float) -> None:
        if cost <= 0:
            raise ValueError("cost must be positive")
        if cost > self.capacity:
            # It could never be satisfied; blocking forever is worse than a bug report.
            raise ValueError(
                f"cost {cost} exceeds the {self.name} bucket capacity {self.capacity}"
            )

    def _take_or_wait(self, cost: float) -> float:
        """Take ``cost`` tokens and return 0, or return how long to wait."""
        with self._lock:
            now = self._clock()
            for bucket in self.buckets:
                bucket.refill(now)
            wait = max(bucket.wait_for(cost) for bucket in self.buckets)
            if wait == 0.0:
                for bucket in self.buckets:
                    bucket.tokens -= cost
            return wait

    def try_acquire(self, cost: float = 1) -> bool:
        self._check_cost(cost)
        return self._take_or_wait(cost) == 0.0

    def acquire(self, cost: float = 1) -> float:
        """Block until ``cost`` tokens are taken; return the seconds slept.

        Sleeps outside the lock so other threads can still take tokens from
        other families (and re-check this one) meanwhile."""
        self._check_cost(cost)
        slept = 0.0
        while True:
            wait = self._take_or_wait(cost)
            if wait == 0.0:
                return slept
            self._sleep(wait)
            slept += wait

    def available(self) -> float:
        with self._lock:
            now = self._clock()
            for bucket in self.buckets:
                bucket.refill(now)
            return min(bucket.tokens for bucket in self.buckets)


class RateLimiter:
    """The buckets of every endpoint family, sized at ``fraction`` of the
    documented limits. Share one instance between the clients of a process.

    ``acquire`` blocks (with the injected ``sleep``) until the family has a
    token; ``try_acquire`` never blocks. Unknown families raise ``KeyError``,
    so a typo in a family name fails loudly instead of going unthrottled."""

    def __init__(
        self,
        fraction: float = 0.5,
        *,
        limits: Mapping[str, tuple[Limit, ...]] = DOCUMENTED_LIMITS,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if not 0 < fraction <= 1:
            raise ValueError("rate_limit_fraction must be in (0, 1]")
        self.fraction = fraction
        now = clock()
        self._families: dict[str, FamilyLimiter] = {}
        for name, windows in limits.items():
            buckets = []
            for window in windows:
                # Never below one token, or a tiny fraction would block forever.
                capacity = max(1.0, math.floor(window.count * fraction))
                buckets.append(TokenBucket(capacity, capacity / window.period, now))
            self._families[name] = FamilyLimiter(name, tuple(buckets), clock, sleep)

    def family(self, name: str) -> FamilyLimiter:
        try:
            return self._families[name]
        except KeyError:
            raise KeyError(f"unknown rate-limit family {name!r}") from None

    def acquire(self, name: str, cost: float = 1) -> float:
        return self.family(name).acquire(cost)

    def try_acquire(self, name: str, cost: float = 1) -> bool:
        return self.family(name).try_acquire(cost)
