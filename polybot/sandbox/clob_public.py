"""Public CLOB endpoints (API.md §5): health, time, version, books, prices,
market parameters and everything ``py-clob-client-v2`` asks before it signs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from polybot.sandbox.clob_payloads import (
    book_payload,
    clob_market,
    clob_market_info,
    last_price,
    token_top,
)
from polybot.sandbox.errors import VenueError
from polybot.sandbox.http import body_json, ok, page, q_int, q_list
from polybot.sandbox.models import Market
from polybot.sandbox.numbers import fmt
from polybot.sandbox.venue import VENUE, Venue

NO_BOOK = "No orderbook exists for the requested token id"
INTERVALS = {"1h": 3600, "6h": 6 * 3600, "1d": 86400, "1w": 7 * 86400, "1m": 30 * 86400}
DEFAULT_FIDELITY = {"1h": 1, "6h": 1, "1d": 5, "1w": 30, "1m": 180, "max": 720}


def _token(venue: Venue, token_id: str | None) -> Market:
    if not token_id:
        raise VenueError("Invalid token id")
    market = venue.engine.market_for_token(token_id)
    if market is None:
        raise VenueError(NO_BOOK, status=404)
    return market


def _token_param(request: web.Request) -> tuple[Venue, Market, str]:
    venue = request.app[VENUE]
    token_id = request.query.get("token_id", "")
    return venue, _token(venue, token_id), token_id


def _top(
    venue: Venue, market: Market, token_id: str
) -> tuple[Decimal | None, Decimal | None]:
    book = venue.engine.book_for(market)
    return token_top(market, token_id, book.best_bid(), book.best_ask())


def _price(venue: Venue, token_id: str, side: str) -> Decimal:
    """Best bid for BUY, best ask for SELL (docs: get-market-price)."""
    market = _token(venue, token_id)
    bid, ask = _top(venue, market, token_id)
    if side.upper() not in ("BUY", "SELL"):
        raise VenueError("Invalid side")
    best = bid if side.upper() == "BUY" else ask
    if best is None:
        raise VenueError(NO_BOOK, status=404)
    return best


def _mid(venue: Venue, token_id: str) -> Decimal:
    market = _token(venue, token_id)
    bid, ask = _top(venue, market, token_id)
    if bid is None or ask is None:
        raise VenueError(NO_BOOK, status=404)
    return (bid + ask) / 2


def _spread(venue: Venue, token_id: str) -> Decimal:
    market = _token(venue, token_id)
    bid, ask = _top(venue, market, token_id)
    if bid is None or ask is None:
        raise VenueError(NO_BOOK, status=404)
    return ask - bid


def _book(venue: Venue, token_id: str) -> dict[str, Any]:
    market = _token(venue, token_id)
    if market.closed:
        raise VenueError(NO_BOOK, status=404)
    return book_payload(
        market, token_id, venue.engine.book_for(market), venue.engine.now_ms()
    )


async def _params(request: web.Request) -> list[dict[str, Any]]:
    body = await body_json(request, error="Invalid payload")
    if not isinstance(body, list) or not all(isinstance(p, dict) for p in body):
        raise VenueError("Invalid payload")
    return body


# --- handlers ---------------------------------------------------------------------


async def get_ok(request: web.Request) -> web.Response:
    return ok("OK")


async def get_time(request: web.Request) -> web.Response:
    return ok(int(request.app[VENUE].clock()))


async def get_version(request: web.Request) -> web.Response:
    return ok({"version": 2})


async def get_book(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    return ok(_book(venue, request.query.get("token_id", "")))


async def post_books(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    return ok(
        [_book(venue, str(p.get("token_id", ""))) for p in await _params(request)]
    )


async def get_price(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    price = _price(
        venue, request.query.get("token_id", ""), request.query.get("side", "")
    )
    return ok({"price": fmt(price)})


async def prices(request: web.Request) -> web.Response:
    """``{token: {side: price}}``; POST takes ``[{token_id, side}]``, GET
    ``token_ids`` and ``sides`` lists."""
    venue = request.app[VENUE]
    if request.method == "POST":
        wanted = [
            (str(p.get("token_id", "")), str(p.get("side", "")))
            for p in await _params(request)
        ]
    else:
        tokens, sides = q_list(request, "token_ids"), q_list(request, "sides")
        wanted = list(zip(tokens, sides or ["BUY"] * len(tokens), strict=False))
    out: dict[str, dict[str, float]] = {}
    for token_id, side in wanted:
        out.setdefault(token_id, {})[side.upper()] = float(
            _price(venue, token_id, side)
        )
    return ok(out)


async def get_midpoint(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    return ok({"mid": fmt(_mid(venue, request.query.get("token_id", "")))})


async def post_midpoints(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    params = await _params(request)
    return ok(
        {
            str(p["token_id"]): fmt(_mid(venue, str(p.get("token_id", ""))))
            for p in params
        }
    )


async def get_spread(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    return ok({"spread": fmt(_spread(venue, request.query.get("token_id", "")))})


async def post_spreads(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    params = await _params(request)
    return ok(
        {
            str(p["token_id"]): fmt(_spread(venue, str(p.get("token_id", ""))))
            for p in params
        }
    )


def _last(venue: Venue, token_id: str) -> dict[str, Any]:
    market = _token(venue, token_id)
    price = last_price(market, token_id)
    side = market.last_trade_side
    if side is not None and not market.is_yes(token_id):
        side = side.opposite
    return {"price": fmt(price) if price is not None else "",
            "side": side.value if side else ""}  # fmt: skip


async def get_last_trade_price(request: web.Request) -> web.Response:
    return ok(_last(request.app[VENUE], request.query.get("token_id", "")))


async def post_last_trades_prices(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    params = await _params(request)
    return ok([{"token_id": str(p.get("token_id", "")), **_last(venue, str(p.get("token_id", "")))}
               for p in params])  # fmt: skip


async def get_prices_history(request: web.Request) -> web.Response:
    """``interval`` (1h 6h 1d 1w 1m max) or ``startTs``+``endTs``; ``fidelity`` minutes."""
    venue = request.app[VENUE]
    token_id = request.query.get("market", "")
    market = _token(venue, token_id)
    now = int(venue.clock())
    interval = request.query.get("interval")
    start, end = q_int(request, "startTs"), q_int(request, "endTs")
    if interval:
        if interval not in INTERVALS and interval not in ("max", "all"):
            raise VenueError(f"invalid interval {interval}")
        end = now
        start = now - INTERVALS[interval] if interval in INTERVALS else 0
    elif start is None or end is None:
        raise VenueError("startTs and endTs, or interval, are required")
    fidelity = q_int(request, "fidelity") or DEFAULT_FIDELITY.get(interval or "", 1)
    points = venue.history.query(market, token_id, start, end, fidelity)
    return ok({"history": [{"t": t, "p": p} for t, p in points]})


async def get_tick_size(request: web.Request) -> web.Response:
    _, market, _ = _token_param(request)
    return ok({"minimum_tick_size": fmt(market.tick_size)})


async def get_neg_risk(request: web.Request) -> web.Response:
    _, market, _ = _token_param(request)
    return ok({"neg_risk": market.neg_risk})


async def get_fee_rate(request: web.Request) -> web.Response:
    _, market, _ = _token_param(request)
    return ok({"base_fee": market.fee.base_fee_bps})


def _market(venue: Venue, condition_id: str) -> Market:
    market = venue.engine.markets.get(condition_id)
    if market is None:
        raise VenueError("market not found", status=404)
    return market


async def get_clob_market(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    return ok(clob_market_info(_market(venue, request.match_info["condition_id"])))


async def get_market(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    market = _market(venue, request.match_info["condition_id"])
    return ok(clob_market(market, venue.engine.book_for(market).midpoint()))


async def get_markets(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    rows = [clob_market(m, venue.engine.book_for(m).midpoint())
            for m in venue.engine.markets.values()]  # fmt: skip
    return ok(page(rows, request.query.get("next_cursor"), 500))


async def get_market_by_token(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    token_id = request.match_info["token_id"]
    market = _token(venue, token_id)
    return ok({
        "condition_id": market.condition_id,
        "primary_token_id": market.yes.token_id,
        "secondary_token_id": market.no.token_id,
    })  # fmt: skip


def add_routes(app: web.Application, prefix: str) -> None:
    r = app.router
    r.add_get(f"{prefix}/", get_ok)
    r.add_get(f"{prefix}/ok", get_ok)
    r.add_get(f"{prefix}/time", get_time)
    r.add_get(f"{prefix}/version", get_version)
    r.add_get(f"{prefix}/book", get_book)
    r.add_post(f"{prefix}/books", post_books)
    r.add_get(f"{prefix}/price", get_price)
    r.add_get(f"{prefix}/prices", prices)
    r.add_post(f"{prefix}/prices", prices)
    r.add_get(f"{prefix}/midpoint", get_midpoint)
    r.add_post(f"{prefix}/midpoints", post_midpoints)
    r.add_get(f"{prefix}/spread", get_spread)
    r.add_post(f"{prefix}/spreads", post_spreads)
    r.add_get(f"{prefix}/last-trade-price", get_last_trade_price)
    r.add_post(f"{prefix}/last-trades-prices", post_last_trades_prices)
    r.add_get(f"{prefix}/prices-history", get_prices_history)
    r.add_get(f"{prefix}/tick-size", get_tick_size)
    r.add_get(f"{prefix}/neg-risk", get_neg_risk)
    r.add_get(f"{prefix}/fee-rate", get_fee_rate)
    r.add_get(f"{prefix}/clob-markets/{{condition_id}}", get_clob_market)
    r.add_get(f"{prefix}/markets", get_markets)
    r.add_get(f"{prefix}/sampling-markets", get_markets)
    r.add_get(f"{prefix}/markets/{{condition_id}}", get_market)
    r.add_get(f"{prefix}/markets-by-token/{{token_id}}", get_market_by_token)
