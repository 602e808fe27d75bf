"""Gamma market and event objects (API.md §6; fixtures gamma-market.json,
gamma-event.json): camelCase, with ``outcomes``, ``outcomePrices`` and
``clobTokenIds`` as JSON-encoded strings and live prices from the book."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from polybot.sandbox.book import UnifiedBook
from polybot.sandbox.engine import Engine
from polybot.sandbox.models import Event, Market, Side, Tag
from polybot.sandbox.numbers import fmt

ONE = Decimal(1)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _tag(tag: Tag) -> dict[str, Any]:
    return {"id": tag.id, "label": tag.label, "slug": tag.slug, "forceShow": False}


def _liquidity(book: UnifiedBook) -> Decimal:
    """Resting notional on both sides, in pUSD (each level at its own price)."""
    bids = sum((p * s for p, s in book.levels(Side.BUY)), Decimal(0))
    asks = sum(((ONE - p) * s for p, s in book.levels(Side.SELL)), Decimal(0))
    return bids + asks


def yes_price(market: Market, book: UnifiedBook) -> Decimal:
    if market.winner_token is not None:
        return ONE if market.is_yes(market.winner_token) else Decimal(0)
    mid = book.midpoint()
    if mid is not None:
        return mid
    return (
        market.last_trade_price
        if market.last_trade_price is not None
        else Decimal("0.5")
    )


def _event_stub(event: Event | None, market: Market) -> dict[str, Any]:
    if event is None:
        return {"id": market.event_id, "slug": market.slug, "title": market.question}
    return {
        "id": event.id,
        "ticker": event.ticker,
        "slug": event.slug,
        "title": event.title,
        "description": event.description,
        "startDate": iso(event.start_date),
        "endDate": iso(event.end_date),
        "active": True,
        "closed": market.closed,
        "archived": False,
        "negRisk": event.neg_risk,
        "negRiskMarketID": event.neg_risk_market_id or None,
        "negRiskAugmented": event.neg_risk_augmented,
        "enableNegRisk": event.neg_risk,
    }


def market_json(
    engine: Engine, market: Market, *, with_events: bool = True
) -> dict[str, Any]:
    book = engine.book_for(market)
    price = yes_price(market, book)
    bid, ask = book.best_bid(), book.best_ask()
    volume = market.base_volume + market.traded_volume
    volume_24h = market.base_volume_24h + market.traded_volume
    liquidity = _liquidity(book)
    resolved = market.winner_token is not None
    change = (
        price - market.reference_price
        if market.reference_price is not None
        else Decimal(0)
    )
    fee = market.fee
    data: dict[str, Any] = {
        "id": market.gamma_id,
        "question": market.question,
        "conditionId": market.condition_id,
        "questionID": market.question_id,
        "slug": market.slug,
        "description": market.description,
        "category": market.category,
        "resolutionSource": market.resolution_source,
        "image": market.image,
        "icon": market.image,
        "startDate": iso(market.start_date),
        "endDate": iso(market.end_date),
        "startDateIso": market.start_date.date().isoformat(),
        "endDateIso": market.end_date.date().isoformat(),
        "createdAt": iso(market.created_at),
        "updatedAt": iso(market.updated_at or market.created_at),
        "closedTime": iso(market.closed_time),
        "outcomes": json.dumps([o.label for o in market.outcomes]),
        "outcomePrices": json.dumps([fmt(price), fmt(ONE - price)]),
        "clobTokenIds": json.dumps(list(market.token_ids)),
        "volume": fmt(volume),
        "volumeNum": float(volume),
        "volume24hr": float(volume_24h),
        "volume1wk": float(volume_24h * 5),
        "volume1mo": float(volume_24h * 18),
        "volume1yr": float(volume),
        "volumeClob": float(volume),
        "liquidity": fmt(liquidity),
        "liquidityNum": float(liquidity),
        "liquidityClob": float(liquidity),
        "active": market.active,
        "closed": market.closed,
        "archived": market.archived,
        "new": False,
        "featured": False,
        "restricted": False,
        "approved": True,
        "ready": True,
        "funded": True,
        "cyom": False,
        "acceptingOrders": market.accepting_orders,
        "acceptingOrdersTimestamp": iso(market.start_date),
        "enableOrderBook": True,
        "marketMakerAddress": "",
        "negRisk": market.neg_risk,
        "negRiskMarketID": market.neg_risk_market_id or None,
        "negRiskRequestID": market.neg_risk_request_id or None,
        "negRiskOther": False,
        "groupItemTitle": market.group_item_title or None,
        "orderPriceMinTickSize": float(market.tick_size),
        "orderMinSize": float(market.min_order_size),
        "bestBid": float(bid) if bid is not None else 0,
        "bestAsk": float(ask) if ask is not None else 1,
        "spread": float(ask - bid) if bid is not None and ask is not None else 1,
        "lastTradePrice": float(market.last_trade_price or 0),
        "oneHourPriceChange": 0,
        "oneDayPriceChange": float(round(change, 4)),
        "oneWeekPriceChange": float(round(change, 4)),
        "competitive": 0.9,
        "rewardsMinSize": 0,
        "rewardsMaxSpread": 0,
        "secondsDelay": 0,
        "feesEnabled": fee.enabled,
        "feeType": f"{market.category.lower()}_fees" if fee.enabled else None,
        "feeSchedule": {
            "exponent": fee.exponent,
            "rate": float(fee.rate),
            "takerOnly": fee.taker_only,
            "rebateRate": 0,
        }
        if fee.enabled
        else None,
        "rfqEnabled": False,
        "holdingRewardsEnabled": False,
        "umaResolutionStatus": "resolved" if resolved else None,
        "umaResolutionStatuses": json.dumps(["resolved"] if resolved else []),
        "resolvedBy": "0x6A9D222616C90FcA5754cd1333cFD9b7fb6a4F74",
        "version": "v1",
        "tags": [_tag(t) for t in market.tags],
    }
    if with_events:
        data["events"] = [_event_stub(engine.events.get(market.event_id), market)]
    return data


def event_json(engine: Engine, event: Event) -> dict[str, Any]:
    markets = [engine.markets[c] for c in event.condition_ids if c in engine.markets]
    rows = [market_json(engine, m, with_events=False) for m in markets]
    volume = sum((Decimal(r["volume"]) for r in rows), Decimal(0))
    liquidity = sum((Decimal(r["liquidity"]) for r in rows), Decimal(0))
    closed = bool(markets) and all(m.closed for m in markets)
    return {
        "id": event.id,
        "ticker": event.ticker,
        "slug": event.slug,
        "title": event.title,
        "description": event.description,
        "resolutionSource": "https://example.org/sandbox-resolution",
        "startDate": iso(event.start_date),
        "creationDate": iso(event.created_at),
        "endDate": iso(event.end_date),
        "image": event.image,
        "icon": event.image,
        "active": True,
        "closed": closed,
        "archived": False,
        "new": False,
        "featured": event.neg_risk,
        "restricted": False,
        "liquidity": float(liquidity),
        "volume": float(volume),
        "openInterest": float(liquidity),
        "sortBy": "ascending",
        "category": event.category,
        "createdAt": iso(event.created_at),
        "updatedAt": iso(event.created_at),
        "competitive": 0.9,
        "volume24hr": sum(r["volume24hr"] for r in rows),
        "volume1wk": sum(r["volume1wk"] for r in rows),
        "volume1mo": sum(r["volume1mo"] for r in rows),
        "volume1yr": sum(r["volume1yr"] for r in rows),
        "liquidityClob": float(liquidity),
        "commentCount": event.comment_count,
        "cyom": False,
        "showAllOutcomes": True,
        "showMarketImages": event.neg_risk,
        "enableOrderBook": True,
        "enableNegRisk": event.neg_risk,
        "negRisk": event.neg_risk,
        "negRiskMarketID": event.neg_risk_market_id or None,
        "negRiskAugmented": event.neg_risk_augmented,
        "pendingDeployment": False,
        "deploying": False,
        "markets": rows,
        "series": [],
        "tags": [_tag(t) for t in event.tags],
    }
