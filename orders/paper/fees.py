"""The taker fee a paper execution pays (DESIGN §4 "Fees").

Kept equal, to the micro-dollar, to the sandbox venue's fee
(``polybot/sandbox/fees.py``): the same curve, charged per trade (one price
level of a walk), rounded half-even to the 6 decimals that exist on chain.
Makers pay nothing, so only taker executions call this.

``market_fee_curve`` / ``market_taker_fee`` are the one place that reads a
market's fee settings, so every caller agrees that a market with fees off
charges nothing whatever its rate says.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import NamedTuple, Protocol

ZERO = Decimal("0")
MICRO = Decimal("0.000001")


def taker_fee(
    *, shares: Decimal, price: Decimal, rate: Decimal, exponent: Decimal
) -> Decimal:
    """``shares * rate * (price * (1 - price)) ** exponent``, in pUSD.

    ``p * (1 - p)`` is symmetric, so the YES and NO legs of one match pay the
    same fee. A zero rate (fee-free market) is 0 without touching the curve.
    """
    if rate == ZERO:
        return ZERO
    fee = shares * rate * (price * (1 - price)) ** exponent
    return fee.quantize(MICRO, rounding=ROUND_HALF_EVEN)


class FeeCurve(NamedTuple):
    """A market's taker fee curve; a rate of 0 charges nothing."""

    rate: Decimal
    exponent: Decimal

    def fee(self, *, shares: Decimal, price: Decimal) -> Decimal:
        """The taker fee of one execution of ``shares`` at ``price``."""
        return taker_fee(
            shares=shares, price=price, rate=self.rate, exponent=self.exponent
        )


class FeeSettings(Protocol):
    """What a market says about its fees (``markets.models.Market``)."""

    @property
    def fees_enabled(self) -> bool: ...

    @property
    def fee_rate(self) -> Decimal: ...

    @property
    def fee_exponent(self) -> Decimal: ...


def market_fee_curve(market: FeeSettings) -> FeeCurve:
    """The curve a taker in ``market`` pays: its rate only when the market
    has fees enabled (a stored rate is not switched on by itself)."""
    rate = market.fee_rate if market.fees_enabled else ZERO
    return FeeCurve(rate=rate, exponent=market.fee_exponent)


def market_taker_fee(market: FeeSettings, *, price: Decimal, size: Decimal) -> Decimal:
    """The taker fee of ``size`` shares executed at ``price`` in ``market``."""
    return market_fee_curve(market).fee(shares=size, price=price)
