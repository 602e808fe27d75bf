"""Posting orders: payload checks, signature verification, then the engine.

Single posts answer a refusal with 400 ``{"error": ...}``; a batch answers
200 with one row per order, refused rows carrying ``success: false`` and the
message in ``errorMsg``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from polybot.sandbox import errors
from polybot.sandbox.clob_auth import l2_key
from polybot.sandbox.constants import MAX_BATCH_ORDERS
from polybot.sandbox.engine import PlaceResult
from polybot.sandbox.errors import VenueError
from polybot.sandbox.http import body_json, fail, ok
from polybot.sandbox.models import ApiKey, OrderType, Side
from polybot.sandbox.numbers import fmt
from polybot.sandbox.orders import OrderRequest
from polybot.sandbox.signing import (
    POLY_1271,
    exchange_for,
    order_hash,
    parse_order,
    recover_signer,
)
from polybot.sandbox.venue import VENUE, Venue


class OrderRefused(VenueError):
    """A refusal that already knows the order's hash (for batch rows)."""

    def __init__(self, message: str, order_id: str) -> None:
        super().__init__(message)
        self.order_id = order_id


def _prepare(venue: Venue, key: ApiKey, item: Any) -> OrderRequest:
    if not isinstance(item, dict) or not isinstance(item.get("order"), dict):
        raise VenueError(errors.INVALID_PAYLOAD)
    order = parse_order(item["order"])
    try:
        order_type = OrderType(str(item.get("orderType") or "GTC").upper())
    except ValueError as exc:
        raise VenueError(errors.INVALID_PAYLOAD) from exc
    market = venue.engine.market_for_token(order.token_id)
    if market is None:
        raise VenueError(errors.MARKET_NOT_READY)
    exchange = exchange_for(market.neg_risk)
    order_id = order_hash(order, exchange, venue.config.chain_id)
    try:
        if item.get("owner") != key.api_key:
            raise VenueError(errors.OWNER_MISMATCH)
        recovered = recover_signer(order, exchange, venue.config.chain_id)
        if order.signature_type == POLY_1271:
            # Deposit wallet: signer and maker are the wallet; its owner signs.
            if order.signer != order.maker or recovered != key.address:
                raise VenueError(errors.INVALID_SIGNATURE)
        else:
            if order.signer != key.address:
                raise VenueError(errors.SIGNER_MISMATCH)
            if recovered != order.signer:
                raise VenueError(errors.INVALID_SIGNATURE)
    except VenueError as exc:
        raise OrderRefused(exc.message, order_id) from exc
    venue.funders[key.api_key] = order.maker
    return OrderRequest(
        id=order_id,
        owner=key.api_key,
        signer=order.signer,
        maker=order.maker,
        token_id=order.token_id,
        side=Side(order.side),
        maker_amount=order.maker_amount,
        taker_amount=order.taker_amount,
        order_type=order_type,
        post_only=bool(item.get("postOnly")),
        expiration=order.expiration,
    )


def _accepted(result: PlaceResult) -> dict[str, Any]:
    row: dict[str, Any] = {
        "success": True,
        "orderID": result.order.id,
        "status": result.status,
        "makingAmount": fmt(result.making),
        "takingAmount": fmt(result.taking),
        "errorMsg": "",
    }
    if result.trades:
        row["transactionsHashes"] = [t.transaction_hash for t in result.trades]
        row["tradeIDs"] = [t.id for t in result.trades]
    return row


def _place(venue: Venue, key: ApiKey, item: Any) -> dict[str, Any]:
    req = _prepare(venue, key, item)
    try:
        return _accepted(venue.engine.place(req))
    except VenueError as exc:
        raise OrderRefused(exc.message, req.id) from exc


async def post_order(request: web.Request) -> web.Response:
    key = await l2_key(request)
    venue = request.app[VENUE]
    return ok(_place(venue, key, await body_json(request)))


async def post_orders(request: web.Request) -> web.Response:
    key = await l2_key(request)
    venue = request.app[VENUE]
    items = await body_json(request)
    if not isinstance(items, list):
        return fail(errors.INVALID_PAYLOAD)
    if len(items) > MAX_BATCH_ORDERS:
        return fail(errors.TOO_MANY_ORDERS)
    rows: list[dict[str, Any]] = []
    for item in items:
        try:
            rows.append(_place(venue, key, item))
        except VenueError as exc:
            rows.append({
                "success": False,
                "orderID": getattr(exc, "order_id", ""),
                "status": "",
                "makingAmount": "",
                "takingAmount": "",
                "errorMsg": exc.message,
            })  # fmt: skip
    return ok(rows)


def add_routes(app: web.Application, prefix: str) -> None:
    app.router.add_post(f"{prefix}/order", post_order)
    app.router.add_post(f"{prefix}/orders", post_orders)
