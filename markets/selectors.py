"""Reads for the market catalogue, its live books, recent trades, snapshots
and the catalogue sync's progress (STYLE R6). Price history for the charts
is in ``markets.history``.

Live book views come from Redis (``markets.live``), written by the stream
process; a token without one is *stale*: callers show the last synced price
and say so rather than pass old numbers off as current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import models
from django.db.models import F, QuerySet

from markets import live
from markets.live import BookView, RecentTrade
from markets.models import Market, MarketSnapshot, MarketStatus, Outcome
from markets.querysets import MarketQuerySet, search_query
from markets.tasks import sync_progress
from polybot.lib.time import utc_now

RECENT_TRADES_SHOWN = 20
# How long a queued full sync is shown as waiting for a worker before the
# strip stops claiming one is on its way.
SYNC_QUEUED_FOR = timedelta(minutes=10)


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


def recent_trades(*, token_id: str) -> list[RecentTrade]:
    """The token's latest trades seen by the stream, newest first."""
    return live.recent_trades_get(token_id, RECENT_TRADES_SHOWN)


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


# --- catalogue sync ------------------------------------------------------------------


class SyncState(models.TextChoices):
    IDLE = "idle", "No recent full sync"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"


@dataclass(frozen=True)
class SyncStatus:
    state: str  # a SyncState
    done: int = 0  # markets written so far (running) or in all (finished)
    expected: int = 0  # active markets we hold: what a full sync roughly reads
    started_at: datetime | None = None
    finished_at: datetime | None = None
    created: int = 0
    updated: int = 0
    skipped: int = 0
    elapsed: timedelta | None = None  # while running
    queued_at: datetime | None = None

    @property
    def busy(self) -> bool:
        return self.state in (SyncState.QUEUED, SyncState.RUNNING)


def sync_status_get(*, queued_at: datetime | None = None) -> SyncStatus:
    """What the full catalogue sync is doing, from the progress the task
    keeps in the cache. ``queued_at``: when this caller enqueued one; until
    a worker starts it (or ``SYNC_QUEUED_FOR`` passes) it shows as queued."""
    progress = sync_progress() or {}
    now = utc_now()
    if progress.get("running"):
        started = _parse_iso(progress.get("startedAt"))
        return SyncStatus(
            state=SyncState.RUNNING,
            done=int(progress.get("done", 0)),
            expected=Market.objects.filter(status=MarketStatus.ACTIVE).count(),
            started_at=started,
            elapsed=now - started if started else None,
        )
    finished = _parse_iso(progress.get("finishedAt"))
    waiting = queued_at is not None and now - queued_at < SYNC_QUEUED_FOR
    if waiting and (finished is None or finished < queued_at):
        return SyncStatus(state=SyncState.QUEUED, queued_at=queued_at)
    if finished is None:
        return SyncStatus(state=SyncState.IDLE)
    created, updated = int(progress.get("created", 0)), int(progress.get("updated", 0))
    return SyncStatus(
        state=SyncState.FINISHED,
        done=created + updated,
        finished_at=finished,
        created=created,
        updated=updated,
        skipped=int(progress.get("skipped", 0)),
    )


def _parse_iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
