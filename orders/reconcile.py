"""Reconciliation (DESIGN §4): the venue's open orders and trades against
our rows, for one live account. Heals order states and missing fills,
resolves ``unknown`` and stuck ``submitting`` orders by their hash, and
reports any drift as a notification and in the audit log.

Runs every 30 s, after every user-channel reconnect and at worker start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q

from accounts.models import AuditAction
from accounts.services import audit_log_record
from alerts.models import NotificationLevel
from alerts.services import notification_create
from markets.models import Outcome
from orders.exchange.live import LiveGateway, kill_switch_engaged
from orders.exchange.live_trades import trades_apply
from orders.models import ACTIVE_ORDER_STATUSES, Order, OrderStatus
from orders.services import order_apply_update
from orders.transitions import order_transition
from polybot.lib.time import utc_now
from polybot.lib.types import TradingMode
from polybot.polymarket.models import OpenOrder
from polybot.polymarket.trading import TradingClient

logger = logging.getLogger(__name__)

# How long an order may sit in ``submitting`` or ``unknown`` before the
# reconciler decides its fate: longer than any post takes.
SETTLE_GRACE = timedelta(seconds=30)
# How far back trades are re-read for markets we traded in.
TRADE_LOOKBACK = timedelta(days=1)
NEVER_RECEIVED = "The venue never received this order."


@dataclass
class ReconcileReport:
    user_id: int
    states_healed: list[str] = field(default_factory=list)
    fills_added: int = 0
    reposted: list[int] = field(default_factory=list)

    @property
    def drift(self) -> bool:
        return bool(self.states_healed or self.fills_added)


def reconcile_user(
    user_id: int, *, gateway: LiveGateway | None = None
) -> ReconcileReport:
    gateway = gateway or LiveGateway(user_id)
    client = gateway.client
    report = ReconcileReport(user_id=user_id)
    now = utc_now()
    ours = list(
        Order.objects.filter(
            user_id=user_id, mode=TradingMode.LIVE, status__in=ACTIVE_ORDER_STATUSES
        ).select_related("market", "outcome")
    )
    venue_open = {o.id.lower(): o for o in client.open_orders()}
    if venue_open and kill_switch_engaged(user_id):
        # Nothing may rest at the venue while the kill switch holds, even a
        # post that landed after it cancelled everything it could see.
        cancelled = client.cancel_orders([o.id for o in venue_open.values()]).canceled
        if cancelled:
            report.states_healed.append(
                f"{len(cancelled)} order(s) cancelled at the venue: kill switch"
            )
        venue_open = {o.id.lower(): o for o in client.open_orders()}
    venue_open = _cancel_closed_orders(user_id, client, ours, venue_open, report)
    for order in ours:
        healed = _reconcile_order(order, gateway, venue_open, now, report)
        if healed:
            report.states_healed.append(healed)
    report.fills_added = _backfill_trades(user_id, client, now)
    # Trades may have completed orders the venue lists as MATCHED.
    _record(report)
    return report


def _cancel_closed_orders(
    user_id: int,
    client: TradingClient,
    ours: list[Order],
    venue_open: dict[str, OpenOrder],
    report: ReconcileReport,
) -> dict[str, OpenOrder]:
    """Orders the venue holds open that we closed (a post given up as never
    received that landed after all, a cancel the venue missed): the user was
    told they are not working, so they are cancelled there too. Returns the
    venue's open orders without them."""
    tracked = {(o.venue_order_hash or "").lower() for o in ours}
    strays = [venue_open[h].id for h in venue_open if h not in tracked]
    if not strays:
        return venue_open
    closed = list(
        Order.objects.filter(
            user_id=user_id,
            mode=TradingMode.LIVE,
            venue_order_hash__in={*strays, *(h.lower() for h in strays)},
        ).exclude(status__in=ACTIVE_ORDER_STATUSES)
    )
    if not closed:
        return venue_open  # placed outside polybot: not ours to touch
    by_hash = {(o.venue_order_hash or "").lower(): o for o in closed}
    result = client.cancel_orders([venue_open[h].id for h in by_hash])
    for order_hash in result.canceled:
        order = by_hash.get(order_hash.lower())
        if order is not None:
            report.states_healed.append(
                f"order {order.pk}: {order.status} here but open at the venue;"
                " cancelled there"
            )
    return {h: o for h, o in venue_open.items() if h not in by_hash}


