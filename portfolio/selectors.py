"""Reads for the portfolio, scoped to one user and one mode (STYLE R6, R11)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from accounts.models import User
from orders.models import ACTIVE_ORDER_STATUSES, Order
from portfolio.models import Position, PositionStatus

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
