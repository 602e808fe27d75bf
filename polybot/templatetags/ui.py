"""Display filters for money and percentages: `{% load ui %}`.

Values are Decimals end to end (STYLE R15); these only format them, so a
template never does arithmetic or float conversion.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.html import format_html

register = template.Library()

EMPTY = "—"  # shown for "no value yet", never for zero
_CENT = Decimal("0.01")


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def usd(value: object) -> str:
    """Decimal("-1234.5") -> "-$1,234.50"; None -> "—"."""
    amount = _decimal(value)
    if amount is None:
        return EMPTY
    cents = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents):,.2f}"


@register.filter
def signed_usd(value: object) -> str:
    """Like ``usd`` with an explicit "+" on gains, for P&L."""
    amount = _decimal(value)
    text = usd(amount)
    if amount is not None and amount.quantize(_CENT) > 0:
        return "+" + text
    return text


@register.filter
def percent(value: object, places: int = 1) -> str:
    """Decimal("50.0") -> "50.0%"; None -> "—". The value is already a percentage."""
    number = _decimal(value)
    if number is None:
        return EMPTY
    quantum = Decimal(1).scaleb(-int(places))
    return f"{number.quantize(quantum, rounding=ROUND_HALF_UP):,}%"


@register.filter
def sign_class(value: object) -> str:
    """CSS class for a number's direction: "up", "down" or "flat"."""
    number = _decimal(value)
    if number is None or number.quantize(_CENT) == 0:
        return "flat"
    return "up" if number > 0 else "down"


@register.simple_tag
def icon(name: str, css_class: str = "") -> str:
    """`{% icon "grid" %}`: one symbol of the sprite in includes/_icons.html."""
    classes = f"icon {css_class}".strip()
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false">'
        '<use href="#i-{}"></use></svg>',
        classes,
        name,
    )
