"""Order state changes as conditional UPDATEs (DESIGN §4 "Order lifecycle").

Every transition names the states it may start from; the UPDATE matches only
while the row is still in one of them, so two workers (or a worker and the
reconciler) can never both act on one order: the loser updates no row and
knows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orders.models import Order, OrderStatus
from orders.realtime import order_changed
from polybot.lib.time import utc_now

TERMINAL_STATUSES = frozenset(
    {
        OrderStatus.FILLED,
        OrderStatus.CANCELLED,
        OrderStatus.EXPIRED,
        OrderStatus.REJECTED,
    }
)


def order_transition(
    order_id: int,
    *,
    from_states: Iterable[str],
    to: str,
    **fields: Any,
) -> bool:
    """Move the order to ``to`` if it is in one of ``from_states``; returns
    whether this call made the change. ``fields`` are set in the same UPDATE."""
    now = utc_now()
    values: dict[str, Any] = {"status": to, "updated_at": now, **fields}
    if to in TERMINAL_STATUSES:
        values.setdefault("closed_at", now)
    updated = Order.objects.filter(pk=order_id, status__in=list(from_states)).update(
        **values
    )
    # ``submitting`` lasts milliseconds and sits on the tick-to-wire path:
    # the page hears of the order when it rests, fills or fails instead.
    if updated and to != OrderStatus.SUBMITTING:
        order_changed(order_id)
    return updated == 1
