"""Writes for the market catalogue (STYLE R5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from markets.models import Event, Market, MarketStatus, Outcome
from polybot.lib.time import utc_now


@dataclass(frozen=True)
class OutcomeData:
    token_id: str
    label: str
    price: Decimal | None = None


@dataclass(frozen=True)
class MarketData:
    condition_id: str
    slug: str
    question: str
    outcomes: list[OutcomeData]
    gamma_id: str | None = None
    description: str = ""
    category: str = ""
    tags: list[str] = field(default_factory=list)
    end_date: datetime | None = None
    volume: Decimal = Decimal("0")
    liquidity: Decimal = Decimal("0")
    tick_size: Decimal = Decimal("0.01")
    min_order_size: Decimal = Decimal("5")
    neg_risk: bool = False
    accepting_orders: bool = True
    status: str = MarketStatus.ACTIVE
    resolution_source: str = ""
    fees_enabled: bool = False
    fee_rate: Decimal = Decimal("0")
    fee_exponent: Decimal = Decimal("1")


@transaction.atomic
def event_upsert(*, gamma_id: str, slug: str, title: str, neg_risk: bool = False,
                 neg_risk_augmented: bool = False, category: str = "") -> Event:  # fmt: skip
    event, _ = Event.objects.update_or_create(
        gamma_id=gamma_id,
        defaults={"slug": slug, "title": title, "neg_risk": neg_risk,
                  "neg_risk_augmented": neg_risk_augmented, "category": category},
    )  # fmt: skip
    return event


@transaction.atomic
def market_upsert(*, data: MarketData, event: Event | None = None) -> Market:
    """Create or update one market and its outcomes, keyed by condition id.
    Outcome prices move into ``previous_price`` so the change stays visible."""
    market, _ = Market.objects.update_or_create(
        condition_id=data.condition_id,
        defaults={
            "gamma_id": data.gamma_id, "event": event, "slug": data.slug, "question": data.question,
            "description": data.description, "category": data.category, "tags": data.tags,
            "end_date": data.end_date, "volume": data.volume, "liquidity": data.liquidity,
            "tick_size": data.tick_size, "min_order_size": data.min_order_size,
            "neg_risk": data.neg_risk, "accepting_orders": data.accepting_orders,
            "status": data.status, "resolution_source": data.resolution_source,
            "fees_enabled": data.fees_enabled, "fee_rate": data.fee_rate,
            "fee_exponent": data.fee_exponent,
        },
    )  # fmt: skip
    for index, outcome_data in enumerate(data.outcomes):
        outcome = Outcome.objects.filter(token_id=outcome_data.token_id).first()
        if outcome is None:
            Outcome.objects.create(
                market=market, token_id=outcome_data.token_id, label=outcome_data.label,
                index=index, price=outcome_data.price,
            )  # fmt: skip
            continue
        if outcome_data.price is not None and outcome_data.price != outcome.price:
            outcome.previous_price = outcome.price
            outcome.price = outcome_data.price
        outcome.label = outcome_data.label
        outcome.index = index
        outcome.save()
    return market


@transaction.atomic
def market_resolve(*, condition_id: str, winning_token_id: str) -> Market | None:
    """Mark a market resolved with its winner (from the venue's
    ``market_resolved``). Idempotent; unknown markets are ignored (None)."""
    market = (
        Market.objects.select_for_update().filter(condition_id=condition_id).first()
    )
    if market is None:
        return None
    winner = market.outcomes.filter(token_id=winning_token_id).first()
    if market.status == MarketStatus.RESOLVED and market.winning_outcome_id == (
        winner.pk if winner else None
    ):
        return market
    now = utc_now()
    market.status = MarketStatus.RESOLVED
    market.winning_outcome = winner
    market.accepting_orders = False
    market.resolved_at = now
    market.closed_at = market.closed_at or now
    market.save(
        update_fields=[
            "status",
            "winning_outcome",
            "accepting_orders",
            "resolved_at",
            "closed_at",
            "updated_at",
        ]
    )
    return market
