"""Resting paper orders' queue position and maker fills (orders/paper/queue.py).
Every expected number is worked out by hand in the comments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders.paper.matching import Level
from orders.paper.queue import MakerFill, RestingOrder, RestingQueue

D = Decimal
P = D("0.49")  # where our bids rest


def queue_with_bid_level(size: str) -> RestingQueue:
    queue = RestingQueue()
    queue.on_book(bids=[Level(P, D(size)), Level(D("0.48"), D("7"))],
                  asks=[Level(D("0.51"), D("9"))])  # fmt: skip
    return queue


def ahead(queue: RestingQueue, order_id: str) -> Decimal:
    order = queue.get(order_id)
    assert order is not None
    return order.queue_ahead


def test_resting_order_fills_only_after_the_queue_ahead_trades() -> None:
    queue = queue_with_bid_level("25")
    queue.add("a", side="BUY", price=P, remaining=D("10"), queue_ahead=D("25"))
    assert queue.on_trade(price=P, size=D("10")) == []  # ahead 25 - 10 = 15
    assert ahead(queue, "a") == D("15")
    assert queue.on_trade(price=P, size=D("12")) == []  # ahead 15 - 12 = 3
    assert ahead(queue, "a") == D("3")
    # 8: 3 clear the queue, the other 5 fill us.
    assert queue.on_trade(price=P, size=D("8")) == [MakerFill("a", P, D("5"))]
    assert queue.get("a") == RestingOrder("a", "BUY", P, D("5"), D("0"))
    # 7 more: our last 5 fill and the order leaves the queue.
    assert queue.on_trade(price=P, size=D("7")) == [MakerFill("a", P, D("5"))]
    assert queue.orders() == ()


def test_sell_fills_mirror_buys() -> None:
    queue = queue_with_bid_level("25")
    queue.add("s", side="SELL", price=D("0.51"), remaining=D("4"), queue_ahead=D("9"))
    assert queue.on_trade(price=D("0.50"), size=D("100")) == []  # below our ask
    # 12 at 0.51: 9 ahead, then 3 of our 4.
    assert queue.on_trade(price=D("0.51"), size=D("12")) == [
        MakerFill("s", D("0.51"), D("3"))
    ]
    # A trade above our ask swept the level: the last 1 fills at our 0.51.
    assert queue.on_trade(price=D("0.52"), size=D("1")) == [
        MakerFill("s", D("0.51"), D("1"))
    ]


def test_cancellation_shrinks_the_queue_ahead_in_proportion() -> None:
    queue = queue_with_bid_level("100")
    queue.add("mid", side="BUY", price=P, remaining=D("5"), queue_ahead=D("40"))
    queue.add("back", side="BUY", price=P, remaining=D("5"), queue_ahead=D("100"))
    # 100 -> 75 with no trade: 25 cancelled, everyone keeps 75/100 of the queue ahead.
    queue.on_level(side="BUY", price=P, new_size=D("75"))
    assert ahead(queue, "mid") == D("30")  # 40 * 75 / 100
    assert ahead(queue, "back") == D("75")  # 100 * 75 / 100: the whole level
    # Another side's level at the same price does not touch our bids.
    queue.on_level(side="SELL", price=D("0.51"), new_size=D("0"))
    assert ahead(queue, "mid") == D("30")


def test_decrease_explained_by_a_trade_is_not_shrunk_twice() -> None:
    queue = queue_with_bid_level("100")
    queue.add("mid", side="BUY", price=P, remaining=D("5"), queue_ahead=D("60"))
    queue.add("back", side="BUY", price=P, remaining=D("5"), queue_ahead=D("100"))
    queue.on_trade(price=P, size=D("30"))  # mid 60 - 30 = 30, back 100 - 30 = 70
    queue.on_level(side="BUY", price=P, new_size=D("70"))  # 100 - 70: the trade
    assert (ahead(queue, "mid"), ahead(queue, "back")) == (D("30"), D("70"))
    # A trade of 10 (mid 20, back 60) and 30 cancelled in one update, 70 -> 30.
    # The trade left 60, of which 30 cancelled: each keeps 30 / 60 of its queue.
    queue.on_trade(price=P, size=D("10"))
    queue.on_level(side="BUY", price=P, new_size=D("30"))
    assert (ahead(queue, "mid"), ahead(queue, "back")) == (D("10"), D("30"))


def test_two_paper_orders_at_one_price_share_a_trade_in_time_priority() -> None:
    queue = queue_with_bid_level("20")
    queue.add("first", side="BUY", price=P, remaining=D("10"), queue_ahead=D("20"))
    queue.add("second", side="BUY", price=P, remaining=D("10"), queue_ahead=D("20"))
    # Queue: 20 venue, first (10), second (10). A trade of 35: 20 venue shares,
    # 10 to first, leaving 5 for second (whose 20 ahead the 20 also cleared).
    assert queue.on_trade(price=P, size=D("35")) == [
        MakerFill("first", P, D("10")),
        MakerFill("second", P, D("5")),
    ]
    assert queue.orders() == (RestingOrder("second", "BUY", P, D("5"), D("0")),)


def test_later_paper_order_behind_more_venue_size_keeps_part_of_its_queue() -> None:
    queue = queue_with_bid_level("20")
    queue.add("first", side="BUY", price=P, remaining=D("10"), queue_ahead=D("20"))
    queue.on_level(side="BUY", price=P, new_size=D("30"))  # 10 venue shares join
    queue.add("second", side="BUY", price=P, remaining=D("10"), queue_ahead=D("30"))
    # Queue: 20 venue, first (10), 10 venue, second. A trade of 35: 20 venue,
    # first's 10, then 5 of the 10 venue shares ahead of second.
    assert queue.on_trade(price=P, size=D("35")) == [MakerFill("first", P, D("10"))]
    assert ahead(queue, "second") == D("5")  # 30 - (35 - 10)


def test_trade_through_the_price_fills_the_whole_order() -> None:
    queue = queue_with_bid_level("25")
    queue.add("a", side="BUY", price=P, remaining=D("10"), queue_ahead=D("25"))
    queue.add("b", side="BUY", price=D("0.47"), remaining=D("3"), queue_ahead=D("0"))
    # A trade of 1 share at 0.48: the 0.49 level was swept, we fill whole at 0.49.
    # The bid at 0.47 is below the trade and does not move.
    assert queue.on_trade(price=D("0.48"), size=D("1")) == [MakerFill("a", P, D("10"))]
    assert [o.order_id for o in queue.orders()] == ["b"]


def test_level_increase_does_not_move_the_queue() -> None:
    queue = queue_with_bid_level("50")
    queue.add("a", side="BUY", price=P, remaining=D("10"), queue_ahead=D("50"))
    queue.on_level(side="BUY", price=P, new_size=D("80"))  # 30 join behind us
    assert ahead(queue, "a") == D("50")
    # 80 -> 60 is 20 cancelled of 80: 50 * 60 / 80 = 37.5 left ahead.
    queue.on_level(side="BUY", price=P, new_size=D("60"))
    assert ahead(queue, "a") == D("37.5")


def test_snapshot_without_our_level_means_everyone_ahead_cancelled() -> None:
    queue = queue_with_bid_level("25")
    queue.add("a", side="BUY", price=P, remaining=D("10"), queue_ahead=D("25"))
    queue.on_book(bids=[Level(D("0.48"), D("7"))], asks=[Level(D("0.51"), D("9"))])
    assert ahead(queue, "a") == 0  # 25 * 0 / 25
    assert queue.level_size("BUY", P) == 0
    assert queue.on_trade(price=P, size=D("4")) == [MakerFill("a", P, D("4"))]


def test_snapshot_after_a_trade_explains_the_decrease() -> None:
    queue = queue_with_bid_level("25")
    queue.add("a", side="BUY", price=P, remaining=D("10"), queue_ahead=D("25"))
    queue.on_trade(price=P, size=D("5"))  # ahead 20
    queue.on_book(bids=[Level(P, D("20"))], asks=[])  # 25 - 20 = the trade
    assert ahead(queue, "a") == D("20")


def test_first_level_size_is_the_queue_ahead_when_unknown() -> None:
    queue = RestingQueue()  # no book seen yet
    queue.add("a", side="BUY", price=P, remaining=D("10"), queue_ahead=D("30"))
    queue.on_level(side="BUY", price=P, new_size=D("15"))  # half cancelled
    assert ahead(queue, "a") == D("15")  # 30 * 15 / 30


def test_decrease_reported_before_its_trade_counts_twice_known_approximation() -> None:
    # Pinned on purpose: see the module docstring. The decrease comes first and
    # is taken as cancellation (100 -> 70), then the trade consumes 30 more.
    queue = queue_with_bid_level("100")
    queue.add("back", side="BUY", price=P, remaining=D("5"), queue_ahead=D("100"))
    queue.on_level(side="BUY", price=P, new_size=D("70"))
    queue.on_trade(price=P, size=D("30"))
    assert ahead(queue, "back") == D("40")  # an exact model would say 70


def test_ask_crossing_a_resting_bid_fills_it_at_its_own_price() -> None:
    queue = queue_with_bid_level("25")
    queue.add("a", side="BUY", price=P, remaining=D("10"), queue_ahead=D("25"))
    # An ask of 4 at our 0.49 with no trade: a seller that would have hit us,
    # whatever the 25 ahead (no venue bid can rest under that ask).
    queue.on_level(side="SELL", price=P, new_size=D("4"))
    assert queue.crossing_fills() == [MakerFill("a", P, D("4"))]
    assert queue.crossing_fills() == []  # those 4 shares filled us once
    # 6 more join the ask: they fill the last 6.
    queue.on_level(side="SELL", price=P, new_size=D("10"))
    assert queue.crossing_fills() == [MakerFill("a", P, D("6"))]
    assert queue.orders() == ()


def test_bid_crossing_a_resting_ask_fills_it_at_its_own_price() -> None:
    queue = queue_with_bid_level("25")
    queue.add("s", side="SELL", price=D("0.51"), remaining=D("4"), queue_ahead=D("9"))
    queue.on_level(side="BUY", price=D("0.52"), new_size=D("10"))  # above our ask
    assert queue.crossing_fills() == [MakerFill("s", D("0.51"), D("4"))]


def test_crossing_size_there_when_the_order_joins_is_used_up() -> None:
    # The paper gateway matched against the 0.49 ask when it placed the order.
    queue = RestingQueue()
    queue.on_book(bids=[Level(D("0.48"), D("7"))], asks=[Level(P, D("5"))])
    queue.add("a", side="BUY", price=P, remaining=D("10"), queue_ahead=D("0"))
    assert queue.crossing_fills() == []
    queue.on_level(side="SELL", price=P, new_size=D("8"))  # 3 new shares
    assert queue.crossing_fills() == [MakerFill("a", P, D("3"))]


def test_crossing_level_that_shrinks_and_grows_fills_only_past_the_used_part() -> None:
    queue = queue_with_bid_level("25")
    queue.add("a", side="BUY", price=P, remaining=D("10"), queue_ahead=D("25"))
    queue.on_level(side="SELL", price=D("0.48"), new_size=D("4"))
    assert queue.crossing_fills() == [MakerFill("a", P, D("4"))]
    # 4 -> 2: taken as 2 of the used shares still there; 2 -> 5: 3 new.
    queue.on_level(side="SELL", price=D("0.48"), new_size=D("2"))
    queue.on_level(side="SELL", price=D("0.48"), new_size=D("5"))
    assert queue.crossing_fills() == [MakerFill("a", P, D("3"))]
    # A snapshot without the level and then with it again: all of it is new.
    queue.on_book(bids=[], asks=[])
    queue.on_book(bids=[], asks=[Level(D("0.48"), D("2"))])
    assert queue.crossing_fills() == [MakerFill("a", P, D("2"))]


def test_crossing_size_goes_to_the_best_price_first_then_in_time() -> None:
    queue = queue_with_bid_level("25")
    queue.add("low", side="BUY", price=D("0.48"), remaining=D("5"), queue_ahead=D("7"))
    queue.add("high", side="BUY", price=P, remaining=D("5"), queue_ahead=D("25"))
    queue.add("high2", side="BUY", price=P, remaining=D("5"), queue_ahead=D("25"))
    # An ask of 3 at 0.49 reaches only the 0.49 bids: "high" is first there.
    queue.on_level(side="SELL", price=P, new_size=D("3"))
    assert queue.crossing_fills() == [MakerFill("high", P, D("3"))]
    # 9 at 0.48: "high" 2, "high2" 5, "low" the last 2.
    queue.on_level(side="SELL", price=D("0.48"), new_size=D("9"))
    assert queue.crossing_fills() == [
        MakerFill("high", P, D("2")),
        MakerFill("high2", P, D("5")),
        MakerFill("low", D("0.48"), D("2")),
    ]


def test_trade_at_a_crossing_level_neither_fills_nor_moves_the_order() -> None:
    queue = queue_with_bid_level("25")
    queue.add("a", side="BUY", price=P, remaining=D("10"), queue_ahead=D("25"))
    queue.on_level(side="SELL", price=D("0.48"), new_size=D("4"))
    assert queue.crossing_fills() == [MakerFill("a", P, D("4"))]
    # A buyer lifts that ask at 0.48: not a sweep of the bids through 0.49.
    assert queue.on_trade(price=D("0.48"), size=D("4")) == []
    assert queue.get("a") == RestingOrder("a", "BUY", P, D("6"), D("25"))


def test_add_and_remove() -> None:
    queue = RestingQueue()
    order = queue.add(
        7, side="SELL", price=D("0.6"), remaining=D("2"), queue_ahead=D("0")
    )
    with pytest.raises(ValueError, match="already resting"):
        queue.add(7, side="SELL", price=D("0.6"), remaining=D("2"), queue_ahead=D("0"))
    with pytest.raises(ValueError):
        queue.add(8, side="HOLD", price=D("0.6"), remaining=D("2"), queue_ahead=D("0"))
    assert queue.remove(7) == order
    assert queue.remove(7) is None
    assert queue.orders() == ()


# --- properties -----------------------------------------------------------------

prices = st.sampled_from([D("0.47"), D("0.48"), D("0.49"), D("0.50"), D("0.51")])
sizes = st.integers(min_value=0, max_value=5_000).map(lambda n: D(n) / 100)
events = st.lists(
    st.one_of(
        st.tuples(st.just("trade"), prices, sizes),
        st.tuples(st.sampled_from(["BUY", "SELL"]), prices, sizes),
        st.tuples(st.just("book"), prices, sizes),
    ),
    max_size=30,
)
placed = st.lists(
    st.tuples(st.sampled_from(["BUY", "SELL"]), prices, sizes.filter(bool), sizes),
    min_size=1,
    max_size=5,
)


@given(placed=placed, events=events)
def test_property_fills_never_exceed_the_order_and_queue_stays_sane(
    placed: list[tuple[str, Decimal, Decimal, Decimal]],
    events: list[tuple[str, Decimal, Decimal]],
) -> None:
    queue = RestingQueue()
    original = {}
    for n, (side, price, remaining, ahead_) in enumerate(placed):
        queue.add(n, side=side, price=price, remaining=remaining, queue_ahead=ahead_)
        original[n] = (price, remaining)
    filled = dict.fromkeys(original, D(0))
    for kind, price, size in events:
        if kind == "trade":
            for fill in queue.on_trade(price=price, size=size):
                assert fill.size > 0
                assert fill.price == original[fill.order_id][0]
                filled[fill.order_id] += fill.size
        else:
            if kind == "book":
                queue.on_book(bids=[Level(price, size)], asks=[])
            else:
                queue.on_level(side=kind, price=price, new_size=size)
            for fill in queue.crossing_fills():
                assert fill.size > 0
                assert fill.price == original[fill.order_id][0]
                filled[fill.order_id] += fill.size
        for order in queue.orders():
            assert order.queue_ahead >= 0
            assert order.remaining > 0
    for n, (_price, remaining) in original.items():
        order = queue.get(n)
        left = order.remaining if order else D(0)
        assert filled[n] + left == remaining
