"""Resting paper orders filled by market events (orders/paper/resting.py),
with the real database: orders placed through the services rest with their
queue ahead, the driver loads them and records its maker fills through the
ledger. Every expected number is worked out in the comments."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from markets.models import Market, Outcome
from orders.models import Fill, Order, OrderStatus
from orders.paper.resting import RestingPaperOrders, paper_fill_record
from orders.services import OrderRequest, order_cancel, order_place
from polybot.lib.time import utc_now
from polybot.polymarket.book import BookRegistry
from polybot.polymarket.models import (
    BookEvent,
    BookSnapshot,
    LastTradePriceEvent,
    PriceChange,
    PriceChangeEvent,
    PriceLevel,
    Side,
)
from portfolio.cash import paper_cash_balance
from portfolio.models import Position
from tests.orders.conftest import set_book

D = Decimal
P = D("0.45")  # where our bid rests, behind 120 venue shares
# The driver's database work runs in worker threads: they must see the
# test's rows, so the test commits them.
pytestmark = pytest.mark.django_db(transaction=True)

_T = TypeVar("_T")


def run(coro: Coroutine[Any, Any, _T]) -> _T:
    return asyncio.run(coro)


def trade(outcome: Outcome, price: str, size: str) -> LastTradePriceEvent:
    return LastTradePriceEvent(
        asset_id=outcome.token_id, market=outcome.market.condition_id,
        price=D(price), side=Side.SELL, size=D(size), fee_rate_bps=D("0"),
        timestamp=utc_now(),
    )  # fmt: skip


def level(outcome: Outcome, side: Side, price: str, size: str) -> PriceChangeEvent:
    change = PriceChange(
        asset_id=outcome.token_id, price=D(price), size=D(size), side=side,
        hash="", best_bid=None, best_ask=None,
    )  # fmt: skip
    return PriceChangeEvent(
        market=outcome.market.condition_id, changes=(change,), timestamp=utc_now()
    )


def book(
    outcome: Outcome, bids: list[tuple[str, str]], asks: list[tuple[str, str]]
) -> BookSnapshot:
    return BookSnapshot(
        asset_id=outcome.token_id, market=outcome.market.condition_id,
        bids=tuple(PriceLevel(D(p), D(s)) for p, s in bids),
        asks=tuple(PriceLevel(D(p), D(s)) for p, s in asks),
        timestamp=utc_now(),
    )  # fmt: skip


def rest_buy(trader, market: Market, outcome: Outcome, **kw: Any) -> Order:  # noqa: ANN001
    """BUY 10 at 0.45 behind the 120 venue shares at that price."""
    set_book(outcome.token_id, bids=[("0.45", "120")], asks=[("0.50", "10")])
    order = order_place(
        user=trader,
        request=OrderRequest(
            market_id=market.pk, token_id=outcome.token_id, side="BUY",
            price=P, size=D("10"), **kw,
        ),
    )  # fmt: skip
    order.refresh_from_db()
    assert (order.status, order.paper_queue_ahead) == (OrderStatus.OPEN, D("120"))
    return order


def fills_of(order: Order) -> list[tuple[str, Decimal, Decimal]]:
    return [
        (f.venue_trade_id, f.price, f.size)
        for f in Fill.objects.filter(order=order).order_by("venue_trade_id")
    ]


def joined(order: Order, books: BookRegistry | None = None) -> RestingPaperOrders:
    driver = RestingPaperOrders(books)
    run(driver.refresh())
    assert driver.resting_ids() == {order.pk}
    return driver


def test_resting_order_fills_only_after_the_queue_ahead_trades(
    trader, market, yes
) -> None:
    order = rest_buy(trader, market, yes)
    driver = joined(order)
    driver.on_event(trade(yes, "0.45", "100"))  # 120 - 100 = 20 ahead
    assert run(driver.flush_fills()) is True
    assert fills_of(order) == []
    driver.on_event(trade(yes, "0.45", "24"))  # 20 clear the queue, 4 fill us
    driver.on_event(trade(yes, "0.45", "50"))  # our last 6
    run(driver.flush_fills())

    assert fills_of(order) == [
        (f"paper-{order.pk}-m0", P, D("4")),
        (f"paper-{order.pk}-m1", P, D("6")),
    ]
    fill = Fill.objects.get(venue_trade_id=f"paper-{order.pk}-m0")
    assert (fill.role, fill.fee, fill.settlement_status, fill.mode) == (
        "maker", D("0"), "CONFIRMED", "paper",
    )  # fmt: skip
    order.refresh_from_db()
    assert (order.status, order.filled_size, order.average_fill_price) == (
        OrderStatus.FILLED, D("10"), P,
    )  # fmt: skip
    assert paper_cash_balance(trader) == D("1000") - D("4.50")  # 10 x 0.45
    position = Position.objects.get(user=trader, outcome=yes)
    assert (position.size, position.cost_basis) == (D("10"), D("4.50"))
    run(driver.refresh())
    assert driver.resting_ids() == set()


def test_cancellation_shrinks_the_queue_ahead_in_proportion_and_is_stored(
    trader, market, yes
) -> None:
    order = rest_buy(trader, market, yes)
    driver = joined(order)
    driver.on_event(level(yes, Side.BUY, "0.45", "200"))  # 80 join behind us
    driver.on_event(level(yes, Side.BUY, "0.45", "100"))  # half of 200 cancelled
    run(driver.refresh())
    order.refresh_from_db()
    assert order.paper_queue_ahead == D("60")  # 120 * 100 / 200

    driver.on_event(trade(yes, "0.45", "64"))  # 60 ahead, then 4 of ours
    run(driver.flush_fills())
    run(driver.refresh())
    order.refresh_from_db()
    assert fills_of(order) == [(f"paper-{order.pk}-m0", P, D("4"))]
    assert (order.status, order.filled_size, order.paper_queue_ahead) == (
        OrderStatus.PARTIAL, D("4"), D("0"),
    )  # fmt: skip


def test_trade_through_the_price_fills_the_whole_order(trader, market, yes) -> None:
    order = rest_buy(trader, market, yes)
    driver = joined(order)
    driver.on_event(trade(yes, "0.44", "1"))  # the 0.45 level was swept
    run(driver.flush_fills())
    order.refresh_from_db()
    assert fills_of(order) == [(f"paper-{order.pk}-m0", P, D("10"))]
    assert order.status == OrderStatus.FILLED


def test_ask_crossing_the_resting_bid_fills_it_once(trader, market, yes) -> None:
    order = rest_buy(trader, market, yes)
    driver = joined(order)
    # An ask of 4 at our price with no trade: a seller that would have hit us.
    driver.on_event(level(yes, Side.SELL, "0.45", "4"))
    # The same 4 shares reported again: already used.
    driver.on_event(level(yes, Side.SELL, "0.45", "4"))
    # A snapshot adds 3 at 0.44: new crossing size, filled at our 0.45.
    bids, asks = [("0.45", "120")], [("0.44", "3"), ("0.45", "4")]
    driver.on_event(BookEvent(snapshot=book(yes, bids, asks)))
    run(driver.flush_fills())
    order.refresh_from_db()
    assert fills_of(order) == [
        (f"paper-{order.pk}-m0", P, D("4")),
        (f"paper-{order.pk}-m1", P, D("3")),
    ]
    assert (order.status, order.filled_size) == (OrderStatus.PARTIAL, D("7"))


def test_fills_are_recorded_once_and_a_restart_continues_the_numbering(
    trader, market, yes
) -> None:
    order = rest_buy(trader, market, yes)
    driver = joined(order)
    driver.on_event(trade(yes, "0.45", "123"))  # 120 ahead, 3 of ours
    report = driver._pending[0].report
    run(driver.flush_fills())
    assert paper_fill_record(report) is True  # a retry: nothing new
    assert fills_of(order) == [(f"paper-{order.pk}-m0", P, D("3"))]
    run(driver.refresh())  # stores the queue ahead: 0

    restarted = joined(order)  # a new stream process: 0 ahead, 7 left
    restarted.on_event(trade(yes, "0.45", "2"))
    run(restarted.flush_fills())
    order.refresh_from_db()
    assert fills_of(order) == [
        (f"paper-{order.pk}-m0", P, D("3")),
        (f"paper-{order.pk}-m1", P, D("2")),
    ]
    assert order.filled_size == D("5")
    assert paper_cash_balance(trader) == D("1000") - D("2.25")  # 5 x 0.45


def test_order_cancelled_elsewhere_leaves_the_queue(trader, market, yes) -> None:
    order = rest_buy(trader, market, yes)
    driver = joined(order)
    order_cancel(user=trader, order=order)
    run(driver.refresh())
    assert driver.resting_ids() == set()
    driver.on_event(trade(yes, "0.44", "100"))
    assert driver.pending_fills == 0


def test_fill_for_an_order_cancelled_before_it_was_written_is_dropped(
    trader, market, yes
) -> None:
    order = rest_buy(trader, market, yes)
    driver = joined(order)
    driver.on_event(trade(yes, "0.44", "1"))
    assert driver.pending_fills == 1
    order_cancel(user=trader, order=order)  # the venue would have cancelled first
    assert run(driver.flush_fills()) is True
    order.refresh_from_db()
    assert (order.status, fills_of(order)) == (OrderStatus.CANCELLED, [])


def test_gtd_order_past_its_expiration_is_expired(trader, market, yes) -> None:
    expiration = utc_now() + timedelta(minutes=5)
    order = rest_buy(trader, market, yes, order_type="GTD", expiration=expiration)
    # Validation wants minutes of lead; the test has no minutes to wait.
    Order.objects.filter(pk=order.pk).update(
        expiration=utc_now() + timedelta(seconds=1)
    )
    driver = joined(order)
    run(asyncio.sleep(1.1))
    driver.on_event(trade(yes, "0.44", "100"))  # too late: no fill
    assert driver.pending_fills == 0
    assert driver.resting_ids() == set()
    run(driver.refresh())
    order.refresh_from_db()
    assert (order.status, fills_of(order)) == (OrderStatus.EXPIRED, [])


def test_queue_ahead_is_capped_by_the_level_the_stream_sees_on_joining(
    trader, market, yes
) -> None:
    order = rest_buy(trader, market, yes)
    books = BookRegistry()
    # Since placement the 0.45 level went from 120 to 50.
    snapshot = book(yes, [("0.45", "50")], [("0.50", "10")])
    books.book(yes.token_id).apply_snapshot(snapshot)
    driver = joined(order, books)
    driver.on_event(trade(yes, "0.45", "55"))  # 50 ahead, 5 of ours
    run(driver.flush_fills())
    assert fills_of(order) == [(f"paper-{order.pk}-m0", P, D("5"))]


def test_it_wants_the_events_of_fast_path_frames_on_its_tokens_only(
    trader, market, yes, no
) -> None:
    import json

    from polybot.polymarket.parsing import parse_market_items

    def frame(payload: dict[str, Any]) -> Any:
        [item] = parse_market_items(
            json.dumps(payload | {"timestamp": "1764000000000"})
        )
        return item

    def change(token: str) -> dict[str, Any]:
        return {"asset_id": token, "price": "0.45", "size": "10", "side": "BUY",
                "hash": "", "best_bid": "0.45", "best_ask": "0.5"}  # fmt: skip

    def price_change(*tokens: str) -> Any:
        return frame({"event_type": "price_change", "market": "0xm",
                      "price_changes": [change(t) for t in tokens]})  # fmt: skip

    def trade_on(token: str) -> Any:
        return frame({"event_type": "last_trade_price", "asset_id": token,
                      "market": "0xm", "price": "0.45", "size": "5", "side": "BUY"})  # fmt: skip

    quiet = RestingPaperOrders()
    assert quiet.watches(price_change(yes.token_id)) is False  # nothing rests

    driver = joined(rest_buy(trader, market, yes))

    assert driver.watches(price_change(yes.token_id)) is True
    assert driver.watches(price_change(no.token_id, yes.token_id)) is True
    assert driver.watches(price_change(no.token_id)) is False
    assert driver.watches(trade_on(yes.token_id)) is True
    assert driver.watches(trade_on(no.token_id)) is False
    tick = frame({"event_type": "tick_size_change", "asset_id": yes.token_id,
                  "market": "0xm", "old_tick_size": "0.01", "new_tick_size": "0.001"})  # fmt: skip
    assert driver.watches(tick) is False  # on_event takes no tick change
