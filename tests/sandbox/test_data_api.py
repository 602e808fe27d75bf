"""Data API: positions (v1 and v2), trades, activity and value after real fills."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from py_clob_client_v2 import OrderArgs

from polybot.sandbox.server import SandboxThread
from tests.sandbox.conftest import Trader, market_tokens

MARKET = "fed-cut-next-meeting"  # no fees


@pytest.fixture(scope="module")
def filled(sandbox: SandboxThread) -> dict[str, Any]:
    """Alice rests a YES bid at 0.40; Bob buys NO at 0.60 against it (10 shares)."""
    condition, yes, no = market_tokens(sandbox, MARKET)
    alice, bob = Trader(sandbox), Trader(sandbox)
    alice.client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.40, size=10, side="BUY")
    )
    result = bob.client.create_and_post_order(
        OrderArgs(token_id=no, price=0.60, size=10, side="BUY")
    )
    return {"alice": alice, "bob": bob, "condition": condition, "yes": yes, "no": no,
            "trade_id": result["tradeIDs"][0]}  # fmt: skip


def get(sandbox: SandboxThread, path: str, **params: Any) -> Any:
    response = httpx.get(f"{sandbox.urls.data}{path}", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_v1_positions(sandbox: SandboxThread, filled: dict[str, Any]) -> None:
    [position] = get(sandbox, "/positions", user=filled["alice"].address)

    assert position["proxyWallet"] == filled["alice"].address.lower()
    assert (position["asset"], position["conditionId"]) == (
        filled["yes"],
        filled["condition"],
    )
    assert (position["size"], position["avgPrice"], position["initialValue"]) == (
        10.0,
        0.4,
        4.0,
    )
    assert (position["outcome"], position["outcomeIndex"], position["oppositeAsset"]) == (
        "Yes", 0, filled["no"],
    )  # fmt: skip
    assert (position["redeemable"], position["mergeable"], position["negativeRisk"]) == (
        False, False, False,
    )  # fmt: skip


def test_v2_positions_are_enveloped(
    sandbox: SandboxThread, filled: dict[str, Any]
) -> None:
    page = get(sandbox, "/v2/positions", user=filled["bob"].address)

    assert page["pagination"] == {"has_more": False, "next_cursor": None}
    [position] = page["data"]
    assert (position["token_id"], position["current_size"], position["avg_price"]) == (
        filled["no"], 10.0, 0.6,
    )  # fmt: skip
    assert (position["status"], position["entry_cost_usdc"], position["entry_fees_usdc"]) == (
        "OPEN", 6.0, 0.0,
    )  # fmt: skip
    assert get(sandbox, "/v2/positions", user="0x" + "00" * 20)["data"] == []


def test_trades_activity_and_value(
    sandbox: SandboxThread, filled: dict[str, Any]
) -> None:
    bob, alice = filled["bob"], filled["alice"]

    [trade] = get(sandbox, "/trades", user=bob.address)
    assert (trade["side"], trade["asset"], trade["size"], trade["price"]) == (
        "BUY",
        filled["no"],
        10.0,
        0.6,
    )
    assert trade["transactionHash"].startswith("0x")
    # Maker fills are not "taker trades"; activity lists them all.
    assert get(sandbox, "/trades", user=alice.address) == []
    assert len(get(sandbox, "/trades", user=alice.address, takerOnly="false")) == 1
    [activity] = get(sandbox, "/v2/activity", user=alice.address)["data"]
    assert (activity["type"], activity["side"], activity["usdc_size"]) == (
        "TRADE",
        "BUY",
        4.0,
    )
    [value] = get(sandbox, "/value", user=alice.address)
    assert value["user"] == alice.address.lower() and value["value"] > 0
    assert (
        get(sandbox, "/v2/value", user=alice.address)["data"]["value"] == value["value"]
    )


def test_a_failed_trade_leaves_no_position(
    sandbox: SandboxThread, filled: dict[str, Any]
) -> None:
    httpx.post(
        f"{sandbox.urls.control}/trades/{filled['trade_id']}/fail", timeout=10
    ).raise_for_status()

    assert get(sandbox, "/positions", user=filled["alice"].address) == []
    wallet = httpx.get(f"{sandbox.urls.control}/wallets/{filled['bob'].address}").json()
    assert (wallet["collateral"], wallet["tokens"]) == ("10000", {})
