"""The WebSocket clients against a real websockets server on 127.0.0.1.

Nothing of ours is mocked (STYLE R36): ``FakeVenue`` speaks the venue's
protocol (API.md §8) over real sockets, records every frame it receives and
can answer ``PONG``, freeze (stay open but silent), drop the TCP connection or
reject subscribers. Intervals are shrunk so the staleness and reconnect paths
run in well under a second; every wait is on a condition with a timeout.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from polybot.polymarket.config import VenueConfig
from polybot.polymarket.models import (
    ApiCredentials,
    BestBidAskEvent,
    BookEvent,
    LastTradePriceEvent,
    PriceChangeEvent,
    StreamReconnected,
    TickSizeChangeEvent,
    UserOrderEvent,
    UserTradeEvent,
)
from polybot.polymarket.parsing import (
    BookFrame,
    LastTradePriceFrame,
    MarketFrame,
    PriceChangeFrame,
)
from polybot.polymarket.ws import (
    MarketStream,
    StreamSettings,
    UserStream,
    reconnect_delay,
)

WAIT = 3.0  # upper bound for any single wait; tests finish far sooner
# For the tests about staleness: nothing received for 0.3 s is stale.
FAST = StreamSettings(
    ping_interval=0.05, stale_after=0.3, reconnect_base=0.01, reconnect_max=0.05
)
# For everything else: a busy CI machine must never make a connection look stale.
CALM = StreamSettings(
    ping_interval=0.05, stale_after=5.0, reconnect_base=0.01, reconnect_max=0.05
)

# Payloads copied from /work/shared/polymarket/fixtures (verbatim docs examples,
# API.md §12), so the tests do not depend on a path outside the repository.
BOOK = {
    "event_type": "book",
    "asset_id": "65818619657568813474341868652308942079804919287380422192892211131408793125422",
    "market": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "bids": [{"price": ".48", "size": "30"}, {"price": ".49", "size": "20"}],
    "asks": [{"price": ".52", "size": "25"}, {"price": ".53", "size": "60"}],
    "timestamp": "123456789000",
    "hash": "0x0....",
}
PRICE_CHANGE = {
    "market": "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1",
    "price_changes": [
        {
            "asset_id": "71321045679252212594626385532706912750332728571942532289631379312455583992563",
            "price": "0.5",
            "size": "200",
            "side": "BUY",
            "hash": "56621a121a47ed9333273e21c83b660cff37ae50",
            "best_bid": "0.5",
            "best_ask": "1",
        }
    ],
    "timestamp": "1757908892351",
    "event_type": "price_change",
}
TICK_SIZE_CHANGE = {
    "event_type": "tick_size_change",
    "asset_id": "65818619657568813474341868652308942079804919287380422192892211131408793125422",
    "market": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "old_tick_size": "0.01",
    "new_tick_size": "0.001",
    "timestamp": "100000000",
}
LAST_TRADE_PRICE = {
    "asset_id": "114122071509644379678018727908709560226618148003371446110114509806601493071694",
    "event_type": "last_trade_price",
    "fee_rate_bps": "0",
    "market": "0x6a67b9d828d53862160e470329ffea5246f338ecfffdf2cab45211ec578b0347",
    "price": "0.456",
    "side": "BUY",
    "size": "219.217767",
    "timestamp": "1750428146322",
}
BEST_BID_ASK = {
    "event_type": "best_bid_ask",
    "market": "0x0005c0d312de0be897668695bae9f32b624b4a1ae8b140c49f08447fcc74f442",
    "asset_id": "85354956062430465315924116860125388538595433819574542752031640332592237464430",
    "best_bid": "0.73",
    "best_ask": "0.77",
    "spread": "0.04",
    "timestamp": "1766789469958",
}
USER_TRADE = {
    "asset_id": "52114319501245915516055106046884209969926127482827954674443846427813813222426",
    "event_type": "trade",
    "id": "28c4d2eb-bbea-40e7-a9f0-b2fdb56b2c2e",
    "last_update": "1672290701",
    "maker_orders": [
        {
            "asset_id": "52114319501245915516055106046884209969926127482827954674443846427813813222426",
            "matched_amount": "10",
            "order_id": "0xff354cd7ca7539dfa9c28d90943ab5779a4eac34b9b37a757d7b32bdfb11790b",
            "outcome": "YES",
            "owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
            "price": "0.57",
        }
    ],
    "market": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "matchtime": "1672290701",
    "outcome": "YES",
    "owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
    "price": "0.57",
    "side": "BUY",
    "size": "10",
    "status": "MATCHED",
    "taker_order_id": "0x06bc63e346ed4ceddce9efd6b3af37c8f8f440c92fe7da6b2d0f9e4ccbc50c42",
    "timestamp": "1672290701",
    "trade_owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
    "type": "TRADE",
}
USER_ORDER = {
    "asset_id": "52114319501245915516055106046884209969926127482827954674443846427813813222426",
    "associate_trades": None,
    "event_type": "order",
    "id": "0xff354cd7ca7539dfa9c28d90943ab5779a4eac34b9b37a757d7b32bdfb11790b",
    "market": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "order_owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
    "original_size": "10",
    "outcome": "YES",
    "owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
    "price": "0.57",
    "side": "SELL",
    "size_matched": "0",
    "timestamp": "1672290687",
    "type": "PLACEMENT",
}
CREDS = ApiCredentials(
    api_key="key-0f1e2d3c",
    secret="c2VjcmV0LXNob3VsZC1uZXZlci1sZWFr",
    passphrase="pass-9z8y",
)


# --- the fake venue -----------------------------------------------------------


@dataclass(eq=False)
class VenueConnection:
    """One client connection as the venue sees it."""

    ws: ServerConnection
    number: int
    path: str
    opened_at: float
    frames: list[str] = field(default_factory=list)
    frozen: bool = False
    closed: bool = False
    close_code: int | None = None

    @property
    def json_frames(self) -> list[Any]:
        return [json.loads(f) for f in self.frames if f != "PING"]

    @property
    def subscribed(self) -> list[str]:
        return self.json_frames[0]["assets_ids"]

    async def send(self, payload: Any) -> None:
        await self.ws.send(payload if isinstance(payload, str) else json.dumps(payload))

    def freeze(self) -> None:
        """Stay open, but answer nothing and send nothing (API.md §9 item 9)."""
        self.frozen = True

    def drop(self) -> None:
        """Lose the TCP connection without a close frame."""
        self.ws.transport.abort()


class FakeVenue:
    def __init__(self) -> None:
        self.connections: list[VenueConnection] = []
        self.changed = asyncio.Condition()
        # On a market subscribe, send one book per asset (the venue's initial
        # dump) as an array frame; the hash names the connection.
        self.book_on_subscribe = True
        # Close this many new connections right after their subscribe.
        self.reject_next = 0
        self.port = 0

    @property
    def config(self) -> VenueConfig:
        return VenueConfig(ws_url=f"ws://127.0.0.1:{self.port}/", connect_timeout=2.0)

    @property
    def open_connections(self) -> list[VenueConnection]:
        return [c for c in self.connections if not c.closed]

    async def wait(self, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(predicate), timeout)

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def handler(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        loop = asyncio.get_running_loop()
        conn = VenueConnection(ws, len(self.connections), ws.request.path, loop.time())
        self.connections.append(conn)
        await self._notify()
        try:
            async for message in ws:
                assert isinstance(message, str)
                conn.frames.append(message)
                await self._notify()
                if len(conn.frames) == 1 and self.reject_next:
                    self.reject_next -= 1
                    await ws.close(1008, "rejected by test")
                    break
                if conn.frozen:
                    continue
                if message == "PING":
                    await ws.send("PONG")
                elif len(conn.frames) == 1 and self.book_on_subscribe:
                    await self._send_initial_dump(conn, json.loads(message))
        except ConnectionClosed:
            pass
        finally:
            conn.closed = True
            conn.close_code = ws.close_code
            await self._notify()

    async def _send_initial_dump(self, conn: VenueConnection, subscribe: Any) -> None:
        assets = subscribe.get("assets_ids")
        if not assets:
            return
        await conn.send([book_for(a, f"conn{conn.number}") for a in assets])


def book_for(asset_id: str, tag: str = "") -> dict[str, Any]:
    book = copy.deepcopy(BOOK)
    book["asset_id"] = asset_id
    book["hash"] = tag
    return book


@pytest.fixture
async def venue() -> AsyncIterator[FakeVenue]:
    fake = FakeVenue()
    async with serve(fake.handler, "127.0.0.1", 0) as server:
        fake.port = server.sockets[0].getsockname()[1]
        yield fake


class Recorder:
    """The ``on_event`` callback: keeps every event, in order."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.changed = asyncio.Condition()

    async def __call__(self, event: Any) -> None:
        async with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    async def wait(self, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(predicate), timeout)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


