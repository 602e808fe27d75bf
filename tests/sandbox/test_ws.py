"""``/ws/market`` and ``/ws/user`` over real websockets: snapshots, the 2025-09
``price_change`` schema, PING/PONG, the 1008 close, dynamic (un)subscribe,
user ``order``/``trade`` events and the custom-feature events."""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import websockets
from py_clob_client_v2 import OrderArgs

from polybot.sandbox.server import SandboxThread
from tests.sandbox.conftest import Trader, market_tokens

Message = dict[str, Any]


async def next_messages(ws: Any, timeout: float = 3.0) -> list[Message]:
    """The next frame, flattened: the venue sends an object or an array."""
    frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return frame if isinstance(frame, list) else [frame]


_unread: weakref.WeakKeyDictionary[Any, list[Message]] = weakref.WeakKeyDictionary()


async def wait_for(
    ws: Any, match: Callable[[Message], bool], timeout: float = 5.0
) -> Message:
    """The first message matching ``match``; later messages of the same frame
    stay queued for the next call."""
    pending = _unread.setdefault(ws, [])

    async def scan() -> Message:
        while True:
            while pending:
                message = pending.pop(0)
                if match(message):
                    return message
            pending.extend(await next_messages(ws, timeout))

    return await asyncio.wait_for(scan(), timeout)


def kind(event_type: str, **fields: Any) -> Callable[[Message], bool]:
    return lambda m: (
        m.get("event_type") == event_type
        and all(m.get(k) == v for k, v in fields.items())
    )


async def subscribe(sandbox: SandboxThread, assets: list[str], **extra: Any) -> Any:
    ws = await websockets.connect(f"{sandbox.urls.ws}/market")
    await ws.send(json.dumps({"assets_ids": assets, "type": "market", **extra}))
    return ws


async def test_subscribing_sends_a_book_snapshot_per_asset(
    sandbox: SandboxThread,
) -> None:
    condition, yes, no = market_tokens(sandbox, "chiefs-make-playoffs")
    Trader(sandbox).client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.42, size=10, side="BUY")
    )

    ws = await subscribe(sandbox, [yes, no])
    yes_book, no_book = await next_messages(ws)
    await ws.close()

    assert (yes_book["event_type"], yes_book["asset_id"], yes_book["market"]) == (
        "book",
        yes,
        condition,
    )
    assert (yes_book["bids"], yes_book["asks"]) == (
        [{"price": "0.42", "size": "10"}],
        [],
    )
    assert (no_book["asset_id"], no_book["bids"], no_book["asks"]) == (
        no, [], [{"price": "0.58", "size": "10"}],
    )  # fmt: skip
    assert yes_book["timestamp"].isdigit() and yes_book["hash"].startswith("0x")


async def test_an_order_produces_a_price_change_for_both_tokens(
    sandbox: SandboxThread,
) -> None:
    condition, yes, no = market_tokens(sandbox, "djokovic-wins-next-slam")
    ws = await subscribe(sandbox, [yes, no])
    await next_messages(ws)  # the (empty) snapshots

    Trader(sandbox).client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.33, size=7, side="BUY")
    )
    change = await wait_for(ws, kind("price_change"))
    await ws.close()

    assert change["market"] == condition and change["timestamp"].isdigit()
    entries = [
        {k: v for k, v in e.items() if k != "hash"} for e in change["price_changes"]
    ]
    assert entries == [
        {
            "asset_id": yes,
            "price": "0.33",
            "size": "7",
            "side": "BUY",
            "best_bid": "0.33",
            "best_ask": "1",
        },
        {
            "asset_id": no,
            "price": "0.67",
            "size": "7",
            "side": "SELL",
            "best_bid": "0",
            "best_ask": "0.67",
        },
    ]
    assert all(len(e["hash"]) == 40 for e in change["price_changes"])


async def test_a_trade_sends_last_trade_price_and_fresh_books(
    sandbox: SandboxThread,
) -> None:
    _, yes, no = market_tokens(sandbox, "apple-foldable-announced")
    Trader(sandbox).client.create_and_post_order(
        OrderArgs(token_id=no, price=0.70, size=10, side="BUY")
    )
    ws = await subscribe(sandbox, [yes])
    await next_messages(ws)

    Trader(sandbox).client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.30, size=5, side="BUY")
    )
    last = await wait_for(ws, kind("last_trade_price"))
    book = await wait_for(ws, kind("book"))
    await ws.close()

    assert (last["asset_id"], last["price"], last["side"], last["size"]) == (
        yes,
        "0.3",
        "BUY",
        "5",
    )
    assert last["fee_rate_bps"] == "0" and last["transaction_hash"].startswith("0x")
    assert book["asks"] == [{"price": "0.3", "size": "5"}]


async def test_ping_gets_pong_after_subscribing(sandbox: SandboxThread) -> None:
    _, yes, _ = market_tokens(sandbox, "chiefs-make-playoffs")
    ws = await subscribe(sandbox, [yes])
    await next_messages(ws)

    await ws.send("PING")

    assert await asyncio.wait_for(ws.recv(), 3) == "PONG"
    await ws.close()


async def test_a_ping_before_subscribing_closes_with_1008(
    sandbox: SandboxThread,
) -> None:
    ws = await websockets.connect(f"{sandbox.urls.ws}/market")
    await ws.send("PING")

    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(ws.recv(), 3)
    assert (ws.close_code, ws.close_reason) == (1008, "invalid subscription payload")


