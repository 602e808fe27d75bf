"""The real ``py-clob-client-v2`` against a running sandbox over real sockets:
credentials, signed orders, fills between two wallets, cancels, the venue's
refusals, GTD expiry and heartbeats."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import httpx
import pytest
from eth_account import Account
from py_clob_client_v2 import (
    ApiCreds,
    AssetType,
    BalanceAllowanceParams,
    ClobClient,
    MarketOrderArgs,
    OrderArgs,
    OrderMarketCancelParams,
    OrderPayload,
    OrderType,
    PartialCreateOrderOptions,
    PostOrdersV2Args,
    TradeParams,
)
from py_clob_client_v2.clob_types import CreateOrderOptions, RequestArgs
from py_clob_client_v2.exceptions import PolyApiException
from py_clob_client_v2.headers.headers import (
    create_level_1_headers,
    create_level_2_headers,
)
from py_clob_client_v2.signer import Signer

from polybot.sandbox.server import SandboxThread
from tests.sandbox.conftest import Trader, market_tokens, wait_until

FEE_MARKET = "eth-above-5k-end-of-month"  # taker fee rate 0.04, exponent 1
FREE_MARKET = "fed-cut-next-meeting"
NEG_RISK_MARKET = "next-fed-chair-kevin-warsh"

MakeTrader = Callable[[], Trader]


def refusal(exc: pytest.ExceptionInfo[PolyApiException]) -> tuple[int | None, str]:
    return exc.value.status_code, exc.value.error_msg["error"]


def balance(trader: Trader, token: str | None = None) -> str:
    params = (
        BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=token)
        if token
        else BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
    )
    return trader.client.get_balance_allowance(params)["balance"]


def test_derive_returns_the_same_credentials_and_create_twice_is_refused(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    trader = make_trader()

    assert trader.client.derive_api_key() == trader.creds
    with pytest.raises(PolyApiException) as refused:
        trader.client.create_api_key()
    assert refusal(refused) == (400, "Could not create api key")
    assert trader.client.create_api_key(nonce=1) != trader.creds


def test_a_gtc_order_rests_and_a_crossing_order_from_another_wallet_fills_it(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    _, yes, no = market_tokens(sandbox, FEE_MARKET)
    alice, bob = make_trader(), make_trader()

    posted = alice.client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.42, size=10, side="BUY")
    )

    assert posted == {
        "success": True,
        "orderID": posted["orderID"],
        "status": "live",
        "makingAmount": "0",
        "takingAmount": "0",
        "errorMsg": "",
    }
    [open_order] = alice.client.get_open_orders()
    assert (open_order["id"], open_order["price"], open_order["original_size"]) == (
        posted["orderID"], "0.42", "10",
    )  # fmt: skip
    assert balance(alice) == "10000000000"  # reserved, not spent

    # BUY NO at up to 0.60 crosses the YES bid at 0.42: a mint at 0.58 for Bob.
    filled = bob.client.create_and_post_order(
        OrderArgs(token_id=no, price=0.60, size=10, side="BUY")
    )

    assert filled["status"] == "matched"
    assert (filled["makingAmount"], filled["takingAmount"]) == ("5.8", "10")
    assert alice.client.get_open_orders() == []
    # Maker pays no fee; taker fee = 10 * 0.04 * (0.58 * 0.42) = 0.09744.
    assert balance(alice) == "9995800000"
    assert balance(bob) == "9994102560"
    assert balance(alice, yes) == "10000000"
    assert balance(bob, no) == "10000000"

    [bob_trade] = bob.client.get_trades()
    [alice_trade] = alice.client.get_trades()
    assert bob_trade["id"] == alice_trade["id"] == filled["tradeIDs"][0]
    assert (bob_trade["trader_side"], bob_trade["side"], bob_trade["asset_id"]) == (
        "TAKER", "BUY", no,
    )  # fmt: skip
    assert (bob_trade["price"], bob_trade["size"], bob_trade["fee_rate_bps"]) == (
        "0.58",
        "10",
        "400",
    )
    assert alice_trade["trader_side"] == "MAKER"
    assert alice_trade["maker_address"] == alice.address
    [maker] = alice_trade["maker_orders"]
    assert (maker["order_id"], maker["matched_amount"], maker["price"], maker["asset_id"]) == (
        posted["orderID"], "10", "0.42", yes,
    )  # fmt: skip
    assert bob_trade["transaction_hash"] == filled["transactionsHashes"][0]
    order = alice.client.get_order(posted["orderID"])
    assert (order["status"], order["size_matched"]) == ("MATCHED", "10")


def test_trades_settle_from_matched_to_confirmed(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    _, yes, no = market_tokens(sandbox, FREE_MARKET)
    alice, bob = make_trader(), make_trader()
    alice.client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.30, size=5, side="BUY")
    )
    filled = bob.client.create_and_post_order(
        OrderArgs(token_id=no, price=0.70, size=5, side="BUY")
    )
    [trade_id] = filled["tradeIDs"]

    def status() -> str:
        return bob.client.get_trades(TradeParams(id=trade_id))[0]["status"]

    assert status() == "MATCHED"
    wait_until(lambda: status() == "CONFIRMED")


def test_cancel_one_then_cancel_all_and_open_orders_page_through_cursors(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    _, yes, _ = market_tokens(sandbox, FREE_MARKET)
    trader = make_trader()
    ids = [
        trader.client.create_and_post_order(
            OrderArgs(token_id=yes, price=p, size=5, side="BUY")
        )["orderID"]
        for p in (0.11, 0.12, 0.13)
    ]
    # Three orders on pages of two: the client follows next_cursor.
    assert [o["id"] for o in trader.client.get_open_orders()] == ids

    assert trader.client.cancel_order(OrderPayload(orderID=ids[0])) == {
        "canceled": [ids[0]], "not_canceled": {},
    }  # fmt: skip
    assert trader.client.cancel_order(OrderPayload(orderID=ids[0])) == {
        "canceled": [], "not_canceled": {ids[0]: "the order is already canceled"},
    }  # fmt: skip
    assert sorted(trader.client.cancel_all()["canceled"]) == sorted(ids[1:])
    assert trader.client.get_open_orders() == []
    assert balance(trader) == "10000000000"


def test_cancel_market_orders_and_cancel_many(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    _, yes, no = market_tokens(sandbox, FREE_MARKET)
    trader = make_trader()
    on_yes = trader.client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.1, size=5, side="BUY")
    )
    on_no = trader.client.create_and_post_order(
        OrderArgs(token_id=no, price=0.1, size=5, side="BUY")
    )

    result = trader.client.cancel_market_orders(OrderMarketCancelParams(asset_id=no))
    assert result["canceled"] == [on_no["orderID"]]
    result = trader.client.cancel_orders([on_yes["orderID"], "0xunknown"])
    assert result == {
        "canceled": [on_yes["orderID"]],
        "not_canceled": {"0xunknown": "order not found"},
    }


def test_a_tampered_signature_is_refused(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    _, yes, _ = market_tokens(sandbox, FREE_MARKET)
    trader = make_trader()
    order = trader.client.create_order(
        OrderArgs(token_id=yes, price=0.40, size=10, side="BUY")
    )
    # The signature of a different amount: valid bytes, wrong order.
    tampered = dataclasses.replace(order, makerAmount=str(int(order.makerAmount) + 1))

    with pytest.raises(PolyApiException) as refused:
        trader.client.post_order(tampered)

    assert refusal(refused) == (400, "invalid signature")


def test_a_neg_risk_order_must_be_signed_for_the_neg_risk_exchange(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    _, yes, _ = market_tokens(sandbox, NEG_RISK_MARKET)
    trader = make_trader()
    args = OrderArgs(token_id=yes, price=0.20, size=10, side="BUY")

    with pytest.raises(PolyApiException) as refused:
        trader.client.create_and_post_order(
            args, PartialCreateOrderOptions(neg_risk=False)
        )
    assert refusal(refused) == (400, "invalid signature")

    # Left to itself the client asks /neg-risk and signs for the right exchange.
    assert trader.client.create_and_post_order(args)["status"] == "live"


def test_a_wrong_hmac_is_a_401(sandbox: SandboxThread, make_trader: MakeTrader) -> None:
    trader = make_trader()
    wrong = ApiCreds(
        trader.creds.api_key,
        "c2VjcmV0LW9mLXNvbWVib2R5LWVsc2U=",
        trader.creds.api_passphrase,
    )
    trader.client.set_api_creds(wrong)

    with pytest.raises(PolyApiException) as refused:
        trader.client.get_open_orders()

    assert refusal(refused) == (401, "Invalid API key")


def test_a_stale_timestamp_is_a_401(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    trader = make_trader()
    signer = Signer(trader.key, 137)
    stale = int(time.time()) - 120
    headers = create_level_2_headers(
        signer,
        trader.creds,
        RequestArgs(method="GET", request_path="/data/orders"),
        timestamp=stale,
    )
    fresh = create_level_2_headers(
        signer, trader.creds, RequestArgs(method="GET", request_path="/data/orders")
    )

    assert (
        httpx.get(f"{sandbox.urls.clob}/data/orders", headers=headers).status_code
        == 401
    )
    assert (
        httpx.get(f"{sandbox.urls.clob}/data/orders", headers=fresh).status_code == 200
    )
    l1 = create_level_1_headers(signer, timestamp=stale)
    assert (
        httpx.get(f"{sandbox.urls.clob}/auth/derive-api-key", headers=l1).status_code
        == 401
    )


def test_refusals_carry_the_venues_messages(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    _, yes, no = market_tokens(sandbox, FREE_MARKET)
    maker, taker = make_trader(), make_trader()
    maker.client.create_and_post_order(
        OrderArgs(token_id=no, price=0.45, size=10, side="BUY")
    )
    # That NO bid at 0.45 is a YES ask at 0.55 with 10 shares.

    def refused(
        args: OrderArgs, order_type: str = OrderType.GTC, post_only: bool = False
    ) -> str:
        order = taker.client.create_order(args)
        with pytest.raises(PolyApiException) as exc:
            taker.client.post_order(order, order_type, post_only=post_only)
        return refusal(exc)[1]

    fok = refused(
        OrderArgs(token_id=yes, price=0.55, size=11, side="BUY"), OrderType.FOK
    )
    assert (
        fok == "order couldn't be fully filled. FOK orders are fully filled or killed."
    )
    crossing = refused(
        OrderArgs(token_id=yes, price=0.55, size=5, side="BUY"), post_only=True
    )
    assert crossing.endswith("crosses the book")
    small = refused(OrderArgs(token_id=yes, price=0.30, size=4, side="BUY"))
    assert small.endswith("is invalid. Size (4) lower than the minimum: 5")
    broke = refused(OrderArgs(token_id=yes, price=0.99, size=20000, side="BUY"))
    assert broke == "not enough balance / allowance"
    selling = refused(OrderArgs(token_id=yes, price=0.60, size=5, side="SELL"))
    assert selling == "not enough balance / allowance"

    # The client rounds prices to the tick, so sign an off-tick one by hand.
    off_tick = taker.client.builder.build_order(
        OrderArgs(token_id=yes, price=0.425, size=10, side="BUY"),
        CreateOrderOptions(tick_size="0.001", neg_risk=False),
    )
    with pytest.raises(PolyApiException) as exc:
        taker.client.post_order(off_tick)
    assert refusal(exc)[1].endswith("Price (0.425) breaks minimum tick size rule: 0.01")

    # A FOK that can be filled goes through, at the maker's price.
    order = taker.client.create_order(
        OrderArgs(token_id=yes, price=0.56, size=10, side="BUY")
    )
    result = taker.client.post_order(order, OrderType.FOK)
    assert (result["status"], result["makingAmount"], result["takingAmount"]) == (
        "matched",
        "5.5",
        "10",
    )


def test_the_same_signed_order_twice_is_a_duplicate(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    _, yes, _ = market_tokens(sandbox, FREE_MARKET)
    trader = make_trader()
    order = trader.client.create_order(
        OrderArgs(token_id=yes, price=0.2, size=5, side="BUY")
    )
    first = trader.client.post_order(order)

    with pytest.raises(PolyApiException) as exc:
        trader.client.post_order(order)

    assert refusal(exc) == (400, f"order {first['orderID']} is invalid. Duplicated.")


def test_a_batch_answers_one_row_per_order(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    _, yes, _ = market_tokens(sandbox, FREE_MARKET)
    trader = make_trader()
    good = trader.client.create_order(
        OrderArgs(token_id=yes, price=0.21, size=5, side="BUY")
    )
    small = trader.client.create_order(
        OrderArgs(token_id=yes, price=0.22, size=1, side="BUY")
    )

    rows = trader.client.post_orders([PostOrdersV2Args(good), PostOrdersV2Args(small)])

    assert [r["success"] for r in rows] == [True, False]
    assert rows[1]["errorMsg"].endswith("Size (1) lower than the minimum: 5")
    assert rows[1]["orderID"].startswith("0x")
    too_many = [PostOrdersV2Args(good)] * 16
    with pytest.raises(PolyApiException) as exc:
        trader.client.post_orders(too_many)
    assert refusal(exc) == (400, "too many orders in the batch, max is 15")


def test_a_gtd_order_expires(sandbox: SandboxThread, make_trader: MakeTrader) -> None:
    _, yes, _ = market_tokens(sandbox, FREE_MARKET)
    trader = make_trader()
    # The venue keeps a security margin (1 s here): this one lives about 2 s.
    expiration = int(time.time()) + 3
    order = trader.client.create_order(
        OrderArgs(token_id=yes, price=0.15, size=5, side="BUY", expiration=expiration)
    )
    posted = trader.client.post_order(order, OrderType.GTD)
    assert trader.client.get_order(posted["orderID"])["status"] == "LIVE"

    wait_until(lambda: trader.client.get_order(posted["orderID"])["status"] != "LIVE")

    assert (
        trader.client.get_order(posted["orderID"])["status"] == "CANCELED_EXPIRED_ORDER"
    )
    assert trader.client.get_open_orders() == []


def test_missing_a_heartbeat_cancels_the_orders(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    _, yes, _ = market_tokens(sandbox, FREE_MARKET)
    trader, bystander = make_trader(), make_trader()
    posted = trader.client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.16, size=5, side="BUY")
    )
    other = bystander.client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.16, size=5, side="BUY")
    )

    for _ in range(6):  # heartbeats every 0.3 s for 1.8 s keep the orders (timeout 1 s)
        assert trader.client.post_heartbeat()["status"] == "ok"
        time.sleep(0.3)
    assert trader.client.get_order(posted["orderID"])["status"] == "LIVE"

    wait_until(
        lambda: trader.client.get_order(posted["orderID"])["status"] == "CANCELED"
    )
    assert bystander.client.get_order(other["orderID"])["status"] == "LIVE"


def test_market_orders_by_amount_fill_against_the_book(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    _, yes, no = market_tokens(sandbox, "us-recession-this-year")
    maker, taker = make_trader(), make_trader()
    maker.client.create_and_post_order(
        OrderArgs(token_id=no, price=0.45, size=100, side="BUY")
    )

    # $11 of YES at the 0.55 ask: the client derives a near-tick worst price.
    bought = taker.client.create_and_post_market_order(
        MarketOrderArgs(token_id=yes, amount=11, side="BUY")
    )
    assert (bought["status"], bought["makingAmount"], bought["takingAmount"]) == (
        "matched",
        "11",
        "20",
    )

    maker.client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.50, size=50, side="BUY")
    )
    sold = taker.client.create_and_post_market_order(
        MarketOrderArgs(token_id=yes, amount=20, side="SELL", order_type=OrderType.FAK)
    )
    assert (sold["makingAmount"], sold["takingAmount"]) == ("20", "10")
    assert balance(taker, yes) == "0"


@pytest.mark.parametrize("signature_type", [1, 2])
def test_proxy_and_safe_wallets_trade_from_the_funder(
    sandbox: SandboxThread, make_trader: MakeTrader, signature_type: int
) -> None:
    _, yes, _ = market_tokens(sandbox, "us-recession-this-year")
    trader = make_trader()
    funder = Account.create().address
    client = ClobClient(sandbox.urls.clob, chain_id=137, key=trader.key, creds=trader.creds,
                        signature_type=signature_type, funder=funder)  # fmt: skip

    posted = client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.10, size=100, side="BUY")
    )

    order = client.get_order(posted["orderID"])
    assert order["maker_address"] == funder
    wallet = httpx.get(f"{sandbox.urls.control}/wallets/{funder}").json()
    assert (wallet["collateral"], wallet["collateral_reserved"]) == ("10000", "10")
    collateral = BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
    assert client.get_balance_allowance(collateral)["balance"] == "10000000000"


def test_a_deposit_wallet_order_is_signed_by_its_owner(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    _, yes, _ = market_tokens(sandbox, "us-recession-this-year")
    trader = make_trader()
    wallet = Account.create().address
    client = ClobClient(sandbox.urls.clob, chain_id=137, key=trader.key, creds=trader.creds,
                        signature_type=3, funder=wallet)  # fmt: skip

    posted = client.create_and_post_order(
        OrderArgs(token_id=yes, price=0.10, size=10, side="BUY")
    )
    assert client.get_order(posted["orderID"])["maker_address"] == wallet

    # The wrapped (ERC-7739) signature is checked against the order too.
    order = client.create_order(
        OrderArgs(token_id=yes, price=0.10, size=10, side="BUY")
    )
    tampered = dataclasses.replace(order, takerAmount=str(int(order.takerAmount) + 1))
    with pytest.raises(PolyApiException) as exc:
        client.post_order(tampered)
    assert refusal(exc) == (400, "invalid signature")


def test_trades_page_through_cursors_and_filter(
    sandbox: SandboxThread, make_trader: MakeTrader
) -> None:
    first, yes, no = market_tokens(sandbox, "government-shutdown-october")
    second, other_yes, _ = market_tokens(sandbox, "cpi-above-3-next-print")
    maker, taker = make_trader(), make_trader()
    maker.client.create_and_post_order(
        OrderArgs(token_id=no, price=0.6, size=20, side="BUY")
    )
    maker.client.create_and_post_order(
        OrderArgs(token_id=other_yes, price=0.3, size=20, side="BUY")
    )
    for _ in range(3):
        taker.client.create_and_post_order(
            OrderArgs(token_id=yes, price=0.4, size=5, side="BUY")
        )
    now = int(time.time())

    every = taker.client.get_trades()  # three trades on pages of two

    assert len(every) == 3 and len({t["id"] for t in every}) == 3
    assert len(taker.client.get_trades(TradeParams(market=first))) == 3
    assert taker.client.get_trades(TradeParams(market=second)) == []
    assert len(taker.client.get_trades(TradeParams(asset_id=yes))) == 3
    assert (
        len(maker.client.get_trades(TradeParams(asset_id=no))) == 3
    )  # the maker's own token
    assert taker.client.get_trades(TradeParams(after=now + 100)) == []
    assert (
        len(taker.client.get_trades(TradeParams(before=now + 100, after=now - 100)))
        == 3
    )
    page = taker.client.get_trades_paginated()
    assert (page["count"], page["limit"], page["next_cursor"]) == (2, 2, "Mg==")