class Running:
    """Runs a stream's ``run()`` in a task; stops it at the end of the test."""

    def __init__(self, stream: MarketStream | UserStream) -> None:
        self.stream = stream
        self.task = asyncio.create_task(stream.run())

    async def stop(self) -> None:
        await asyncio.wait_for(self.stream.stop(), WAIT)
        await asyncio.wait_for(self.task, WAIT)


@pytest.fixture
async def running() -> AsyncIterator[Callable[[MarketStream | UserStream], Running]]:
    started: list[Running] = []

    def start(stream: MarketStream | UserStream) -> Running:
        started.append(Running(stream))
        return started[-1]

    yield start
    for run in started:
        if not run.task.done():
            await run.stop()


def assets(n: int, prefix: str = "tok") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def no_jitter() -> float:
    return 0.0


# --- market channel: subscribe, keepalive, events ------------------------------


async def test_it_sends_the_documented_subscribe_first_and_pings_only_after(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    stream = MarketStream(venue.config, ["t1", "t2"], on_event=recorder, settings=CALM)
    running(stream)
    await venue.wait(lambda: len(venue.connections) == 1)
    conn = venue.connections[0]
    await venue.wait(lambda: conn.frames.count("PING") >= 2)

    assert conn.path == "/market"
    first = json.loads(conn.frames[0])
    # Exactly the docs' frame (ws-market-subscribe.json), keys in the same order.
    assert list(first.items()) == [
        ("assets_ids", ["t1", "t2"]),
        ("type", "market"),
        ("custom_feature_enabled", True),
    ]
    assert set(conn.frames[1:]) == {"PING"}


async def test_it_keeps_a_connection_that_answers_pong(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    stream = MarketStream(venue.config, ["t1"], on_event=recorder, settings=FAST)
    running(stream)
    await venue.wait(lambda: len(venue.connections) == 1)
    conn = venue.connections[0]
    # Two staleness windows' worth of pings, all answered: nothing replaced.
    await venue.wait(lambda: conn.frames.count("PING") >= 2 * 0.3 / 0.05)

    assert len(venue.connections) == 1
    assert stream.counters.pongs >= 10
    assert stream.counters.stale_detections == 0
    assert stream.counters.reconnects == 0
    assert recorder.of(StreamReconnected) == []


async def test_it_delivers_typed_events_from_object_and_array_frames(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    venue.book_on_subscribe = False
    stream = MarketStream(venue.config, ["t1"], on_event=recorder, settings=CALM)
    running(stream)
    await venue.wait(lambda: len(venue.connections) == 1)
    conn = venue.connections[0]

    await conn.send(PRICE_CHANGE)
    await conn.send([BOOK, TICK_SIZE_CHANGE, LAST_TRADE_PRICE])
    await conn.send(BEST_BID_ASK)
    await recorder.wait(lambda: len(recorder.events) == 5)

    assert [type(e) for e in recorder.events] == [
        PriceChangeEvent,
        BookEvent,
        TickSizeChangeEvent,
        LastTradePriceEvent,
        BestBidAskEvent,
    ]
    assert recorder.events[1].snapshot.asset_id == BOOK["asset_id"]
    assert stream.counters.messages == 3
    assert stream.stats.parsed == 5


async def test_it_counts_garbage_and_keeps_reading_the_same_connection(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    venue.book_on_subscribe = False
    stream = MarketStream(venue.config, ["t1"], on_event=recorder, settings=CALM)
    running(stream)
    await venue.wait(lambda: len(venue.connections) == 1)
    conn = venue.connections[0]

    await conn.send("this is {not json")
    await conn.send({"event_type": "brand_new_thing", "asset_id": "t1"})
    await conn.send(book_for("t1", "after-garbage"))
    await recorder.wait(lambda: len(recorder.events) == 1)

    assert recorder.events[0].snapshot.hash == "after-garbage"
    assert stream.counters.parse_errors == 1
    assert stream.stats.skipped_unknown == 1
    assert len(venue.connections) == 1 and not conn.closed


async def test_on_frame_is_called_with_fast_path_frames_and_on_event_gets_the_rest(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    venue.book_on_subscribe = False
    # A plain function: awaiting what it returns (None) would end the stream.
    frames: list[MarketFrame] = []
    stream = MarketStream(
        venue.config, ["t1"], on_event=recorder, settings=CALM, rand=no_jitter,
        on_frame=frames.append,
    )  # fmt: skip
    running(stream)
    await venue.wait(lambda: len(venue.connections) == 1)
    conn = venue.connections[0]

    await conn.send(PRICE_CHANGE)
    await conn.send([BOOK, LAST_TRADE_PRICE])
    # A field the fast path does not know defers the frame to the validated
    # path, and with it every object of an array.
    await conn.send({**LAST_TRADE_PRICE, "new_field": "x"})
    await conn.send([BOOK, {**TICK_SIZE_CHANGE, "new_field": "x"}])
    await recorder.wait(lambda: len(recorder.events) == 3)

    assert [(type(f), getattr(f, "hash", None)) for f in frames] == [
        (PriceChangeFrame, None),
        (BookFrame, BOOK["hash"]),
        (LastTradePriceFrame, None),
    ]
    assert [type(e) for e in recorder.events] == [
        LastTradePriceEvent,
        BookEvent,
        TickSizeChangeEvent,
    ]
    assert recorder.events[0].price == Decimal(LAST_TRADE_PRICE["price"])

    # A reconnect is an event, before the new connection's frames.
    conn.drop()
    await recorder.wait(lambda: len(recorder.events) == 4)
    await venue.wait(lambda: len(venue.connections) == 2)
    await venue.connections[1].send(book_for("t1", "after-reconnect"))
    await venue.connections[1].send({**LAST_TRADE_PRICE, "new_field": "y"})
    await recorder.wait(lambda: len(recorder.events) == 5)

    assert recorder.events[3] == StreamReconnected(
        channel="market", asset_ids=("t1",), reason=recorder.events[3].reason
    )
    assert type(recorder.events[4]) is LastTradePriceEvent
    assert [(type(f), getattr(f, "hash", None)) for f in frames[3:]] == [
        (BookFrame, "after-reconnect")
    ]


async def test_on_text_takes_each_frame_first_and_what_it_declines_is_parsed(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    venue.book_on_subscribe = False
    texts: list[str] = []

    def take_price_changes(raw: str | bytes) -> bool:
        texts.append(raw)  # type: ignore[arg-type]
        return '"price_change"' in str(raw)

    frames: list[MarketFrame] = []
    stream = MarketStream(
        venue.config, ["t1"], on_event=recorder, settings=CALM, rand=no_jitter,
        on_frame=frames.append, on_text=take_price_changes,
    )  # fmt: skip
    running(stream)
    await venue.wait(lambda: len(venue.connections) == 1)
    conn = venue.connections[0]

    await conn.send(PRICE_CHANGE)
    await conn.send(LAST_TRADE_PRICE)
    await conn.send({**BOOK, "new_field": "x"})
    await recorder.wait(lambda: len(recorder.events) == 1)

    # Every frame was offered whole; the price change went no further.
    assert [json.loads(t)["event_type"] for t in texts] == [
        "price_change", "last_trade_price", "book",
    ]  # fmt: skip
    assert [type(f) for f in frames] == [LastTradePriceFrame]
    assert [type(e) for e in recorder.events] == [BookEvent]
    assert stream.stats.parsed == 3


async def test_on_text_is_not_used_without_on_frame(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    # What on_text leaves must go to on_frame: without one, it is not asked.
    venue.book_on_subscribe = False
    texts: list[str] = []
    stream = MarketStream(
        venue.config, ["t1"], on_event=recorder, settings=CALM, rand=no_jitter,
        on_text=lambda raw: texts.append(raw) or True,  # type: ignore[func-returns-value]
    )  # fmt: skip
    running(stream)
    await venue.wait(lambda: len(venue.connections) == 1)

    await venue.connections[0].send(PRICE_CHANGE)
    await recorder.wait(lambda: len(recorder.events) == 1)

    assert texts == [] and [type(e) for e in recorder.events] == [PriceChangeEvent]


async def test_it_sends_exact_dynamic_subscribe_and_unsubscribe_frames(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    stream = MarketStream(venue.config, ["t1", "t2"], on_event=recorder, settings=CALM)
    running(stream)
    await venue.wait(lambda: len(venue.connections) == 1)
    conn = venue.connections[0]
    await recorder.wait(lambda: len(recorder.events) == 2)  # the initial dump

    await stream.subscribe(["t3", "t1"])  # t1 is already there: not re-sent
    await stream.unsubscribe(["t1", "unknown"])
    await venue.wait(lambda: len(conn.json_frames) == 3)

    # ws-market-dynamic-subscribe.json, with the placeholders filled in.
    assert conn.json_frames[1:] == [
        {
            "operation": "subscribe",
            "assets_ids": ["t3"],
            "custom_feature_enabled": True,
        },
        {"operation": "unsubscribe", "assets_ids": ["t1"]},
    ]
    assert stream.asset_ids == ("t2", "t3")
    assert len(venue.connections) == 1


async def test_it_records_subscriptions_made_before_run_in_the_first_frame(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    stream = MarketStream(venue.config, on_event=recorder, settings=CALM)
    await stream.subscribe(["a", "b"])
    await stream.unsubscribe(["a"])
    assert venue.connections == []  # nothing connects before run()

    running(stream)
    await venue.wait(lambda: len(venue.connections) == 1)
    await venue.wait(lambda: len(venue.connections[0].frames) >= 1)
    assert venue.connections[0].subscribed == ["b"]


# --- sharding -------------------------------------------------------------------


async def test_it_shards_450_assets_into_connections_of_200_200_and_50(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    ids = assets(450)
    stream = MarketStream(venue.config, ids, on_event=recorder, settings=CALM)
    running(stream)
    await venue.wait(
        lambda: len(venue.connections) == 3 and all(c.frames for c in venue.connections)
    )
    await recorder.wait(lambda: len(recorder.of(BookEvent)) == 450)

    subscribed = sorted(
        (c.subscribed for c in venue.connections), key=len, reverse=True
    )
    assert subscribed == [ids[:200], ids[200:400], ids[400:]]
    assert stream.shard_keys() == [
        tuple(ids[:200]),
        tuple(ids[200:400]),
        tuple(ids[400:]),
    ]
    assert {e.snapshot.asset_id for e in recorder.of(BookEvent)} == set(ids)


async def test_changing_the_subscription_fills_free_room_and_never_drops_other_shards(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    ids = assets(450)
    stream = MarketStream(venue.config, ids, on_event=recorder, settings=CALM)
    running(stream)
    await venue.wait(
        lambda: len(venue.connections) == 3 and all(c.frames for c in venue.connections)
    )
    by_first = {c.subscribed[0]: c for c in venue.connections}
    first, second, third = by_first["tok0"], by_first["tok200"], by_first["tok400"]

    # Free 10 places in the first shard, then add 15: 10 fill the hole, 5 go
    # to the shard with room; no connection opens or closes.
    await stream.unsubscribe(ids[:10])
    await stream.subscribe(assets(15, "new"))
    await venue.wait(
        lambda: len(first.json_frames) == 3 and len(third.json_frames) == 2
    )

    assert first.json_frames[1:] == [
        {"operation": "unsubscribe", "assets_ids": ids[:10]},
        {
            "operation": "subscribe",
            "assets_ids": assets(10, "new"),
            "custom_feature_enabled": True,
        },
    ]
    assert third.json_frames[1:] == [
        {
            "operation": "subscribe",
            "assets_ids": assets(15, "new")[10:],
            "custom_feature_enabled": True,
        }
    ]
    assert len(second.json_frames) == 1
    assert len(venue.connections) == 3

    # 145 more fill the third shard (55) to 200 exactly; one more opens a fourth.
    await stream.subscribe(assets(145, "more"))
    await venue.wait(lambda: len(third.json_frames) == 3)
    assert len(venue.connections) == 3
    await stream.subscribe(["overflow"])
    await venue.wait(
        lambda: len(venue.connections) == 4 and venue.connections[3].frames
    )
    assert venue.connections[3].subscribed == ["overflow"]

    # Emptying a shard closes just that connection, cleanly.
    await stream.unsubscribe(["overflow"])
    await venue.wait(lambda: venue.connections[3].closed)
    assert venue.connections[3].close_code == 1000
    assert [c.closed for c in (first, second, third)] == [False, False, False]
    assert [len(k) for k in stream.shard_keys()] == [200, 200, 200]


# --- staleness and reconnects ---------------------------------------------------


async def test_it_replaces_a_frozen_connection_and_reports_it_before_new_events(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    settings = StreamSettings(
        ping_interval=0.05, stale_after=0.5, max_assets_per_connection=2
    )
    stream = MarketStream(
        venue.config, ["a", "b", "c"], on_event=recorder, settings=settings,
        rand=no_jitter,
    )  # fmt: skip
    running(stream)
    await recorder.wait(lambda: len(recorder.of(BookEvent)) == 3)
    by_first = {c.subscribed[0]: c for c in venue.connections}
    frozen, other = by_first["a"], by_first["c"]

    loop = asyncio.get_running_loop()
    frozen.freeze()
    frozen_at = loop.time()
    await venue.wait(lambda: len(venue.connections) == 3, timeout=2.0)
    replaced_after = loop.time() - frozen_at
    replacement = venue.connections[2]
    await recorder.wait(lambda: len(recorder.of(BookEvent)) == 5)

    # Detected within the window: the last PONG came at most one ping
    # interval before the freeze, and the check runs at least every ping.
    assert 0.5 - 0.05 - 0.02 <= replaced_after <= 0.5 + 0.5
    assert stream.counters.stale_detections == 1
    assert stream.counters.reconnects == 1
    assert frozen.closed
    assert not other.closed and len(other.json_frames) == 1
    assert replacement.subscribed == ["a", "b"]

    reconnected = recorder.of(StreamReconnected)
    assert reconnected == [
        StreamReconnected(
            channel="market", asset_ids=("a", "b"), reason=reconnected[0].reason
        )
    ]
    assert reconnected[0].reason.startswith("stale")
    # Everything after the notice comes from the new connection; its books follow it.
    notice = recorder.events.index(reconnected[0])
    after = recorder.events[notice + 1 :]
    assert [(e.snapshot.asset_id, e.snapshot.hash) for e in after] == [
        ("a", "conn2"),
        ("b", "conn2"),
    ]
    assert all(e.snapshot.hash != "conn2" for e in recorder.events[:notice])


async def test_data_without_pong_keeps_the_connection_alive(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    stream = MarketStream(venue.config, ["t1"], on_event=recorder, settings=FAST)
    running(stream)
    await recorder.wait(lambda: len(recorder.events) == 1)  # the initial dump
    conn = venue.connections[0]
    conn.freeze()  # no PONG any more, but the test keeps sending data
    for i in range(16):  # 0.8 s, well past stale_after
        await conn.send(book_for("t1", f"tick{i}"))
        await asyncio.sleep(0.05)

    await recorder.wait(lambda: len(recorder.of(BookEvent)) == 17)
    assert len(venue.connections) == 1
    assert stream.counters.stale_detections == 0


async def test_it_reconnects_a_dropped_connection_and_resubscribes(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    draws: list[None] = []

    def rand() -> float:
        draws.append(None)
        return 0.0

    stream = MarketStream(
        venue.config, ["t1", "t2"], on_event=recorder, settings=CALM, rand=rand
    )
    running(stream)
    await recorder.wait(lambda: len(recorder.of(BookEvent)) == 2)
    await stream.subscribe(["t3"])
    await venue.wait(lambda: len(venue.connections[0].json_frames) == 2)

    venue.connections[0].drop()
    await venue.wait(
        lambda: len(venue.connections) == 2 and venue.connections[1].frames
    )
    await recorder.wait(lambda: len(recorder.of(BookEvent)) == 5)

    assert venue.connections[1].subscribed == ["t1", "t2", "t3"]
    (notice,) = recorder.of(StreamReconnected)
    assert notice.asset_ids == ("t1", "t2", "t3")
    assert notice.reason.startswith("closed")
    assert recorder.events.index(notice) == 2  # after the old books, before the new
    assert len(draws) == 1  # one jittered delay drawn for one reconnect
    assert stream.counters.reconnects == 1
    assert stream.counters.connects == 2


async def test_backoff_grows_while_the_venue_keeps_rejecting(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    venue.reject_next = 4
    settings = StreamSettings(
        ping_interval=0.05, stale_after=5.0, reconnect_base=0.02, reconnect_max=0.08
    )
    stream = MarketStream(
        venue.config, ["t1"], on_event=recorder, settings=settings, rand=lambda: 1.0
    )
    running(stream)
    await venue.wait(
        lambda: len(venue.connections) == 5 and venue.connections[4].frames
    )
    await recorder.wait(lambda: len(recorder.of(BookEvent)) == 1)

    opened = [c.opened_at for c in venue.connections]
    gaps = [b - a for a, b in zip(opened, opened[1:], strict=False)]
    # rand=1.0 takes the full ceiling: base * 2**n, capped at the maximum.
    # Sleeps never end early, so these are lower bounds (minus clock slack).
    for gap, delay in zip(gaps, [0.02, 0.04, 0.08, 0.08], strict=True):
        assert gap >= delay - 0.005
    assert [c.close_code for c in venue.connections[:4]] == [1008] * 4
    # Each opened connection may hide a gap, so each replacement is reported.
    assert len(recorder.of(StreamReconnected)) == 4
    assert recorder.events[-1].snapshot.hash == "conn4"

    # Once a connection has delivered, losing it restarts the backoff at the
    # base.
    venue.reject_next = 2
    dropped_at = asyncio.get_running_loop().time()
    venue.connections[4].drop()
    await venue.wait(
        lambda: len(venue.connections) == 8 and venue.connections[7].frames
    )
    await recorder.wait(lambda: len(recorder.of(BookEvent)) == 2)
    opened = [dropped_at] + [c.opened_at for c in venue.connections[5:]]
    gaps = [b - a for a, b in zip(opened, opened[1:], strict=False)]
    for gap, delay in zip(gaps, [0.02, 0.04, 0.08], strict=True):
        assert gap >= delay - 0.005
    notices = recorder.of(StreamReconnected)
    assert notices[4].reason.startswith("closed: no close frame")
    assert notices[5].reason == "closed: code 1008 'rejected by test'"
    assert stream.counters.reconnects == 7
    assert recorder.events[-1].snapshot.hash == "conn7"


def test_reconnect_delay_is_full_jitter_capped_exponential() -> None:
    delays = [
        reconnect_delay(n, base=0.5, maximum=30.0, rand=lambda: 1.0) for n in range(9)
    ]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert reconnect_delay(3, base=0.5, maximum=30.0, rand=lambda: 0.25) == 1.0
    assert reconnect_delay(10_000, base=0.5, maximum=30.0, rand=lambda: 0.0) == 0.0


async def test_a_connection_older_than_the_maximum_age_is_replaced(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    settings = StreamSettings(
        ping_interval=0.05, stale_after=5.0, max_connection_age=0.2
    )
    stream = MarketStream(
        venue.config, ["t1"], on_event=recorder, settings=settings, rand=no_jitter
    )
    running(stream)
    await venue.wait(lambda: len(venue.connections) >= 2)
    await recorder.wait(lambda: len(recorder.of(StreamReconnected)) >= 1)

    assert venue.connections[0].close_code == 1000
    assert recorder.of(StreamReconnected)[0].reason == "max connection age reached"
    assert stream.counters.stale_detections == 0


# --- lifecycle --------------------------------------------------------------------


async def test_stop_closes_every_socket_cleanly(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    settings = StreamSettings(
        ping_interval=0.05, stale_after=5.0, max_assets_per_connection=1
    )
    stream = MarketStream(
        venue.config, ["a", "b", "c"], on_event=recorder, settings=settings
    )
    run = running(stream)
    await recorder.wait(lambda: len(recorder.events) == 3)
    assert stream.connected() == 3

    await asyncio.wait_for(stream.stop(), WAIT)
    await venue.wait(lambda: all(c.closed for c in venue.connections))

    assert run.task.done() and run.task.result() is None
    assert stream.connected() == 0
    assert [c.close_code for c in venue.connections] == [1000, 1000, 1000]
    with pytest.raises(RuntimeError):
        await stream.run()


async def test_cancelling_run_closes_every_socket(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    stream = MarketStream(venue.config, ["a"], on_event=recorder, settings=CALM)
    run = running(stream)
    await recorder.wait(lambda: len(recorder.events) == 1)

    run.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run.task
    await venue.wait(lambda: venue.connections[0].closed)
    assert venue.connections[0].close_code == 1000


async def test_an_exception_in_on_event_stops_the_stream_and_is_raised(
    venue: FakeVenue, running
) -> None:
    async def on_event(event: Any) -> None:
        raise LookupError("consumer bug")

    settings = StreamSettings(
        ping_interval=0.05, stale_after=5.0, max_assets_per_connection=1
    )
    stream = MarketStream(
        venue.config, ["a", "b"], on_event=on_event, settings=settings
    )
    run = running(stream)

    with pytest.raises(LookupError, match="consumer bug"):
        await asyncio.wait_for(run.task, WAIT)
    await venue.wait(
        lambda: len(venue.connections) == 2 and all(c.closed for c in venue.connections)
    )


# --- user channel ---------------------------------------------------------------------


async def test_user_channel_subscribes_with_auth_and_markets_then_updates(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    stream = UserStream(venue.config, CREDS, ["0xm1"], on_event=recorder, settings=CALM)
    running(stream)
    await venue.wait(
        lambda: len(venue.connections) == 1 and venue.connections[0].frames
    )
    conn = venue.connections[0]

    assert conn.path == "/user"
    # ws-user-subscribe.json, keys in the same order.
    assert list(json.loads(conn.frames[0]).items()) == [
        (
            "auth",
            {
                "apiKey": CREDS.api_key,
                "secret": CREDS.secret,
                "passphrase": CREDS.passphrase,
            },
        ),
        ("markets", ["0xm1"]),
        ("type", "user"),
    ]

    await stream.subscribe(
        ["0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1"]
    )
    await stream.unsubscribe(["0xm1"])
    await venue.wait(lambda: len(conn.json_frames) == 3)
    assert conn.json_frames[1:] == [
        # ws-user-dynamic-subscribe.json verbatim
        {
            "operation": "subscribe",
            "markets": [
                "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1"
            ],
        },
        {"operation": "unsubscribe", "markets": ["0xm1"]},
    ]

    await conn.send([USER_ORDER, USER_TRADE])
    await recorder.wait(lambda: len(recorder.events) == 2)
    assert [type(e) for e in recorder.events] == [UserOrderEvent, UserTradeEvent]
    assert recorder.events[1].trade.id == USER_TRADE["id"]


async def test_user_channel_omits_markets_for_all_and_ignores_updates(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    stream = UserStream(venue.config, CREDS, on_event=recorder, settings=CALM)
    running(stream)
    await venue.wait(
        lambda: len(venue.connections) == 1 and venue.connections[0].frames
    )
    conn = venue.connections[0]

    await stream.subscribe(["0xm1"])
    await stream.unsubscribe(["0xm2"])
    await venue.wait(lambda: conn.frames.count("PING") >= 2)

    assert list(json.loads(conn.frames[0])) == ["auth", "type"]
    assert len(conn.json_frames) == 1


async def test_user_channel_reconnect_tells_the_caller_to_backfill(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    stream = UserStream(
        venue.config, CREDS, ["0xm1", "0xm2"], on_event=recorder, settings=FAST,
        rand=no_jitter,
    )  # fmt: skip
    running(stream)
    await venue.wait(
        lambda: len(venue.connections) == 1 and venue.connections[0].frames
    )
    venue.connections[0].freeze()

    await recorder.wait(lambda: len(recorder.of(StreamReconnected)) == 1)
    await venue.wait(
        lambda: len(venue.connections) == 2 and venue.connections[1].frames
    )
    (notice,) = recorder.events
    assert notice.channel == "user"
    assert notice.markets == ("0xm1", "0xm2")
    assert notice.asset_ids == ()
    assert json.loads(venue.connections[1].frames[0])["auth"]["secret"] == CREDS.secret


async def test_user_channel_never_logs_the_credentials(
    venue: FakeVenue, recorder: Recorder, running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stream = UserStream(
        venue.config, CREDS, ["0xm1"], on_event=recorder, settings=CALM, rand=no_jitter
    )
    running(stream)
    await venue.wait(
        lambda: len(venue.connections) == 1 and venue.connections[0].frames
    )
    venue.connections[0].drop()
    await venue.wait(
        lambda: len(venue.connections) == 2 and venue.connections[1].frames
    )
    await recorder.wait(lambda: len(recorder.events) == 1)

    logged = caplog.text + repr(stream) + repr(CREDS)
    assert "reconnecting" in caplog.text  # the loss itself was logged
    for secret in (CREDS.secret, CREDS.passphrase):
        assert secret not in logged


async def test_on_event_may_unsubscribe_the_asset_it_is_handling(
    venue: FakeVenue, recorder: Recorder, running
) -> None:
    settings = StreamSettings(
        ping_interval=0.05, stale_after=5.0, max_assets_per_connection=1
    )

    async def on_event(event: Any) -> None:
        await recorder(event)
        if isinstance(event, BookEvent) and event.snapshot.asset_id == "resolved":
            # Emptying the shard this callback runs on closes its connection.
            await stream.unsubscribe(["resolved"])

    stream = MarketStream(
        venue.config, ["resolved", "live"], on_event=on_event, settings=settings
    )
    running(stream)
    await venue.wait(
        lambda: len(venue.connections) == 2 and any(c.closed for c in venue.connections)
    )
    closed = next(c for c in venue.connections if c.closed)
    live = next(c for c in venue.connections if not c.closed)

    assert closed.subscribed == ["resolved"] and closed.close_code == 1000
    await live.send(book_for("live", "still-streaming"))
    await recorder.wait(
        lambda: any(e.snapshot.hash == "still-streaming" for e in recorder.events)
    )
    assert stream.shard_keys() == [("live",)]
    assert len(venue.connections) == 2
