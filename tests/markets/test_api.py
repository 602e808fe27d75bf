"""GET /api/v1/markets, /markets/{id} and /markets/{id}/snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.services import api_key_create
from markets.api.views import MARKET_NOT_FOUND
from markets.live import BookView, book_view_set
from markets.models import Market, MarketSnapshot
from polybot.api.pagination import NOT_A_POSITIVE_INTEGER
from polybot.lib.time import utc_now
from tests.api.conftest import bearer
from tests.factories.markets import EventFactory, MarketFactory, OutcomeFactory

pytestmark = pytest.mark.django_db

D = Decimal
URL = "/api/v1/markets"
END = datetime(2026, 12, 31, 12, tzinfo=UTC)


def _market(question: str, *, yes: str, yes_before: str | None = None,
            token: str, **fields: object) -> Market:  # fmt: skip
    market = MarketFactory(question=question, **fields)
    OutcomeFactory(market=market, index=0, label="Yes", token_id=f"{token}1",
                   price=D(yes), previous_price=D(yes_before) if yes_before else None)  # fmt: skip
    OutcomeFactory(market=market, index=1, label="No", token_id=f"{token}2",
                   price=1 - D(yes),
                   previous_price=1 - D(yes_before) if yes_before else None)  # fmt: skip
    return market


@pytest.fixture
def btc() -> Market:
    return _market(
        "Will Bitcoin close above $150k in 2026?", yes="0.62", yes_before="0.60",
        token="71", slug="btc-150k-2026", category="Crypto", tags=["Crypto", "Bitcoin"],
        end_date=END, volume=D("1234.5"), volume_24h=D("99"), liquidity=D("500"),
        condition_id="0x" + "ab" * 32,
    )  # fmt: skip


@pytest.fixture
def fed() -> Market:
    return _market(
        "Will the Fed cut rates in December?", yes="0.30", yes_before="0.45",
        token="72", slug="fed-cut-december", category="Economics", tags=["Economics"],
        volume=D("50"), liquidity=D("9000"), neg_risk=True, accepting_orders=False,
        condition_id="0x" + "cd" * 32,
    )  # fmt: skip


def _data(client: Client, url: str = URL, **params: object) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()["data"]


def _questions(client: Client, **params: object) -> list[str]:
    return [row["question"] for row in _data(client, **params)["data"]]


# --- list ----------------------------------------------------------------------


def test_it_lists_market_summaries_with_outcomes(
    client_logged_in: Client, btc: Market, fed: Market
) -> None:
    assert _data(client_logged_in) == {
        "data": [
            {
                "id": btc.pk,
                "conditionId": "0x" + "ab" * 32,
                "slug": "btc-150k-2026",
                "question": "Will Bitcoin close above $150k in 2026?",
                "category": "Crypto",
                "tags": ["Crypto", "Bitcoin"],
                "status": "active",
                "endDate": "2026-12-31T12:00:00Z",
                "volume": "1234.500000",
                "volume24h": "99.000000",
                "liquidity": "500.000000",
                "negRisk": False,
                "acceptingOrders": True,
                "outcomes": [
                    {
                        "tokenId": "711",
                        "label": "Yes",
                        "index": 0,
                        "price": "0.620000",
                        "previousPrice": "0.600000",
                        "priceChange": "0.020000",
                    },
                    {
                        "tokenId": "712",
                        "label": "No",
                        "index": 1,
                        "price": "0.380000",
                        "previousPrice": "0.400000",
                        "priceChange": "-0.020000",
                    },
                ],
            },
            {
                "id": fed.pk,
                "conditionId": "0x" + "cd" * 32,
                "slug": "fed-cut-december",
                "question": "Will the Fed cut rates in December?",
                "category": "Economics",
                "tags": ["Economics"],
                "status": "active",
                "endDate": None,
                "volume": "50.000000",
                "volume24h": "0.000000",
                "liquidity": "9000.000000",
                "negRisk": True,
                "acceptingOrders": False,
                "outcomes": [
                    {
                        "tokenId": "721",
                        "label": "Yes",
                        "index": 0,
                        "price": "0.300000",
                        "previousPrice": "0.450000",
                        "priceChange": "-0.150000",
                    },
                    {
                        "tokenId": "722",
                        "label": "No",
                        "index": 1,
                        "price": "0.700000",
                        "previousPrice": "0.550000",
                        "priceChange": "0.150000",
                    },
                ],
            },
        ],
        "pagination": {"page": 1, "limit": 20, "total": 2, "totalPages": 1},
    }


def test_it_searches_with_prefixes(client_logged_in: Client, btc, fed) -> None:
    assert _questions(client_logged_in, search="bitc") == [
        "Will Bitcoin close above $150k in 2026?"
    ]
    assert _questions(client_logged_in, search="december rate") == [
        "Will the Fed cut rates in December?"
    ]


@pytest.mark.parametrize(
    ("params", "questions"),
    [
        ({"category": "economics"}, ["Will the Fed cut rates in December?"]),
        ({"category": "bitcoin"}, ["Will Bitcoin close above $150k in 2026?"]),
        ({"status": "closed"}, []),
        ({"minLiquidity": "1000"}, ["Will the Fed cut rates in December?"]),
        ({"minVolume": "1000"}, ["Will Bitcoin close above $150k in 2026?"]),
        ({"endBefore": "2027-01-01"}, ["Will Bitcoin close above $150k in 2026?"]),
        ({"endAfter": "2027-01-01T00:00:00Z"}, []),
        ({"negRisk": "true"}, ["Will the Fed cut rates in December?"]),
        ({"negRisk": "false"}, ["Will Bitcoin close above $150k in 2026?"]),
    ],
)
def test_it_filters(client_logged_in: Client, btc, fed, params, questions) -> None:
    assert _questions(client_logged_in, **params) == questions


@pytest.mark.parametrize(
    ("params", "first"),
    [
        ({}, "btc"),  # volume, most first
        ({"sortBy": "volume", "sortOrder": "asc"}, "fed"),
        ({"sortBy": "liquidity"}, "fed"),
        ({"sortBy": "endDate"}, "btc"),  # open-ended last
        ({"sortBy": "createdAt"}, "fed"),
        ({"sortBy": "createdAt", "sortOrder": "asc"}, "btc"),
        ({"sortBy": "priceChange"}, "fed"),  # 15¢ beats 2¢
        ({"sortBy": "priceChange", "sortOrder": "asc"}, "btc"),
    ],
)
def test_it_sorts(client_logged_in: Client, btc, fed, params, first) -> None:
    slugs = [row["slug"] for row in _data(client_logged_in, **params)["data"]]

    assert slugs[0] == {"btc": "btc-150k-2026", "fed": "fed-cut-december"}[first]


def test_it_pages(client_logged_in: Client) -> None:
    for n in range(5):
        MarketFactory(volume=D(100 - n))

    data = _data(client_logged_in, page=2, limit=2)

    assert [row["volume"] for row in data["data"]] == ["98.000000", "97.000000"]
    assert data["pagination"] == {"page": 2, "limit": 2, "total": 5, "totalPages": 3}


@pytest.mark.parametrize(
    ("params", "details"),
    [
        ({"limit": "0"}, {"limit": [NOT_A_POSITIVE_INTEGER]}),
        ({"sortBy": "nope"}, {"sortBy": ['"nope" is not a valid choice.']}),
        ({"sortOrder": "up"}, {"sortOrder": ['"up" is not a valid choice.']}),
        ({"minLiquidity": "abc"}, {"minLiquidity": ["A valid number is required."]}),
        (
            {"minVolume": "-1"},
            {"minVolume": ["Ensure this value is greater than or equal to 0."]},
        ),
        ({"status": "bogus"}, {"status": ['"bogus" is not a valid choice.']}),
        ({"negRisk": "maybe"}, {"negRisk": ["Must be a valid boolean."]}),
        (
            {"endBefore": "soon"},
            {
                "endBefore": [
                    "Datetime has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                ]
            },
        ),
        (
            {"sortBy": "nope", "status": "bogus"},
            {
                "sortBy": ['"nope" is not a valid choice.'],
                "status": ['"bogus" is not a valid choice.'],
            },
        ),
    ],
)
def test_bad_query_values_are_a_400(client_logged_in: Client, params, details) -> None:
    response = client_logged_in.get(URL, params)

    assert response.status_code == 400
    body = response.json()
    assert (body["success"], body["code"], body["error"]) == (
        False,
        "validation_error",
        "The request is invalid.",
    )
    assert body["details"] == details


def test_it_needs_authentication(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_a_read_only_api_key_may_list(client: Client, user, btc) -> None:
    key = api_key_create(user=user, name="script", scopes=["read"]).raw_key

    response = client.get(URL, headers=bearer(key))

    assert response.status_code == 200
    assert response.json()["data"]["pagination"]["total"] == 1


# --- detail --------------------------------------------------------------------


@pytest.fixture
def detailed(btc: Market) -> Market:
    btc.event = EventFactory(gamma_id="901", slug="btc-2026", title="Bitcoin in 2026",
                             category="Crypto", neg_risk=True)  # fmt: skip
    btc.description = "Resolves Yes above $150,000."
    btc.resolution_source = "https://www.coinbase.com"
    btc.tick_size = D("0.001")
    btc.fees_enabled, btc.fee_rate, btc.fee_exponent = True, D("0.02"), D("2")
    btc.start_date = datetime(2026, 1, 1, tzinfo=UTC)
    btc.save()
    return btc


def test_the_detail_has_rules_event_books_and_price_history(
    client_logged_in: Client, detailed: Market
) -> None:
    yes = detailed.outcomes.get(index=0)
    book_view_set(
        BookView(
            token_id="711", bids=[(D("0.61"), D("100"))],
            asks=[(D("0.63"), D("50")), (D("0.64"), D("500"))], best_bid=D("0.61"),
            best_ask=D("0.63"), midpoint=D("0.62"), spread=D("0.02"),
            last_trade_price=D("0.625"), tick_size=D("0.001"), trusted=True,
            updated_at="2026-11-24T10:00:05+00:00",
        )
    )  # fmt: skip
    now = utc_now().replace(microsecond=0)
    MarketSnapshot.objects.create(outcome=yes, taken_at=now - timedelta(hours=25),
                                  midpoint=D("0.4"))  # fmt: skip
    MarketSnapshot.objects.create(outcome=yes, taken_at=now - timedelta(minutes=40),
                                  best_bid=D("0.60"), best_ask=D("0.62"),
                                  midpoint=D("0.61"))  # fmt: skip
    MarketSnapshot.objects.create(outcome=yes, taken_at=now, last_trade_price=D("0.62"))

    # No venue answers in these tests: the history is the local snapshots
    # of the default interval (1d), the last one of each 15-minute bucket.
    data = _data(client_logged_in, f"{URL}/{detailed.pk}")

    iso = lambda t: t.isoformat().replace("+00:00", "Z")  # noqa: E731
    assert data == {
        "id": detailed.pk,
        "conditionId": "0x" + "ab" * 32,
        "slug": "btc-150k-2026",
        "question": "Will Bitcoin close above $150k in 2026?",
        "category": "Crypto",
        "tags": ["Crypto", "Bitcoin"],
        "status": "active",
        "endDate": "2026-12-31T12:00:00Z",
        "volume": "1234.500000",
        "volume24h": "99.000000",
        "liquidity": "500.000000",
        "negRisk": False,
        "acceptingOrders": True,
        "description": "Resolves Yes above $150,000.",
        "resolutionSource": "https://www.coinbase.com",
        "startDate": "2026-01-01T00:00:00Z",
        "tickSize": "0.001000",
        "minOrderSize": "5.000000",
        "feeCurve": {
            "enabled": True,
            "rate": "0.020000",
            "exponent": "2.000000",
            "takerOnly": True,
        },
        "event": {
            "id": detailed.event.pk,
            "slug": "btc-2026",
            "title": "Bitcoin in 2026",
            "category": "Crypto",
            "negRisk": True,
            "negRiskAugmented": False,
        },
        "outcomes": [
            {
                "tokenId": "711",
                "label": "Yes",
                "index": 0,
                "price": "0.620000",
                "previousPrice": "0.600000",
                "priceChange": "0.020000",
                "book": {
                    "bids": [{"price": "0.610000", "size": "100.000000"}],
                    "asks": [
                        {"price": "0.630000", "size": "50.000000"},
                        {"price": "0.640000", "size": "500.000000"},
                    ],
                    "bestBid": "0.610000",
                    "bestAsk": "0.630000",
                    "spread": "0.020000",
                    "midpoint": "0.620000",
                    "lastTradePrice": "0.625000",
                    "trusted": True,
                    "updatedAt": "2026-11-24T10:00:05Z",
                },
                "priceHistory": [
                    {
                        "t": iso(now - timedelta(minutes=40)),
                        "price": "0.610000",
                        "bestBid": "0.600000",
                        "bestAsk": "0.620000",
                    },
                    {
                        "t": iso(now),
                        "price": "0.620000",
                        "bestBid": None,
                        "bestAsk": None,
                    },
                ],
            },
            {
                "tokenId": "712",
                "label": "No",
                "index": 1,
                "price": "0.380000",
                "previousPrice": "0.400000",
                "priceChange": "-0.020000",
                "book": None,
                "priceHistory": [],
            },
        ],
    }


def test_the_detail_history_comes_from_the_venue_over_the_interval(
    client_logged_in: Client, detailed: Market, fake_clob
) -> None:
    fake_clob.body = {"history": [{"t": 1795003200, "p": 0.61}, {"t": 1795006800, "p": 0.625}]}  # fmt: skip

    data = _data(client_logged_in, f"{URL}/{detailed.pk}", interval="1w")

    assert [o["priceHistory"] for o in data["outcomes"]] == [
        [
            {"t": "2026-11-18T12:00:00Z", "price": "0.610000", "bestBid": None, "bestAsk": None},
            {"t": "2026-11-18T13:00:00Z", "price": "0.625000", "bestBid": None, "bestAsk": None},
        ],
    ] * 2  # fmt: skip
    assert [q for _, q in fake_clob.requests] == [
        {"market": "711", "interval": "1w", "fidelity": "60"},
        {"market": "712", "interval": "1w", "fidelity": "60"},
    ]


def test_a_bad_history_interval_is_a_400(
    client_logged_in: Client, detailed: Market
) -> None:
    response = client_logged_in.get(f"{URL}/{detailed.pk}", {"interval": "1m"})

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["details"]) == (
        "validation_error",
        {"interval": ['"1m" is not a valid choice.']},
    )


def test_the_detail_of_a_market_without_an_event(
    client_logged_in: Client, fed: Market
) -> None:
    data = _data(client_logged_in, f"{URL}/{fed.pk}")

    assert data["event"] is None
    assert [o["book"] for o in data["outcomes"]] == [None, None]


def test_an_unknown_market_is_a_404_envelope(client_logged_in: Client) -> None:
    for url in (f"{URL}/999999", f"{URL}/999999/snapshots"):
        response = client_logged_in.get(url)

        assert response.status_code == 404
        body = response.json()
        assert (body["success"], body["code"], body["error"]) == (
            False,
            "not_found",
            MARKET_NOT_FOUND,
        )


def test_a_non_numeric_id_is_a_404_envelope(client_logged_in: Client) -> None:
    response = client_logged_in.get(f"{URL}/btc")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- snapshots ----------------------------------------------------------------------

T0 = datetime(2026, 11, 24, 12, tzinfo=UTC)


@pytest.fixture
def snapshots(btc: Market) -> Market:
    yes, no = btc.outcomes.order_by("index")
    for minutes, outcome, mid in ((0, yes, "0.60"), (1, no, "0.40"), (2, yes, "0.61")):
        MarketSnapshot.objects.create(
            outcome=outcome, taken_at=T0 + timedelta(minutes=minutes),
            best_bid=D(mid) - D("0.01"), best_ask=D(mid) + D("0.01"), midpoint=D(mid),
            bid_depth=D("1000"), ask_depth=D("800"), volume_24h=D("99"),
        )  # fmt: skip
    # Another market's snapshot never shows.
    MarketSnapshot.objects.create(outcome=OutcomeFactory(), taken_at=T0)
    return btc


def test_snapshots_are_paginated_newest_first(
    client_logged_in: Client, snapshots: Market
) -> None:
    data = _data(client_logged_in, f"{URL}/{snapshots.pk}/snapshots", limit=2)

    assert data == {
        "data": [
            {
                "tokenId": "711",
                "takenAt": "2026-11-24T12:02:00Z",
                "bestBid": "0.600000",
                "bestAsk": "0.620000",
                "midpoint": "0.610000",
                "lastTradePrice": None,
                "bidDepth": "1000.000000",
                "askDepth": "800.000000",
                "volume24h": "99.000000",
                "liquidity": None,
            },
            {
                "tokenId": "712",
                "takenAt": "2026-11-24T12:01:00Z",
                "bestBid": "0.390000",
                "bestAsk": "0.410000",
                "midpoint": "0.400000",
                "lastTradePrice": None,
                "bidDepth": "1000.000000",
                "askDepth": "800.000000",
                "volume24h": "99.000000",
                "liquidity": None,
            },
        ],
        "pagination": {"page": 1, "limit": 2, "total": 3, "totalPages": 2},
    }


@pytest.mark.parametrize(
    ("params", "taken"),
    [
        ({"tokenId": "711"}, ["12:02", "12:00"]),
        ({"tokenId": "999"}, []),
        ({"from": "2026-11-24T12:01:00Z"}, ["12:02", "12:01"]),
        ({"to": "2026-11-24T12:01:00Z"}, ["12:00"]),
        ({"tokenId": "711", "from": "2026-11-24T12:01:00Z"}, ["12:02"]),
    ],
)
def test_snapshots_filter_by_token_and_time(
    client_logged_in: Client, snapshots: Market, params, taken
) -> None:
    data = _data(client_logged_in, f"{URL}/{snapshots.pk}/snapshots", **params)

    assert [row["takenAt"][11:16] for row in data["data"]] == taken


def test_bad_snapshot_filters_are_a_400(client_logged_in: Client, btc: Market) -> None:
    response = client_logged_in.get(f"{URL}/{btc.pk}/snapshots", {"from": "yesterday"})

    assert response.status_code == 400
    assert list(response.json()["details"]) == ["from"]


def test_the_list_makes_the_same_queries_for_3_or_30_markets(
    client_logged_in: Client,
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _data(client_logged_in, limit=100, sortBy="priceChange")
        return len(captured)

    for n in range(3):
        _market(f"Market {n}", yes="0.5", yes_before="0.4", token=f"8{n:02}")
    with_three = queries()
    for n in range(3, 30):
        _market(f"Market {n}", yes="0.5", yes_before="0.4", token=f"8{n:02}")

    assert queries() == with_three
