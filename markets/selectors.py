"""Reads for the market catalogue, its live books and its history (STYLE R6).

Live book views come from Redis (``markets.live``), written by the stream
process; a token without one is *stale*: callers show the last synced price
and say so rather than pass old numbers off as current.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import models
from django.db.models import F, QuerySet

from markets import live
from markets.live import BookView
from markets.models import Market, MarketSnapshot, Outcome
from markets.querysets import MarketQuerySet, search_query
from polybot.lib.time import utc_now

PRICE_HISTORY_WINDOW = timedelta(hours=24)


class MarketSort(models.TextChoices):
    # Relevance needs a search; without one the list falls back to volume.
    RELEVANCE = "relevance", "Best match"
    VOLUME = "volume", "Volume"
    LIQUIDITY = "liquidity", "Liquidity"
    END_DATE = "end_date", "End date"
    NEWEST = "newest", "Newest"
    MOVE = "move", "Biggest 24 h move"


class SortOrder(models.TextChoices):
    DESC = "desc", "Descending"
    ASC = "asc", "Ascending"


# The direction each sort takes when none is asked for: the most of
# something first, but the soonest end date first.
NATURAL_ORDER: dict[str, str] = {
    MarketSort.RELEVANCE: SortOrder.DESC,
    MarketSort.VOLUME: SortOrder.DESC,
    MarketSort.LIQUIDITY: SortOrder.DESC,
    MarketSort.END_DATE: SortOrder.ASC,
    MarketSort.NEWEST: SortOrder.DESC,
    MarketSort.MOVE: SortOrder.DESC,
}
_SORT_FIELDS: dict[str, str] = {
    MarketSort.RELEVANCE: "rank",
    MarketSort.VOLUME: "volume",
    MarketSort.LIQUIDITY: "liquidity",
    MarketSort.END_DATE: "end_date",
    MarketSort.NEWEST: "created_at",
    MarketSort.MOVE: "move",
}


@dataclass(frozen=True)
class MarketFilters:
    """What to list. Empty values filter nothing; an empty ``sort`` means best
    match when searching and volume otherwise, an empty ``order`` the sort's
    natural direction (``NATURAL_ORDER``)."""

    search: str = ""
    category: str = ""
    status: str = ""
    min_liquidity: Decimal | None = None
    min_volume: Decimal | None = None
    end_before: datetime | None = None
    end_after: datetime | None = None
    neg_risk: bool | None = None
    sort: str = ""
    order: str = ""

    @property
    def filtered(self) -> bool:
        """Whether a filter other than the search narrows the list."""
        return bool(self.category or self.status) or any(
            value is not None
            for value in (
                self.min_liquidity,
                self.min_volume,
                self.end_before,
                self.end_after,
                self.neg_risk,
            )
        )

    @property
    def narrowed(self) -> bool:
        """Whether the search or any filter narrows the list (sorting does not)."""
        return bool(self.search.strip()) or self.filtered


def market_list(*, filters: MarketFilters) -> QuerySet[Market]:
    """Markets matching ``filters``, sorted, outcomes prefetched in index
    order. Ties break on id so pages never overlap."""
    markets = MarketQuerySet(model=Market)
    query = search_query(filters.search)
    if query is not None:
        markets = markets.search(query)
    if filters.category:
        markets = markets.in_category(filters.category)
    if filters.status:
        markets = markets.filter(status=filters.status)
    if filters.min_liquidity is not None:
        markets = markets.filter(liquidity__gte=filters.min_liquidity)
    if filters.min_volume is not None:
        markets = markets.filter(volume__gte=filters.min_volume)
    if filters.end_before is not None:
        markets = markets.filter(end_date__lt=filters.end_before)
    if filters.end_after is not None:
        markets = markets.filter(end_date__gte=filters.end_after)
    if filters.neg_risk is not None:
        markets = markets.filter(neg_risk=filters.neg_risk)

    sort = filters.sort or MarketSort.RELEVANCE
    if sort == MarketSort.RELEVANCE and query is None:
        sort = MarketSort.VOLUME
    if sort == MarketSort.MOVE:
        markets = markets.with_move()
    descending = (filters.order or NATURAL_ORDER[sort]) == SortOrder.DESC
    field = F(_SORT_FIELDS[sort])
    ordering = [
        field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
    ]
    if sort == MarketSort.RELEVANCE:
        ordering.append(F("volume").desc())
    ordering.append(F("id").desc() if descending else F("id").asc())
    # The search document is for the database only; do not ship it per row.
    return (
        markets.defer("search_vector").order_by(*ordering).prefetch_related("outcomes")
    )


def market_categories() -> list[str]:
    """Every category in use, for the filter's suggestions."""
    return list(
        Market.objects.exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )


