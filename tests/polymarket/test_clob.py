"""Public CLOB reads over httpx.MockTransport: every endpoint, exact values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from polybot.polymarket.clob import ClobPublicClient
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.errors import RejectCode, RejectedError
from polybot.polymarket.http import HttpClient
from polybot.polymarket.models import (
    BookSnapshot,
    ClobMarketInfo,
    ClobToken,
    FeeCurve,
    LastTradePrice,
    PriceLevel,
    PricePoint,
    Side,
)
from tests.polymarket.test_rest_parsing import fixture

D = Decimal
CONFIG = VenueConfig(clob_url="https://clob.test")


class FakeClob:
    """Answers by (method, path); records every request."""

    def __init__(self, routes: dict[tuple[str, str], Any]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.routes.get((request.method, request.url.path))
        if answer is None:
            return httpx.Response(404, json={"error": "not found"})
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    def client(self) -> ClobPublicClient:
        http = HttpClient(
            CONFIG.clob_url,
            CONFIG,
            transport=httpx.MockTransport(self),
            sleep=lambda seconds: None,
            jitter=lambda: 0.0,
        )
        return ClobPublicClient(CONFIG, http=http)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


FIXTURE_BOOK = BookSnapshot(
    asset_id="100",
    market="0xaabbcc",
    bids=(PriceLevel(D("0.3"), D("100")), PriceLevel(D("0.4"), D("100"))),
    asks=(PriceLevel(D("0.6"), D("100")), PriceLevel(D("0.7"), D("100"))),
    timestamp=datetime.fromtimestamp(123456789, tz=UTC),
    hash="",
    tick_size=D("0.01"),
    min_order_size=D("100"),
    neg_risk=False,
    last_trade_price=None,
)


def test_book_parses_the_fixture():
    fake = FakeClob({("GET", "/book"): fixture("clob-book.json")})
    assert fake.client().book("100") == FIXTURE_BOOK
    assert fake.last.url.params["token_id"] == "100"


def test_a_missing_book_is_not_found():
    fake = FakeClob({})
    with pytest.raises(RejectedError) as caught:
        fake.client().book("404")
    assert caught.value.code is RejectCode.NOT_FOUND
    assert len(fake.requests) == 1


def test_books_posts_the_token_list():
    other = dict(fixture("clob-book.json"), asset_id="200")
    fake = FakeClob({("POST", "/books"): [fixture("clob-book.json"), other]})
    books = fake.client().books(["100", "200"])
    assert [b.asset_id for b in books] == ["100", "200"]
    assert books[0] == FIXTURE_BOOK
    assert body(fake.last) == [{"token_id": "100"}, {"token_id": "200"}]


def test_empty_batches_make_no_request():
    fake = FakeClob({})
    client = fake.client()
    assert client.books([]) == []
    assert client.prices([]) == {}
    assert client.midpoints([]) == {}
    assert client.spreads([]) == {}
    assert client.last_trade_prices([]) == []
    assert fake.requests == []


def test_price_and_prices():
    fake = FakeClob(
        {
            ("GET", "/price"): {"price": "0.52"},
            ("POST", "/prices"): {"1": {"BUY": 0.5, "SELL": 0.6}, "2": {"BUY": "0.1"}},
        }
    )
    client = fake.client()
    assert client.price("1", Side.SELL) == D("0.52")
    assert fake.last.url.params.multi_items() == [("token_id", "1"), ("side", "SELL")]
    assert client.prices([("1", Side.BUY), ("1", Side.SELL), ("2", Side.BUY)]) == {
        "1": {Side.BUY: D("0.5"), Side.SELL: D("0.6")},
        "2": {Side.BUY: D("0.1")},
    }
    assert body(fake.last) == [
        {"token_id": "1", "side": "BUY"},
        {"token_id": "1", "side": "SELL"},
        {"token_id": "2", "side": "BUY"},
    ]


def test_midpoints_and_spreads():
    fake = FakeClob(
        {
            ("GET", "/midpoint"): {"mid": "0.455"},
            ("POST", "/midpoints"): {"1": 0.455, "2": "0.5"},
            ("GET", "/spread"): {"spread": "0.01"},
            ("POST", "/spreads"): {"spreads": {"1": "0.02"}},
        }
    )
    client = fake.client()
    assert client.midpoint("1") == D("0.455")
    assert client.midpoints(["1", "2"]) == {"1": D("0.455"), "2": D("0.5")}
    assert body(fake.last) == [{"token_id": "1"}, {"token_id": "2"}]
    assert client.spread("1") == D("0.01")
    assert client.spreads(["1"]) == {"1": D("0.02")}


def test_last_trade_prices():
    fake = FakeClob(
        {
            ("GET", "/last-trade-price"): {"price": 0.12, "side": "BUY"},
            ("POST", "/last-trades-prices"): [
                {"token_id": "1", "price": "0.12", "side": "BUY"},
                {"token_id": "2", "price": "0.88", "side": "SELL"},
            ],
        }
    )
    client = fake.client()
    assert client.last_trade_price("1") == LastTradePrice("1", D("0.12"), Side.BUY)
    assert client.last_trade_prices(["1", "2"]) == [
        LastTradePrice("1", D("0.12"), Side.BUY),
        LastTradePrice("2", D("0.88"), Side.SELL),
    ]


def test_prices_history_by_interval_and_by_window():
    fake = FakeClob({("GET", "/prices-history"): fixture("clob-prices-history.json")})
    client = fake.client()
    points = client.prices_history("7", interval="1d", fidelity=60)
    assert points == [
        PricePoint(datetime.fromtimestamp(1000, tz=UTC), D("0.5")),
        PricePoint(datetime.fromtimestamp(1500, tz=UTC), D("0.55")),
        PricePoint(datetime.fromtimestamp(2000, tz=UTC), D("0.6")),
    ]
    assert fake.last.url.params.multi_items() == [
        ("market", "7"),
        ("interval", "1d"),
        ("fidelity", "60"),
    ]
    client.prices_history(
        "7",
        start=datetime(2026, 1, 1, tzinfo=UTC),
        end=datetime(2026, 1, 2, tzinfo=UTC),
    )
    assert fake.last.url.params.multi_items() == [
        ("market", "7"),
        ("startTs", "1767225600"),
        ("endTs", "1767312000"),
    ]


def test_prices_history_needs_an_interval_or_a_window():
    fake = FakeClob({})
    with pytest.raises(ValueError):
        fake.client().prices_history("7", start=datetime(2026, 1, 1, tzinfo=UTC))
    assert fake.requests == []


def test_market_parameters_are_fetched_fresh_every_time():
    fake = FakeClob(
        {
            ("GET", "/tick-size"): {"minimum_tick_size": "0.001"},
            ("GET", "/neg-risk"): {"neg_risk": True},
            ("GET", "/fee-rate"): {"base_fee": 30},
        }
    )
    client = fake.client()
    assert client.tick_size("9") == D("0.001")
    assert client.tick_size("9") == D("0.001")
    assert client.neg_risk("9") is True
    assert client.fee_rate("9") == 30
    assert [r.url.path for r in fake.requests] == [
        "/tick-size",
        "/tick-size",
        "/neg-risk",
        "/fee-rate",
    ]


def test_clob_market_reads_the_compact_keys():
    fake = FakeClob(
        {
            ("GET", "/clob-markets/0xcond"): {
                "t": [{"t": "1", "o": "Yes"}, {"t": "2", "o": "No"}],
                "mts": "0.01",
                "mos": "5",
                "mbf": 0,
                "tbf": 0,
                "nr": False,
                "fd": {"r": 0.02, "e": 1, "to": True},
                "itode": False,
            }
        }
    )
    assert fake.client().clob_market("0xcond") == ClobMarketInfo(
        condition_id="0xcond",
        tokens=(ClobToken("1", "Yes"), ClobToken("2", "No")),
        tick_size=D("0.01"),
        min_order_size=D("5"),
        neg_risk=False,
        fee_curve=FeeCurve(rate=D("0.02"), exponent=D("1"), taker_only=True),
        maker_base_fee_bps=0,
        taker_base_fee_bps=0,
        taker_delay=False,
    )


def test_service_endpoints():
    fake = FakeClob(
        {
            ("GET", "/time"): 1767225600,
            ("GET", "/ok"): httpx.Response(200, text="OK"),
            ("GET", "/version"): {"version": 2},
        }
    )
    client = fake.client()
    assert client.server_time() == datetime(2026, 1, 1, tzinfo=UTC)
    assert client.ok() is True
    assert client.version() == 2
