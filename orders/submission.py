"""Exactly-once submission (DESIGN §4 "Exactly once").

The order row is committed (``pending``, with its client order id) before
anything is sent. Submission then:

1. claims it, ``pending`` → ``submitting``, by conditional UPDATE;
2. (live) signs it and stores the signed payload and its hash, the venue's
   order id, and commits;
3. (live) marks the post as started and commits: from here on only the
   venue can say whether the order exists;
4. posts; a definite answer sets the state, an ambiguous one (timeout,
   connection lost, crash) leaves ``unknown`` for the reconciler, which
   resolves it by the hash and never re-posts blindly.

A redelivered task (the worker died) finds the order ``submitting`` and
continues from what the record proves: signed but never posted is posted
with the same payload; posting started is ``unknown``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from orders.exchange import gateway_for
from orders.models import Order, OrderStatus
from orders.transitions import order_transition
from polybot.lib.types import TradingMode

logger = logging.getLogger(__name__)

# Crash-injection points for the exactly-once tests ("signed": after the
# payload is stored, before posting; "posted": after the venue answered,
# before we record it). Empty in production.
CHECKPOINT_HOOKS: list[Callable[[str, int], None]] = []


def checkpoint(name: str, order_id: int) -> None:
    for hook in CHECKPOINT_HOOKS:
        hook(name, order_id)


def orders_submit(order_ids: Sequence[int]) -> None:
    """Submit committed orders: claim each, then hand them to their
    gateway (live ones of one user go as one venue batch)."""
    claimed: list[Order] = []
    for order_id in order_ids:
        order = _claim(order_id)
        if order is not None:
            claimed.append(order)
    groups: dict[tuple[str, int], list[int]] = {}
    for order in claimed:
        groups.setdefault((order.mode, order.user_id), []).append(order.pk)
    for (mode, user_id), ids in groups.items():
        gateway = gateway_for(mode, user_id)
        if len(ids) == 1:
            gateway.submit(ids[0])
        else:
            gateway.submit_batch(ids)


def _claim(order_id: int) -> Order | None:
    if order_transition(
        order_id, from_states=[OrderStatus.PENDING], to=OrderStatus.SUBMITTING
    ):
        return Order.objects.get(pk=order_id)
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != OrderStatus.SUBMITTING:
        return None  # cancelled before it was sent, or already done
    # A redelivery after a crash: continue only where the record proves it
    # is safe; the gateway posts a stored payload only if posting never began.
    if order.mode == TradingMode.LIVE and order.post_started_at is not None:
        order_transition(
            order.pk, from_states=[OrderStatus.SUBMITTING], to=OrderStatus.UNKNOWN
        )
        return None
    return order
