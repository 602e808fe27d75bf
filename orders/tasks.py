"""Order tasks (queue ``orders``). Submission is acks-late with no automatic
retry: a task that dies is redelivered and continues from what the order's
record proves (``orders.submission``); nothing is ever re-sent blindly."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from celery.signals import worker_ready
from django.core.cache import cache

from orders.models import ACTIVE_ORDER_STATUSES, Order, OrderStatus
from polybot.heartbeat import heartbeat_write
from polybot.lib.time import utc_now
from polybot.lib.types import TradingMode

logger = logging.getLogger(__name__)

# A pending order older than this was never queued (broker down): queue it.
PENDING_STALE = timedelta(seconds=15)
_HEARTBEAT_KEY = "polybot:live:heartbeat:{}"


@shared_task(
    name="orders.submit",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=0,
    ignore_result=True,
)
def orders_submit(order_ids: list[int]) -> None:
    from orders.realtime import batched
    from orders.submission import orders_submit as submit

    # After the orders are on the wire, the pages hear of them once.
    with batched():
        submit(order_ids)


@shared_task(name="orders.reconcile", ignore_result=True)
def orders_reconcile(user_id: int | None = None) -> dict[str, int]:
    """Reconcile one live account, or every account with live activity."""
    from orders.reconcile import reconcile_user

    user_ids = [user_id] if user_id is not None else _live_user_ids()
    corrected = 0
    for uid in user_ids:
        try:
            corrected += reconcile_user(uid).drift
        except Exception:
            # One account's venue trouble must not starve the others.
            logger.exception("reconciliation of user %s failed", uid)
    return {"accounts": len(user_ids), "corrected": corrected}


@shared_task(name="orders.sweep", ignore_result=True)
def orders_sweep() -> dict[str, int]:
    """Queue pending orders nobody queued, and expire paper GTD orders."""
    from orders.services import submission_enqueue
    from orders.transitions import order_transition

    now = utc_now()
    stale = list(
        Order.objects.filter(
            status=OrderStatus.PENDING, created_at__lt=now - PENDING_STALE
        ).values_list("pk", flat=True)[:500]
    )
    if stale:
        submission_enqueue(stale)
    expired = 0
    for order_id in Order.objects.filter(
        mode=TradingMode.PAPER,
        status__in=[OrderStatus.OPEN, OrderStatus.PARTIAL],
        expiration__lte=now,
    ).values_list("pk", flat=True):
        expired += order_transition(
            order_id,
            from_states=[OrderStatus.OPEN, OrderStatus.PARTIAL],
            to=OrderStatus.EXPIRED,
        )
    return {"requeued": len(stale), "expired": expired}


@shared_task(name="orders.venue_heartbeat", ignore_result=True)
def orders_venue_heartbeat() -> int:
    """The dead-man switch (DESIGN §4): while a live account has open orders,
    tell the venue every 5 s that we are alive; if we stop, it cancels them."""
    from orders.exchange.live import LiveGateway

    # Its own process beats for /readyz, whether or not an order rests.
    heartbeat_write("heartbeat")
    sent = 0
    for uid in _live_user_ids(open_only=True):
        key = _HEARTBEAT_KEY.format(uid)
        try:
            next_id = LiveGateway(uid).client.heartbeat(cache.get(key) or "")
        except Exception:
            logger.exception("venue heartbeat for user %s failed", uid)
            continue
        cache.set(key, next_id, timeout=60)
        sent += 1
    return sent


@shared_task(name="orders.daily_loss_watch", ignore_result=True)
def orders_daily_loss_watch() -> int:
    """Halt accounts whose loss today reached their limit (orders.daily_loss)."""
    from orders.daily_loss import daily_loss_watch

    return len(daily_loss_watch(now=utc_now()))


@shared_task(name="portfolio.settle_resolved", ignore_result=True)
def portfolio_settle_resolved() -> int:
    """Settle open positions in markets that resolved (from the stream's
    ``market_resolved`` or the catalogue sync). Idempotent."""
    from markets.models import Market, MarketStatus
    from orders.services import market_settle
    from portfolio.models import PositionStatus

    markets = Market.objects.filter(
        status=MarketStatus.RESOLVED,
        winning_outcome__isnull=False,
        positions__status=PositionStatus.OPEN,
    ).distinct()
    return sum(market_settle(market=m) for m in markets)


def _live_user_ids(*, open_only: bool = False) -> list[int]:
    orders = Order.objects.filter(mode=TradingMode.LIVE)
    if open_only:
        orders = orders.filter(status__in=[OrderStatus.OPEN, OrderStatus.PARTIAL])
    else:
        orders = orders.filter(status__in=ACTIVE_ORDER_STATUSES) | orders.filter(
            updated_at__gte=utc_now() - timedelta(days=1)
        )
    return sorted(set(orders.values_list("user_id", flat=True)))


@worker_ready.connect
def _reconcile_at_start(**_: object) -> None:
    orders_reconcile.delay()
