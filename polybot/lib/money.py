"""Decimal helpers for money, prices and sizes (STYLE R15).

Prices are probabilities in (0, 1) quoted on the market's tick; sizes are
shares; cash is pUSD with 6 decimals on chain, shown with 2.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal

ZERO = Decimal("0")
ONE = Decimal("1")
CENT = Decimal("0.01")
# Column shapes used by every money/price/size DecimalField in the project.
PRICE_DIGITS, PRICE_PLACES = 10, 6
SIZE_DIGITS, SIZE_PLACES = 20, 6
MONEY_DIGITS, MONEY_PLACES = 20, 6


def to_decimal(value: object) -> Decimal:
    """Parse a venue number (string, int or float) without float artefacts."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def quantize_to_tick(
    price: Decimal, tick: Decimal, *, rounding: str = ROUND_HALF_EVEN
) -> Decimal:
    """Round a price to a multiple of ``tick`` (0.01, 0.001, ...)."""
    steps = (price / tick).to_integral_value(rounding=rounding)
    return (steps * tick).quantize(tick)


def floor_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    return quantize_to_tick(price, tick, rounding=ROUND_DOWN)


def ceil_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    return quantize_to_tick(price, tick, rounding=ROUND_UP)


def is_on_tick(price: Decimal, tick: Decimal) -> bool:
    return (price % tick) == ZERO


def price_in_bounds(price: Decimal, tick: Decimal) -> bool:
    """The venue accepts prices in [tick, 1 - tick]."""
    return tick <= price <= ONE - tick


def round_cash(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)