def market_get(*, market_id: int) -> Market | None:
    return (
        Market.objects.select_related("event", "winning_outcome")
        .defer("search_vector")
        .prefetch_related("outcomes")
        .filter(pk=market_id)
        .first()
    )


def outcome_get(*, market_id: int, token_id: str) -> Outcome | None:
    return Outcome.objects.filter(market_id=market_id, token_id=token_id).first()


@dataclass(frozen=True)
class OutcomeQuote:
    """An outcome with its live book view, or None when that is stale."""

    outcome: Outcome
    book: BookView | None

    @property
    def stale(self) -> bool:
        return self.book is None

    @property
    def trusted(self) -> bool:
        return self.book is not None and self.book.trusted

    @property
    def best_bid(self) -> Decimal | None:
        return self.book.best_bid if self.book else None

    @property
    def best_ask(self) -> Decimal | None:
        return self.book.best_ask if self.book else None

    @property
    def midpoint(self) -> Decimal | None:
        return self.book.midpoint if self.book else None

    @property
    def spread(self) -> Decimal | None:
        return self.book.spread if self.book else None

    @property
    def last(self) -> Decimal | None:
        """The last trade when the stream saw one, else the synced price."""
        if self.book is not None and self.book.last_trade_price is not None:
            return self.book.last_trade_price
        return self.outcome.price


def market_quotes(*, market: Market) -> list[OutcomeQuote]:
    """Each outcome of ``market`` (in index order) with its live book view,
    read from Redis in one round trip."""
    outcomes = list(market.outcomes.all())
    books = live.book_views_get([o.token_id for o in outcomes])
    return [OutcomeQuote(outcome=o, book=books.get(o.token_id)) for o in outcomes]


def book_get(*, token_id: str) -> BookView | None:
    return live.book_view_get(token_id)


def price_history(
    *, market: Market, since: datetime | None = None
) -> dict[int, list[MarketSnapshot]]:
    """The market's snapshots since ``since`` (default: the last 24 h),
    oldest first, by outcome id. One query for every outcome."""
    since = since or utc_now() - PRICE_HISTORY_WINDOW
    history: dict[int, list[MarketSnapshot]] = defaultdict(list)
    snapshots = MarketSnapshot.objects.filter(
        outcome__market=market, taken_at__gte=since
    ).order_by("taken_at", "id")
    for snapshot in snapshots:
        history[snapshot.outcome_id].append(snapshot)
    return dict(history)


def snapshot_list(
    *,
    market: Market,
    token_id: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[MarketSnapshot]:
    """The market's snapshots, newest first, optionally for one outcome
    token and within ``start <= taken_at < end``."""
    snapshots = MarketSnapshot.objects.filter(outcome__market=market)
    if token_id:
        snapshots = snapshots.filter(outcome__token_id=token_id)
    if start is not None:
        snapshots = snapshots.filter(taken_at__gte=start)
    if end is not None:
        snapshots = snapshots.filter(taken_at__lt=end)
    return snapshots.select_related("outcome").order_by("-taken_at", "-id")
