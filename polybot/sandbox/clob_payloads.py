"""CLOB JSON shapes (API.md §5, fixtures clob-*.json): books, open orders, trades,
markets. Numbers are decimal strings as the venue writes them."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from polybot.sandbox.book import UnifiedBook
from polybot.sandbox.http import dumps
from polybot.sandbox.models import Market, Order, Side, Trade, TradeStatus
from polybot.sandbox.numbers import fmt

ONE = Decimal(1)
Levels = list[tuple[Decimal, Decimal]]


def token_levels(
    market: Market, token_id: str, book: UnifiedBook
) -> tuple[Levels, Levels]:
    """Bids and asks of one token, best first; the complement mirrors YES space."""
    bids, asks = book.levels(Side.BUY), book.levels(Side.SELL)
    if market.is_yes(token_id):
        return bids, asks
    return [(ONE - p, s) for p, s in asks], [(ONE - p, s) for p, s in bids]


def token_top(
    market: Market, token_id: str, bid: Decimal | None, ask: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    if market.is_yes(token_id):
        return bid, ask
    return (None if ask is None else ONE - ask), (None if bid is None else ONE - bid)


def last_price(market: Market, token_id: str) -> Decimal | None:
    last = market.last_trade_price
    if last is None:
        return None
    return last if market.is_yes(token_id) else ONE - last


def _levels_json(levels: Levels) -> list[dict[str, str]]:
    return [{"price": fmt(p), "size": fmt(s)} for p, s in levels]


def book_payload(
    market: Market, token_id: str, book: UnifiedBook, ts_ms: int
) -> dict[str, Any]:
    """``GET /book``: like the venue, both sides worst first (the best level last),
    with the SHA-1 hash the client's ``get_order_book_hash`` recomputes."""
    bids, asks = token_levels(market, token_id, book)
    last = last_price(market, token_id)
    payload: dict[str, Any] = {
        "market": market.condition_id,
        "asset_id": token_id,
        "timestamp": str(ts_ms),
        "hash": "",
        "bids": _levels_json(list(reversed(bids))),
        "asks": _levels_json(list(reversed(asks))),
        "min_order_size": fmt(market.min_order_size),
        "tick_size": fmt(market.tick_size),
        "neg_risk": market.neg_risk,
        "last_trade_price": fmt(last) if last is not None else "",
    }
    payload["hash"] = hashlib.sha1(dumps(payload).encode()).hexdigest()
    return payload


def order_payload(order: Order) -> dict[str, Any]:
    """An OpenOrder (``/data/orders``, ``/data/order/{hash}``)."""
    return {
        "id": order.id,
        "status": order.status.value,
        "owner": order.owner,
        "maker_address": order.maker,
        "market": order.market,
        "asset_id": order.asset_id,
        "side": order.side.value,
        "original_size": fmt(order.original_size),
        "size_matched": fmt(order.size_matched),
        "price": fmt(order.price),
        "associate_trades": list(order.associate_trades),
        "outcome": order.outcome,
        "created_at": order.created_at,
        "expiration": str(order.expiration),
        "order_type": order.order_type.value,
    }


def maker_orders_payload(trade: Trade, fee_rate_bps: int) -> list[dict[str, Any]]:
    return [
        {
            "order_id": f.order_id,
            "owner": f.owner,
            "maker_address": f.maker_address,
            "matched_amount": fmt(f.matched_amount),
            "price": fmt(f.price),
            "fee_rate_bps": "0",  # makers pay no fee
            "asset_id": f.asset_id,
            "outcome": f.outcome,
            "outcome_index": f.outcome_index,
            "side": f.side.value,
        }
        for f in trade.maker_fills
    ]


def viewer_address(trade: Trade, viewer: str) -> str:
    """The wallet through which ``viewer`` (an API key) took part in the trade."""
    if viewer == trade.taker_owner:
        return trade.taker_address
    return next((f.maker_address for f in trade.maker_fills if f.owner == viewer),
                trade.taker_address)  # fmt: skip


