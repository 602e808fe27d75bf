"""Issue 3 acceptance: a silently frozen market websocket is detected, replaced
and resubscribed; the book is untrusted until the fresh snapshot arrives."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx

from polybot.polymarket.book import BookRegistry
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.gamma import GammaClient
from polybot.polymarket.models import BookEvent, MarketEvent, StreamReconnected
from polybot.polymarket.ws import MarketStream, StreamSettings
from polybot.sandbox.server import start_sandbox
from tests.e2e.conftest import QUIET

FAST = StreamSettings(
    ping_interval=0.2, stale_after=1.0, reconnect_base=0.05, reconnect_max=0.2
)


async def _wait(predicate, timeout: float = 10.0) -> None:  # noqa: ANN001
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_a_frozen_socket_is_replaced_and_the_book_trusted_again_after_a_snapshot() -> (
    None
):
    server = await start_sandbox(0, seed=7, config=QUIET)
    try:
        urls = server.urls
        config = replace(
            VenueConfig(), clob_url=urls.clob, gamma_url=urls.gamma, ws_url=urls.ws
        )
        market = await asyncio.to_thread(
            lambda: next(GammaClient(config).markets(active=True))
        )
        token = market.outcomes[0].token_id

        books = BookRegistry()
        timeline: list[
            tuple[str, bool]
        ] = []  # (what arrived, was the book trusted after it)

        async def on_event(event: MarketEvent | StreamReconnected) -> None:
            if isinstance(event, StreamReconnected):
                books.mark_all_untrusted(event.asset_ids, event.reason)
                timeline.append(("reconnected", books.book(token).trusted))
            elif isinstance(event, BookEvent) and event.snapshot.asset_id == token:
                books.apply(event)
                timeline.append(("book", books.book(token).trusted))
            else:
                books.apply(event)

        stream = MarketStream(config, [token], on_event=on_event, settings=FAST)
        task = asyncio.create_task(stream.run())
        await _wait(lambda: ("book", True) in timeline)

        async with httpx.AsyncClient(base_url=urls.control) as control:
            frozen = await control.post("/ws/freeze", json={"frozen": True})
            assert frozen.json()["connections"] == 1
            # Frozen: open, but no data and no PONG. Only our staleness check notices.
            await _wait(lambda: stream.counters.stale_detections == 1)
            await control.post("/ws/freeze", json={"frozen": False})

        await _wait(lambda: len(timeline) >= 3)
        assert timeline == [("book", True), ("reconnected", False), ("book", True)]
        assert stream.counters.connects == 2
        assert stream.counters.reconnects == 1
        assert stream.shard_keys() == [(token,)]
        await stream.stop()
        await task
    finally:
        await server.stop()


async def test_a_dropped_socket_reconnects_and_resubscribes() -> None:
    server = await start_sandbox(0, seed=7, config=QUIET)
    try:
        urls = server.urls
        config = replace(VenueConfig(), gamma_url=urls.gamma, ws_url=urls.ws)
        market = await asyncio.to_thread(
            lambda: next(GammaClient(config).markets(active=True))
        )
        tokens = [o.token_id for o in market.outcomes]
        seen: list[str] = []

        async def on_event(event: MarketEvent | StreamReconnected) -> None:
            seen.append(event.event_type)

        stream = MarketStream(config, tokens, on_event=on_event, settings=FAST)
        task = asyncio.create_task(stream.run())
        await _wait(lambda: seen.count("book") >= 2)
        async with httpx.AsyncClient(base_url=urls.control) as control:
            await control.post("/ws/drop")
        await _wait(lambda: seen.count("book") >= 4)
        assert seen == ["book", "book", "reconnected", "book", "book"]
        await stream.stop()
        await task
    finally:
        await server.stop()
