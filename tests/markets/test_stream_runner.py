"""What the stream process does with the parser's fast-path frames
(``StreamRunner.on_frame``), against the real database and Redis. The
runner is built but not run: frames are handed to it as the market stream
would hand them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest

from markets.stream.runner import RunnerSettings, StreamRunner
from polybot.lib.time import utc_now
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.models import PriceLevel
from polybot.polymarket.parsing import (
    PRICES,
    LastTradePriceFrame,
    parse_market_items,
)
from polybot.polymarket.ws import StreamSettings
from tests.factories.markets import OutcomeFactory
from tests.factories.orders import OrderFactory

D = Decimal
# The resting paper orders load in worker threads: they must see the test's
# rows, so the test commits them (and runs their loop with asyncio.run, which
# ends those threads with it).
pytestmark = pytest.mark.django_db(transaction=True)


def _trade_frame(token: str, price: str, size: str) -> LastTradePriceFrame:
    [frame] = parse_market_items(
        json.dumps({
            "event_type": "last_trade_price", "asset_id": token, "market": "0xm",
            "price": price, "side": "SELL", "size": size, "fee_rate_bps": "0",
            "timestamp": "1764000000000",
        })
    )  # fmt: skip
    assert type(frame) is LastTradePriceFrame
    return frame


@pytest.fixture
def runner() -> Iterator[StreamRunner]:
    settings = RunnerSettings(
        publish_interval=0.1, snapshot_interval=60, interest_refresh=60,
        stream=StreamSettings(),
    )  # fmt: skip
    stream_runner = StreamRunner(VenueConfig(), settings)
    yield stream_runner
    asyncio.run(stream_runner.publisher.aclose())


def test_a_trade_frame_is_queued_for_the_publishers_next_flush(
    runner: StreamRunner,
) -> None:
    first, second = _trade_frame("111", "0.44", "2"), _trade_frame("111", "0.45", "3")

    runner.on_frame(first)
    runner.on_frame(second)

    assert runner.publisher._trades == {"111": [first, second]}
    assert runner.paper.queues == {}  # and nothing rests here


def test_a_trade_frame_reaches_the_paper_order_resting_on_its_token(
    runner: StreamRunner,
) -> None:
    # BUY 10 at 0.45 behind 120 venue shares, on token 111.
    outcome = OutcomeFactory(token_id="111")
    order = OrderFactory(
        outcome=outcome, status="open", price=D("0.45"), size=D("10"),
        paper_queue_ahead=D("120"), submitted_at=utc_now(),
    )  # fmt: skip
    asyncio.run(runner.paper.refresh())
    assert set(runner.paper.queues) == {"111"}

    runner.on_frame(_trade_frame("222", "0.45", "500"))  # another token
    runner.on_frame(_trade_frame("111", "0.45", "100"))  # 120 - 100 = 20 ahead
    runner.on_frame(_trade_frame("111", "0.45", "24"))  # 20 clear it, 4 fill us

    fills = [
        (p.report.order_id, p.report.price, p.report.size)
        for p in runner.paper._pending
    ]
    assert fills == [(order.pk, D("0.45"), D("4"))]
    assert [len(runner.publisher._trades[t]) for t in ("111", "222")] == [2, 1]


def _price_change_text(token: str, price: str, size: str) -> str:
    change = {"asset_id": token, "price": price, "size": size, "side": "BUY",
              "hash": "0xh", "best_bid": price, "best_ask": "0.6"}  # fmt: skip
    return json.dumps({"market": "0xm", "price_changes": [change],
                       "timestamp": "1764000000000", "event_type": "price_change"})  # fmt: skip


def _snapshot(runner: StreamRunner, token: str) -> None:
    # The compiled path takes prices the stream has vetted before (a first
    # one goes through the parser, which keeps it): 0.45 is one here.
    PRICES.get("0.45")
    [frame] = parse_market_items(
        json.dumps({
            "event_type": "book", "asset_id": token, "market": "0xm",
            "bids": [{"price": "0.4", "size": "100"}], "asks": [{"price": "0.6", "size": "100"}],
            "timestamp": "1764000000000", "hash": "0x0",
        })
    )  # fmt: skip
    runner.on_frame(frame)  # type: ignore[arg-type]


def test_the_stream_takes_a_price_change_whole_into_the_books_and_the_next_flush(
    runner: StreamRunner,
) -> None:
    _snapshot(runner, "111")
    runner.publisher.dirty.clear()
    on_text = runner.market_stream._on_text
    assert on_text is not None

    assert on_text(_price_change_text("111", "0.45", "20")) is True

    book = runner.books["111"]
    assert (book.best_bid, book.trusted) == (PriceLevel(D("0.45"), D("20")), True)
    assert runner.publisher.dirty == {"111"}


def test_a_price_change_on_a_token_with_resting_paper_orders_goes_to_them_first(
    runner: StreamRunner,
) -> None:
    outcome = OutcomeFactory(token_id="111")
    OrderFactory(
        outcome=outcome, status="open", price=D("0.45"), size=D("10"),
        paper_queue_ahead=D("120"), submitted_at=utc_now(),
    )  # fmt: skip
    asyncio.run(runner.paper.refresh())
    _snapshot(runner, "111")
    _snapshot(runner, "222")
    on_text = runner.market_stream._on_text
    assert on_text is not None

    # Token 111 has a resting order: its price change is left to on_frame,
    # which hands the paper orders the event before the book changes.
    assert on_text(_price_change_text("111", "0.45", "20")) is False
    assert runner.books["111"].best_bid == PriceLevel(D("0.4"), D("100"))
    assert on_text(_price_change_text("222", "0.45", "20")) is True
    assert runner.books["222"].best_bid == PriceLevel(D("0.45"), D("20"))
