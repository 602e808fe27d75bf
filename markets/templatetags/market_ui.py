"""Price display for market pages: `{% load market_ui %}`.

Outcome prices are probabilities between 0 and 1 and read best in cents, the
way the venue shows them ("62¢", "62.5¢"). Like ``polybot.templatetags.ui``
these only format Decimals; they never compute with floats.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()

EMPTY = "—"
_HUNDRED = Decimal(100)
_THOUSAND = Decimal(1000)
_MILLION = Decimal(1_000_000)
_BILLION = Decimal(1_000_000_000)


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _plain(number: Decimal) -> str:
    """Decimal("62.500") -> "62.5", Decimal("60") -> "60" (never "6E+1")."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def cents(value: object) -> str:
    """Decimal("0.625") -> "62.5¢"; None -> "—"."""
    price = _decimal(value)
    if price is None:
        return EMPTY
    return f"{_plain((price * _HUNDRED).quantize(Decimal('0.01'), ROUND_HALF_UP))}¢"


@register.filter
def signed_cents(value: object) -> str:
    """A price change: Decimal("0.03") -> "+3¢", Decimal("-0.005") -> "−0.5¢",
    zero -> "0¢"."""
    change = _decimal(value)
    if change is None:
        return EMPTY
    text = cents(abs(change))
    if change > 0:
        return "+" + text
    return "−" + text if change < 0 else text


@register.filter
def move_class(value: object) -> str:
    """ "up", "down" or "flat" for a price change, without rounding it to
    cents first: half a cent is a move on a 0.001 tick."""
    change = _decimal(value)
    if change is None or change == 0:
        return "flat"
    return "up" if change > 0 else "down"


@register.filter
def compact_usd(value: object) -> str:
    """Decimal("1234567") -> "$1.2M", Decimal("950.4") -> "$950"; None -> "—"."""
    amount = _decimal(value)
    if amount is None:
        return EMPTY
    size = abs(amount)
    sign = "-" if amount < 0 else ""
    for unit, suffix in ((_BILLION, "B"), (_MILLION, "M"), (_THOUSAND, "k")):
        if size >= unit:
            scaled = (size / unit).quantize(Decimal("0.1"), ROUND_HALF_UP)
            return f"{sign}${_plain(scaled)}{suffix}"
    return f"{sign}${size.quantize(Decimal(1), ROUND_HALF_UP)}"


@register.filter
def shares(value: object) -> str:
    """Decimal("1234.50") -> "1,234.5"; None -> "—"."""
    size = _decimal(value)
    if size is None:
        return EMPTY
    return _plain_grouped(size.quantize(Decimal("0.01"), ROUND_HALF_UP))


def _plain_grouped(number: Decimal) -> str:
    text = f"{number:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def plain(value: object) -> str:
    """A Decimal without trailing zeros: Decimal("0.020000") -> "0.02"."""
    number = _decimal(value)
    return EMPTY if number is None else _plain(number)


@register.filter
def duration(value: object) -> str:
    """A timedelta as a stopwatch reads: "42 s", "3 min 05 s", "1 h 02 min";
    None -> "—". Negative spans (clock skew) read as zero."""
    if not isinstance(value, timedelta):
        return EMPTY
    seconds = max(int(value.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"


@register.filter
def ago(value: object) -> str:
    """How long ago an aware datetime was: "just now" under a minute (where
    ``timesince`` would say "0 minutes"), else "5 minutes ago"."""
    if not isinstance(value, datetime):
        return EMPTY
    if timezone.now() - value < timedelta(minutes=1):
        return "just now"
    return f"{timesince(value)} ago"
