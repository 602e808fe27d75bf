"""Decimal formatting as the venue writes numbers: plain strings, no exponent,
no trailing zeros ("0.5", "100", "0.001")."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from polybot.lib.money import to_decimal
from polybot.sandbox.constants import BASE_UNITS, MICRO

__all__ = ["fmt", "from_base_units", "micro", "to_base_units", "to_decimal"]


def fmt(value: Decimal) -> str:
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


def micro(value: Decimal) -> Decimal:
    """Round to the 6 decimals that exist on chain."""
    return value.quantize(MICRO, rounding=ROUND_HALF_EVEN)


def to_base_units(value: Decimal) -> int:
    return int((value * BASE_UNITS).to_integral_value(rounding=ROUND_DOWN))


def from_base_units(value: int | str) -> Decimal:
    return Decimal(int(value)) / BASE_UNITS
