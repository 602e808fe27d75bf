"""Template tags of the orders app."""

from __future__ import annotations

from django import template
from django.db.models import Max

from orders.models import Order

register = template.Library()


@register.simple_tag
def latest_order_id(user_id: int | None) -> str:
    """The id of the user's newest order ("" for none). The header's trading
    state carries it, so a page hears of an order placed elsewhere (a
    strategy, the API, another tab) and reloads its order lists (app.js)."""
    if not user_id:
        return ""
    latest = Order.objects.filter(user_id=user_id).aggregate(latest=Max("id"))["latest"]
    return "" if latest is None else str(latest)
