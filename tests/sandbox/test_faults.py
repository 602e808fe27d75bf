"""Fault injection and the control endpoint: 429/5xx shares, latency, frozen
and dropped websockets, funding wallets, failing trades."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import websockets
from py_clob_client_v2 import AssetType, BalanceAllowanceParams, OrderArgs

from polybot.sandbox.server import SandboxThread
from tests.sandbox.conftest import Trader, market_tokens, wait_until


def book_url(sandbox: SandboxThread) -> str:
    _, yes, _ = market_tokens(sandbox, "fed-cut-next-meeting")
    return f"{sandbox.urls.clob}/book?token_id={yes}"


def test_a_429_share_of_one_refuses_everything_with_retry_after(
    sandbox: SandboxThread, control: httpx.Client
) -> None:
    url = book_url(sandbox)
    control.post(
        "/faults", json={"http_429_share": 1.0, "retry_after_seconds": 7}
    ).raise_for_status()

    refused = [httpx.get(url) for _ in range(5)]

    assert {r.status_code for r in refused} == {429}
    assert refused[0].headers["Retry-After"] == "7"
    assert refused[0].json() == {"error": "Too Many Requests"}
    assert (
        control.get("/state").status_code == 200
    )  # the control endpoint is never refused
    control.delete("/faults").raise_for_status()
    assert httpx.get(url).status_code == 200


def test_5xx_faults_and_their_services_filter(
    sandbox: SandboxThread, control: httpx.Client
) -> None:
    url = book_url(sandbox)
    control.post("/faults", json={"http_5xx_share": 1.0, "http_5xx_status": 502,
                                  "services": ["/gamma"]}).raise_for_status()  # fmt: skip

    assert httpx.get(f"{sandbox.urls.gamma}/markets").status_code == 502
    assert httpx.get(url).status_code == 200


def test_a_share_refuses_about_that_share(
    sandbox: SandboxThread, control: httpx.Client
) -> None:
    url = book_url(sandbox)
    control.post("/faults", json={"http_429_share": 0.5}).raise_for_status()

    with httpx.Client() as client:
        statuses = [client.get(url).status_code for _ in range(200)]

    assert 60 < statuses.count(429) < 140
    assert set(statuses) == {200, 429}


def test_added_latency(sandbox: SandboxThread, control: httpx.Client) -> None:
    url = book_url(sandbox)
    control.post("/faults", json={"latency_ms": 300}).raise_for_status()

    started = time.monotonic()
    httpx.get(url).raise_for_status()

    assert time.monotonic() - started >= 0.3


def test_unknown_fault_fields_are_refused(control: httpx.Client) -> None:
    response = control.post("/faults", json={"http_429_sahre": 1})
    assert (
        response.status_code == 400
        and "unknown fault fields" in response.json()["error"]
    )


async def market_socket(sandbox: SandboxThread) -> Any:
    _, yes, _ = market_tokens(sandbox, "fed-cut-next-meeting")
    ws = await websockets.connect(f"{sandbox.urls.ws}/market", ping_interval=None)
    await ws.send(json.dumps({"assets_ids": [yes], "type": "market"}))
    await asyncio.wait_for(ws.recv(), 3)  # snapshot
    return ws


async def pong(ws: Any, timeout: float = 1.0) -> bool:
    await ws.send("PING")
    try:
        return await asyncio.wait_for(ws.recv(), timeout) == "PONG"
    except TimeoutError:
        return False


async def test_a_frozen_socket_stays_open_and_stops_answering(
    sandbox: SandboxThread, control: httpx.Client
) -> None:
    frozen = await market_socket(sandbox)
    assert await pong(frozen)

    assert control.post("/ws/freeze", json={"frozen": True}).json()["frozen"] is True
    fresh = await market_socket(sandbox)  # sockets opened afterwards are healthy

    assert not await pong(frozen)
    assert await pong(fresh)
    assert frozen.state.name == "OPEN"
    control.post("/ws/freeze", json={"frozen": False}).raise_for_status()
    assert await pong(frozen, timeout=2)
    await frozen.close()
    await fresh.close()


async def test_dropping_cuts_every_socket_without_a_close_frame(
    sandbox: SandboxThread, control: httpx.Client
) -> None:
    sockets = [await market_socket(sandbox) for _ in range(2)]

    assert control.post("/ws/drop", json={}).json()["dropped"] >= 2

    for ws in sockets:
        with pytest.raises(websockets.ConnectionClosedError):
            await asyncio.wait_for(ws.recv(), 3)
        assert ws.close_code == 1006


def test_funding_a_wallet(sandbox: SandboxThread, control: httpx.Client) -> None:
    trader = Trader(sandbox)
    _, yes, _ = market_tokens(sandbox, "fed-cut-next-meeting")

    control.post(
        "/fund", json={"address": trader.address, "amount": "250.5"}
    ).raise_for_status()
    wallet = control.post(
        "/fund", json={"address": trader.address, "amount": "20", "token_id": yes}
    )

    assert wallet.json()["tokens"] == {yes: "20"}
    collateral = trader.client.get_balance_allowance(
        BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
    )
    assert collateral["balance"] == "10250500000"
    # Funded tokens can be sold at once.
    sold = trader.client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.9, size=20, side="SELL")
    )
    assert sold["status"] == "live"


def test_failing_a_trade_through_the_control_endpoint(
    sandbox: SandboxThread, control: httpx.Client
) -> None:
    _, yes, no = market_tokens(sandbox, "senate-passes-budget-bill")
    alice, bob = Trader(sandbox), Trader(sandbox)
    alice.client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.5, size=10, side="BUY")
    )
    [trade_id] = bob.client.create_and_post_order(
        OrderArgs(token_id=no, price=0.5, size=10, side="BUY")
    )["tradeIDs"]

    assert control.post(f"/trades/{trade_id}/fail").json() == {
        "id": trade_id,
        "status": "FAILED",
    }
    assert control.post("/trades/nope/fail").status_code == 404

    wait_until(lambda: bob.client.get_trades()[0]["status"] == "FAILED")
    collateral = BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
    assert bob.client.get_balance_allowance(collateral)["balance"] == "10000000000"
    assert alice.client.get_balance_allowance(collateral)["balance"] == "10000000000"
