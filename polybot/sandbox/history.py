"""Price history for ``/prices-history``: generated backwards from the start,
then extended by the live simulation. Stored in YES space; the complement
token's series is ``1 - p``."""

from __future__ import annotations

import bisect
import math
import random
from collections import defaultdict

from polybot.sandbox.models import Market

STEP_SECONDS = 600  # generated history: one point per 10 minutes
LIVE_MIN_GAP = 10  # live points: at most one per 10 s per market


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def ou_step(
    z: float, anchor: float, vol: float, dt_days: float, rng: random.Random
) -> float:
    """One Ornstein-Uhlenbeck step in logit space: a random walk pulled back
    to the anchor, so prices wander but stay plausible."""
    theta = 1.5  # per day
    target = logit(min(max(anchor, 0.01), 0.99))
    return (
        z + theta * (target - z) * dt_days + vol * math.sqrt(dt_days) * rng.gauss(0, 1)
    )


def clamp(p: float) -> float:
    return min(max(p, 0.005), 0.995)


class PriceHistory:
    def __init__(self) -> None:
        self._times: defaultdict[str, list[int]] = defaultdict(list)
        self._prices: defaultdict[str, list[float]] = defaultdict(list)

    def generate(
        self,
        market: Market,
        anchor: float,
        vol: float,
        end_ts: int,
        days: int,
        rng: random.Random,
    ) -> float:
        """Fill ``days`` of history ending at ``end_ts``; returns the last price."""
        steps = days * 86400 // STEP_SECONDS
        z = logit(clamp(anchor + rng.uniform(-0.05, 0.05)))
        dt = STEP_SECONDS / 86400
        start = end_ts - steps * STEP_SECONDS
        price = clamp(sigmoid(z))
        for i in range(steps + 1):
            z = ou_step(z, anchor, vol, dt, rng)
            price = round(clamp(sigmoid(z)), 4)
            self._append(market.condition_id, start + i * STEP_SECONDS, price)
        return price

    def record(self, market: Market, ts: int, price: float) -> None:
        times = self._times[market.condition_id]
        if times and ts - times[-1] < LIVE_MIN_GAP:
            return
        self._append(market.condition_id, ts, round(price, 4))

    def _append(self, condition_id: str, ts: int, price: float) -> None:
        self._times[condition_id].append(ts)
        self._prices[condition_id].append(price)

    def first_ts(self, market: Market) -> int | None:
        times = self._times.get(market.condition_id)
        return times[0] if times else None

    def query(
        self, market: Market, token_id: str, start: int, end: int, fidelity_minutes: int
    ) -> list[tuple[int, float]]:
        """Points in ``[start, end]``, at most one per ``fidelity`` bucket (its last)."""
        times = self._times.get(market.condition_id, [])
        prices = self._prices.get(market.condition_id, [])
        lo = bisect.bisect_left(times, start)
        hi = bisect.bisect_right(times, end)
        bucket_seconds = max(fidelity_minutes, 1) * 60
        out: list[tuple[int, float]] = []
        last_bucket = None
        mirror = not market.is_yes(token_id)
        for i in range(lo, hi):
            bucket = times[i] // bucket_seconds
            price = round(1 - prices[i], 4) if mirror else prices[i]
            if bucket == last_bucket:
                out[-1] = (times[i], price)
            else:
                out.append((times[i], price))
                last_bucket = bucket
        return out
