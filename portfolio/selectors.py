"""Reads for the portfolio, scoped to one user and one mode (STYLE R6, R11)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from accounts.models import User
from accounts.selectors import bot_settings_get
from orders.models import ACTIVE_ORDER_STATUSES, Order
from polybot.lib.types import TradingMode
from portfolio.cash import paper_cash_reserved
from portfolio.models import CashLedgerEntry, Position, PositionStatus
from portfolio.positions import (
    PositionRow,
    PositionTotals,
    position_rows,
    position_totals,
)

ZERO = Decimal("0")


@dataclass(frozen=True)
class DashboardStats:
    total_bets: int
    active_bets: int
    win_rate: Decimal | None  # None until a position has closed
    pnl: Decimal
    closed_positions: int


def dashboard_stats(*, user: User, mode: str) -> DashboardStats:
    """The seed's four cards. A bet is an order that traded or still can;
    win rate is the share of closed positions with positive net P&L."""
    orders = Order.objects.filter(user=user, mode=mode)
    order_counts = orders.aggregate(
        total=Count(
            "id", filter=Q(filled_size__gt=0) | Q(status__in=ACTIVE_ORDER_STATUSES)
        ),
        active=Count("id", filter=Q(status__in=ACTIVE_ORDER_STATUSES)),
    )
    positions = Position.objects.filter(user=user, mode=mode)
    closed = positions.exclude(status=PositionStatus.OPEN)
    totals = positions.aggregate(realized=Sum("realized_pnl"), fees=Sum("fees_paid"))
    closed_count = closed.count()
    wins = closed.filter(realized_pnl__gt=F("fees_paid")).count()
    win_rate = (
        (Decimal(wins) * 100 / closed_count).quantize(Decimal("0.1"))
        if closed_count
        else None
    )
    pnl = (totals["realized"] or ZERO) - (totals["fees"] or ZERO)
    return DashboardStats(
        total_bets=order_counts["total"],
        active_bets=order_counts["active"],
        win_rate=win_rate,
        pnl=pnl,
        closed_positions=closed_count,
    )


def position_list(
    *, user: User, mode: str, status: str | None = PositionStatus.OPEN
) -> QuerySet[Position]:
    qs = Position.objects.filter(user=user, mode=mode).select_related(
        "market", "outcome"
    )
    if status:
        qs = qs.filter(status=status)
    return qs


CLOSED_STATUSES = (
    PositionStatus.CLOSED,
    PositionStatus.RESOLVED,
    PositionStatus.REDEEMABLE,
)


def open_position_rows(
    *, user: User, mode: str, limit: int | None = None
) -> list[PositionRow]:
    positions = position_list(user=user, mode=mode).order_by("-opened_at", "-id")
    return position_rows(list(positions[:limit] if limit else positions))


DASHBOARD_POSITIONS = 10


def dashboard_positions(*, user: User, mode: str) -> list[PositionRow]:
    """The dashboard's open positions table (its ``positions`` partial)."""
    return open_position_rows(user=user, mode=mode, limit=DASHBOARD_POSITIONS)


def open_positions_panel(*, user: User) -> dict[str, Any]:
    """The whole context of ``portfolio/partials/_open_positions.html`` in the
    user's current mode: the positions page renders it, and the account
    socket pushes it after every order or fill change (no request needed)."""
    mode = user.trading_mode
    rows = open_position_rows(user=user, mode=mode)
    return {
        "rows": rows,
        "totals": _totals(user=user, mode=mode, rows=rows),
        "mode": mode,
    }


def _totals(*, user: User, mode: str, rows: list[PositionRow]) -> PositionTotals:
    account = Position.objects.filter(user=user, mode=mode).aggregate(
        realized=Sum("realized_pnl"), fees=Sum("fees_paid")
    )
    paper = mode == TradingMode.PAPER
    return position_totals(
        rows,
        realized=account["realized"] or ZERO,
        fees=account["fees"] or ZERO,
        cash=paper_cash_shown(user=user) if paper else None,
        cash_reserved=paper_cash_reserved(user) if paper else None,
    )


def paper_cash_shown(*, user: User) -> Decimal:
    """The paper balance without booking anything: an account that never
    traded shows its starting balance, funded only on its first order
    (``portfolio.cash.paper_cash_balance`` writes; a page view must not)."""
    last = (
        CashLedgerEntry.objects.filter(user=user, mode=TradingMode.PAPER)
        .order_by("-id")
        .values_list("balance_after", flat=True)
        .first()
    )
    if last is not None:
        return last
    return bot_settings_get(user=user).paper_starting_balance


def closed_position_list(*, user: User, mode: str) -> QuerySet[Position]:
    """Closed, resolved and redeemable positions, latest closed first."""
    return (
        Position.objects.filter(user=user, mode=mode, status__in=CLOSED_STATUSES)
        .select_related("market", "outcome")
        .order_by(F("closed_at").desc(nulls_last=True), "-id")
    )
