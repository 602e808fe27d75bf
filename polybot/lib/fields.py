"""The project's Decimal column shapes, one place (STYLE R15)."""

from __future__ import annotations

from typing import Any

from django.db import models

from polybot.lib.money import (
    MONEY_DIGITS,
    MONEY_PLACES,
    PRICE_DIGITS,
    PRICE_PLACES,
    SIZE_DIGITS,
    SIZE_PLACES,
)


def price_field(**kwargs: Any) -> models.DecimalField:
    """A probability-price in [0, 1], six places (ticks down to 0.0001)."""
    return models.DecimalField(
        max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, **kwargs
    )


def size_field(**kwargs: Any) -> models.DecimalField:
    """A share count, six places like the venue's base units."""
    return models.DecimalField(
        max_digits=SIZE_DIGITS, decimal_places=SIZE_PLACES, **kwargs
    )


def money_field(**kwargs: Any) -> models.DecimalField:
    """pUSD, six places like the token itself."""
    return models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs
    )
