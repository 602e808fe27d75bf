"""Data API (API.md §7): positions, trades, activity and value, in the v1 shape
(bare arrays, camelCase) and the v2 one (``{"data", "pagination"}``, snake_case).

Positions come from the wallet's token balances; average price and realized
P&L from its fills (a FAILED trade does not count), as DESIGN §4 defines them.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import web

from polybot.sandbox.book import own_price
from polybot.sandbox.engine import Engine
from polybot.sandbox.errors import VenueError
from polybot.sandbox.http import ok, q_bool, q_float, q_int, q_list
from polybot.sandbox.models import Market, Side, TradeStatus, WalletFill
from polybot.sandbox.venue import VENUE

ZERO = Decimal(0)


@dataclass
class Position:
    market: Market
    token_id: str
    size: Decimal
    avg_price: Decimal
    total_bought: Decimal
    realized: Decimal
    fees: Decimal
    current_price: Decimal
    last_event_at: int

    @property
    def initial_value(self) -> Decimal:
        return self.size * self.avg_price

    @property
    def current_value(self) -> Decimal:
        return self.size * self.current_price

    @property
    def unrealized(self) -> Decimal:
        return self.current_value - self.initial_value


def _current_price(engine: Engine, market: Market, token_id: str) -> Decimal:
    if market.winner_token is not None:
        return Decimal(1) if market.winner_token == token_id else ZERO
    mid = engine.book_for(market).midpoint()
    if mid is None:
        mid = market.last_trade_price or Decimal("0.5")
    return own_price(market, token_id, mid)


def _live_fills(engine: Engine, address: str) -> list[WalletFill]:
    return [
        f
        for f in engine.fills_by_wallet.get(address.lower(), [])
        if engine.trades.get(f.trade_id) is None
        or engine.trades[f.trade_id].status is not TradeStatus.FAILED
    ]


def positions_of(engine: Engine, address: str) -> list[Position]:
    if address not in engine.ledger:
        return []
    wallet = engine.ledger.wallet(address)
    by_token: dict[str, list[WalletFill]] = {}
    for fill in _live_fills(engine, address):
        by_token.setdefault(fill.token_id, []).append(fill)
    out: list[Position] = []
    for token_id, balance in wallet.tokens.items():
        market = engine.market_for_token(token_id)
        fills = by_token.get(token_id, [])
        if market is None or (balance <= 0 and not fills):
            continue
        size = avg = bought = realized = fees = ZERO
        for fill in fills:
            fees += fill.fee
            if fill.side is Side.BUY:
                avg = (size * avg + fill.size * fill.price) / (size + fill.size)
                size += fill.size
                bought += fill.size
            else:
                realized += fill.size * (fill.price - avg)
                size -= fill.size
        out.append(Position(
            market=market, token_id=token_id, size=balance, avg_price=avg, total_bought=bought,
            realized=realized, fees=fees,
            current_price=_current_price(engine, market, token_id),
            last_event_at=fills[-1].timestamp if fills else 0,
        ))  # fmt: skip
    return out


def _pct(part: Decimal, whole: Decimal) -> float:
    return round(float(part / whole * 100), 4) if whole else 0.0


def _opposite(market: Market, token_id: str) -> tuple[str, str]:
    other = market.complement(token_id)
    return market.outcome_of(other).label, other


def _v1_position(engine: Engine, address: str, p: Position) -> dict[str, Any]:
    m, outcome = p.market, p.market.outcome_of(p.token_id)
    opposite_label, opposite_token = _opposite(m, p.token_id)
    event = engine.events.get(m.event_id)
    return {
        "proxyWallet": address.lower(), "asset": p.token_id, "conditionId": m.condition_id,
        "size": float(p.size), "avgPrice": float(p.avg_price),
        "initialValue": float(p.initial_value), "currentValue": float(p.current_value),
        "cashPnl": float(p.unrealized), "percentPnl": _pct(p.unrealized, p.initial_value),
        "totalBought": float(p.total_bought), "realizedPnl": float(p.realized),
        "percentRealizedPnl": _pct(p.realized, p.total_bought * p.avg_price),
        "curPrice": float(p.current_price), "redeemable": m.winner_token is not None,
        "mergeable": _mergeable(engine, address, m), "title": m.question, "slug": m.slug,
        "icon": m.image, "eventSlug": event.slug if event else m.slug,
        "outcome": outcome.label, "outcomeIndex": outcome.index,
        "oppositeOutcome": opposite_label, "oppositeAsset": opposite_token,
        "endDate": m.end_date.date().isoformat(), "negativeRisk": m.neg_risk,
    }  # fmt: skip


def _status(p: Position) -> str:
    if p.market.winner_token is None:
        return "OPEN" if p.size > 0 else "CLOSED"
    return "REDEEMABLE" if p.market.winner_token == p.token_id else "REDEEMABLE_LOST"


def _v2_position(engine: Engine, address: str, p: Position) -> dict[str, Any]:
    m, outcome = p.market, p.market.outcome_of(p.token_id)
    opposite_label, opposite_token = _opposite(m, p.token_id)
    event = engine.events.get(m.event_id)
    total = p.realized + p.unrealized - p.fees
    return {
        "proxy_wallet": address.lower(), "token_id": p.token_id, "condition_id": m.condition_id,
        "current_size": float(p.size), "avg_price": float(p.avg_price),
        "entry_cost_usdc": float(p.initial_value), "entry_fees_usdc": float(p.fees),
        "total_cost_usdc": float(p.initial_value + p.fees),
        "current_price": float(p.current_price), "current_value": float(p.current_value),
        "total_size": float(p.total_bought), "realized_pnl": float(p.realized),
        "unrealized_pnl": float(p.unrealized), "total_pnl": float(total),
        "percent_pnl": _pct(p.unrealized, p.initial_value),
        "percent_realized_pnl": _pct(p.realized, p.total_bought * p.avg_price),
        "status": _status(p), "redeemable": m.winner_token is not None,
        "mergeable": _mergeable(engine, address, m), "negative_risk": m.neg_risk,
        "archived": m.archived, "title": m.question, "slug": m.slug, "icon": m.image,
        "event_id": m.event_id, "event_slug": event.slug if event else m.slug,
        "outcome": outcome.label, "outcome_index": outcome.index,
        "opposite_outcome": opposite_label, "opposite_token_id": opposite_token,
        "end_date": m.end_date.date().isoformat(), "last_event_at": p.last_event_at,
    }  # fmt: skip


def _mergeable(engine: Engine, address: str, market: Market) -> bool:
    wallet = engine.ledger.wallet(address)
    return all(wallet.tokens[t] > 0 for t in market.token_ids)


def _user(request: web.Request, *, required: bool = True) -> str:
    user = request.query.get("user", "")
    if required and not user:
        raise VenueError("user is required")
    return user


def _markets_filter(request: web.Request) -> set[str]:
    return set(q_list(request, "market") + q_list(request, "condition")
               + q_list(request, "condition_id") + q_list(request, "conditionId"))  # fmt: skip


def _v2_page(rows: list[Any], request: web.Request) -> dict[str, Any]:
    cursor = request.query.get("cursor")
    start = 0
    if cursor:
        try:
            start = int(base64.urlsafe_b64decode(cursor).decode())
        except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
            raise VenueError("invalid cursor") from exc
    limit = q_int(request, "limit", 100) or 100
    more = start + limit < len(rows)
    token = (
        base64.urlsafe_b64encode(str(start + limit).encode()).decode() if more else None
    )
    return {
        "data": rows[start : start + limit],
        "pagination": {"has_more": more, "next_cursor": token},
    }


def _v1_slice(rows: list[Any], request: web.Request) -> list[Any]:
    offset = q_int(request, "offset", 0) or 0
    limit = q_int(request, "limit", 100) or 100
    return rows[offset : offset + limit]


def _filtered_positions(request: web.Request) -> tuple[Engine, str, list[Position]]:
    engine, user = request.app[VENUE].engine, _user(request)
    markets = _markets_filter(request)
    threshold = q_float(request, "sizeThreshold")
    found = [
        p for p in positions_of(engine, user)
        if (not markets or p.market.condition_id in markets)
        and p.size >= Decimal(str(threshold if threshold is not None else 0)) and p.size > 0
    ]  # fmt: skip
    return engine, user, found


async def positions_v1(request: web.Request) -> web.Response:
    engine, user, found = _filtered_positions(request)
    if q_bool(request, "redeemable"):
        found = [p for p in found if p.market.winner_token is not None]
    return ok(_v1_slice([_v1_position(engine, user, p) for p in found], request))


async def positions_v2(request: web.Request) -> web.Response:
    engine, user, found = _filtered_positions(request)
    rows = [_v2_position(engine, user, p) for p in found]
    if status := request.query.get("status"):
        rows = [r for r in rows if r["status"] == status.upper()]
    return ok(_v2_page(rows, request))


def _taker_only(request: web.Request) -> bool:
    """``takerOnly`` (v1) / ``taker_only`` (v2), true unless asked otherwise."""
    for name in ("takerOnly", "taker_only"):
        flag = q_bool(request, name)
        if flag is not None:
            return flag
    return True


def _trade_rows(
    request: web.Request, *, trades_only: bool = True
) -> list[tuple[str, WalletFill]]:
    """(wallet, fill) pairs newest first: the user's fills, or every recent
    taker fill of the market place when no user is given."""
    engine = request.app[VENUE].engine
    user = _user(request, required=False)
    markets = _markets_filter(request)
    side = (request.query.get("side") or "").upper()
    if user:
        fills = [(user.lower(), f) for f in _live_fills(engine, user)]
        if trades_only and _taker_only(request):
            fills = [(w, f) for w, f in fills if f.role == "TAKER"]
    else:
        fills = [
            (t.taker_address.lower(), WalletFill(t.id, t.market, t.asset_id, t.side, t.size,
                                                  t.price, t.fee, t.match_time, "TAKER"))
            for t in engine.recent_trades
        ]  # fmt: skip
    rows = [(w, f) for w, f in fills
            if (not markets or f.market in markets) and (not side or f.side.value == side)]  # fmt: skip
    return list(reversed(rows))


def _trade_common(engine: Engine, fill: WalletFill) -> tuple[Market, Any, str, str]:
    market = engine.markets[fill.market]
    event = engine.events.get(market.event_id)
    trade = engine.trades.get(fill.trade_id)
    tx = trade.transaction_hash if trade else ""
    return (
        market,
        market.outcome_of(fill.token_id),
        event.slug if event else market.slug,
        tx,
    )


def _v1_trade(engine: Engine, wallet: str, fill: WalletFill) -> dict[str, Any]:
    market, outcome, event_slug, tx = _trade_common(engine, fill)
    return {
        "proxyWallet": wallet, "side": fill.side.value, "asset": fill.token_id,
        "conditionId": fill.market, "size": float(fill.size), "price": float(fill.price),
        "timestamp": fill.timestamp, "title": market.question, "slug": market.slug,
        "icon": market.image, "eventSlug": event_slug, "outcome": outcome.label,
        "outcomeIndex": outcome.index, "name": "", "pseudonym": "", "bio": "",
        "profileImage": "", "profileImageOptimized": "", "transactionHash": tx,
    }  # fmt: skip


def _v2_trade(engine: Engine, wallet: str, fill: WalletFill) -> dict[str, Any]:
    market, outcome, event_slug, tx = _trade_common(engine, fill)
    return {
        "proxy_wallet": wallet, "side": fill.side.value, "token_id": fill.token_id,
        "condition_id": fill.market, "size": float(fill.size), "price": float(fill.price),
        "timestamp": fill.timestamp, "title": market.question, "slug": market.slug,
        "icon": market.image, "event_slug": event_slug, "outcome": outcome.label,
        "outcome_index": outcome.index, "name": "", "pseudonym": "", "bio": "",
        "profile_image": "", "profile_image_optimized": "", "transaction_hash": tx,
    }  # fmt: skip


async def trades_v1(request: web.Request) -> web.Response:
    engine = request.app[VENUE].engine
    rows = [_v1_trade(engine, w, f) for w, f in _trade_rows(request)]
    return ok(_v1_slice(rows, request))


async def trades_v2(request: web.Request) -> web.Response:
    engine = request.app[VENUE].engine
    return ok(
        _v2_page([_v2_trade(engine, w, f) for w, f in _trade_rows(request)], request)
    )


def _activity(row: dict[str, Any], fill: WalletFill, *, snake: bool) -> dict[str, Any]:
    usdc = float(fill.size * fill.price)
    extra = {"type": "TRADE", "usdc_size" if snake else "usdcSize": usdc}
    return {**row, **extra}


async def activity_v1(request: web.Request) -> web.Response:
    engine = request.app[VENUE].engine
    _user(request)
    rows = [
        _activity(_v1_trade(engine, w, f), f, snake=False)
        for w, f in _trade_rows(request, trades_only=False)
    ]
    return ok(_v1_slice(rows, request))


async def activity_v2(request: web.Request) -> web.Response:
    engine = request.app[VENUE].engine
    _user(request)
    rows = [_activity(_v2_trade(engine, w, f), f, snake=True)
            for w, f in _trade_rows(request, trades_only=False)]  # fmt: skip
    return ok(_v2_page(rows, request))


def _value(request: web.Request) -> tuple[str, float]:
    _, user, found = _filtered_positions(request)
    return user.lower(), float(sum((p.current_value for p in found), ZERO))


async def value_v1(request: web.Request) -> web.Response:
    user, value = _value(request)
    return ok([{"user": user, "value": value}])


async def value_v2(request: web.Request) -> web.Response:
    user, value = _value(request)
    return ok({"data": {"proxy_wallet": user, "value": value}})


def add_routes(app: web.Application, prefix: str) -> None:
    r = app.router
    r.add_get(f"{prefix}/positions", positions_v1)
    r.add_get(f"{prefix}/v2/positions", positions_v2)
    r.add_get(f"{prefix}/trades", trades_v1)
    r.add_get(f"{prefix}/v2/trades", trades_v2)
    r.add_get(f"{prefix}/activity", activity_v1)
    r.add_get(f"{prefix}/v2/activity", activity_v2)
    r.add_get(f"{prefix}/value", value_v1)
    r.add_get(f"{prefix}/v2/value", value_v2)
