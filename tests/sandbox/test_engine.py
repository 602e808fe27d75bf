"""The matching engine on its own: admission rules, price-time matching,
balances, fees, settlement, expiry, heartbeats and tick-size changes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from polybot.sandbox import errors
from polybot.sandbox.errors import VenueError
from polybot.sandbox.events import (
    BookChanged,
    LastTrade,
    OrderChanged,
    PriceChanged,
    TickSizeChanged,
    TradeChanged,
)
from polybot.sandbox.models import OrderStatus, OrderType, Side, TradeStatus
from tests.sandbox.conftest import ALICE, BOB, EngineHarness

D = Decimal
FEE_MARKET = "eth-above-5k-end-of-month"  # Crypto: taker fee rate 0.04, exponent 1
FREE_MARKET = "fed-cut-next-meeting"  # Economy: no fees


def test_it_rests_a_gtc_buy_and_reserves_collateral(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)
    result = harness.engine.place(
        harness.order(ALICE, market.yes.token_id, Side.BUY, "0.42", "10")
    )

    assert result.status == "live"
    assert result.order.status is OrderStatus.LIVE
    wallet = harness.engine.ledger.wallet(ALICE)
    assert wallet.collateral == D("10000")
    assert wallet.collateral_reserved == D("4.2")
    book = harness.engine.book_for(market)
    assert book.levels(Side.BUY) == [(D("0.42"), D("10"))]


def test_it_mints_when_a_complement_buy_crosses_and_charges_the_taker_fee(
    harness: EngineHarness,
) -> None:
    market = harness.market(FEE_MARKET)
    engine = harness.engine
    engine.place(harness.order(ALICE, market.yes.token_id, Side.BUY, "0.42", "10"))

    # BUY NO at up to 0.60 crosses the YES bid at 0.42 (= a NO ask at 0.58).
    result = engine.place(
        harness.order(BOB, market.no.token_id, Side.BUY, "0.60", "10")
    )

    assert result.status == "matched"
    [trade] = result.trades
    assert (trade.price, trade.size, trade.side, trade.asset_id) == (
        D("0.58"), D("10"), Side.BUY, market.no.token_id,
    )  # fmt: skip
    # fee = 10 * 0.04 * (0.58 * 0.42) ** 1
    assert trade.fee == D("0.097440")
    assert trade.fee_rate_bps == 400
    assert (result.making, result.taking) == (D("5.80"), D("10"))
    alice, bob = engine.ledger.wallet(ALICE), engine.ledger.wallet(BOB)
    assert alice.collateral == D("9995.80")
    assert alice.collateral_reserved == 0
    assert alice.tokens[market.yes.token_id] == D("10")
    assert bob.collateral == D("10000") - D("5.80") - D("0.097440")
    assert bob.tokens[market.no.token_id] == D("10")
    [maker_fill] = trade.maker_fills
    assert (maker_fill.price, maker_fill.side, maker_fill.asset_id) == (
        D("0.42"), Side.BUY, market.yes.token_id,
    )  # fmt: skip


def test_it_fills_makers_in_price_then_time_order(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)
    engine = harness.engine
    token = market.yes.token_id
    engine.fund(ALICE, D("100"), token)
    engine.fund(BOB, D("100"), token)
    first = engine.place(harness.order(ALICE, token, Side.SELL, "0.55", "10")).order
    second = engine.place(harness.order(BOB, token, Side.SELL, "0.55", "10")).order
    better = engine.place(harness.order(BOB, token, Side.SELL, "0.54", "5")).order
    taker = "0x" + "c3" * 20

    result = engine.place(harness.order(taker, token, Side.BUY, "0.55", "20"))

    assert [(t.price, t.size, t.bucket_index) for t in result.trades] == [
        (D("0.54"), D("5"), 0),
        (D("0.55"), D("15"), 1),
    ]
    assert [f.order_id for f in result.trades[1].maker_fills] == [first.id, second.id]
    assert (better.status, first.status, second.status) == (
        OrderStatus.MATCHED, OrderStatus.MATCHED, OrderStatus.LIVE,
    )  # fmt: skip
    assert second.remaining == D("5")
    assert engine.ledger.wallet(taker).collateral == D("10000") - D("2.70") - D("8.25")


def test_it_refuses_a_fok_it_cannot_fill_entirely(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)
    engine = harness.engine
    engine.fund(ALICE, D("10"), market.yes.token_id)
    engine.place(harness.order(ALICE, market.yes.token_id, Side.SELL, "0.55", "10"))

    with pytest.raises(VenueError) as refused:
        engine.place(
            harness.order(
                BOB, market.yes.token_id, Side.BUY, "0.55", "11", OrderType.FOK
            )
        )

    assert refused.value.message == errors.FOK_NOT_FILLED
    assert engine.ledger.wallet(BOB).collateral == D("10000")
    assert engine.book_for(market).levels(Side.SELL) == [(D("0.55"), D("10"))]


def test_fak_fills_what_it_can_and_cancels_the_rest(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)
    engine = harness.engine
    engine.fund(ALICE, D("10"), market.yes.token_id)
    engine.place(harness.order(ALICE, market.yes.token_id, Side.SELL, "0.55", "10"))

    result = engine.place(
        harness.order(BOB, market.yes.token_id, Side.BUY, "0.56", "15", OrderType.FAK)
    )

    assert result.order.size_matched == D("10")
    assert result.order.status is OrderStatus.CANCELED
    assert engine.book_for(market).levels(Side.BUY) == []
    assert engine.ledger.wallet(BOB).collateral_reserved == 0


@pytest.mark.parametrize(
    ("price", "size", "order_type", "post_only", "message"),
    [
        ("0.425", "10", OrderType.GTC, False, "breaks minimum tick size rule: 0.01"),
        ("0.42", "4", OrderType.GTC, False, "Size (4) lower than the minimum: 5"),
        # A GTC crossing the 0.58 ask is still a limit order: min size applies.
        ("0.60", "4", OrderType.GTC, False, "Size (4) lower than the minimum: 5"),
        ("0.60", "10", OrderType.GTC, True, "crosses the book"),
        ("0.60", "10", OrderType.FOK, True, errors.POST_ONLY_TYPE),
        ("0.99", "20000", OrderType.GTC, False, errors.NOT_ENOUGH_BALANCE),
    ],
)
def test_it_refuses_orders_breaking_the_rules(
    harness: EngineHarness,
    price: str,
    size: str,
    order_type: OrderType,
    post_only: bool,
    message: str,
) -> None:
    market = harness.market(FREE_MARKET)
    engine = harness.engine
    engine.fund(ALICE, D("10"), market.yes.token_id)
    engine.place(harness.order(ALICE, market.yes.token_id, Side.SELL, "0.58", "10"))
    req = harness.order(
        BOB, market.yes.token_id, Side.BUY, price, size, order_type, post_only=post_only
    )

    with pytest.raises(VenueError) as refused:
        engine.place(req)

    assert message in refused.value.message
    assert refused.value.status == 400


def test_it_refuses_a_duplicated_order_hash(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)
    req = harness.order(ALICE, market.yes.token_id, Side.BUY, "0.42", "10")
    harness.engine.place(req)

    with pytest.raises(VenueError) as refused:
        harness.engine.place(req)

    assert refused.value.message == f"order {req.id} is invalid. Duplicated."


def test_a_sell_needs_the_tokens(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)

    with pytest.raises(VenueError) as refused:
        harness.engine.place(
            harness.order(ALICE, market.yes.token_id, Side.SELL, "0.5", "10")
        )

    assert refused.value.message == errors.NOT_ENOUGH_BALANCE


def test_gtd_orders_expire_after_the_security_margin(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)
    engine = harness.engine
    expiration = int(harness.clock.now) + 60 + 30
    order = engine.place(
        harness.order(
            ALICE,
            market.yes.token_id,
            Side.BUY,
            "0.40",
            "10",
            OrderType.GTD,
            expiration=expiration,
        )  # fmt: skip
    ).order

    harness.clock.advance(29)
    engine.maintenance()
    assert order.status is OrderStatus.LIVE

    harness.clock.advance(1)
    engine.maintenance()
    assert order.status is OrderStatus.CANCELED_EXPIRED
    assert engine.ledger.wallet(ALICE).collateral_reserved == 0
    assert harness.events(OrderChanged)[-1].kind == "CANCELLATION"


def test_a_gtd_that_would_be_dead_on_arrival_is_refused(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)
    req = harness.order(ALICE, market.yes.token_id, Side.BUY, "0.40", "10", OrderType.GTD,
                        expiration=int(harness.clock.now) + 60)  # fmt: skip

    with pytest.raises(VenueError) as refused:
        harness.engine.place(req)

    assert "Expiration" in refused.value.message


def test_missing_a_heartbeat_cancels_the_owners_orders(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)
    engine = harness.engine
    order = engine.place(
        harness.order(ALICE, market.yes.token_id, Side.BUY, "0.40", "10")
    ).order
    untouched = engine.place(
        harness.order(BOB, market.yes.token_id, Side.BUY, "0.40", "10")
    ).order
    engine.heartbeat(order.owner)

    harness.clock.advance(9)
    engine.heartbeat(order.owner)
    harness.clock.advance(10)
    engine.maintenance()
    assert order.status is OrderStatus.LIVE

    harness.clock.advance(0.5)
    engine.maintenance()
    assert order.status is OrderStatus.CANCELED
    assert untouched.status is OrderStatus.LIVE


def test_trades_progress_to_confirmed_and_a_failed_one_is_reversed(
    harness: EngineHarness,
) -> None:
    market = harness.market(FEE_MARKET)
    engine = harness.engine
    engine.place(harness.order(ALICE, market.yes.token_id, Side.BUY, "0.50", "10"))
    [trade] = engine.place(
        harness.order(BOB, market.no.token_id, Side.BUY, "0.50", "10")
    ).trades

    harness.clock.advance(1)
    engine.maintenance()
    assert trade.status is TradeStatus.MINED
    harness.clock.advance(2)
    engine.maintenance()
    assert trade.status is TradeStatus.CONFIRMED
    statuses = [e.status for e in harness.events(TradeChanged)]
    assert statuses == [TradeStatus.MATCHED, TradeStatus.MINED, TradeStatus.CONFIRMED]

    engine.fail_trade(trade.id)

    assert trade.status is TradeStatus.FAILED
    alice, bob = engine.ledger.wallet(ALICE), engine.ledger.wallet(BOB)
    assert (alice.collateral, alice.tokens[market.yes.token_id]) == (D("10000"), 0)
    assert (bob.collateral, bob.tokens[market.no.token_id]) == (D("10000"), 0)


def test_price_change_carries_both_tokens_and_the_top_after_each_change(
    harness: EngineHarness,
) -> None:
    market = harness.market(FREE_MARKET)
    harness.engine.place(
        harness.order(ALICE, market.yes.token_id, Side.BUY, "0.42", "10")
    )

    [change] = harness.events(PriceChanged)[-1].changes
    assert (change.side, change.price, change.size) == (Side.BUY, D("0.42"), D("10"))
    assert (change.best_bid, change.best_ask) == (D("0.42"), None)


def test_a_trade_sends_its_level_changes_as_the_book_after_the_trade(
    harness: EngineHarness,
) -> None:
    # API.md §8: price_change for placements and cancels, a book after trades.
    # A fill's level decrease sent before its trade would count twice.
    market = harness.market(FREE_MARKET)
    engine = harness.engine
    engine.place(harness.order(ALICE, market.yes.token_id, Side.BUY, "0.42", "10"))
    harness.batches.clear()
    # BUY NO up to 0.60 x 15: takes Alice's 10 (a YES bid at 0.42 = NO ask at
    # 0.58), then rests 5 as a YES ask at 0.40.
    engine.place(harness.order(BOB, market.no.token_id, Side.BUY, "0.60", "15"))

    [batch] = harness.batches
    market_kinds = [
        type(e).__name__
        for e in batch
        if isinstance(e, PriceChanged | LastTrade | BookChanged)
    ]
    assert market_kinds == ["LastTrade", "PriceChanged", "BookChanged"]
    [change] = next(e for e in batch if isinstance(e, PriceChanged)).changes
    # Only the placement: the 0.42 bid Alice's fill emptied is not in it.
    assert (change.side, change.price, change.size) == (Side.SELL, D("0.40"), D("5"))
    assert (change.best_bid, change.best_ask) == (None, D("0.40"))


def test_changes_before_a_match_are_sent_before_its_trade(
    harness: EngineHarness,
) -> None:
    market = harness.market(FREE_MARKET)
    engine = harness.engine
    token = market.yes.token_id
    with engine.batch():
        engine.place(harness.order(ALICE, token, Side.BUY, "0.42", "10"))
        engine.place(harness.order(BOB, market.no.token_id, Side.BUY, "0.58", "6"))
    [batch] = harness.batches
    market_kinds = [
        type(e).__name__
        for e in batch
        if isinstance(e, PriceChanged | LastTrade | BookChanged)
    ]
    # Alice's bid appears (10), then Bob's match takes 6 of it; the level
    # left at 4 is in the book that follows the trade.
    assert market_kinds == ["PriceChanged", "LastTrade", "BookChanged"]
    [change] = next(e for e in batch if isinstance(e, PriceChanged)).changes
    assert (change.side, change.price, change.size) == (Side.BUY, D("0.42"), D("10"))
    assert engine.book_for(market).levels(Side.BUY) == [(D("0.42"), D("4"))]


def test_a_trade_publishes_the_last_trade_price(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)
    engine = harness.engine
    engine.place(harness.order(ALICE, market.yes.token_id, Side.BUY, "0.42", "10"))
    engine.place(harness.order(BOB, market.no.token_id, Side.BUY, "0.58", "10"))

    [last] = harness.events(LastTrade)
    assert (last.yes_price, last.yes_side, last.size) == (D("0.42"), Side.SELL, D("10"))


def test_the_tick_gets_finer_near_the_extremes_and_back(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)
    engine = harness.engine
    engine.place(harness.order(ALICE, market.yes.token_id, Side.BUY, "0.96", "10"))
    engine.place(harness.order(ALICE, market.no.token_id, Side.BUY, "0.02", "10"))

    assert market.tick_size == D("0.001")
    [change] = harness.events(TickSizeChanged)
    assert (change.old, change.new) == (D("0.01"), D("0.001"))

    engine.cancel(
        f"key-{ALICE[-4:]}", [o.id for o in engine.open_orders(f"key-{ALICE[-4:]}")]
    )
    engine.place(harness.order(ALICE, market.yes.token_id, Side.BUY, "0.500", "10"))
    engine.place(harness.order(ALICE, market.no.token_id, Side.BUY, "0.480", "10"))
    assert market.tick_size == D("0.01")


def test_cancel_reports_what_it_could_not_cancel(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)
    engine = harness.engine
    order = engine.place(
        harness.order(ALICE, market.yes.token_id, Side.BUY, "0.40", "10")
    ).order

    canceled, not_canceled = engine.cancel(order.owner, [order.id, "0xdead"])
    again = engine.cancel(order.owner, [order.id])

    assert canceled == [order.id]
    assert not_canceled == {"0xdead": "order not found"}
    assert again == ([], {order.id: "the order is already canceled"})
    assert engine.ledger.wallet(ALICE).collateral_reserved == 0


def test_resolving_a_market_cancels_its_orders(harness: EngineHarness) -> None:
    market = harness.market(FREE_MARKET)
    engine = harness.engine
    order = engine.place(
        harness.order(ALICE, market.yes.token_id, Side.BUY, "0.40", "10")
    ).order

    engine.resolve(market.condition_id, market.no.token_id)

    assert order.status is OrderStatus.CANCELED_MARKET_RESOLVED
    assert (market.closed, market.winner_token) == (True, market.no.token_id)
    with pytest.raises(VenueError, match="closed"):
        engine.place(harness.order(BOB, market.yes.token_id, Side.BUY, "0.40", "10"))
