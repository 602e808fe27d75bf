"""Data API client over httpx.MockTransport: v2 cursor pages, v1 fallback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from polybot.polymarket.config import VenueConfig
from polybot.polymarket.data_api import V1_PAGE_SIZE, DataApiClient
from polybot.polymarket.errors import RejectCode, RejectedError
from polybot.polymarket.http import HttpClient
from polybot.polymarket.models import DataValue, Side
from tests.polymarket.test_rest_parsing import fixture

CONFIG = VenueConfig(data_url="https://data.test")
USER = "0x7c3db723f1d4d8cb9c550095203b686cb11e5c6b"


class FakeData:
    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def client(self, page_size: int = 2) -> DataApiClient:
        http = HttpClient(
            CONFIG.data_url,
            CONFIG,
            transport=httpx.MockTransport(self),
            sleep=lambda seconds: None,
            jitter=lambda: 0.0,
        )
        return DataApiClient(CONFIG, http=http, page_size=page_size)


def v2_pages(path: str, pages: dict[str | None, tuple[list[Any], str | None]]):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != path:
            return httpx.Response(404, json={"error": "no route"})
        rows, cursor = pages[request.url.params.get("cursor")]
        return httpx.Response(
            200,
            json={
                "data": rows,
                "pagination": {"has_more": cursor is not None, "next_cursor": cursor},
            },
        )

    return handler


def test_positions_walk_three_v2_cursor_pages():
    first, second = fixture("data-v2-positions.json")
    third = dict(first, token_id="333", outcome="Maybe")
    fake = FakeData(
        v2_pages(
            "/v2/positions",
            {None: ([first], "c2"), "c2": ([second], "c3"), "c3": ([third], None)},
        )
    )
    positions = list(
        fake.client().positions(USER, condition_ids=["0xa", "0xb"], status="OPEN")
    )
    assert [p.outcome for p in positions] == ["No", "Yes", "Maybe"]
    assert positions[0].size == Decimal("400000.0")
    assert [r.url.params.get("cursor") for r in fake.requests] == [None, "c2", "c3"]
    # The same filters travel with every page.
    for request in fake.requests:
        assert request.url.params["user"] == USER
        assert request.url.params["condition"] == "0xa,0xb"
        assert request.url.params["status"] == "OPEN"
        assert request.url.params["limit"] == "2"


def test_positions_fall_back_to_v1_when_v2_is_missing():
    row = fixture("data-v1-positions.json")[0]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/positions":
            return httpx.Response(200, json=[row])
        return httpx.Response(404, json={"error": "not found"})

    fake = FakeData(handler)
    positions = list(fake.client().positions(USER, condition_ids=["0xa"]))
    assert [p.token_id for p in positions] == [row["asset"]]
    assert positions[0].unrealized_pnl == Decimal("5.025")
    assert [r.url.path for r in fake.requests] == ["/v2/positions", "/positions"]
    v1 = fake.requests[1].url.params
    assert (v1["user"], v1["market"], v1["offset"], v1["limit"]) == (
        USER,
        "0xa",
        "0",
        str(V1_PAGE_SIZE),
    )


def test_v1_fallback_pages_by_offset():
    row = fixture("data-v1-trades.json")[0]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/trades":
            offset = int(request.url.params["offset"])
            count = V1_PAGE_SIZE if offset == 0 else 3
            return httpx.Response(200, json=[row] * count)
        return httpx.Response(404)

    fake = FakeData(handler)
    trades = list(fake.client().trades(USER))
    assert len(trades) == V1_PAGE_SIZE + 3
    assert [r.url.params.get("offset") for r in fake.requests] == [
        None,
        "0",
        str(V1_PAGE_SIZE),
    ]


def test_other_errors_do_not_fall_back():
    fake = FakeData(lambda request: httpx.Response(400, json={"error": "bad user"}))
    with pytest.raises(RejectedError) as caught:
        list(fake.client().positions("nope"))
    assert caught.value.code is RejectCode.BAD_REQUEST
    assert len(fake.requests) == 1


def test_trades_send_the_v2_filters():
    rows = fixture("data-v2-trades.json")
    fake = FakeData(v2_pages("/v2/trades", {None: (rows, None)}))
    trades = list(
        fake.client().trades(
            USER,
            condition_ids=["0xc"],
            side=Side.SELL,
            taker_only=False,
            start=datetime(2026, 1, 1, tzinfo=UTC),
            end=datetime(2026, 1, 2, tzinfo=UTC),
        )
    )
    assert [t.side for t in trades] == [Side.BUY, Side.SELL]
    assert fake.requests[0].url.params.multi_items() == [
        ("user", USER),
        ("condition", "0xc"),
        ("side", "SELL"),
        ("taker_only", "false"),
        ("start", "1767225600"),
        ("end", "1767312000"),
        ("limit", "2"),
    ]


def test_activity_reads_v2_rows():
    fake = FakeData(
        v2_pages("/v2/activity", {None: (fixture("data-v2-activity.json"), None)})
    )
    rows = list(fake.client().activity(USER, types=["TRADE", "REDEEM"]))
    assert [r.type for r in rows] == ["TRADE", "TRADE"]
    assert fake.requests[0].url.params["type"] == "TRADE,REDEEM"


def test_an_empty_v2_answer_is_no_rows():
    fake = FakeData(
        lambda request: httpx.Response(
            200,
            json={"data": None, "pagination": {"has_more": False, "next_cursor": None}},
        )
    )
    assert list(fake.client().positions(USER)) == []


def test_value_v2_then_v1():
    fake = FakeData(
        lambda request: httpx.Response(
            200, json={"data": fixture("data-v2-value.json")}
        )
    )
    assert fake.client().value(USER) == DataValue(
        user=USER, value=Decimal("684953.8942")
    )

    def v1_only(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/value":
            return httpx.Response(200, json=fixture("data-v1-value.json"))
        return httpx.Response(404)

    fake_v1 = FakeData(v1_only)
    assert fake_v1.client().value(
        "0x1234567890abcdef1234567890abcdef12345678"
    ) == DataValue(
        user="0x1234567890abcdef1234567890abcdef12345678", value=Decimal("12345.67")
    )
    assert [r.url.path for r in fake_v1.requests] == ["/v2/value", "/value"]
