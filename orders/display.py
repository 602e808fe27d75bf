"""How an order reads in one line, wherever it is named to the trader: the
ticket's "Order placed", the orders page's cancel message, toasts."""

from __future__ import annotations

from markets.templatetags.market_ui import cents, shares
from orders.models import Order


def order_summary(order: Order) -> str:
    """ "Buy 10 Yes at 52¢ (GTC)" (needs ``order.outcome``)."""
    return (
        f"{order.get_side_display()} {shares(order.size)} {order.outcome.label} "
        f"at {cents(order.price)} ({order.order_type})"
    )
