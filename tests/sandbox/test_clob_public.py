"""Public CLOB endpoints: books (with the client's own hash check), prices,
market parameters, CLOB markets and generated price history."""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import pytest
from py_clob_client_v2 import (
    BookParams,
    ClobClient,
    PriceHistoryInterval,
    PricesHistoryParams,
)
from py_clob_client_v2.exceptions import PolyApiException

from polybot.sandbox.server import SandboxThread
from tests.sandbox.conftest import market_tokens

FEE_MARKET = "eth-above-5k-end-of-month"
NEG_RISK_MARKET = "next-fed-chair-kevin-hassett"
D = Decimal


@pytest.fixture(scope="module")
def client(sandbox: SandboxThread) -> ClobClient:
    # One simulator step fills every book with the market maker's ladder.
    httpx.post(f"{sandbox.urls.control}/simulator/step", json={"steps": 1}, timeout=10)
    return ClobClient(sandbox.urls.clob, chain_id=137)


def test_health_time_and_version(client: ClobClient) -> None:
    assert client.get_ok() == "OK"
    assert client.get_version() == 2
    assert abs(client.get_server_time() - time.time()) < 5


def test_a_book_is_sorted_like_the_venue_and_carries_a_hash_the_client_recomputes(
    sandbox: SandboxThread, client: ClobClient
) -> None:
    condition, yes, no = market_tokens(sandbox, FEE_MARKET)

    book = client.get_order_book(yes)

    assert (book["market"], book["asset_id"], book["tick_size"], book["min_order_size"]) == (
        condition, yes, "0.01", "5",
    )  # fmt: skip
    assert book["neg_risk"] is False
    bids = [D(level["price"]) for level in book["bids"]]
    asks = [D(level["price"]) for level in book["asks"]]
    assert bids == sorted(bids) and asks == sorted(
        asks, reverse=True
    )  # best level last
    assert bids[-1] < asks[-1]
    assert client.get_order_book_hash(dict(book)) == book["hash"]


def test_the_complement_book_mirrors_the_first(
    sandbox: SandboxThread, client: ClobClient
) -> None:
    _, yes, no = market_tokens(sandbox, FEE_MARKET)
    [yes_book, no_book] = client.get_order_books([BookParams(yes), BookParams(no)])

    assert D(no_book["bids"][-1]["price"]) == 1 - D(yes_book["asks"][-1]["price"])
    assert D(no_book["asks"][-1]["price"]) == 1 - D(yes_book["bids"][-1]["price"])
    assert no_book["bids"][-1]["size"] == yes_book["asks"][-1]["size"]
    assert D(no_book["last_trade_price"]) == 1 - D(yes_book["last_trade_price"])


def test_prices_midpoints_and_spreads_agree_with_the_book(
    sandbox: SandboxThread, client: ClobClient
) -> None:
    _, yes, no = market_tokens(sandbox, FEE_MARKET)
    book = client.get_order_book(yes)
    bid, ask = D(book["bids"][-1]["price"]), D(book["asks"][-1]["price"])

    assert D(client.get_price(yes, "BUY")["price"]) == bid
    assert D(client.get_price(yes, "SELL")["price"]) == ask
    assert D(client.get_midpoint(yes)["mid"]) == (bid + ask) / 2
    assert D(client.get_spread(yes)["spread"]) == ask - bid
    prices = client.get_prices([BookParams(yes, "BUY"), BookParams(no, "SELL")])
    assert prices == {yes: {"BUY": float(bid)}, no: {"SELL": float(1 - bid)}}
    assert client.get_midpoints([BookParams(yes)]) == {yes: str((bid + ask) / 2)}
    assert client.get_spreads([BookParams(yes)]) == {yes: str(ask - bid)}
    assert client.get_last_trade_price(yes)["price"] == book["last_trade_price"]
    [last] = client.get_last_trades_prices([BookParams(no)])
    assert (last["token_id"], D(last["price"])) == (no, 1 - D(book["last_trade_price"]))


def test_what_the_client_asks_before_signing(
    sandbox: SandboxThread, client: ClobClient
) -> None:
    condition, yes, no = market_tokens(sandbox, FEE_MARKET)
    neg_condition, neg_yes, _ = market_tokens(sandbox, NEG_RISK_MARKET)

    assert client.get_tick_size(yes) == "0.01"
    assert client.get_neg_risk(yes) is False
    assert client.get_neg_risk(neg_yes) is True
    assert client.get_fee_rate_bps(yes) == 400
    info = client.get_clob_market_info(condition)
    assert info["t"] == [{"t": yes, "o": "Yes"}, {"t": no, "o": "No"}]
    assert (info["mts"], info["mos"], info["nr"], info["tbf"], info["mbf"]) == (
        0.01,
        5,
        False,
        400,
        0,
    )
    assert info["fd"] == {"r": 0.04, "e": 1, "to": True}
    assert client.get_fee_exponent(yes) == 1
    assert client.get_clob_market_info(neg_condition)["nr"] is True


def test_clob_market_records(sandbox: SandboxThread, client: ClobClient) -> None:
    condition, yes, no = market_tokens(sandbox, FEE_MARKET)

    market = client.get_market(condition)

    assert market["condition_id"] == condition
    assert [t["token_id"] for t in market["tokens"]] == [yes, no]
    assert market["minimum_tick_size"] == 0.01 and market["accepting_orders"] is True
    by_token = httpx.get(f"{sandbox.urls.clob}/markets-by-token/{no}").json()
    assert by_token["condition_id"] == condition
    page = client.get_markets()
    assert page["next_cursor"] == "LTE=" and page["count"] == 29


def test_price_history_by_interval_and_by_range(
    sandbox: SandboxThread, client: ClobClient
) -> None:
    _, yes, no = market_tokens(sandbox, FEE_MARKET)
    now = int(time.time())

    day = client.get_prices_history(
        PricesHistoryParams(
            market=yes, interval=PriceHistoryInterval.ONE_DAY, fidelity=60
        )
    )["history"]
    hours = {point["t"] // 3600 for point in day}
    assert 24 <= len(day) <= 25 and len(hours) == len(day)  # one point per hour bucket
    assert all(now - 86400 <= p["t"] <= now and 0 < p["p"] < 1 for p in day)

    start, end = now - 6 * 3600, now - 3600
    ranged = client.get_prices_history(
        PricesHistoryParams(market=no, start_ts=start, end_ts=end, fidelity=10)
    )["history"]
    same = client.get_prices_history(
        PricesHistoryParams(market=yes, start_ts=start, end_ts=end, fidelity=10)
    )["history"]
    # Generated history has a point every 10 minutes: 5 hours hold 30 (31 when
    # a point falls exactly on the start).
    assert len(ranged) in (30, 31)
    assert {b["t"] - a["t"] for a, b in zip(ranged, ranged[1:], strict=False)} == {600}
    assert [round(1 - p["p"], 4) for p in ranged] == [p["p"] for p in same]


def test_an_unknown_token_has_no_book(client: ClobClient) -> None:
    with pytest.raises(PolyApiException) as exc:
        client.get_order_book("123")
    assert (exc.value.status_code, exc.value.error_msg) == (
        404, {"error": "No orderbook exists for the requested token id"},
    )  # fmt: skip
