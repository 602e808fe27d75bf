"""Taker fees from the market's fee curve; makers pay nothing (API.md §5.2)."""

from __future__ import annotations

from decimal import Decimal

from polybot.sandbox.models import FeeSchedule
from polybot.sandbox.numbers import micro


def taker_fee(schedule: FeeSchedule, price: Decimal, shares: Decimal) -> Decimal:
    """``shares * rate * (p * (1 - p)) ** exponent`` in pUSD, rounded to 6 decimals.

    ``p * (1 - p)`` is symmetric, so YES and NO prices of one match give one fee."""
    if not schedule.enabled:
        return Decimal(0)
    return micro(shares * schedule.rate * (price * (1 - price)) ** schedule.exponent)