def trade_payload(
    trade: Trade, viewer: str, status: TradeStatus | None = None
) -> dict[str, Any]:
    """A trade as ``viewer`` (an API key) sees it.

    Top-level side/asset/price/size describe the taker, as on the venue;
    ``owner``/``maker_address`` are the viewer's and ``trader_side`` its role."""
    is_taker = viewer == trade.taker_owner
    return {
        "id": trade.id,
        "taker_order_id": trade.taker_order_id,
        "market": trade.market,
        "asset_id": trade.asset_id,
        "side": trade.side.value,
        "size": fmt(trade.size),
        "fee_rate_bps": str(trade.fee_rate_bps),
        "price": fmt(trade.price),
        "status": (status or trade.status).value,
        "match_time": str(trade.match_time),
        "last_update": str(trade.last_update),
        "outcome": trade.outcome,
        "bucket_index": trade.bucket_index,
        "owner": viewer,
        "maker_address": viewer_address(trade, viewer),
        "maker_orders": maker_orders_payload(trade, trade.fee_rate_bps),
        "transaction_hash": trade.transaction_hash,
        "trader_side": "TAKER" if is_taker else "MAKER",
    }


def clob_market_info(market: Market) -> dict[str, Any]:
    """``GET /clob-markets/{condition_id}``: the compact form the v2 client reads."""
    return {
        "c": market.condition_id,
        "t": [{"t": o.token_id, "o": o.label} for o in market.outcomes],
        "mts": float(market.tick_size),
        "mos": float(market.min_order_size),
        "mbf": 0,
        "tbf": market.fee.base_fee_bps,
        "nr": market.neg_risk,
        "fd": {
            "r": float(market.fee.rate),
            "e": market.fee.exponent,
            "to": market.fee.taker_only,
        },
        "rfqe": False,
        "itode": False,
        "ibce": False,
        "oas": market.accepting_orders,
        "gst": None,
        "r": {"min_size": 0, "max_spread": 0, "rates": None},
    }


def clob_market(market: Market, mid: Decimal | None) -> dict[str, Any]:
    """``GET /markets/{condition_id}`` (the CLOB's own market record)."""
    yes_price = mid if mid is not None else (market.last_trade_price or Decimal("0.5"))
    prices = (yes_price, ONE - yes_price)
    return {
        "enable_order_book": True,
        "active": market.active,
        "closed": market.closed,
        "archived": market.archived,
        "accepting_orders": market.accepting_orders,
        "accepting_order_timestamp": market.start_date.isoformat().replace(
            "+00:00", "Z"
        ),
        "minimum_order_size": float(market.min_order_size),
        "minimum_tick_size": float(market.tick_size),
        "condition_id": market.condition_id,
        "question_id": market.question_id,
        "question": market.question,
        "description": market.description,
        "market_slug": market.slug,
        "end_date_iso": market.end_date.isoformat().replace("+00:00", "Z"),
        "game_start_time": None,
        "seconds_delay": 0,
        "fpmm": "",
        "maker_base_fee": 0,
        "taker_base_fee": market.fee.base_fee_bps,
        "notifications_enabled": True,
        "neg_risk": market.neg_risk,
        "neg_risk_market_id": market.neg_risk_market_id,
        "neg_risk_request_id": market.neg_risk_request_id,
        "icon": market.image,
        "image": market.image,
        "rewards": {"rates": None, "min_size": 0, "max_spread": 0},
        "is_50_50_outcome": False,
        "tokens": [
            {
                "token_id": o.token_id,
                "outcome": o.label,
                "price": float(market_price(market, o.token_id, prices[o.index])),
                "winner": market.winner_token == o.token_id,
            }
            for o in market.outcomes
        ],
        "tags": [t.label for t in market.tags],
    }


def market_price(market: Market, token_id: str, live: Decimal) -> Decimal:
    """A token's price: its settlement value once resolved, the live price before."""
    if market.winner_token is not None:
        return ONE if market.winner_token == token_id else Decimal(0)
    return live
