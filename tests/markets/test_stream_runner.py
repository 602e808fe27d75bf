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
from polybot.polymarket.parsing import LastTradePriceFrame, parse_market_items
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
