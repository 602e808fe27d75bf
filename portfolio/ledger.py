"""Positions from fills (DESIGN §4 "Positions and P&L"): the database side
of ``portfolio.pnl``. Callers hold the user's trading lock."""

from __future__ import annotations

import logging
from decimal import Decimal

from markets.models import Market
from orders.models import Fill
from polybot.lib.time import utc_now
from polybot.lib.types import Side, TradingMode
from portfolio.cash import paper_cash_post
from portfolio.models import CashEntryKind, Position, PositionStatus
from portfolio.pnl import (
    OversoldError,
    PositionBook,
    apply_buy,
    apply_sell,
    apply_settlement,
)

logger = logging.getLogger(__name__)
ONE = Decimal("1")
ZERO = Decimal("0")
# Positions their market's resolution closed; their fills are history, their
# payout is fixed by the winning outcome.
SETTLED_STATUSES = frozenset({PositionStatus.RESOLVED, PositionStatus.REDEEMABLE})


def _book(position: Position) -> PositionBook:
    return PositionBook(
        size=position.size,
        cost=position.cost_basis,
        realized=position.realized_pnl,
        fees=position.fees_paid,
    )


def _store(position: Position, book: PositionBook) -> None:
    position.size = book.size
    position.cost_basis = book.cost
    position.average_entry_price = book.average_price
    position.realized_pnl = book.realized
    position.fees_paid = book.fees


def _apply(book: PositionBook, fill: Fill) -> PositionBook:
    if fill.side == Side.BUY:
        return apply_buy(book, size=fill.size, price=fill.price, fee=fill.fee)
    try:
        return apply_sell(book, size=fill.size, price=fill.price, fee=fill.fee)
    except OversoldError:
        # Shares bought outside polybot (live) are not in our books: count
        # the part we know of and say so, rather than refuse a real trade.
        logger.warning(
            "fill %s sells %s but the position holds %s; clamped",
            fill.venue_trade_id,
            fill.size,
            book.size,
        )
        return apply_sell(book, size=book.size, price=fill.price, fee=fill.fee)


def position_apply_fill(fill: Fill) -> Position:
    """Fold one new fill into the user's open position in its token."""
    position = (
        Position.objects.select_for_update()
        .filter(
            user_id=fill.user_id,
            mode=fill.mode,
            outcome_id=fill.outcome_id,
            status=PositionStatus.OPEN,
        )
        .first()
    )
    if position is None:
        position = Position(
            user_id=fill.user_id,
            mode=fill.mode,
            market_id=fill.market_id,
            outcome_id=fill.outcome_id,
        )
    book = _apply(_book(position), fill)
    _store(position, book)
    if book.size == ZERO and fill.side == Side.SELL:
        position.status = PositionStatus.CLOSED
        position.closed_at = utc_now()
    position.save()
    return position


def _replay(position: Position, *, also: Fill | None = None) -> PositionBook:
    """The position's standing fills folded in time order; ``also`` adds one
    more (a fill reversed a moment ago, to see the book as it was)."""
    fills = list(position.fills.filter(reversed_at__isnull=True))
    if also is not None and all(f.pk != also.pk for f in fills):
        fills.append(also)
    book = PositionBook()
    for fill in sorted(fills, key=lambda f: (f.matched_at, f.pk)):
        book = _apply(book, fill)
    return book


def position_rebuild(
    position: Position, *, reversed_fill: Fill | None = None
) -> Position:
    """Replay the position's fills that still stand (after ``reversed_fill``
    was reversed)."""
    if position.status in SETTLED_STATUSES:
        return _resettle(position, reversed_fill)
    book = _replay(position)
    if position.status == PositionStatus.CLOSED and book.size > ZERO:
        # A reversed sell reopens a closed position; if the token was bought
        # again since, a later position holds those shares (and only one may
        # be open). All of it is one holding: fold the later, unsettled
        # positions' fills into this one and replay them together.
        later = Position.objects.filter(
            user_id=position.user_id,
            mode=position.mode,
            outcome_id=position.outcome_id,
            status__in=[PositionStatus.OPEN, PositionStatus.CLOSED],
            pk__gt=position.pk,
        )
        later_ids = list(later.select_for_update().values_list("pk", flat=True))
        if later_ids:
            Fill.objects.filter(position_id__in=later_ids).update(position=position)
            Position.objects.filter(pk__in=later_ids).delete()
            book = _replay(position)
    _store(position, book)
    if position.status == PositionStatus.CLOSED and book.size > ZERO:
        position.status = PositionStatus.OPEN
        position.closed_at = None
    elif position.status == PositionStatus.OPEN and book.size == ZERO:
        position.status = PositionStatus.CLOSED
        position.closed_at = utc_now()
    position.save()
    return position


def _resettle(position: Position, reversed_fill: Fill | None) -> Position:
    """A fill of a position its market already settled turned out FAILED:
    the shares it brought (or took) were never held, so the settlement paid
    for the wrong number of shares. Settle the standing fills again at the
    same payout per share, and correct what is owed: the redeemable amount
    of a live position, the paid-out paper cash of a paper one. Without this
    the replay would hand a resolved position its shares back."""
    market = position.market
    payout_per_share = ONE if position.outcome_id == market.winning_outcome_id else ZERO
    book, payout = apply_settlement(
        _replay(position), payout_per_share=payout_per_share
    )
    if position.mode == TradingMode.PAPER:
        _, paid = apply_settlement(
            _replay(position, also=reversed_fill), payout_per_share=payout_per_share
        )
        if payout != paid:
            paper_cash_post(
                position.user,
                kind=CashEntryKind.SETTLEMENT,
                amount=payout - paid,
                fill_id=reversed_fill.pk if reversed_fill is not None else None,
                memo=f"{market.question[:180]}: settlement corrected for a failed fill",
            )
    else:
        position.redeemable_amount = payout
    _store(position, book)
    position.save()
    return position


def positions_settle_market(market: Market, *, user_id: int) -> int:
    """Settle every open position of a resolved market at 1 (the winning
    token) or 0. Paper positions are paid into paper cash; live ones become
    redeemable for the amount, which is redeemed on chain. Idempotent."""
    if market.winning_outcome_id is None:
        return 0
    settled = 0
    positions = Position.objects.select_for_update().filter(
        market=market, user_id=user_id, status=PositionStatus.OPEN
    )
    for position in positions:
        won = position.outcome_id == market.winning_outcome_id
        book, payout = apply_settlement(
            _book(position), payout_per_share=ONE if won else ZERO
        )
        _store(position, book)
        position.closed_at = utc_now()
        if position.mode == TradingMode.PAPER:
            position.status = PositionStatus.RESOLVED
            if payout > ZERO:
                paper_cash_post(
                    position.user,
                    kind=CashEntryKind.SETTLEMENT,
                    amount=payout,
                    memo=f"{market.question[:200]} resolved",
                )
        else:
            position.status = PositionStatus.REDEEMABLE
            position.redeemable_amount = payout
        position.save()
        settled += 1
    return settled
