"""The aiohttp application: one port, one path prefix per service, so each base
URL is exactly what the adapter is configured with (``/clob``, ``/gamma``,
``/data-api``, ``/ws``), plus ``/control`` for the sandbox itself."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Handler

from polybot.sandbox import (
    clob_account,
    clob_auth,
    clob_orders,
    clob_public,
    control,
    data_api,
    gamma,
    ws,
)
from polybot.sandbox.config import SandboxConfig
from polybot.sandbox.errors import VenueError
from polybot.sandbox.faults import fault_middleware
from polybot.sandbox.http import fail, ok
from polybot.sandbox.venue import VENUE, Venue, build_venue

log = logging.getLogger(__name__)


@web.middleware
async def venue_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refusals become ``{"error": ...}`` with the venue's status; unknown routes too."""
    try:
        return await handler(request)
    except VenueError as exc:
        return fail(exc.message, exc.status)
    except web.HTTPNotFound:
        return fail("not found", 404)
    except web.HTTPMethodNotAllowed:
        return fail("method not allowed", 405)


async def index(request: web.Request) -> web.Response:
    return ok({"sandbox": "polybot", "urls": vars(request.app[VENUE].urls)})


async def _every(
    seconds: float, work: Callable[[], Awaitable[None] | None], name: str
) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            result = work()
            if result is not None:
                await result
        except Exception:  # one bad step must not stop the market place
            log.exception("sandbox: %s failed", name)


async def _fault_loop(venue: Venue) -> None:
    """Periodic websocket faults (``--ws-drop-every``, ``--ws-freeze-every``)."""
    last_drop = last_freeze = venue.clock()
    while True:
        await asyncio.sleep(0.1)
        now, faults = venue.clock(), venue.faults
        if faults.ws_drop_every and now - last_drop >= faults.ws_drop_every:
            last_drop = now
            await venue.hub.drop_all()
        if faults.ws_freeze_every and now - last_freeze >= faults.ws_freeze_every:
            last_freeze = now
            venue.hub.freeze(True)


async def _background(app: web.Application) -> AsyncIterator[None]:
    venue = app[VENUE]
    config = venue.config

    def sim_step() -> None:
        if venue.simulator_running:
            venue.simulator.step(config.simulator_interval)

    tasks = [
        asyncio.create_task(_every(config.maintenance_interval, venue.engine.maintenance,
                                   "maintenance")),
        asyncio.create_task(_every(config.simulator_interval, sim_step, "simulator")),
        asyncio.create_task(_fault_loop(venue)),
    ]  # fmt: skip
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await venue.hub.close_all()


async def _close_websockets(app: web.Application) -> None:
    # Before the server waits for open requests to finish: a websocket never would.
    await app[VENUE].hub.close_all()


def create_app(config: SandboxConfig | None = None) -> web.Application:
    """A complete sandbox venue. Background work (simulator, settlement,
    expiry, heartbeats, periodic faults) starts when the app starts."""
    venue = build_venue(config or SandboxConfig())
    app = web.Application(middlewares=[venue_errors, fault_middleware(venue.faults)])
    app[VENUE] = venue
    app.router.add_get("/", index)
    for module in (clob_public, clob_auth, clob_orders, clob_account):
        module.add_routes(app, "/clob")
    gamma.add_routes(app, "/gamma")
    data_api.add_routes(app, "/data-api")
    control.add_routes(app, "/control")
    app.router.add_get("/ws/market", ws.market_socket)
    app.router.add_get("/ws/user", ws.user_socket)
    app.cleanup_ctx.append(_background)
    app.on_shutdown.append(_close_websockets)
    return app
