"""An incoming paper order against the book (orders/paper/matching.py) and the
taker fee (orders/paper/fees.py). Every expected number is worked out by hand
in the comments."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from orders.paper.fees import taker_fee
from orders.paper.matching import (
    FAK_NO_MATCH,
    FAK_REMAINDER,
    FOK_NOT_FILLABLE,
    POST_ONLY_NOT_RESTING,
    POST_ONLY_WOULD_CROSS,
    Execution,
    IncomingOrder,
    Level,
    MatchResult,
    match_incoming,
    merge_taken,
)
from polybot.sandbox import fees as sandbox_fees
from polybot.sandbox.models import FeeSchedule

D = Decimal
RATE = D("0.02")
ONE = D("1")

BIDS = (Level(D("0.49"), D("25")), Level(D("0.48"), D("5")), Level(D("0.47"), D("10")))
ASKS = (Level(D("0.50"), D("10")), Level(D("0.51"), D("20")), Level(D("0.53"), D("30")))


def match(
    side: str,
    order_type: str,
    price: str,
    size: str,
    *,
    post_only: bool = False,
    taken: dict[Decimal, Decimal] | None = None,
    exponent: Decimal = ONE,
    bids: tuple[Level, ...] = BIDS,
    asks: tuple[Level, ...] = ASKS,
) -> MatchResult:
    order = IncomingOrder(side=side, order_type=order_type, price=D(price), size=D(size),
                          post_only=post_only)  # fmt: skip
    return match_incoming(order, bids=bids, asks=asks, taken=taken or {},
                          fee_rate=RATE, fee_exponent=exponent)  # fmt: skip


def test_marketable_buy_walks_three_levels() -> None:
    # Asks given worst first: the walk sorts them itself.
    result = match("BUY", "GTC", "0.53", "40", asks=tuple(reversed(ASKS)))
    # 10 @ 0.50, 20 @ 0.51, then 10 of the 30 @ 0.53. Fees (rate 0.02, exponent 1):
    #   10 * 0.02 * 0.50 * 0.50 = 0.05
    #   20 * 0.02 * 0.51 * 0.49 = 0.4 * 0.2499 = 0.09996
    #   10 * 0.02 * 0.53 * 0.47 = 0.2 * 0.2491 = 0.04982
    assert result.executions == (
        Execution(D("0.50"), D("10"), D("0.050000")),
        Execution(D("0.51"), D("20"), D("0.099960")),
        Execution(D("0.53"), D("10"), D("0.049820")),
    )
    assert result.filled_size == D("40")
    # 5.00 + 10.20 + 5.30 = 20.50; 20.50 / 40 = 0.5125
    assert result.notional == D("20.50")
    assert result.average_price == D("0.5125")
    assert result.total_fee == D("0.199780")  # 0.05 + 0.09996 + 0.04982
    assert result.taken == (Level(D("0.50"), D("10")), Level(D("0.51"), D("20")),
                            Level(D("0.53"), D("10")))  # fmt: skip
    assert (result.resting_size, result.killed_size, result.queue_ahead) == (0, 0, 0)
    assert result.rejected is None
    assert result.kill_reason is None


def test_marketable_sell_walks_bids_best_first() -> None:
    result = match("SELL", "FAK", "0.47", "15", exponent=D("2"))
    # The best bid, 25 @ 0.49, fills all 15 (exponent 2 this time):
    #   fee 15 * 0.02 * (0.49 * 0.51)^2
    #   = 0.3 * 0.2499^2 = 0.3 * 0.06245001 = 0.018735003 -> 0.018735
    assert result.executions == (Execution(D("0.49"), D("15"), D("0.018735")),)
    result = match("SELL", "FAK", "0.47", "40", exponent=D("2"))
    # 25 @ 0.49, 5 @ 0.48, 10 @ 0.47:
    #   25 * 0.02 * 0.06245001            = 0.5 * 0.06245001 = 0.031225005 -> 0.031225
    #    5 * 0.02 * (0.48 * 0.52)^2       = 0.1 * 0.06230016 = 0.006230016 -> 0.006230
    #   10 * 0.02 * (0.47 * 0.53)^2       = 0.2 * 0.06205081 = 0.012410162 -> 0.012410
    assert result.executions == (
        Execution(D("0.49"), D("25"), D("0.031225")),
        Execution(D("0.48"), D("5"), D("0.006230")),
        Execution(D("0.47"), D("10"), D("0.012410")),
    )
    # 12.25 + 2.40 + 4.70 = 19.35; 19.35 / 40 = 0.48375
    assert result.notional == D("19.35")
    assert result.average_price == D("0.48375")
    assert result.killed_size == 0


def test_fok_that_cannot_fill_executes_nothing() -> None:
    # 10 + 20 = 30 shares at or below 0.51: 31 cannot fill.
    result = match("BUY", "FOK", "0.51", "31")
    assert result.executions == ()
    assert result.taken == ()
    assert result.killed_size == D("31")
    assert result.kill_reason == FOK_NOT_FILLABLE
    assert result.rejected is None
    assert result.average_price is None


def test_fok_that_exactly_fills() -> None:
    result = match("BUY", "FOK", "0.51", "30")
    assert [(e.price, e.size) for e in result.executions] == [
        (D("0.50"), D("10")),
        (D("0.51"), D("20")),
    ]
    assert result.killed_size == 0
    assert result.kill_reason is None


def test_fak_fills_what_it_can_and_kills_the_rest() -> None:
    result = match("BUY", "FAK", "0.51", "50")
    assert result.filled_size == D("30")  # 10 @ 0.50 + 20 @ 0.51
    assert result.killed_size == D("20")  # 50 - 30
    assert result.resting_size == 0
    assert result.kill_reason == FAK_REMAINDER


def test_fak_with_nothing_to_match_is_killed_whole() -> None:
    result = match("BUY", "FAK", "0.49", "50")  # best ask 0.50 > 0.49
    assert result.executions == ()
    assert result.killed_size == D("50")
    assert result.kill_reason == FAK_NO_MATCH


def test_post_only_that_would_cross_is_rejected() -> None:
    buy = match("BUY", "GTC", "0.50", "10", post_only=True)  # best ask 0.50
    sell = match("SELL", "GTD", "0.49", "10", post_only=True)  # best bid 0.49
    for result in (buy, sell):
        assert result.rejected == POST_ONLY_WOULD_CROSS
        assert result.executions == ()
        assert (result.resting_size, result.killed_size) == (0, 0)


def test_post_only_that_does_not_cross_rests_behind_the_level() -> None:
    result = match("BUY", "GTC", "0.49", "10", post_only=True)
    assert result.rejected is None
    assert result.executions == ()
    assert result.resting_size == D("10")
    assert result.queue_ahead == D("25")  # the 25 bid at 0.49


def test_post_only_rests_where_paper_orders_took_the_whole_ask() -> None:
    # The 10 @ 0.50 is gone for this book version, so nothing would execute.
    result = match(
        "BUY", "GTC", "0.50", "5", post_only=True, taken={D("0.50"): D("10")}
    )
    assert result.rejected is None
    assert result.resting_size == D("5")
    assert result.queue_ahead == 0  # no bid at 0.50


def test_post_only_fak_is_rejected() -> None:
    result = match("BUY", "FAK", "0.40", "10", post_only=True)
    assert result.rejected == POST_ONLY_NOT_RESTING


def test_limit_buy_partly_crosses_then_rests_the_remainder() -> None:
    result = match("BUY", "GTC", "0.50", "15")
    assert result.executions == (Execution(D("0.50"), D("10"), D("0.050000")),)
    assert result.resting_size == D("5")  # 15 - 10
    assert result.queue_ahead == 0  # nobody bids 0.50 on the venue
    # A limit that crosses nothing rests whole, behind the 25 at 0.49.
    result = match("BUY", "GTD", "0.49", "15")
    assert (result.resting_size, result.queue_ahead) == (D("15"), D("25"))


def test_taken_liquidity_is_not_shared_by_two_paper_orders() -> None:
    first = match("BUY", "FAK", "0.50", "6")
    assert first.taken == (Level(D("0.50"), D("6")),)
    taken = merge_taken({}, first.taken)
    second = match("BUY", "FAK", "0.51", "10", taken=taken)
    # Only 10 - 6 = 4 left at 0.50, the other 6 come from 0.51.
    assert [(e.price, e.size) for e in second.executions] == [
        (D("0.50"), D("4")),
        (D("0.51"), D("6")),
    ]
    taken = merge_taken(taken, second.taken)
    assert taken == {D("0.50"): D("10"), D("0.51"): D("6")}
    third = match("BUY", "FAK", "0.50", "1", taken=taken)
    assert third.kill_reason == FAK_NO_MATCH


def test_fee_free_market_charges_nothing() -> None:
    assert taker_fee(shares=D("10"), price=D("0.5"), rate=D("0"), exponent=ONE) == 0


def test_fee_rounds_half_even_to_micro_dollars() -> None:
    # 0.0001 * 0.02 * 0.5 * 0.5 = 0.0000005: a tie, to the even 0.000000
    assert taker_fee(shares=D("0.0001"), price=D("0.5"), rate=RATE, exponent=ONE) == 0
    # 0.0003 * 0.02 * 0.25 = 0.0000015: a tie, to the even 0.000002
    fee = taker_fee(shares=D("0.0003"), price=D("0.5"), rate=RATE, exponent=ONE)
    assert fee == D("0.000002")


# --- properties -----------------------------------------------------------------

cents = st.integers(min_value=1, max_value=99).map(lambda n: D(n) / 100)
sizes = st.integers(min_value=1, max_value=50_000).map(lambda n: D(n) / 100)


@st.composite
def books(draw: st.DrawFn) -> tuple[tuple[Level, ...], tuple[Level, ...], dict]:
    """An uncrossed book (bids below the split, asks above) and some taken."""
    prices = draw(st.lists(cents, min_size=0, max_size=12, unique=True))
    split = draw(cents)
    levels = [Level(p, draw(sizes)) for p in prices]
    bids = tuple(lv for lv in levels if lv.price <= split)
    asks = tuple(lv for lv in levels if lv.price > split)
    taken = {lv.price: draw(sizes) for lv in levels if draw(st.booleans())}
    return bids, asks, taken


orders = st.builds(
    IncomingOrder,
    side=st.sampled_from(["BUY", "SELL"]),
    order_type=st.sampled_from(["GTC", "GTD", "FOK", "FAK"]),
    price=cents,
    size=sizes,
    post_only=st.booleans(),
)


@given(order=orders, book=books())
def test_property_size_is_conserved_and_liquidity_respected(
    order: IncomingOrder, book: tuple[tuple[Level, ...], tuple[Level, ...], dict]
) -> None:
    bids, asks, taken = book
    result = match_incoming(order, bids=bids, asks=asks, taken=taken,
                            fee_rate=RATE, fee_exponent=ONE)  # fmt: skip
    if result.rejected is not None:
        assert result.executions == ()
        return
    assert result.filled_size + result.resting_size + result.killed_size == order.size
    opposite = {lv.price: lv.size for lv in (asks if order.side == "BUY" else bids)}
    for execution in result.executions:
        available = opposite[execution.price] - taken.get(execution.price, D(0))
        assert 0 < execution.size <= available
    prices = [e.price for e in result.executions]
    assert prices == sorted(prices, reverse=order.side == "SELL")  # best first
    if result.executions:
        average = result.average_price
        assert average is not None
        low, high = sorted([prices[0], order.price])
        assert low <= average <= high  # between the best price and the limit
    assert result.taken == tuple(Level(e.price, e.size) for e in result.executions)


@given(
    shares=sizes,
    price=cents,
    rate=st.sampled_from([D("0"), D("0.01"), D("0.02"), D("0.0625"), D("0.1")]),
    exponent=st.integers(min_value=1, max_value=3),
)
def test_property_fee_agrees_with_the_sandbox_venue(
    shares: Decimal, price: Decimal, rate: Decimal, exponent: int
) -> None:
    ours = taker_fee(shares=shares, price=price, rate=rate, exponent=D(exponent))
    venue = sandbox_fees.taker_fee(
        FeeSchedule(rate=rate, exponent=exponent), price, shares
    )
    assert ours == venue
