"""``MarketStream(on_raw=...)``: the raw-frame hook the book recorder uses,
against a real websockets server on 127.0.0.1 (STYLE R36, like test_ws.py).

The server answers every ``PING`` with ``PONG`` and, after the subscribe
frame, sends the frames a test queued, byte for byte.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from polybot.polymarket.config import VenueConfig
from polybot.polymarket.models import BookEvent, PriceChangeEvent
from polybot.polymarket.ws import MarketStream, StreamSettings

WAIT = 3.0
# Pings every 20 ms, so PONGs arrive between the data frames.
CALM = StreamSettings(
    ping_interval=0.02, stale_after=5.0, reconnect_base=0.01, reconnect_max=0.05
)

BOOK = (
    '{"event_type":"book","asset_id":"t1","market":"0xm","bids":[{"price":".48",'
    '"size":"30"}],"asks":[{"price":".52","size":"25"}],"timestamp":"1","hash":"h"}'
)
PRICE_CHANGE = (
    '{"market":"0xm","price_changes":[{"asset_id":"t1","price":"0.5","size":"200",'
    '"side":"BUY","hash":"x","best_bid":"0.5","best_ask":"0.52"}],'
    '"timestamp":"2","event_type":"price_change"}'
)
# Spacing the venue never sends, to prove the hook gets the text untouched.
SPACED_ARRAY = f"[ {BOOK} ,\n {PRICE_CHANGE} ]"
GARBAGE = "this is {not json"


class Venue:
    def __init__(self) -> None:
        self.to_send: list[str] = []
        self.pongs_sent = 0
        self.port = 0

    @property
    def config(self) -> VenueConfig:
        return VenueConfig(ws_url=f"ws://127.0.0.1:{self.port}/", connect_timeout=2.0)

    async def handler(self, ws: ServerConnection) -> None:
        try:
            async for message in ws:
                if message == "PING":
                    await ws.send("PONG")
                    self.pongs_sent += 1
                    continue
                assert json.loads(message)["type"] == "market"
                # Let a few keepalives through before the data.
                await asyncio.sleep(0.1)
                for frame in self.to_send:
                    await ws.send(frame)
        except ConnectionClosed:
            pass


@pytest.fixture
async def venue() -> AsyncIterator[Venue]:
    fake = Venue()
    async with serve(fake.handler, "127.0.0.1", 0) as server:
        fake.port = server.sockets[0].getsockname()[1]
        yield fake


async def _until(predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_it_passes_every_data_frame_verbatim_but_no_pong(venue: Venue) -> None:
    venue.to_send = [BOOK, SPACED_ARRAY, GARBAGE, PRICE_CHANGE]
    raws: list[str] = []
    events: list[Any] = []

    async def on_event(event: Any) -> None:
        events.append(event)

    stream = MarketStream(
        venue.config, ["t1"], on_event=on_event, settings=CALM, on_raw=raws.append
    )
    task = asyncio.create_task(stream.run())
    try:
        await _until(lambda: len(events) == 4 and venue.pongs_sent >= 3)
    finally:
        await stream.stop()
        await task

    assert raws == [BOOK, SPACED_ARRAY, GARBAGE, PRICE_CHANGE]
    assert "PONG" not in raws
    assert stream.counters.pongs >= 3
    assert stream.counters.messages == 4
    assert stream.counters.raw_hook_errors == 0


async def test_a_failing_on_raw_is_counted_and_never_costs_events(
    venue: Venue, caplog: pytest.LogCaptureFixture
) -> None:
    venue.to_send = [BOOK, PRICE_CHANGE, BOOK]
    events: list[Any] = []

    async def on_event(event: Any) -> None:
        events.append(event)

    def on_raw(raw: str) -> None:
        raise RuntimeError("buffer exploded")

    stream = MarketStream(
        venue.config, ["t1"], on_event=on_event, settings=CALM, on_raw=on_raw
    )
    task = asyncio.create_task(stream.run())
    try:
        await _until(lambda: len(events) == 3)
    finally:
        await stream.stop()
        await task

    assert [type(e) for e in events] == [BookEvent, PriceChangeEvent, BookEvent]
    assert stream.counters.raw_hook_errors == 3
    assert stream.counters.connects == 1
    assert stream.counters.reconnects == 0
    # Logged once, not once per frame.
    failures = [r for r in caplog.records if "on_raw failed" in r.getMessage()]
    assert len(failures) == 1
