"""Telling a user's open pages that their orders, fills or positions moved
(DESIGN §6: group ``user.<id>``). Pages swap the fragments by element id.

Writers call :func:`order_changed` or :func:`account_changed_on_commit`
inside their transaction. Changes are collected per thread and published
once after the outermost commit, so one fill that moves an order, a
position and cash sends each fragment once. A sequence of writes that each
commit on their own (cancelling many orders, a batch of stream fills) runs
inside :func:`batched` to publish once at its end. A rolled-back change
publishes nothing when it rolls back; its ids ride along with the next
publication, which renders what the rows are by then. The rendering itself
runs on the process's publisher thread (``POLYBOT_PUSH_IN_BACKGROUND``),
so a worker goes on to its next order at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.selectors import bot_settings_get
from orders.models import Order
from orders.publisher import BackgroundPublisher
from polybot.realtime import push_fragment, user_group
from portfolio import selectors

logger = logging.getLogger(__name__)

ORDER_ROW_TEMPLATE = "orders/partials/_order_row.html"
OPEN_POSITIONS_TEMPLATE = "portfolio/partials/_open_positions.html"
TRADING_STATE_TEMPLATE = "includes/_trading_state.html"


class _Flush:
    """One queued publication; remembers whether it has run."""

    def __init__(self) -> None:
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        _flush()


class _Pending(threading.local):
    def __init__(self) -> None:
        self.order_ids: set[int] = set()
        self.user_ids: set[int] = set()
        self.queued: _Flush | None = None
        self.batch_depth = 0


_pending = _Pending()


def order_changed(order_id: int) -> None:
    """The order's row (and its owner's account panels) after the commit."""
    _pending.order_ids.add(order_id)
    _schedule()


def account_changed_on_commit(user_id: int) -> None:
    """The user's account panels (positions, stats, trading state) after the
    commit."""
    _pending.user_ids.add(user_id)
    _schedule()


@contextmanager
def batched() -> Iterator[None]:
    """Hold back the pushes of everything inside and publish them once at
    the end (after the commit, if a transaction is still open then)."""
    _pending.batch_depth += 1
    try:
        yield
    finally:
        _pending.batch_depth -= 1
        if _pending.batch_depth == 0 and (_pending.order_ids or _pending.user_ids):
            _schedule()


def _schedule() -> None:
    if _pending.batch_depth:
        return  # batched() publishes when it ends
    # Outside a transaction on_commit runs at once; inside, after the
    # outermost commit, once. A rollback discards the callback, so whether
    # one is still to run is asked of the connection, not assumed.
    queued = _pending.queued
    connection = transaction.get_connection()
    if (
        queued is not None
        and not queued.ran
        and connection.in_atomic_block
        and any(callback is queued for _, callback, _ in connection.run_on_commit)
    ):
        return
    _pending.queued = _Flush()
    transaction.on_commit(_pending.queued)


def _flush() -> None:
    order_ids, user_ids = _pending.order_ids, _pending.user_ids
    _pending.order_ids, _pending.user_ids = set(), set()
    if settings.POLYBOT_PUSH_IN_BACKGROUND:
        background.submit(order_ids, user_ids)
    else:
        publish(order_ids, user_ids)


def publish(order_ids: set[int], user_ids: set[int]) -> None:
    """Render and push these orders' rows and these accounts' panels (and
    the panels of the orders' owners) now, from the rows as they are."""
    try:
        orders = Order.objects.filter(pk__in=order_ids).select_related(
            "market", "outcome"
        )
        for order in orders:
            user_ids.add(order.user_id)
            push_fragment(
                user_group(order.user_id), ORDER_ROW_TEMPLATE, {"order": order}
            )
    except Exception:
        logger.exception("could not push order rows %s", sorted(order_ids))
    for user_id in sorted(user_ids):
        account_changed(user_id)


# Rendering is off the writer's thread (see orders.publisher); tests render
# in place, so a push can be asserted right after the commit.
background = BackgroundPublisher(publish)


def account_changed(user_id: int) -> None:
    """Push the account's panels now: the dashboard's stat cards and
    positions table, the positions page's open positions and the header's
    trading state. A page swaps the ones it shows."""
    try:
        user = User.objects.get(pk=user_id)
    except User.DoesNotExist:
        return
    mode = user.trading_mode
    group = user_group(user_id)
    panels = [
        (
            "portfolio/dashboard.html#stats-cards",
            lambda: {
                "stats": selectors.dashboard_stats(user=user, mode=mode),
                "mode_label": user.get_trading_mode_display(),
            },
        ),
        (
            "portfolio/dashboard.html#positions",
            lambda: {"positions": selectors.dashboard_positions(user=user, mode=mode)},
        ),
        (OPEN_POSITIONS_TEMPLATE, lambda: selectors.open_positions_panel(user=user)),
        (TRADING_STATE_TEMPLATE, lambda: {"bot": bot_settings_get(user=user)}),
    ]
    for template, context in panels:
        try:
            push_fragment(group, template, context())
        except Exception:
            # A page that misses one push catches up on the next or by
            # polling; a trading write must never fail because a browser
            # is away.
            logger.exception("could not push %s to user %s", template, user_id)
