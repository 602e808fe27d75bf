"""Catalogue sync from Gamma (issue 4): full and incremental, in batches.

Full: every active event and market, then any market we still hold as active
that Gamma no longer lists as active is re-read (it closed or resolved) —
never silently kept active. Incremental (every minute): new markets (newest
ids first, until a page holds nothing new), markets someone trades or
watches, and active markets whose end date has passed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

from markets.catalogue import SyncResult, events_upsert, markets_upsert
from markets.models import Market, MarketStatus
from markets.stream.interest import traded_market_ids
from polybot.lib.time import utc_now
from polybot.polymarket.gamma import GammaClient
from polybot.polymarket.models import GammaMarket

logger = logging.getLogger(__name__)
BATCH = 1000
# Gamma accepts this many condition ids per request without a too-long URL.
IDS_PER_REQUEST = 50
T = TypeVar("T")
Progress = Callable[[int], None]


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def markets_sync_full(
    *, gamma: GammaClient, progress: Progress | None = None
) -> SyncResult:
    result = SyncResult()
    for events in _batches(gamma.events(active=True, closed=False), BATCH):
        result.events += events_upsert(events=events)
    seen: set[str] = set()
    for markets in _batches(gamma.markets(active=True, closed=False), BATCH):
        seen.update(m.condition_id for m in markets)
        result.add(markets_upsert(markets=markets))
        if progress:
            progress(result.created + result.updated)
    stale = Market.objects.filter(status=MarketStatus.ACTIVE).exclude(
        condition_id__in=seen
    )
    result.add(_reread(gamma, list(stale.values_list("condition_id", flat=True))))
    return result


def markets_sync_incremental(*, gamma: GammaClient) -> SyncResult:
    result = SyncResult()
    known = set(Market.objects.values_list("gamma_id", flat=True))
    new: list[GammaMarket] = []
    for page in _batches(
        gamma.markets(active=True, closed=False, order="id", ascending=False), 100
    ):
        fresh = [m for m in page if m.id not in known]
        new.extend(fresh)
        if not fresh:
            break
    event_ids = {m.event_ids[0] for m in new if m.event_ids}
    if event_ids:
        result.events += events_upsert(events=list(gamma.events(ids=sorted(event_ids))))
    result.add(markets_upsert(markets=new))
    watched = Market.objects.filter(id__in=traded_market_ids())
    ended = Market.objects.filter(status=MarketStatus.ACTIVE, end_date__lt=utc_now())
    condition_ids = set(watched.values_list("condition_id", flat=True)) | set(
        ended.values_list("condition_id", flat=True)
    )
    result.add(_reread(gamma, sorted(condition_ids)))
    return result


def _reread(gamma: GammaClient, condition_ids: list[str]) -> SyncResult:
    """Fetch these markets whatever their state. Gamma hides closed markets
    unless asked, so both states are requested."""
    result = SyncResult()
    for chunk in _batches(condition_ids, IDS_PER_REQUEST):
        found: dict[str, GammaMarket] = {}
        for closed in (False, True):
            for market in gamma.markets(condition_ids=chunk, closed=closed):
                found[market.condition_id] = market
        result.add(markets_upsert(markets=list(found.values())))
        missing = set(chunk) - set(found)
        if missing:
            # Archived or delisted: keep the row (orders may reference it) but
            # close it, so nothing shows or trades it as active.
            Market.objects.filter(
                condition_id__in=missing, status=MarketStatus.ACTIVE
            ).update(
                status=MarketStatus.CLOSED, accepting_orders=False, closed_at=utc_now()
            )
            result.skipped.extend(
                f"market {cid}: no longer listed by Gamma" for cid in sorted(missing)
            )
    return result
