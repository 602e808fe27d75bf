"""Marks and portfolio figures: unrealized P&L at the midpoint, and the
day's P&L the daily-loss rule reads (DESIGN §4: realized + unrealized change
since 00:00 UTC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from accounts.models import User
from markets.live import book_views_get
from polybot.lib.time import start_of_utc_day
from polybot.lib.types import TradingMode
from portfolio.models import PortfolioSnapshot, Position, PositionStatus
from portfolio.pnl import micro

ZERO = Decimal("0")


def marks_for(positions: list[Position]) -> dict[int, Decimal | None]:
    """Mark per outcome id: the live midpoint, else the catalogue's last
    price, else none (unrealized P&L is then unknown, not zero)."""
    tokens = {p.outcome.token_id: p.outcome for p in positions}
    views = book_views_get(list(tokens))
    marks: dict[int, Decimal | None] = {}
    for token, outcome in tokens.items():
        view = views.get(token)
        mark = view.midpoint if view is not None and view.midpoint is not None else None
        marks[outcome.pk] = mark if mark is not None else outcome.price
    return marks


@dataclass(frozen=True)
class PortfolioFigures:
    realized: Decimal
    fees: Decimal
    unrealized: Decimal
    positions_value: Decimal
    open_positions: int

    @property
    def total_pnl(self) -> Decimal:
        return self.realized - self.fees + self.unrealized


def portfolio_figures(user: User, mode: str) -> PortfolioFigures:
    positions = Position.objects.filter(user=user, mode=mode)
    totals = positions.aggregate(realized=Sum("realized_pnl"), fees=Sum("fees_paid"))
    open_positions = list(
        positions.filter(status=PositionStatus.OPEN).select_related("outcome")
    )
    marks = marks_for(open_positions)
    unrealized = value = ZERO
    for position in open_positions:
        mark = marks.get(position.outcome_id)
        if mark is None:
            # Unknown mark: hold it at cost rather than invent a move.
            value += position.cost_basis
            continue
        value += position.size * mark
        unrealized += position.size * mark - position.cost_basis
    return PortfolioFigures(
        realized=totals["realized"] or ZERO,
        fees=totals["fees"] or ZERO,
        unrealized=micro(unrealized),
        positions_value=micro(value),
        open_positions=len(open_positions),
    )


def portfolio_snapshot_take(
    user: User, mode: str, *, now: datetime
) -> PortfolioSnapshot:
    from portfolio.cash import paper_cash_balance

    figures = portfolio_figures(user, mode)
    cash = paper_cash_balance(user) if mode == TradingMode.PAPER else ZERO
    snapshot, _ = PortfolioSnapshot.objects.get_or_create(
        user=user,
        mode=mode,
        taken_at=now,
        defaults={
            "cash": cash,
            "positions_value": figures.positions_value,
            "equity": cash + figures.positions_value,
            "realized_pnl": figures.realized,
            "unrealized_pnl": figures.unrealized,
            "fees_paid": figures.fees,
            "open_positions": figures.open_positions,
        },
    )
    return snapshot


def active_accounts() -> set[tuple[int, str]]:
    """(user id, mode) of every account holding positions or open orders:
    those whose P&L can move today."""
    from orders.models import ACTIVE_ORDER_STATUSES, Order

    return set(
        Position.objects.filter(status=PositionStatus.OPEN).values_list(
            "user_id", "mode"
        )
    ) | set(
        Order.objects.filter(status__in=ACTIVE_ORDER_STATUSES).values_list(
            "user_id", "mode"
        )
    )


def day_start_snapshots_take(*, now: datetime) -> int:
    """Take today's first snapshot for every account that holds positions
    or has open orders and has none yet: the baseline the daily-loss rule
    measures from (DESIGN §4: the change since 00:00 UTC). Run every minute,
    it lands within a minute of midnight; without it the baseline would be
    the day's first order check, after any loss made overnight."""
    from orders.locks import user_trading_lock

    day_start = start_of_utc_day(now)
    accounts = active_accounts()
    done = set(
        PortfolioSnapshot.objects.filter(taken_at__gte=day_start).values_list(
            "user_id", "mode"
        )
    )
    users = User.objects.in_bulk({user_id for user_id, _ in accounts - done})
    for user_id, mode in sorted(accounts - done):
        # Under the trading lock, like every other reader of paper cash: the
        # figures are read between fills, never halfway through one.
        with transaction.atomic():
            user_trading_lock(user_id)
            portfolio_snapshot_take(users[user_id], mode, now=now)
    return len(accounts - done)


def daily_pnl(user: User, mode: str, *, now: datetime) -> Decimal:
    """Total P&L now minus at the day's first snapshot. The first check of a
    day with no snapshot yet takes one, so the day starts at zero."""
    day_start = start_of_utc_day(now)
    baseline = (
        PortfolioSnapshot.objects.filter(user=user, mode=mode, taken_at__gte=day_start)
        .order_by("taken_at")
        .first()
    )
    if baseline is None:
        portfolio_snapshot_take(user, mode, now=now)
        return ZERO
    current = portfolio_figures(user, mode)
    start_total = baseline.realized_pnl - baseline.fees_paid + baseline.unrealized_pnl
    return current.total_pnl - start_total
