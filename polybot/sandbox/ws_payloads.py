"""Websocket event payloads exactly as documented (API.md §8, fixtures ws-*.json).

Engine events are in YES space; each payload is written for one token, the
complement mirrored (price ``1 - p``, side flipped, bid and ask swapped)."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from polybot.sandbox.book import LevelChange, UnifiedBook
from polybot.sandbox.clob_payloads import (
    maker_orders_payload,
    order_payload,
    token_levels,
    token_top,
    viewer_address,
)
from polybot.sandbox.events import (
    LastTrade,
    MarketListed,
    MarketResolved,
    OrderChanged,
    PriceChanged,
    TickSizeChanged,
    TopChanged,
    TradeChanged,
)
from polybot.sandbox.models import Event, Market
from polybot.sandbox.numbers import fmt

ONE = Decimal(1)


def _top_text(value: Decimal | None, empty: str) -> str:
    return fmt(value) if value is not None else empty


def book_event(
    market: Market, token_id: str, book: UnifiedBook, ts_ms: int
) -> dict[str, Any]:
    bids, asks = token_levels(market, token_id, book)
    levels = {
        "bids": [{"price": fmt(p), "size": fmt(s)} for p, s in reversed(bids)],
        "asks": [{"price": fmt(p), "size": fmt(s)} for p, s in reversed(asks)],
    }
    digest = hashlib.sha1(f"{token_id}:{ts_ms}:{levels}".encode()).hexdigest()
    return {
        "event_type": "book",
        "asset_id": token_id,
        "market": market.condition_id,
        **levels,
        "timestamp": str(ts_ms),
        "hash": "0x" + digest,
    }


def _change_entry(
    market: Market, token_id: str, change: LevelChange, n: int, ts: int
) -> dict:
    yes = market.is_yes(token_id)
    side = change.side if yes else change.side.opposite
    price = change.price if yes else ONE - change.price
    bid, ask = token_top(market, token_id, change.best_bid, change.best_ask)
    return {
        "asset_id": token_id,
        "price": fmt(price),
        "size": fmt(change.size),
        "side": side.value,
        "hash": hashlib.sha1(f"{token_id}:{ts}:{n}".encode()).hexdigest(),
        "best_bid": _top_text(bid, "0"),
        "best_ask": _top_text(ask, "1"),
    }


def price_change(event: PriceChanged, assets: set[str]) -> dict[str, Any] | None:
    """The 2025-09 schema: one message per market, a ``price_changes`` entry per
    token and level, each with the token's top of book right after it."""
    market = event.market
    entries = [
        _change_entry(market, token, change, n, event.timestamp_ms)
        for n, change in enumerate(event.changes)
        for token in market.token_ids
        if token in assets
    ]
    if not entries:
        return None
    return {
        "market": market.condition_id,
        "price_changes": entries,
        "timestamp": str(event.timestamp_ms),
        "event_type": "price_change",
    }


def last_trade_price(event: LastTrade, token_id: str) -> dict[str, Any]:
    yes = event.market.is_yes(token_id)
    return {
        "asset_id": token_id,
        "event_type": "last_trade_price",
        "fee_rate_bps": str(event.fee_rate_bps),
        "market": event.market.condition_id,
        "price": fmt(event.yes_price if yes else ONE - event.yes_price),
        "side": (event.yes_side if yes else event.yes_side.opposite).value,
        "size": fmt(event.size),
        "timestamp": str(event.timestamp_ms),
        "transaction_hash": event.transaction_hash,
    }


def best_bid_ask(event: TopChanged, token_id: str) -> dict[str, Any]:
    bid, ask = token_top(event.market, token_id, event.best_bid, event.best_ask)
    spread = fmt(ask - bid) if bid is not None and ask is not None else ""
    return {
        "event_type": "best_bid_ask",
        "market": event.market.condition_id,
        "asset_id": token_id,
        "best_bid": _top_text(bid, "0"),
        "best_ask": _top_text(ask, "1"),
        "spread": spread,
        "timestamp": str(event.timestamp_ms),
    }


def tick_size_change(event: TickSizeChanged, token_id: str) -> dict[str, Any]:
    return {
        "event_type": "tick_size_change",
        "asset_id": token_id,
        "market": event.market.condition_id,
        "old_tick_size": fmt(event.old),
        "new_tick_size": fmt(event.new),
        "timestamp": str(event.timestamp_ms),
    }


def _market_message(market: Market, event: Event | None, ts_ms: int) -> dict[str, Any]:
    return {
        "id": market.gamma_id,
        "question": market.question,
        "market": market.condition_id,
        "slug": market.slug,
        "description": market.description,
        "assets_ids": list(market.token_ids),
        "outcomes": [o.label for o in market.outcomes],
        "event_message": {
            "id": event.id if event else market.event_id,
            "ticker": event.ticker if event else market.slug,
            "slug": event.slug if event else market.slug,
            "title": event.title if event else market.question,
            "description": event.description if event else market.description,
        },
        "timestamp": str(ts_ms),
        "tags": [t.label for t in market.tags],
        "clob_token_ids": list(market.token_ids),
        "order_price_min_tick_size": fmt(market.tick_size),
        "fees_enabled": market.fee.enabled,
    }


def new_market(event: MarketListed, parent: Event | None) -> dict[str, Any]:
    return {
        **_market_message(event.market, parent, event.timestamp_ms),
        "event_type": "new_market",
    }


def market_resolved(event: MarketResolved, parent: Event | None) -> dict[str, Any]:
    market = event.market
    return {
        **_market_message(market, parent, event.timestamp_ms),
        "winning_asset_id": event.winner_token,
        "winning_outcome": market.outcome_of(event.winner_token).label,
        "event_type": "market_resolved",
    }


def user_order(event: OrderChanged) -> dict[str, Any]:
    order = event.order
    return {
        **order_payload(order),
        "event_type": "order",
        "order_owner": order.owner,
        "type": event.kind,
        "created_at": str(order.created_at),
        "associate_trades": list(order.associate_trades) or None,
        "timestamp": str(event.timestamp_ms),
    }


def user_trade(event: TradeChanged, viewer: str) -> dict[str, Any]:
    trade = event.trade
    is_taker = viewer == trade.taker_owner
    return {
        "event_type": "trade",
        "type": "TRADE",
        "id": trade.id,
        "taker_order_id": trade.taker_order_id,
        "market": trade.market,
        "asset_id": trade.asset_id,
        "side": trade.side.value,
        "size": fmt(trade.size),
        "price": fmt(trade.price),
        "fee_rate_bps": str(trade.fee_rate_bps),
        "status": event.status.value,
        "match_time": str(trade.match_time),
        "matchtime": str(trade.match_time),  # older docs' spelling, still seen
        "last_update": str(event.timestamp_ms // 1000),
        "outcome": trade.outcome,
        "owner": viewer,
        "trade_owner": viewer,
        "maker_address": viewer_address(trade, viewer),
        "transaction_hash": trade.transaction_hash,
        "bucket_index": trade.bucket_index,
        "trader_side": "TAKER" if is_taker else "MAKER",
        "maker_orders": maker_orders_payload(trade, trade.fee_rate_bps),
        "timestamp": str(event.timestamp_ms),
    }


def involves(event: TradeChanged, api_key: str) -> bool:
    trade = event.trade
    return trade.taker_owner == api_key or any(
        f.owner == api_key for f in trade.maker_fills
    )
