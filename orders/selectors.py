"""Reads for orders and fills, always scoped to one user (STYLE R6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from accounts.models import User
from orders.models import Fill, Order


@dataclass(frozen=True)
class OrderFilters:
    status: str | None = None
    market_id: int | None = None
    strategy_id: int | None = None
    side: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    mode: str | None = None


def order_list(*, user: User, filters: OrderFilters | None = None) -> QuerySet[Order]:
    f = filters or OrderFilters()
    orders = Order.objects.filter(user=user).select_related("market", "outcome")
    if f.status:
        orders = orders.filter(status=f.status)
    if f.market_id is not None:
        orders = orders.filter(market_id=f.market_id)
    if f.strategy_id is not None:
        orders = orders.filter(strategy_id=f.strategy_id)
    if f.side:
        orders = orders.filter(side=f.side)
    if f.created_from is not None:
        orders = orders.filter(created_at__gte=f.created_from)
    if f.created_to is not None:
        orders = orders.filter(created_at__lt=f.created_to)
    if f.mode:
        orders = orders.filter(mode=f.mode)
    return orders.order_by("-created_at", "-id")


def order_get(*, user: User, order_id: int) -> Order | None:
    """One of the user's orders; another user's is None (a 404, DESIGN §8)."""
    return (
        Order.objects.filter(user=user, pk=order_id)
        .select_related("market", "outcome")
        .first()
    )


def fill_list(
    *, user: User, mode: str | None = None, market_id: int | None = None
) -> QuerySet[Fill]:
    fills = Fill.objects.filter(user=user).select_related("market", "outcome", "order")
    if mode:
        fills = fills.filter(mode=mode)
    if market_id is not None:
        fills = fills.filter(market_id=market_id)
    return fills.order_by("-matched_at", "-id")
