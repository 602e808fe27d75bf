"""Writing the market catalogue from Gamma in batches (issue 4, DESIGN §10).

Markets, their outcome tokens and events are upserted with one
``INSERT … ON CONFLICT DO UPDATE`` per batch (``polybot.lib.upsert``): the
same path serves the full sync, the incremental sync and ``import_markets``.
An outcome's old price moves into ``previous_price`` when the price changes,
so lists can show the move.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.db import transaction

from markets.models import Event, Market, MarketStatus, Outcome
from polybot.lib.time import utc_now
from polybot.lib.upsert import column_types, upsert
from polybot.polymarket.models import GammaEvent, GammaMarket

BATCH_SIZE = 5000
T = TypeVar("T")
ONE = Decimal("1")

_MARKET_COLUMNS = (
    "condition_id", "gamma_id", "event_id", "slug", "question", "description", "category", "tags",
    "image", "icon", "status", "start_date", "end_date", "resolution_source", "volume", "volume_24h",
    "liquidity", "tick_size", "min_order_size", "neg_risk", "accepting_orders", "fees_enabled",
    "fee_rate", "fee_exponent", "fee_taker_only", "closed_at", "created_at", "updated_at",
)  # fmt: skip
# Everything but identity and creation time follows Gamma.
_MARKET_UPDATES = {
    c: f"EXCLUDED.{c}"
    for c in _MARKET_COLUMNS
    if c not in ("condition_id", "created_at")
}
# Gamma is the source of truth for state: a market it lists as not resolved
# (a relisting, or a sandbox restarted with the same seed) has no winner.
_MARKET_UPDATES["winning_outcome_id"] = (
    "CASE WHEN EXCLUDED.status = 'resolved' THEN markets_market.winning_outcome_id END"
)
_MARKET_UPDATES["resolved_at"] = (
    "CASE WHEN EXCLUDED.status = 'resolved' THEN markets_market.resolved_at END"
)
_OUTCOME_COLUMNS = (
    "token_id",
    "market_id",
    "label",
    "index",
    "price",
    "previous_price",
    "price_updated_at",
)
_OUTCOME_UPDATES = {
    "market_id": "EXCLUDED.market_id",
    "label": "EXCLUDED.label",
    "index": "EXCLUDED.index",
    "previous_price": (
        "CASE WHEN EXCLUDED.price IS NOT NULL AND EXCLUDED.price IS DISTINCT FROM markets_outcome.price "
        "THEN markets_outcome.price ELSE markets_outcome.previous_price END"
    ),
    "price_updated_at": (
        "CASE WHEN EXCLUDED.price IS NOT NULL AND EXCLUDED.price IS DISTINCT FROM markets_outcome.price "
        "THEN EXCLUDED.price_updated_at ELSE markets_outcome.price_updated_at END"
    ),
    "price": "COALESCE(EXCLUDED.price, markets_outcome.price)",
}
_EVENT_COLUMNS = (
    "gamma_id", "slug", "title", "description", "category", "image", "neg_risk", "neg_risk_augmented",
    "neg_risk_market_id", "start_date", "end_date", "active", "closed", "volume", "liquidity",
    "created_at", "updated_at",
)  # fmt: skip
_EVENT_UPDATES = {
    c: f"EXCLUDED.{c}" for c in _EVENT_COLUMNS if c not in ("gamma_id", "created_at")
}


def _types() -> dict[str, dict[str, str]]:
    return {
        "market": column_types(Market, _MARKET_COLUMNS),
        "outcome": column_types(Outcome, _OUTCOME_COLUMNS),
        "event": column_types(Event, _EVENT_COLUMNS),
    }


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    outcomes: int = 0
    events: int = 0
    skipped: list[str] = field(default_factory=list)

    def add(self, other: SyncResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.outcomes += other.outcomes
        self.events += other.events
        self.skipped.extend(other.skipped)


def market_status(market: GammaMarket) -> str:
    if not market.closed:
        return MarketStatus.ACTIVE
    if market.uma_resolution_status == "resolved" or winning_index(market) is not None:
        return MarketStatus.RESOLVED
    return MarketStatus.CLOSED


def winning_index(market: GammaMarket) -> int | None:
    """A closed market whose outcome prices are exactly 1 and 0 has resolved."""
    if not market.closed:
        return None
    prices = [o.price for o in market.outcomes]
    if prices.count(ONE) == 1 and all(p in (ONE, Decimal("0")) for p in prices):
        return prices.index(ONE)
    return None


@transaction.atomic
def events_upsert(*, events: Sequence[GammaEvent]) -> int:
    now = utc_now()
    rows = [
        (
            e.id,
            e.slug[:255],
            e.title[:500],
            e.description,
            e.category[:100],
            e.image[:1000],
            e.neg_risk,
            e.neg_risk_augmented,
            e.neg_risk_market_id[:80],
            e.start_date,
            e.end_date,
            e.active,
            e.closed,
            e.volume,
            e.liquidity,
            now,
            now,
        )  # fmt: skip
        for e in _unique(events, key=lambda e: e.id)
    ]
    return len(upsert(table="markets_event",
        types=_types()["event"], columns=_EVENT_COLUMNS, rows=rows, conflict="gamma_id",
                      updates=_EVENT_UPDATES))  # fmt: skip


@transaction.atomic
def markets_upsert(*, markets: Sequence[GammaMarket]) -> SyncResult:
    """Upsert ``markets`` and their outcomes. Markets without a condition id
    or outcome tokens cannot be traded and are skipped with a reason."""
    result = SyncResult()
    tradable: list[GammaMarket] = []
    for market in _unique(markets, key=lambda m: m.condition_id):
        if not market.condition_id:
            result.skipped.append(f"market {market.id}: no condition id")
        elif not market.outcomes:
            result.skipped.append(f"market {market.id}: no outcome tokens")
        else:
            tradable.append(market)
    event_ids = dict(
        Event.objects.filter(
            gamma_id__in={m.event_ids[0] for m in tradable if m.event_ids}
        ).values_list("gamma_id", "id")
    )
    now = utc_now()
    types = _types()
    for start in range(0, len(tradable), BATCH_SIZE):
        batch = tradable[start : start + BATCH_SIZE]
        rows = [_market_row(m, event_ids, now) for m in batch]
        written = upsert(table="markets_market",
            types=types["market"], columns=_MARKET_COLUMNS, rows=rows, conflict="condition_id",
                         updates=_MARKET_UPDATES)  # fmt: skip
        ids = {row.key: row.id for row in written}
        result.created += sum(1 for row in written if row.inserted)
        result.updated += sum(1 for row in written if not row.inserted)
        outcome_rows = [
            (o.token_id, ids[m.condition_id], o.label[:200], index, o.price, None, now)
            for m in batch
            for index, o in enumerate(m.outcomes)
        ]
        result.outcomes += len(upsert(table="markets_outcome",
                types=types["outcome"], columns=_OUTCOME_COLUMNS, rows=outcome_rows,
                                      conflict="token_id", updates=_OUTCOME_UPDATES))  # fmt: skip
        _set_winners(batch, ids)
    return result


def _market_row(
    m: GammaMarket, event_ids: dict[str, int], now: object
) -> tuple[object, ...]:
    status = market_status(m)
    return (
        m.condition_id, m.id or None, event_ids.get(m.event_ids[0]) if m.event_ids else None, m.slug[:255],
        m.question[:500], m.description, m.category[:100], [t[:100] for t in m.tags], m.image[:1000],
        m.icon[:1000], status, m.start_date, m.end_date, m.resolution_source[:1000], m.volume, m.volume_24h,
        m.liquidity, m.tick_size, m.min_order_size, m.neg_risk, m.accepting_orders and status == MarketStatus.ACTIVE,
        m.fees_enabled, m.fee_curve.rate, m.fee_curve.exponent, m.fee_curve.taker_only,
        m.closed_time if status != MarketStatus.ACTIVE else None, now, now,
    )  # fmt: skip


def _set_winners(batch: Sequence[GammaMarket], ids: dict[str, int]) -> None:
    winners = {
        ids[m.condition_id]: m.outcomes[index].token_id
        for m in batch
        if (index := winning_index(m)) is not None
    }
    if not winners:
        return
    tokens = dict(
        Outcome.objects.filter(token_id__in=winners.values()).values_list(
            "token_id", "id"
        )
    )
    for market_id, token_id in winners.items():
        Market.objects.filter(pk=market_id, winning_outcome__isnull=True).update(
            winning_outcome_id=tokens[token_id], resolved_at=utc_now()
        )


def _unique(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    # Duplicates in one batch would make ON CONFLICT touch a row twice, which
    # PostgreSQL refuses; the last occurrence wins, as a later page would.
    seen: dict[str, T] = {}
    for item in items:
        seen[key(item)] = item
    return list(seen.values())
