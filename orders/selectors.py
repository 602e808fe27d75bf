"""Reads for orders and fills, always scoped to one user (STYLE R6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Mod, Round
from django.db.models.lookups import Exact

from accounts.models import User
from markets.models import Market
from orders.models import ACTIVE_ORDER_STATUSES, Fill, Order
from strategies.models import Strategy


@dataclass(frozen=True)
class OrderFilters:
    status: str | None = None
    market_id: int | None = None
    strategy_id: int | None = None
    side: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    mode: str | None = None
    # Any of these statuses (the Orders page's "open" and "finished" groups).
    statuses: tuple[str, ...] = ()


def order_list(*, user: User, filters: OrderFilters | None = None) -> QuerySet[Order]:
    f = filters or OrderFilters()
    orders = Order.objects.filter(user=user).select_related("market", "outcome")
    if f.status:
        orders = orders.filter(status=f.status)
    if f.statuses:
        orders = orders.filter(status__in=f.statuses)
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


@dataclass(frozen=True)
class FillFilters:
    mode: str | None = None
    market_id: int | None = None
    side: str | None = None
    settlement_status: str | None = None
    role: str | None = None
    matched_from: datetime | None = None
    matched_to: datetime | None = None


def fill_list(*, user: User, filters: FillFilters | None = None) -> QuerySet[Fill]:
    """The user's fills ledger, newest first, narrowed by ``filters``."""
    f = filters or FillFilters()
    fills = Fill.objects.filter(user=user).select_related("market", "outcome", "order")
    if f.mode:
        fills = fills.filter(mode=f.mode)
    if f.market_id is not None:
        fills = fills.filter(market_id=f.market_id)
    if f.side:
        fills = fills.filter(side=f.side)
    if f.settlement_status:
        fills = fills.filter(settlement_status=f.settlement_status)
    if f.role:
        fills = fills.filter(role=f.role)
    if f.matched_from is not None:
        fills = fills.filter(matched_at__gte=f.matched_from)
    if f.matched_to is not None:
        fills = fills.filter(matched_at__lt=f.matched_to)
    return fills.order_by("-matched_at", "-id")


def order_fill_list(*, order: Order) -> QuerySet[Fill]:
    """One order's fills in the order they happened (the order is already the
    caller's: see ``order_get``)."""
    return order.fills.select_related("outcome").order_by("matched_at", "id")


def order_market_choices(
    *, user: User, include: int | None = None
) -> list[tuple[int, str]]:
    """(id, question) of the markets the user has orders in, for a filter;
    ``include`` adds one more (a link from a market page where the user has
    no orders yet filters to it rather than to an error)."""
    return _market_choices(Q(orders__user=user), include)


def fill_market_choices(
    *, user: User, include: int | None = None
) -> list[tuple[int, str]]:
    """(id, question) of the markets the user has fills in, for a filter."""
    return _market_choices(Q(fills__user=user), include)


def _market_choices(traded: Q, include: int | None) -> list[tuple[int, str]]:
    condition = traded | Q(pk=include) if include is not None else traded
    return list(
        Market.objects.filter(condition)
        .distinct()
        .order_by("question", "id")
        .values_list("id", "question")
    )


def order_strategy_choices(*, user: User) -> list[tuple[int, str]]:
    """(id, name) of the user's strategies, for a filter."""
    return list(
        Strategy.objects.filter(user=user)
        .order_by("name", "id")
        .values_list("id", "name")
    )


@dataclass(frozen=True)
class FillTotals:
    count: int
    # Fills whose settlement failed: reversed, they moved no cash.
    reversed: int
    notional: Decimal
    fees: Decimal


_MONEY = DecimalField(max_digits=30, decimal_places=12)


def _micro(amount: Any) -> Case:
    """A positive amount rounded to pUSD's 6 places half to even, as
    ``portfolio.pnl.micro`` rounds the CSV's notional column (PostgreSQL's
    round() takes a half away from zero)."""
    tie_to_even = Exact(Mod(amount * Value(Decimal(10**6)), 2), Decimal("0.5"))
    return Case(
        When(tie_to_even, then=Func(amount, 6, function="TRUNC")),
        default=Round(amount, 6),
        output_field=_MONEY,
    )


def fill_totals(*, fills: QuerySet[Fill]) -> FillTotals:
    """How many fills ``fills`` holds (and how many were reversed), what the
    others traded and what they cost in fees, for the Fills page's summary:
    a reversed fill moved no cash, as its CSV row says."""
    booked = Q(reversed_at__isnull=True)
    notional = ExpressionWrapper(F("price") * F("size"), output_field=_MONEY)
    totals = fills.order_by().aggregate(
        count=Count("id"),
        reversed=Count("id", filter=~booked),
        notional=Sum(_micro(notional), filter=booked),
        fees=Sum("fee", filter=booked),
    )
    return FillTotals(
        count=totals["count"],
        reversed=totals["reversed"],
        notional=totals["notional"] or Decimal("0"),
        fees=totals["fees"] or Decimal("0"),
    )


def order_active_count(*, user: User, mode: str, market_id: int | None = None) -> int:
    """How many of the user's orders in ``mode`` a cancel-all would try."""
    orders = Order.objects.filter(
        user=user, mode=mode, status__in=ACTIVE_ORDER_STATUSES
    )
    if market_id is not None:
        orders = orders.filter(market_id=market_id)
    return orders.count()
