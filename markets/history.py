"""Price history per outcome token for the charts and the API (STYLE R6).

The venue's ``/prices-history`` is the source: it holds the market's whole
life, which our own snapshots (recorded only while the stream watches a
token) do not. Answers are cached per (token, interval) for a short while, so
a busy page costs the venue one request per token and interval per TTL.

When the venue fails (any ``PolymarketError``: down, slow, rate limited,
garbage) the series comes from our ``MarketSnapshot`` rows instead and says
so (``PriceSeries.local``); a chart is never the reason a page fails.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import F, Func, Q, Window
from django.db.models.functions import RowNumber

from markets.models import MarketSnapshot
from polybot.lib.time import from_unix, utc_now
from polybot.polymarket.clob import ClobPublicClient, Interval
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.errors import PolymarketError
from polybot.polymarket.models import PricePoint

logger = logging.getLogger(__name__)


class PriceInterval(models.TextChoices):
    HOUR = "1h", "1H"
    SIX_HOURS = "6h", "6H"
    DAY = "1d", "1D"
    WEEK = "1w", "1W"
    MAX = "max", "All"


DEFAULT_INTERVAL = PriceInterval.DAY


@dataclass(frozen=True)
class _Spec:
    fidelity: int  # minutes per point, as the venue's ``fidelity``
    ttl: int  # seconds a venue answer is reused
    window: timedelta | None  # how far back the snapshot fallback looks; None: all


# Roughly 60-170 points per interval: enough for the chart's 600 units, and
# a short interval moves often enough to need a short cache.
_SPECS: dict[str, _Spec] = {
    PriceInterval.HOUR: _Spec(1, 60, timedelta(hours=1)),
    PriceInterval.SIX_HOURS: _Spec(5, 60, timedelta(hours=6)),
    PriceInterval.DAY: _Spec(15, 300, timedelta(days=1)),
    PriceInterval.WEEK: _Spec(60, 300, timedelta(weeks=1)),
    PriceInterval.MAX: _Spec(1440, 300, None),
}
# After a failure, later requests go straight to the snapshots for this long
# instead of each waiting out the venue's timeout again.
VENUE_DOWN_TTL = 30
_KEY = "markets:history:{}:{}"
# A page waits on this read: fail fast and fall back rather than retry.
_CONNECT_TIMEOUT = 2.0
_READ_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """A price at a time. Points from local snapshots also carry the book
    top; the venue's history has the price alone."""

    t: datetime
    p: Decimal
    best_bid: Decimal | None = None
    best_ask: Decimal | None = None


@dataclass(frozen=True)
class PriceSeries:
    token_id: str
    interval: str
    points: list[HistoryPoint]  # oldest first
    source: Literal["venue", "snapshots"]

    @property
    def local(self) -> bool:
        """Whether the points are our own snapshots (the venue failed)."""
        return self.source == "snapshots"


def price_history(*, token_id: str, interval: str) -> PriceSeries:
    """The price of ``token_id`` over ``interval`` (a ``PriceInterval``
    value; anything else raises ``ValueError``), oldest first.

    From the venue, cached for the interval's TTL; on any venue error, from
    the local snapshots, uncached. Never raises for the venue's sake."""
    if interval not in _SPECS:
        raise ValueError(f"unknown price interval {interval!r}")
    spec = _SPECS[interval]
    key = _KEY.format(token_id, interval)
    cached = cache.get(key)
    if cached is None:
        try:
            fetched = _venue_points(token_id, interval, spec)
        except PolymarketError as exc:
            logger.warning("prices-history for %s (%s) failed: %s", token_id, interval, exc)  # fmt: skip
            cache.set(key, {"down": True}, timeout=VENUE_DOWN_TTL)
            cached = {"down": True}
        else:
            # Plain values, not pickled dataclasses: a deploy that changes
            # the class cannot meet an old entry it cannot read.
            cached = {"points": [(int(p.t.timestamp()), str(p.p)) for p in fetched]}
            cache.set(key, cached, timeout=spec.ttl)
    if cached.get("down"):
        return PriceSeries(token_id, interval, _snapshot_points(token_id, spec), "snapshots")  # fmt: skip
    points = [HistoryPoint(from_unix(t), Decimal(p)) for t, p in cached["points"]]
    return PriceSeries(token_id, interval, points, "venue")


def _venue_points(token_id: str, interval: str, spec: _Spec) -> list[PricePoint]:
    config = replace(
        VenueConfig.from_settings(settings),
        read_retries=0,
        connect_timeout=_CONNECT_TIMEOUT,
        read_timeout=_READ_TIMEOUT,
    )
    client = ClobPublicClient(config)
    try:
        venue_interval: Interval = interval  # type: ignore[assignment]
        return client.prices_history(
            token_id, interval=venue_interval, fidelity=spec.fidelity
        )
    finally:
        client.http.close()


class _Bucket(Func):
    """The ``seconds``-wide time bucket a timestamp falls in."""

    template = "floor(extract(epoch from %(expressions)s) / %(seconds)s)"
    output_field = models.BigIntegerField()


def _snapshot_points(token_id: str, spec: _Spec) -> list[HistoryPoint]:
    """The last priced snapshot of each ``fidelity`` bucket, as the venue
    would thin them, so a long interval reads a bounded number of rows."""
    snapshots = MarketSnapshot.objects.filter(outcome__token_id=token_id).filter(
        Q(midpoint__isnull=False) | Q(last_trade_price__isnull=False)
    )
    if spec.window is not None:
        snapshots = snapshots.filter(taken_at__gte=utc_now() - spec.window)
    latest_in_bucket = Window(
        RowNumber(),
        partition_by=[_Bucket(F("taken_at"), seconds=spec.fidelity * 60)],
        order_by=F("taken_at").desc(),
    )
    rows = (
        snapshots.annotate(row=latest_in_bucket)
        .filter(row=1)
        .order_by("taken_at")
        .values_list("taken_at", "midpoint", "last_trade_price", "best_bid", "best_ask")
    )
    return [
        HistoryPoint(taken_at, mid if mid is not None else last, bid, ask)
        for taken_at, mid, last, bid, ask in rows
    ]