def _reconcile_order(
    order: Order,
    gateway: LiveGateway,
    venue_open: dict[str, OpenOrder],
    now: datetime,
    report: ReconcileReport,
) -> str:
    """Bring one order in line with the venue; returns what changed, or ""."""
    if order.status == OrderStatus.PENDING:
        return ""  # the submission queue's (or the pending sweep's)
    if order.status == OrderStatus.SUBMITTING:
        if now - order.updated_at < SETTLE_GRACE:
            return ""  # a submission may be in flight
        if order.post_started_at is None:
            # The record proves it never left: post the stored payload.
            gateway.submit(order.pk)
            order.refresh_from_db()
            if order.post_started_at is not None:
                report.reposted.append(order.pk)
            return ""
        order_transition(
            order.pk, from_states=[OrderStatus.SUBMITTING], to=OrderStatus.UNKNOWN
        )
        order.status = OrderStatus.UNKNOWN
    order_hash = (order.venue_order_hash or "").lower()
    venue = venue_open.get(order_hash) if order_hash else None
    if venue is None and order_hash:
        venue = gateway.client.order(order_hash)
    if venue is not None:
        before = order.status
        if order_apply_update(order=order, venue_status=venue.status):
            order.refresh_from_db()
            return f"order {order.pk}: {before} → {order.status}"
        return ""
    if order.status == OrderStatus.UNKNOWN:
        if now - order.updated_at < SETTLE_GRACE:
            return ""
        # Not open, unknown by its hash: it never arrived.
        moved = order_transition(
            order.pk,
            from_states=[OrderStatus.UNKNOWN],
            to=OrderStatus.REJECTED,
            error_code="never_received",
            error_message=NEVER_RECEIVED,
        )
        return f"order {order.pk}: unknown → rejected" if moved else ""
    # Open here, gone from the venue without a word: cancelled there.
    moved = order_transition(
        order.pk,
        from_states=[OrderStatus.OPEN, OrderStatus.PARTIAL],
        to=OrderStatus.CANCELLED,
        error_code="gone_at_venue",
        error_message="The venue no longer holds this order.",
    )
    return f"order {order.pk}: {order.status} → cancelled" if moved else ""


def _backfill_trades(user_id: int, client: TradingClient, now: datetime) -> int:
    since = utc_now() - TRADE_LOOKBACK
    # Markets with recent activity, and those where an order still rests,
    # however long ago it was placed: its fills are recent.
    markets = (
        Order.objects.filter(user_id=user_id, mode=TradingMode.LIVE)
        .filter(Q(updated_at__gte=since) | Q(status__in=ACTIVE_ORDER_STATUSES))
        .exclude(venue_order_hash=None)
        .values_list("market_id", "market__condition_id")
        .distinct()
    )
    added = 0
    for market_id, condition_id in markets:
        # Both tokens: a maker order on NO can fill through a taker on YES.
        tokens = list(
            Outcome.objects.filter(market_id=market_id).values_list(
                "token_id", flat=True
            )
        )
        trades = client.trades_for_market(condition_id, tokens, after=since)
        added += trades_apply(trades, user_id=user_id)
    return added


def _record(report: ReconcileReport) -> None:
    if not report.drift:
        return
    lines = [*report.states_healed]
    if report.fills_added:
        lines.append(f"{report.fills_added} missing fills recorded")
    body = "\n".join(lines)
    logger.warning("reconciliation of user %s corrected: %s", report.user_id, body)
    audit_log_record(
        user=None,
        user_id=report.user_id,
        action=AuditAction.RECONCILE,
        message=f"Reconciliation corrected {len(lines)} item(s)",
        data={"corrections": lines, "fills_added": report.fills_added},
    )
    notification_create(
        user_id=report.user_id,
        title="Orders reconciled with the venue",
        body=body,
        level=NotificationLevel.WARNING,
        link="/orders",
    )