async def test_dynamic_subscribe_and_unsubscribe(sandbox: SandboxThread) -> None:
    _, yes, no = market_tokens(sandbox, "hottest-year-on-record")
    _, other, _ = market_tokens(sandbox, "real-madrid-win-cl")
    ws = await subscribe(sandbox, [yes])
    [snapshot] = await next_messages(ws)
    assert snapshot["asset_id"] == yes

    await ws.send(json.dumps({"operation": "subscribe", "assets_ids": [other]}))
    [added] = await next_messages(ws)
    await ws.send(json.dumps({"operation": "unsubscribe", "assets_ids": [yes]}))
    await asyncio.sleep(0.2)
    trader = Trader(sandbox)
    trader.client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.2, size=5, side="BUY")
    )
    trader.client.create_and_post_order(
        OrderArgs(token_id=other, price=0.1, size=5, side="BUY")
    )
    change = await wait_for(ws, kind("price_change"))
    await ws.close()

    assert (added["event_type"], added["asset_id"]) == ("book", other)
    assert [e["asset_id"] for e in change["price_changes"]] == [other]


async def test_custom_feature_events(sandbox: SandboxThread) -> None:
    condition, yes, no = market_tokens(sandbox, "starship-orbit-this-month")
    control = sandbox.urls.control
    ws = await subscribe(sandbox, [yes, no], custom_feature_enabled=True)
    await next_messages(ws)

    Trader(sandbox).client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.25, size=5, side="BUY")
    )
    top = await wait_for(ws, kind("best_bid_ask", asset_id=yes))
    httpx.post(
        f"{control}/markets/{condition}/tick-size", json={"tick_size": "0.001"}
    ).raise_for_status()
    tick = await wait_for(ws, kind("tick_size_change", asset_id=no))
    listed = httpx.post(
        f"{control}/markets", json={"question": "Will it snow in Lisbon?"}
    ).json()
    new = await wait_for(ws, kind("new_market"))
    httpx.post(
        f"{control}/markets/{condition}/resolve", json={"winning_outcome": "Yes"}
    ).raise_for_status()
    resolved = await wait_for(ws, kind("market_resolved"))
    await ws.close()

    assert (top["best_bid"], top["best_ask"], top["spread"]) == ("0.25", "1", "")
    assert (tick["old_tick_size"], tick["new_tick_size"], tick["market"]) == (
        "0.01",
        "0.001",
        condition,
    )
    assert (new["market"], new["assets_ids"], new["outcomes"]) == (
        listed["condition_id"], listed["token_ids"], ["Yes", "No"],
    )  # fmt: skip
    assert (resolved["market"], resolved["winning_asset_id"], resolved["winning_outcome"]) == (
        condition, yes, "Yes",
    )  # fmt: skip
    assert resolved["event_message"]["slug"] == "starship-orbit-this-month"


async def user_socket(
    sandbox: SandboxThread, trader: Trader, markets: list[str]
) -> Any:
    ws = await websockets.connect(f"{sandbox.urls.ws}/user")
    creds = trader.creds
    auth = {
        "apiKey": creds.api_key,
        "secret": creds.api_secret,
        "passphrase": creds.api_passphrase,
    }
    await ws.send(json.dumps({"auth": auth, "markets": markets, "type": "user"}))
    return ws


async def test_the_user_channel_reports_orders_and_trades_until_confirmed(
    sandbox: SandboxThread,
) -> None:
    condition, yes, no = market_tokens(sandbox, "box-office-opening-200m")
    alice, bob = Trader(sandbox), Trader(sandbox)
    alice_ws = await user_socket(sandbox, alice, [condition])
    bob_ws = await user_socket(sandbox, bob, [])
    await asyncio.sleep(0.2)

    placed = alice.client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.45, size=10, side="BUY")
    )
    placement = await wait_for(alice_ws, kind("order"))
    filled = bob.client.create_and_post_order(
        OrderArgs(token_id=no, price=0.55, size=10, side="BUY")
    )
    [trade_id] = filled["tradeIDs"]
    statuses: dict[str, list[str]] = {"alice": [], "bob": []}
    for name, ws in (("alice", alice_ws), ("bob", bob_ws)):
        while statuses[name][-1:] != ["CONFIRMED"]:
            trade = await wait_for(ws, kind("trade", id=trade_id))
            statuses[name].append(trade["status"])
            if name == "alice":
                maker_view = trade
            else:
                taker_view = trade
    await alice_ws.close()
    await bob_ws.close()

    assert (placement["type"], placement["id"], placement["status"]) == (
        "PLACEMENT", placed["orderID"], "LIVE",
    )  # fmt: skip
    assert (placement["price"], placement["original_size"], placement["owner"]) == (
        "0.45", "10", alice.creds.api_key,
    )  # fmt: skip
    assert statuses == {"alice": ["MATCHED", "MINED", "CONFIRMED"],
                        "bob": ["MATCHED", "MINED", "CONFIRMED"]}  # fmt: skip
    assert (maker_view["trader_side"], maker_view["owner"], maker_view["maker_address"]) == (
        "MAKER", alice.creds.api_key, alice.address,
    )  # fmt: skip
    assert maker_view["maker_orders"][0]["order_id"] == placed["orderID"]
    assert (taker_view["trader_side"], taker_view["side"], taker_view["price"], taker_view["size"]) == (
        "TAKER", "BUY", "0.55", "10",
    )  # fmt: skip


async def test_bad_user_credentials_close_the_socket(sandbox: SandboxThread) -> None:
    trader = Trader(sandbox)
    trader.creds.api_secret = "bm9wZQ=="
    ws = await user_socket(sandbox, trader, [])

    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(ws.recv(), 3)
    assert ws.close_code == 1008
