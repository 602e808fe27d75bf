"""The fills ledger (DESIGN §4 "Fills ledger"): one row per venue trade id,
so the same trade applied twice (websocket and backfill, or a replay)
changes nothing the second time, and settlement status only moves forward.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from accounts.models import AuditAction
from accounts.services import audit_log_record
from markets.models import Outcome
from orders.locks import user_trading_lock
from orders.models import Fill, LiquidityRole, Order, OrderStatus, SettlementStatus
from orders.realtime import account_changed_on_commit, order_changed
from polybot.lib.time import utc_now
from polybot.lib.types import Side, TradingMode
from portfolio.cash import paper_cash_post
from portfolio.ledger import position_apply_fill, position_rebuild
from portfolio.models import CashEntryKind
from portfolio.pnl import micro

logger = logging.getLogger(__name__)
ZERO = Decimal("0")

# MATCHED → MINED → CONFIRMED, with RETRYING on the way; CONFIRMED and
# FAILED are final.
_RANK = {
    SettlementStatus.MATCHED: 0,
    SettlementStatus.RETRYING: 1,
    SettlementStatus.MINED: 2,
    SettlementStatus.CONFIRMED: 3,
}
FINAL_SETTLEMENT = frozenset({SettlementStatus.CONFIRMED, SettlementStatus.FAILED})
LANDED_LATE = "landed_late"
LANDED_LATE_MESSAGE = (
    "The order reached the venue after it was given up and traded there;"
    " any part not filled is cancelled."
)


@dataclass(frozen=True)
class FillReport:
    """A trade of ours as the venue (or the paper matcher) reports it."""

    venue_trade_id: str
    user_id: int
    mode: str
    outcome: Outcome
    side: str
    price: Decimal
    size: Decimal
    fee: Decimal
    role: str
    matched_at: datetime
    order_id: int | None = None
    settlement_status: str = SettlementStatus.MATCHED
    tx_hash: str = ""


@dataclass(frozen=True)
class FillResult:
    fill: Fill
    created: bool
    reversed: bool = False


def fill_apply(report: FillReport) -> FillResult:
    """Record a trade once: the fill, the order's progress, the position and
    (paper) cash move together or not at all. A known trade id only moves
    its settlement status forward; ``FAILED`` reverses the fill."""
    with transaction.atomic():
        result = _fill_apply_locked(report)
        # Pages show the order's progress, the position and the fill's
        # settlement state: all may have moved.
        order_changed(result.fill.order_id)
        account_changed_on_commit(report.user_id)
    return result


def _fill_apply_locked(report: FillReport) -> FillResult:
    with transaction.atomic():
        user_trading_lock(report.user_id)
        existing = (
            Fill.objects.select_for_update()
            .filter(venue_trade_id=report.venue_trade_id)
            .first()
        )
        if existing is not None:
            return _progress(existing, report)
        try:
            with transaction.atomic():
                fill = _create(report)
        except IntegrityError:
            # Raced by another writer that held no lock (cannot happen
            # under the user lock, but the unique key is the real guard).
            existing = Fill.objects.get(venue_trade_id=report.venue_trade_id)
            return FillResult(fill=existing, created=False)
        if report.settlement_status == SettlementStatus.FAILED:
            _reverse(fill)
            return FillResult(fill=fill, created=True, reversed=True)
        return FillResult(fill=fill, created=True)


def _create(report: FillReport) -> Fill:
    fee = report.fee if report.role == LiquidityRole.TAKER else ZERO
    fill = Fill.objects.create(
        user_id=report.user_id,
        mode=report.mode,
        order_id=report.order_id,
        venue_trade_id=report.venue_trade_id,
        market_id=report.outcome.market_id,
        outcome=report.outcome,
        side=report.side,
        price=report.price,
        size=report.size,
        fee=fee,
        role=report.role,
        settlement_status=report.settlement_status,
        tx_hash=report.tx_hash,
        matched_at=report.matched_at,
    )
    if fill.order_id is not None:
        _order_add_fill(fill)
    fill.position = position_apply_fill(fill)
    fill.save(update_fields=["position", "updated_at"])
    if fill.mode == TradingMode.PAPER:
        _paper_cash_for(fill)
    audit_log_record(
        user=fill.user,
        action=AuditAction.FILL,
        obj=fill,
        message=f"{fill.side} {fill.size} @ {fill.price}",
        data={
            "venue_trade_id": fill.venue_trade_id,
            "order_id": fill.order_id,
            "role": fill.role,
            "fee": str(fill.fee),
        },
    )
    return fill


def _order_add_fill(fill: Fill) -> None:
    order = Order.objects.select_for_update().get(pk=fill.order_id)
    filled = order.filled_size + fill.size
    if filled > order.size:
        logger.error(
            "order %s: fills of %s exceed its size %s; capped",
            order.pk,
            filled,
            order.size,
        )
        filled = order.size
    notional = (order.average_fill_price or ZERO) * order.filled_size + (
        fill.price * fill.size
    )
    order.average_fill_price = (notional / (order.filled_size + fill.size)).quantize(
        Decimal("0.000001")
    )
    order.filled_size = filled
    order.fees_paid = order.fees_paid + fill.fee
    if order.status == OrderStatus.REJECTED:
        # Given up as never received, the post reached the venue after all
        # and traded there. Whatever it did not fill is not working: the
        # reconciler cancels a closed order the venue still holds.
        order.error_code = LANDED_LATE
        order.error_message = LANDED_LATE_MESSAGE
        if filled < order.size:
            order.status = OrderStatus.CANCELLED
    if filled == order.size:
        order.status = OrderStatus.FILLED
        order.closed_at = order.closed_at or utc_now()
    elif order.status in (
        OrderStatus.PENDING,
        OrderStatus.SUBMITTING,
        OrderStatus.OPEN,
        OrderStatus.UNKNOWN,
    ):
        order.status = OrderStatus.PARTIAL
    order.save()


def _paper_cash_for(fill: Fill) -> None:
    notional = micro(fill.price * fill.size)
    if fill.side == Side.BUY:
        paper_cash_post(
            fill.user, kind=CashEntryKind.BUY, amount=-notional, fill_id=fill.pk
        )
    else:
        paper_cash_post(
            fill.user, kind=CashEntryKind.SELL, amount=notional, fill_id=fill.pk
        )
    if fill.fee > ZERO:
        paper_cash_post(
            fill.user, kind=CashEntryKind.FEE, amount=-fill.fee, fill_id=fill.pk
        )


def _progress(fill: Fill, report: FillReport) -> FillResult:
    new = report.settlement_status
    if fill.settlement_status in FINAL_SETTLEMENT or new == fill.settlement_status:
        return FillResult(fill=fill, created=False)
    if new == SettlementStatus.FAILED:
        fill.settlement_status = new
        fill.tx_hash = report.tx_hash or fill.tx_hash
        fill.save(update_fields=["settlement_status", "tx_hash", "updated_at"])
        _reverse(fill)
        return FillResult(fill=fill, created=False, reversed=True)
    if (
        _RANK.get(new, -1) <= _RANK[fill.settlement_status]
        and new != SettlementStatus.RETRYING
    ):
        return FillResult(fill=fill, created=False)
    fill.settlement_status = new
    fill.tx_hash = report.tx_hash or fill.tx_hash
    fill.save(update_fields=["settlement_status", "tx_hash", "updated_at"])
    return FillResult(fill=fill, created=False)


def _reverse(fill: Fill) -> None:
    """A FAILED settlement never happened on chain: take the fill out of
    its order and position (paper cash too), keeping the row as history."""
    fill.reversed_at = utc_now()
    fill.save(update_fields=["reversed_at", "updated_at"])
    if fill.order_id is not None:
        order = Order.objects.select_for_update().get(pk=fill.order_id)
        standing = order.fills.filter(reversed_at__isnull=True)
        totals = standing.aggregate(size=Sum("size"), fees=Sum("fee"))
        order.filled_size = totals["size"] or ZERO
        order.fees_paid = totals["fees"] or ZERO
        if order.filled_size:
            notional = sum((f.price * f.size for f in standing), ZERO)
            order.average_fill_price = (notional / order.filled_size).quantize(
                Decimal("0.000001")
            )
        else:
            order.average_fill_price = None
        if order.status == OrderStatus.FILLED and order.filled_size < order.size:
            # The venue closed the order when it matched; a failed settlement
            # does not bring it back to life (reconciliation has the last word).
            order.status = OrderStatus.CANCELLED
        elif order.status == OrderStatus.PARTIAL and not order.filled_size:
            order.status = OrderStatus.OPEN
        order.save()
    if fill.mode == TradingMode.PAPER:
        # Before the position: a settled one may then take back part of its
        # payout, and the money this reversal returns is already there.
        notional = micro(fill.price * fill.size)
        amount = notional + fill.fee if fill.side == Side.BUY else -notional + fill.fee
        paper_cash_post(
            fill.user, kind=CashEntryKind.REVERSAL, amount=amount, fill_id=fill.pk
        )
    if fill.position_id is not None:
        position_rebuild(fill.position, reversed_fill=fill)
    audit_log_record(
        user=fill.user,
        action=AuditAction.FILL,
        obj=fill,
        message=f"Reversed failed fill {fill.venue_trade_id}",
        data={"venue_trade_id": fill.venue_trade_id, "reversed": True},
    )
