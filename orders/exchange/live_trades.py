"""Venue trades to our fills (shared by the live gateway, the user channel
and reconciliation, so a trade seen three ways is one fill).

A trade names one taker order and the maker orders it matched. We may be
either side, or several makers at once; each of our orders in it becomes
one fill. A maker order on NO can be filled by a taker on YES, so the
maker's own ``asset_id`` decides the outcome, not the trade's.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from markets.models import Outcome
from orders.fills import FillReport
from orders.models import LiquidityRole, Order, SettlementStatus
from orders.paper.fees import taker_fee
from polybot.lib.time import utc_now
from polybot.lib.types import TradingMode
from polybot.polymarket.models import Trade

ZERO = Decimal("0")


# Enough of the maker's order hash to tell its fills in one trade apart
# (160 bits), short enough that a venue trade id of up to 59 characters
# still fits the 100 of ``Fill.venue_trade_id``.
_HASH_CHARS = 40


def maker_trade_id(trade_id: str, order_hash: str) -> str:
    """The fill id of one maker order in a trade: the trade id is the
    taker's, and one trade can fill several of our maker orders."""
    digest = order_hash.lower().removeprefix("0x")[:_HASH_CHARS]
    return f"{trade_id}:{digest}"


def fill_reports_for(
    trade: Trade, orders_by_hash: Mapping[str, Order]
) -> list[FillReport]:
    """Our fills in ``trade``; ``orders_by_hash`` maps our venue order hashes
    (lower case) to our orders."""
    reports: list[FillReport] = []
    status = SettlementStatus(trade.status.value)
    matched_at = trade.match_time or utc_now()
    taker = orders_by_hash.get(trade.taker_order_id.lower())
    if taker is not None:
        market = taker.market
        fee = (
            taker_fee(
                shares=trade.size,
                price=trade.price,
                rate=market.fee_rate,
                exponent=market.fee_exponent,
            )
            if market.fees_enabled
            else ZERO
        )
        reports.append(
            FillReport(
                venue_trade_id=trade.id,
                user_id=taker.user_id,
                mode=TradingMode.LIVE,
                outcome=taker.outcome,
                side=trade.side.value,
                price=trade.price,
                size=trade.size,
                fee=fee,
                role=LiquidityRole.TAKER,
                matched_at=matched_at,
                order_id=taker.pk,
                settlement_status=status,
                tx_hash=trade.transaction_hash,
            )
        )
    for maker in trade.maker_orders:
        order = orders_by_hash.get(maker.order_id.lower())
        if order is None:
            continue
        outcome = (
            order.outcome
            if order.outcome.token_id == maker.asset_id
            else Outcome.objects.get(token_id=maker.asset_id)
        )
        reports.append(
            FillReport(
                venue_trade_id=maker_trade_id(trade.id, maker.order_id.lower()),
                user_id=order.user_id,
                mode=TradingMode.LIVE,
                outcome=outcome,
                side=(maker.side.value if maker.side is not None else order.side),
                price=maker.price,
                size=maker.matched_amount,
                fee=ZERO,
                role=LiquidityRole.MAKER,
                matched_at=matched_at,
                order_id=order.pk,
                settlement_status=status,
                tx_hash=trade.transaction_hash,
            )
        )
    return reports


def trades_apply(trades: list[Trade], *, user_id: int) -> int:
    """Apply every fill of ours in ``trades``; returns how many were new."""
    from orders.fills import fill_apply

    hashes = {t.taker_order_id.lower() for t in trades}
    hashes.update(m.order_id.lower() for t in trades for m in t.maker_orders)
    orders = Order.objects.filter(
        user_id=user_id, mode=TradingMode.LIVE, venue_order_hash__in=hashes
    ).select_related("market", "outcome")
    by_hash = {o.venue_order_hash.lower(): o for o in orders if o.venue_order_hash}
    created = 0
    for trade in trades:
        for report in fill_reports_for(trade, by_hash):
            created += fill_apply(report).created
    return created
