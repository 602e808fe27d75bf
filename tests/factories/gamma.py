"""Typed Gamma payloads (the adapter's models) for catalogue tests and benchmarks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from polybot.polymarket.models import FeeCurve, GammaEvent, GammaMarket, GammaOutcome


def gamma_market(n: int, **overrides: object) -> GammaMarket:
    yes = Decimal(overrides.pop("yes_price", "0.62"))  # type: ignore[arg-type]
    market = GammaMarket(
        id=str(500000 + n), condition_id="0x" + f"{n:064x}", question_id="0x" + f"{n:064x}",
        slug=f"will-event-{n}-happen", question=f"Will event {n} happen by December?",
        description=f"This market resolves to Yes if event {n} happens.", category="Politics",
        outcomes=(GammaOutcome("Yes", f"{n}01", yes), GammaOutcome("No", f"{n}02", Decimal("1") - yes)),
        active=True, closed=False, archived=False, accepting_orders=True, enable_order_book=True,
        neg_risk=False, neg_risk_market_id="", neg_risk_other=False, tick_size=Decimal("0.01"),
        min_order_size=Decimal("5"), volume=Decimal("12345.67"), volume_24h=Decimal("321.5"),
        liquidity=Decimal("4567.89"), best_bid=None, best_ask=None, last_trade_price=None,
        one_day_price_change=None, start_date=datetime(2026, 1, 1, tzinfo=UTC),
        end_date=datetime(2026, 12, 31, tzinfo=UTC), closed_time=None, resolution_source="",
        image="", icon="", fees_enabled=False, fee_curve=FeeCurve(), seconds_delay=0,
        tags=("Politics", "US"), event_ids=(), version="v1", position_ids=(),
        uma_resolution_status="", updated_at=None,
    )  # fmt: skip
    return replace(market, **overrides)  # type: ignore[arg-type]


def gamma_event(n: int, **overrides: object) -> GammaEvent:
    event = GammaEvent(
        id=str(70000 + n), slug=f"event-{n}", ticker=f"event-{n}", title=f"Event {n}", description="",
        category="Politics", active=True, closed=False, archived=False, neg_risk=False,
        neg_risk_augmented=False, neg_risk_market_id="", start_date=None, end_date=None,
        volume=Decimal("0"), liquidity=Decimal("0"), image="", tags=(), markets=(),
    )  # fmt: skip
    return replace(event, **overrides)  # type: ignore[arg-type]
