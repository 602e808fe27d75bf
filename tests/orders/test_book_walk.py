"""Walking a book side (orders.book_walk) and a market's taker fee
(orders.paper.fees.market_fee_curve / market_taker_fee): the one walk the
ticket's preview and the positions' liquidation value share, each level at
its own price and its own fee; and the one place that reads whether a
market charges fees. Pure: no database."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from orders.book_walk import book_walk
from orders.paper.fees import FeeCurve, market_fee_curve, market_taker_fee

D = Decimal
CURVE = FeeCurve(rate=D("0.02"), exponent=D("1"))
ASKS = [(D("0.52"), D("4")), (D("0.53"), D("10")), (D("0.55"), D("50"))]
BIDS = [(D("0.50"), D("4")), (D("0.48"), D("100"))]


def test_a_buy_takes_the_asks_up_to_its_limit_each_at_its_own_price_and_fee() -> None:
    walk = book_walk(ASKS, side="BUY", size=D("20"), curve=CURVE, limit=D("0.53"))

    assert walk.size == D("14")  # 4 at 0.52 and 10 at 0.53; 0.55 is beyond
    assert walk.notional == D("7.38")  # 2.08 + 5.30
    # 4 x 0.02 x 0.52 x 0.48 = 0.019968; 10 x 0.02 x 0.53 x 0.47 = 0.04982
    assert walk.fee == D("0.069788")
    assert walk.average_price == D("7.38") / D("14")


def test_a_sell_without_a_limit_takes_the_bids_until_it_is_filled() -> None:
    walk = book_walk(BIDS, side="SELL", size=D("10"), curve=CURVE)

    assert (walk.size, walk.notional) == (D("10"), D("4.88"))  # 2.00 + 2.88
    assert walk.fee == D("0.049952")  # 0.02 + 6 x 0.02 x 0.48 x 0.52 (0.029952)


def test_a_sell_stops_at_the_first_bid_below_its_limit() -> None:
    walk = book_walk(BIDS, side="SELL", size=D("10"), curve=CURVE, limit=D("0.49"))

    assert (walk.size, walk.notional, walk.fee) == (D("4"), D("2.00"), D("0.02"))


def test_a_book_that_runs_out_fills_what_it_holds() -> None:
    walk = book_walk(BIDS, side="SELL", size=D("500"), curve=CURVE)

    assert walk.size == D("104")


def test_an_empty_level_charges_nothing_and_is_passed_over() -> None:
    levels = [(D("0.50"), D("0")), (D("0.48"), D("5"))]

    walk = book_walk(levels, side="SELL", size=D("5"), curve=CURVE)

    assert (walk.size, walk.notional) == (D("5"), D("2.40"))
    assert walk.fee == D("0.024960")  # 5 x 0.02 x 0.48 x 0.52


def test_nothing_to_fill_has_no_average_price() -> None:
    for size in (D("0"), D("-5")):
        walk = book_walk(ASKS, side="BUY", size=size, curve=CURVE)
        assert (walk.size, walk.notional, walk.fee) == (D("0"), D("0"), D("0"))
        assert walk.average_price is None
    assert book_walk([], side="BUY", size=D("5"), curve=CURVE).average_price is None


def market(*, enabled: bool, rate: str = "0.02", exponent: str = "1"):
    return SimpleNamespace(fees_enabled=enabled, fee_rate=D(rate), fee_exponent=D(exponent))  # fmt: skip


def test_a_market_with_fees_enabled_charges_its_curve() -> None:
    fees_on = market(enabled=True, rate="0.02", exponent="2")

    assert market_fee_curve(fees_on) == FeeCurve(rate=D("0.02"), exponent=D("2"))
    # 10 x 0.02 x (0.4 x 0.6)^2 = 0.01152
    assert market_taker_fee(fees_on, price=D("0.40"), size=D("10")) == D("0.011520")


def test_a_market_with_fees_disabled_charges_nothing_whatever_its_rate() -> None:
    fees_off = market(enabled=False, rate="0.02")

    assert market_fee_curve(fees_off) == FeeCurve(rate=D("0"), exponent=D("1"))
    assert market_taker_fee(fees_off, price=D("0.40"), size=D("10")) == D("0")
