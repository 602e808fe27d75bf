"""Gamma client over httpx.MockTransport: paging, filters, lookups."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from polybot.polymarket.config import VenueConfig
from polybot.polymarket.errors import RejectCode, RejectedError
from polybot.polymarket.gamma import GammaClient
from polybot.polymarket.http import HttpClient
from tests.polymarket.test_rest_parsing import fixture

CONFIG = VenueConfig(gamma_url="https://gamma.test")


class FakeGamma:
    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def client(self, page_size: int = 2) -> GammaClient:
        http = HttpClient(
            CONFIG.gamma_url,
            CONFIG,
            transport=httpx.MockTransport(self),
            sleep=self.sleeps.append,
            clock=lambda: 0.0,  # frozen: bucket levels are exact
            jitter=lambda: 0.0,
        )
        return GammaClient(CONFIG, http=http, page_size=page_size)


def market(market_id: int) -> dict[str, Any]:
    raw = copy.deepcopy(fixture("gamma-market.json"))
    raw["id"] = str(market_id)
    raw["slug"] = f"m-{market_id}"
    return raw


def event(event_id: int) -> dict[str, Any]:
    raw = copy.deepcopy(fixture("gamma-event.json"))
    raw["id"] = str(event_id)
    return raw


def offset_pages(
    rows: list[dict[str, Any]],
) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        return httpx.Response(200, json=rows[offset : offset + limit])

    return handler


def test_markets_walks_all_offset_pages():
    fake = FakeGamma(offset_pages([market(i) for i in range(1, 6)]))
    markets = list(fake.client(page_size=2).markets(active=True, closed=False))
    assert [m.id for m in markets] == ["1", "2", "3", "4", "5"]
    assert [r.url.params["offset"] for r in fake.requests] == ["0", "2", "4"]
    assert all(r.url.path == "/markets" for r in fake.requests)
    assert all(r.url.params["active"] == "true" for r in fake.requests)
    assert all(r.url.params["closed"] == "false" for r in fake.requests)
    # The parsed rows are the full models, not raw dicts.
    assert markets[0].outcomes[0].label == "Nationals"


def test_a_full_last_page_costs_one_empty_request():
    fake = FakeGamma(offset_pages([market(i) for i in range(1, 5)]))
    assert len(list(fake.client(page_size=2).markets())) == 4
    assert [r.url.params["offset"] for r in fake.requests] == ["0", "2", "4"]


def test_markets_is_lazy():
    fake = FakeGamma(offset_pages([market(i) for i in range(1, 6)]))
    iterator = fake.client(page_size=2).markets()
    assert fake.requests == []
    next(iterator)
    assert len(fake.requests) == 1


def test_market_filters_are_encoded_as_the_venue_expects():
    fake = FakeGamma(lambda request: httpx.Response(200, json=[]))
    list(
        fake.client().markets(
            archived=False,
            tag_id=21,
            slugs=["a", "b"],
            ids=[1, 2],
            condition_ids=["0xc1"],
            clob_token_ids=["7", "8"],
            end_date_min=datetime(2026, 1, 1, tzinfo=UTC),
            end_date_max=datetime(2026, 2, 1, 12, 30, tzinfo=UTC),
            liquidity_num_min=Decimal("1000"),
            volume_num_min=5000,
            order="volumeNum",
            ascending=False,
        )
    )
    assert fake.requests[0].url.params.multi_items() == [
        ("archived", "false"),
        ("tag_id", "21"),
        ("slug", "a"),
        ("slug", "b"),
        ("id", "1"),
        ("id", "2"),
        ("condition_ids", "0xc1"),
        ("clob_token_ids", "7"),
        ("clob_token_ids", "8"),
        ("end_date_min", "2026-01-01T00:00:00Z"),
        ("end_date_max", "2026-02-01T12:30:00Z"),
        ("liquidity_num_min", "1000"),
        ("volume_num_min", "5000"),
        ("order", "volumeNum"),
        ("ascending", "false"),
        ("limit", "2"),
        ("offset", "0"),
    ]


def test_markets_keyset_follows_next_cursor_over_three_pages():
    pages = {
        None: {"markets": [market(1), market(2)], "next_cursor": "c2"},
        "c2": {"markets": [market(3), market(4)], "next_cursor": "c3"},
        "c3": {"markets": [market(5)], "next_cursor": None},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        assert "offset" not in request.url.params  # the keyset route rejects it
        return httpx.Response(200, json=pages[request.url.params.get("after_cursor")])

    fake = FakeGamma(handler)
    markets = list(fake.client().markets_keyset(closed=True))
    assert [m.id for m in markets] == ["1", "2", "3", "4", "5"]
    assert [r.url.path for r in fake.requests] == ["/markets/keyset"] * 3
    assert [r.url.params.get("after_cursor") for r in fake.requests] == [
        None,
        "c2",
        "c3",
    ]
    assert all(r.url.params["closed"] == "true" for r in fake.requests)


def test_markets_keyset_stops_on_a_repeated_cursor():
    fake = FakeGamma(
        lambda request: httpx.Response(
            200, json={"markets": [market(1)], "next_cursor": "same"}
        )
    )
    assert len(list(fake.client().markets_keyset())) == 2
    assert len(fake.requests) == 2


def test_market_by_id_and_slug():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/markets/550834":
            return httpx.Response(200, json=fixture("gamma-market.json"))
        if request.url.path == "/markets/slug/mlb-wsh-nym-2025-06-10":
            return httpx.Response(200, json=fixture("gamma-market.json"))
        return httpx.Response(404, json={"error": "not found"})

    client = FakeGamma(handler).client()
    assert client.market(550834).slug == "mlb-wsh-nym-2025-06-10"
    assert client.market_by_slug("mlb-wsh-nym-2025-06-10").id == "550834"
    assert client.market(1) is None


def test_other_lookup_errors_are_raised():
    fake = FakeGamma(lambda request: httpx.Response(422, json={"error": "bad id"}))
    with pytest.raises(RejectedError) as caught:
        fake.client().market("x")
    assert caught.value.code is RejectCode.BAD_REQUEST


def test_events_walk_all_pages_with_their_markets():
    fake = FakeGamma(offset_pages([event(i) for i in range(1, 6)]))
    events = list(fake.client(page_size=2).events(active=True, tag_slug="nba"))
    assert [e.id for e in events] == ["1", "2", "3", "4", "5"]
    assert [r.url.params["offset"] for r in fake.requests] == ["0", "2", "4"]
    assert all(r.url.path == "/events" for r in fake.requests)
    assert fake.requests[0].url.params["tag_slug"] == "nba"
    assert events[2].markets[0].event_ids == ("3",)


def test_event_by_id_and_slug():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path in ("/events/2890", "/events/slug/nba-x"):
            return httpx.Response(200, json=fixture("gamma-event.json"))
        return httpx.Response(404)

    client = FakeGamma(handler).client()
    assert client.event(2890).title.startswith("NBA: Will the Mavericks")
    assert client.event_by_slug("nba-x").id == "2890"
    assert client.event_by_slug("missing") is None


def test_a_transient_failure_mid_walk_is_retried():
    rows = [market(i) for i in range(1, 4)]
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 2:
            return httpx.Response(503)
        return offset_pages(rows)(request)

    fake = FakeGamma(handler)
    assert [m.id for m in fake.client(page_size=2).markets()] == ["1", "2", "3"]
    assert fake.sleeps == [0.25]


def test_it_uses_the_gamma_rate_limit_families():
    fake = FakeGamma(lambda request: httpx.Response(200, json=[]))
    client = fake.client()
    list(client.markets())
    list(client.events())
    limiter = client.http.limiter
    assert limiter.family("gamma.markets").available() == 149
    assert limiter.family("gamma.events").available() == 249


def test_page_size_must_be_positive():
    with pytest.raises(ValueError):
        GammaClient(CONFIG, page_size=0)
