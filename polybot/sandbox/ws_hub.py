"""Open websocket connections and the routing of engine events to them.

Each connection has an outgoing queue drained by its own writer task, so the
synchronous engine can hand frames over without awaiting. The events of one
engine operation that concern one connection go out together: one object, or
an array frame when there are several (clients must accept both, API.md §8).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from polybot.sandbox import ws_payloads as payloads
from polybot.sandbox.engine import Engine
from polybot.sandbox.events import (
    BookChanged,
    LastTrade,
    MarketListed,
    MarketResolved,
    OrderChanged,
    PriceChanged,
    TickSizeChanged,
    TopChanged,
    TradeChanged,
    VenueEvent,
)
from polybot.sandbox.http import dumps
from polybot.sandbox.models import ApiKey

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Connection:
    channel: str  # "market" | "user"
    ws: web.WebSocketResponse
    request: web.Request
    subscribed: bool = False
    frozen: bool = False
    assets: set[str] = field(default_factory=set)
    custom_features: bool = False
    api_key: ApiKey | None = None
    markets: set[str] = field(default_factory=set)  # user channel; empty = all
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)

    def send(self, frame: str) -> None:
        if not self.frozen:  # a frozen socket stays open and says nothing
            self.queue.put_nowait(frame)

    def send_messages(self, messages: list[dict[str, Any]]) -> None:
        if messages:
            self.send(dumps(messages[0] if len(messages) == 1 else messages))

    async def pump(self) -> None:
        while True:
            frame = await self.queue.get()
            if self.frozen:
                continue
            try:
                await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return


class WsHub:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connections: set[Connection] = set()
        self.freeze_new = False
        engine.bus.subscribe(self.on_events)

    def add(self, conn: Connection) -> None:
        conn.frozen = self.freeze_new
        self.connections.add(conn)

    def remove(self, conn: Connection) -> None:
        self.connections.discard(conn)

    # --- routing ------------------------------------------------------------------

    def on_events(self, events: list[VenueEvent]) -> None:
        for conn in list(self.connections):
            if not conn.subscribed or conn.frozen:
                continue
            if conn.channel == "market":
                conn.send_messages(self._market_messages(conn, events))
            else:
                conn.send_messages(self._user_messages(conn, events))

    def _market_messages(
        self, conn: Connection, events: list[VenueEvent]
    ) -> list[dict]:
        out: list[dict[str, Any]] = []
        for event in events:
            if isinstance(event, MarketListed):
                if conn.custom_features:
                    parent = self.engine.events.get(event.market.event_id)
                    out.append(payloads.new_market(event, parent))
                continue
            if isinstance(event, OrderChanged | TradeChanged):
                continue  # user channel only
            tokens = [t for t in event.market.token_ids if t in conn.assets]
            if not tokens:
                continue
            if isinstance(event, PriceChanged):
                message = payloads.price_change(event, conn.assets)
                if message is not None:
                    out.append(message)
            elif isinstance(event, BookChanged):
                book = self.engine.book_for(event.market)
                out.extend(payloads.book_event(event.market, t, book, event.timestamp_ms)
                           for t in tokens)  # fmt: skip
            elif isinstance(event, LastTrade):
                out.extend(payloads.last_trade_price(event, t) for t in tokens)
            elif isinstance(event, TickSizeChanged):
                out.extend(payloads.tick_size_change(event, t) for t in tokens)
            elif isinstance(event, TopChanged) and conn.custom_features:
                out.extend(payloads.best_bid_ask(event, t) for t in tokens)
            elif isinstance(event, MarketResolved) and conn.custom_features:
                parent = self.engine.events.get(event.market.event_id)
                out.append(payloads.market_resolved(event, parent))
        return out

    def _user_messages(self, conn: Connection, events: list[VenueEvent]) -> list[dict]:
        key = conn.api_key
        if key is None:
            return []
        out: list[dict[str, Any]] = []
        for event in events:
            if isinstance(event, OrderChanged):
                mine = event.order.owner == key.api_key
                if mine and self._wants(conn, event.order.market):
                    out.append(payloads.user_order(event))
            elif isinstance(event, TradeChanged):
                mine = payloads.involves(event, key.api_key)
                if mine and self._wants(conn, event.trade.market):
                    out.append(payloads.user_trade(event, key.api_key))
        return out

    @staticmethod
    def _wants(conn: Connection, market: str) -> bool:
        return not conn.markets or market in conn.markets

    def initial_books(self, conn: Connection, assets: list[str]) -> None:
        """Book snapshots for newly subscribed assets, sent as one array frame."""
        ts = self.engine.now_ms()
        books = []
        for asset in assets:
            market = self.engine.market_for_token(asset)
            if market is not None:
                books.append(
                    payloads.book_event(market, asset, self.engine.book_for(market), ts)
                )
        if books:
            conn.send(dumps(books))

    # --- faults ---------------------------------------------------------------------

    async def drop_all(self, mode: str = "abort") -> int:
        """Cut every socket: ``abort`` kills the TCP connection with no close frame
        (the client sees 1006), ``close`` sends 1001 going away."""
        conns = list(self.connections)
        for conn in conns:
            if mode == "close":
                with contextlib.suppress(Exception):
                    await conn.ws.close(code=1001, message=b"going away")
            elif conn.request.transport is not None:
                conn.request.transport.abort()
            self.connections.discard(conn)
        if conns:
            log.info("sandbox: dropped %d websocket(s) (%s)", len(conns), mode)
        return len(conns)

    def freeze(self, frozen: bool, *, new_connections: bool = False) -> int:
        """Freeze (or thaw) open sockets: they stay open but send nothing, not
        even PONG. ``new_connections`` freezes sockets opened later too."""
        self.freeze_new = frozen and new_connections
        for conn in self.connections:
            conn.frozen = frozen
        return len(self.connections)

    async def close_all(self) -> None:
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"server shutdown")
        self.connections.clear()
