"""``/control/...``: the sandbox's own endpoints, for tests and demos.

Not part of the venue's protocol and never subject to injected faults. Bodies
and answers are JSON; amounts are decimal strings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from polybot.sandbox.catalog import MARKET_ID_BASE, TICK, hex_id, token_id
from polybot.sandbox.catalog_data import TAG_ALL, TAGS
from polybot.sandbox.errors import VenueError
from polybot.sandbox.history import logit
from polybot.sandbox.ledger import Wallet
from polybot.sandbox.models import Event, FeeSchedule, Market, Outcome
from polybot.sandbox.numbers import fmt, to_base_units
from polybot.sandbox.simulator import MarketSim
from polybot.sandbox.venue import VENUE, Venue


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise VenueError("body must be JSON") from exc
    if not isinstance(body, dict):
        raise VenueError("body must be a JSON object")
    return body


def _decimal(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise VenueError(f"invalid {name}") from exc


def _market(venue: Venue, condition_id: str) -> Market:
    market = venue.engine.markets.get(condition_id)
    if market is None:
        raise VenueError("market not found", status=404)
    return market


def wallet_json(wallet: Wallet) -> dict[str, Any]:
    return {
        "address": wallet.address,
        "collateral": fmt(wallet.collateral),
        "collateral_reserved": fmt(wallet.collateral_reserved),
        "available": fmt(wallet.available_collateral),
        "tokens": {t: fmt(v) for t, v in wallet.tokens.items() if v},
        "tokens_reserved": {t: fmt(v) for t, v in wallet.tokens_reserved.items() if v},
    }


async def state(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    engine = venue.engine
    return web.json_response({
        "seed": venue.config.seed,
        "urls": vars(venue.urls),
        "simulator_running": venue.simulator_running,
        "faults": venue.faults.as_dict(),
        "markets": len(engine.markets),
        "open_markets": sum(1 for m in engine.markets.values() if not m.closed),
        "websockets": len(venue.hub.connections),
        "scheduled_resolutions": dict(engine.scheduled_resolutions),
    })  # fmt: skip


async def set_faults(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    try:
        venue.faults.update(await _body(request))
    except (ValueError, TypeError) as exc:
        raise VenueError(str(exc)) from exc
    return web.json_response(venue.faults.as_dict())


async def reset_faults(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    venue.faults.reset()
    venue.hub.freeze(False)
    return web.json_response(venue.faults.as_dict())


async def drop_websockets(request: web.Request) -> web.Response:
    body = await _body(request)
    dropped = await request.app[VENUE].hub.drop_all(str(body.get("mode", "abort")))
    return web.json_response({"dropped": dropped})


async def freeze_websockets(request: web.Request) -> web.Response:
    body = await _body(request)
    frozen = bool(body.get("frozen", True))
    count = request.app[VENUE].hub.freeze(
        frozen, new_connections=bool(body.get("new_connections"))
    )
    return web.json_response({"frozen": frozen, "connections": count})


async def fund(request: web.Request) -> web.Response:
    """``{"address", "amount", "token_id"?}``: add pUSD (or outcome tokens)."""
    venue = request.app[VENUE]
    body = await _body(request)
    address = str(body.get("address") or "")
    if not address:
        raise VenueError("address is required")
    token = body.get("token_id")
    if token is not None and venue.engine.market_for_token(str(token)) is None:
        raise VenueError("unknown token_id")
    venue.engine.fund(
        address, _decimal(body.get("amount"), "amount"), str(token) if token else None
    )
    return web.json_response(wallet_json(venue.engine.ledger.wallet(address)))


async def set_allowance(request: web.Request) -> web.Response:
    """``{"address", "spender", "amount"}``: what ``balance-allowance`` reports
    for that owner and spender (pUSD; "0" is a missing approval)."""
    venue = request.app[VENUE]
    body = await _body(request)
    address, spender = str(body.get("address") or ""), str(body.get("spender") or "")
    if not address or not spender:
        raise VenueError("address and spender are required")
    amount = _decimal(body.get("amount"), "amount")
    venue.allowances.setdefault(address.lower(), {})[spender] = str(
        to_base_units(amount)
    )
    return web.json_response(
        {"address": address, "spender": spender, "amount": fmt(amount)}
    )


async def wallet(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    return web.json_response(
        wallet_json(venue.engine.ledger.wallet(request.match_info["address"]))
    )


async def fail_trade(request: web.Request) -> web.Response:
    trade = request.app[VENUE].engine.fail_trade(request.match_info["trade_id"])
    return web.json_response({"id": trade.id, "status": trade.status.value})


async def step_simulator(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    body = await _body(request)
    steps = int(body.get("steps", 1))
    for _ in range(steps):
        venue.simulator.step(venue.config.simulator_interval)
        venue.engine.maintenance()
    return web.json_response({"steps": steps})


async def run_simulator(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    venue.simulator_running = bool((await _body(request)).get("running", True))
    return web.json_response({"running": venue.simulator_running})


async def maintenance(request: web.Request) -> web.Response:
    request.app[VENUE].engine.maintenance()
    return web.json_response({"ok": True})


async def resolve(request: web.Request) -> web.Response:
    """``{"winning_outcome": "Yes"}`` or ``{"winning_token": ...}``; default: the favourite."""
    venue = request.app[VENUE]
    market = _market(venue, request.match_info["condition_id"])
    body = await _body(request)
    winner = body.get("winning_token")
    if body.get("winning_outcome"):
        label = str(body["winning_outcome"]).lower()
        matches = [o.token_id for o in market.outcomes if o.label.lower() == label]
        if not matches:
            raise VenueError("unknown outcome")
        winner = matches[0]
    venue.engine.scheduled_resolutions.pop(market.condition_id, None)
    venue.engine.resolve(market.condition_id, str(winner) if winner else None)
    return web.json_response({"condition_id": market.condition_id,
                              "winning_token": market.winner_token})  # fmt: skip


async def set_tick_size(request: web.Request) -> web.Response:
    venue = request.app[VENUE]
    market = _market(venue, request.match_info["condition_id"])
    tick = _decimal((await _body(request)).get("tick_size"), "tick_size")
    venue.engine.set_tick_size(market.condition_id, tick)
    return web.json_response(
        {"condition_id": market.condition_id, "tick_size": fmt(tick)}
    )


async def new_market(request: web.Request) -> web.Response:
    """List a new binary market now (emits ``new_market``). ``{"question", "category"?,
    "price"?, "days"?}``."""
    venue = request.app[VENUE]
    body = await _body(request)
    question = str(body.get("question") or "")
    if not question:
        raise VenueError("question is required")
    category = str(body.get("category") or "Culture")
    engine = venue.engine
    n = len(engine.markets)
    seed = venue.config.seed
    slug = f"listed-{n}-" + "-".join(question.lower().split())[:40].strip("-?")
    now = datetime.fromtimestamp(venue.clock(), UTC)
    end = now + timedelta(days=float(body.get("days", 7)))
    event_id = str(90_000 + n)
    tags = (TAGS.get(category, TAG_ALL), TAG_ALL)
    market = Market(
        gamma_id=str(MARKET_ID_BASE + 1000 + n), condition_id=hex_id("condition", seed, slug),
        question_id=hex_id("question", seed, slug), slug=slug, question=question,
        description=f'This market will resolve to "Yes" if {question}', category=category,
        tags=tags, event_id=event_id, image="", resolution_source="", created_at=now,
        start_date=now, end_date=end,
        outcomes=(Outcome("Yes", token_id(seed, slug, 0), 0), Outcome("No", token_id(seed, slug, 1), 1)),
        tick_size=TICK, base_tick_size=TICK, min_order_size=Decimal(5), fee=FeeSchedule(),
        updated_at=now,
    )  # fmt: skip
    event = Event(id=event_id, slug=slug, ticker=slug, title=question,
                  description=market.description, category=category, tags=tags,
                  condition_ids=[market.condition_id], created_at=now, start_date=now,
                  end_date=end, image="")  # fmt: skip
    price = float(body.get("price", 0.5))
    market.last_trade_price = Decimal(str(round(price, 2)))
    engine.list_market(market, event)
    venue.simulator.state[market.condition_id] = MarketSim(
        z=logit(price), anchor=price, vol=0.5
    )
    return web.json_response({"condition_id": market.condition_id, "id": market.gamma_id,
                              "token_ids": list(market.token_ids)})  # fmt: skip


def add_routes(app: web.Application, prefix: str) -> None:
    r = app.router
    r.add_get(f"{prefix}/state", state)
    r.add_post(f"{prefix}/faults", set_faults)
    r.add_delete(f"{prefix}/faults", reset_faults)
    r.add_post(f"{prefix}/ws/drop", drop_websockets)
    r.add_post(f"{prefix}/ws/freeze", freeze_websockets)
    r.add_post(f"{prefix}/fund", fund)
    r.add_post(f"{prefix}/allowances", set_allowance)
    r.add_get(f"{prefix}/wallets/{{address}}", wallet)
    r.add_post(f"{prefix}/trades/{{trade_id}}/fail", fail_trade)
    r.add_post(f"{prefix}/simulator/step", step_simulator)
    r.add_post(f"{prefix}/simulator", run_simulator)
    r.add_post(f"{prefix}/maintenance", maintenance)
    r.add_post(f"{prefix}/markets", new_market)
    r.add_post(f"{prefix}/markets/{{condition_id}}/resolve", resolve)
    r.add_post(f"{prefix}/markets/{{condition_id}}/tick-size", set_tick_size)
