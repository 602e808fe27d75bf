"""L2 endpoints besides posting: cancels, open orders, trades, balances,
heartbeats, and the small account reads clients call."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from polybot.sandbox import constants, errors
from polybot.sandbox.clob_auth import l2_key
from polybot.sandbox.clob_payloads import order_payload, trade_payload
from polybot.sandbox.errors import VenueError
from polybot.sandbox.http import body_json, ok, page, q_int
from polybot.sandbox.models import ApiKey, Trade
from polybot.sandbox.numbers import to_base_units
from polybot.sandbox.venue import VENUE, Venue

ALLOWANCES = dict.fromkeys(
    (constants.EXCHANGE_V2, constants.NEG_RISK_EXCHANGE_V2, constants.NEG_RISK_ADAPTER),
    constants.MAX_UINT256,
)


def _cancel_result(canceled: list[str], not_canceled: dict[str, str]) -> web.Response:
    return ok({"canceled": canceled, "not_canceled": not_canceled})


async def cancel_order(request: web.Request) -> web.Response:
    key = await l2_key(request)
    body = await body_json(request)
    if not isinstance(body, dict) or not isinstance(body.get("orderID"), str):
        raise VenueError(errors.INVALID_PAYLOAD)
    return _cancel_result(
        *request.app[VENUE].engine.cancel(key.api_key, [body["orderID"]])
    )


async def cancel_orders(request: web.Request) -> web.Response:
    key = await l2_key(request)
    body = await body_json(request)
    if not isinstance(body, list) or not all(isinstance(i, str) for i in body):
        raise VenueError(errors.INVALID_PAYLOAD)
    return _cancel_result(*request.app[VENUE].engine.cancel(key.api_key, body))


async def cancel_all(request: web.Request) -> web.Response:
    key = await l2_key(request)
    return _cancel_result(request.app[VENUE].engine.cancel_where(key.api_key), {})


async def cancel_market_orders(request: web.Request) -> web.Response:
    key = await l2_key(request)
    body = await body_json(request) or {}
    if not isinstance(body, dict):
        raise VenueError(errors.INVALID_PAYLOAD)
    engine = request.app[VENUE].engine
    canceled = engine.cancel_where(key.api_key, market=str(body.get("market") or ""),
                                   asset_id=str(body.get("asset_id") or ""))  # fmt: skip
    return _cancel_result(canceled, {})


async def open_orders(request: web.Request) -> web.Response:
    key = await l2_key(request)
    venue = request.app[VENUE]
    q = request.query
    rows = [
        order_payload(o)
        for o in venue.engine.open_orders(key.api_key)
        if (not q.get("id") or o.id == q["id"])
        and (not q.get("market") or o.market == q["market"])
        and (not q.get("asset_id") or o.asset_id == q["asset_id"])
    ]
    return ok(page(rows, q.get("next_cursor"), venue.config.orders_page_size))


async def get_order(request: web.Request) -> web.Response:
    key = await l2_key(request)
    order = request.app[VENUE].engine.orders.get(request.match_info["order_id"])
    if order is None or order.owner != key.api_key:
        raise VenueError("order not found", status=404)
    return ok(order_payload(order))


def _trade_matches(trade: Trade, viewer: str, request: web.Request) -> bool:
    q = request.query
    mine = {trade.asset_id} | {
        f.asset_id for f in trade.maker_fills if f.owner == viewer
    }
    addresses = {trade.taker_address.lower()} | {
        f.maker_address.lower() for f in trade.maker_fills
    }
    before, after = q_int(request, "before"), q_int(request, "after")
    return (
        (not q.get("id") or trade.id == q["id"])
        and (not q.get("market") or trade.market == q["market"])
        and (not q.get("asset_id") or q["asset_id"] in mine)
        and (not q.get("maker_address") or q["maker_address"].lower() in addresses)
        and (before is None or trade.match_time <= before)
        and (after is None or trade.match_time >= after)
    )


async def trades(request: web.Request) -> web.Response:
    key = await l2_key(request)
    venue = request.app[VENUE]
    rows = [
        trade_payload(t, key.api_key)
        for t in venue.engine.trades_by_owner.get(key.api_key, [])
        if _trade_matches(t, key.api_key, request)
    ]
    return ok(
        page(rows, request.query.get("next_cursor"), venue.config.trades_page_size)
    )


def _balance(venue: Venue, key: ApiKey, request: web.Request) -> dict[str, Any]:
    """Balances in 6-decimal base units; non-EOA signature types read the funder's."""
    q = request.query
    signature_type = q_int(request, "signature_type", 0)
    address = (
        key.address
        if signature_type in (0, -1)
        else venue.funders.get(key.api_key, key.address)
    )
    wallet = venue.engine.ledger.wallet(address)
    asset_type = (q.get("asset_type") or "COLLATERAL").upper()
    if asset_type == "COLLATERAL":
        balance = wallet.collateral
    elif asset_type == "CONDITIONAL":
        if not q.get("token_id"):
            raise VenueError("token_id is required for CONDITIONAL")
        balance = wallet.tokens[q["token_id"]]
    else:
        raise VenueError(f"invalid asset_type {asset_type}")
    allowances = {**ALLOWANCES, **venue.allowances.get(address.lower(), {})}
    return {"balance": str(to_base_units(balance)), "allowances": allowances}


async def balance_allowance(request: web.Request) -> web.Response:
    key = await l2_key(request)
    return ok(_balance(request.app[VENUE], key, request))


async def heartbeat(request: web.Request) -> web.Response:
    """Starts (or feeds) the dead man's switch for this API key's orders."""
    key = await l2_key(request)
    venue = request.app[VENUE]
    venue.engine.heartbeat(key.api_key)
    return ok({"status": "ok", "heartbeat_id": str(uuid.uuid4())})


async def empty_page(request: web.Request) -> web.Response:
    await l2_key(request)
    return ok(page([], None, 100))


async def notifications(request: web.Request) -> web.Response:
    await l2_key(request)
    return ok([] if request.method == "GET" else "OK")


async def order_scoring(request: web.Request) -> web.Response:
    await l2_key(request)
    return ok({"scoring": False})


async def orders_scoring(request: web.Request) -> web.Response:
    await l2_key(request)
    ids = await body_json(request) or []
    return ok({str(i): False for i in ids})


def add_routes(app: web.Application, prefix: str) -> None:
    r = app.router
    r.add_delete(f"{prefix}/order", cancel_order)
    r.add_delete(f"{prefix}/orders", cancel_orders)
    r.add_delete(f"{prefix}/cancel-all", cancel_all)
    r.add_delete(f"{prefix}/cancel-market-orders", cancel_market_orders)
    r.add_get(f"{prefix}/data/orders", open_orders)
    r.add_get(f"{prefix}/data/order/{{order_id}}", get_order)
    r.add_get(f"{prefix}/data/trades", trades)
    r.add_get(f"{prefix}/data/pre-migration-orders", empty_page)
    r.add_get(f"{prefix}/balance-allowance", balance_allowance)
    r.add_get(f"{prefix}/balance-allowance/update", balance_allowance)
    r.add_post(f"{prefix}/v1/heartbeats", heartbeat)
    r.add_post(f"{prefix}/heartbeats", heartbeat)
    r.add_get(f"{prefix}/notifications", notifications)
    r.add_delete(f"{prefix}/notifications", notifications)
    r.add_get(f"{prefix}/order-scoring", order_scoring)
    r.add_post(f"{prefix}/orders-scoring", orders_scoring)
