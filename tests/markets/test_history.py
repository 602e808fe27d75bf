"""Price history: the venue's prices-history over real HTTP (a local fake
CLOB), cached per token and interval, and local snapshots when it fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache

from markets.history import HistoryPoint, PriceSeries, price_history
from markets.models import MarketSnapshot, Outcome
from polybot.lib.redis import redis_client
from tests.factories.markets import OutcomeFactory
from tests.markets.conftest import FakeClob

pytestmark = pytest.mark.django_db

D = Decimal
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


def _snapshot(outcome: Outcome, minutes_ago: float, **prices: str) -> MarketSnapshot:
    return MarketSnapshot.objects.create(
        outcome=outcome,
        taken_at=NOW - timedelta(minutes=minutes_ago),
        **{field: D(value) for field, value in prices.items()},
    )


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr("markets.history.utc_now", lambda: NOW)
    return NOW


def test_it_reads_the_venue_history_of_the_token_and_interval(
    fake_clob: FakeClob,
) -> None:
    series = price_history(token_id="7111", interval="1d")

    assert series == PriceSeries(
        token_id="7111",
        interval="1d",
        points=[
            HistoryPoint(_at(1000), D("0.5")),
            HistoryPoint(_at(1500), D("0.55")),
            HistoryPoint(_at(2000), D("0.6")),
        ],
        source="venue",
    )
    assert series.local is False
    assert fake_clob.requests == [
        ("/prices-history", {"market": "7111", "interval": "1d", "fidelity": "15"})
    ]


@pytest.mark.parametrize(
    ("interval", "fidelity"),
    [("1h", "1"), ("6h", "5"), ("1d", "15"), ("1w", "60"), ("max", "1440")],
)
def test_it_asks_for_a_fidelity_that_suits_the_interval(
    fake_clob: FakeClob, interval: str, fidelity: str
) -> None:
    price_history(token_id="7111", interval=interval)

    assert fake_clob.requests[0][1]["fidelity"] == fidelity


def test_it_answers_a_second_call_from_the_cache_without_a_request(
    fake_clob: FakeClob,
) -> None:
    first = price_history(token_id="7111", interval="6h")
    fake_clob.body = {"history": [{"t": 3000, "p": 0.9}, {"t": 3100, "p": 0.91}]}

    second = price_history(token_id="7111", interval="6h")

    assert second == first
    assert len(fake_clob.requests) == 1


def test_it_caches_each_interval_and_token_on_its_own(fake_clob: FakeClob) -> None:
    price_history(token_id="7111", interval="1h")
    price_history(token_id="7111", interval="1w")
    price_history(token_id="7222", interval="1h")
    price_history(token_id="7111", interval="1h")

    assert [(q["market"], q["interval"]) for _, q in fake_clob.requests] == [
        ("7111", "1h"),
        ("7111", "1w"),
        ("7222", "1h"),
    ]


@pytest.mark.parametrize(
    ("interval", "ttl"),
    [("1h", 60), ("6h", 60), ("1d", 300), ("1w", 300), ("max", 300)],
)
def test_it_keeps_short_intervals_a_minute_and_longer_ones_five(
    fake_clob: FakeClob, interval: str, ttl: int
) -> None:
    price_history(token_id="7111", interval=interval)

    key = cache.make_key(f"markets:history:7111:{interval}")
    assert ttl - 2 <= redis_client().ttl(key) <= ttl


def test_it_falls_back_to_snapshots_when_the_venue_fails(
    fake_clob: FakeClob, frozen_now: datetime
) -> None:
    fake_clob.status = 500
    fake_clob.body = {"error": "internal error"}
    yes = OutcomeFactory(token_id="7111")
    _snapshot(yes, 90, midpoint="0.40", best_bid="0.39", best_ask="0.41")
    _snapshot(yes, 30, last_trade_price="0.45")  # no midpoint: the last trade
    _snapshot(yes, 5, midpoint="0.50", best_bid="0.49", best_ask="0.51")
    _snapshot(yes, 3, best_bid="0.49")  # no price at all: left out
    _snapshot(yes, 6 * 60 + 1, midpoint="0.30")  # before the 6 h window
    _snapshot(OutcomeFactory(), 10, midpoint="0.90")  # another token

    series = price_history(token_id="7111", interval="6h")

    assert series.local is True
    assert series.points == [
        HistoryPoint(NOW - timedelta(minutes=90), D("0.40"), D("0.39"), D("0.41")),
        HistoryPoint(NOW - timedelta(minutes=30), D("0.45")),
        HistoryPoint(NOW - timedelta(minutes=5), D("0.50"), D("0.49"), D("0.51")),
    ]
    assert len(fake_clob.requests) == 1  # a read is not retried: the page waits


def test_the_fallback_keeps_the_last_snapshot_of_each_bucket(
    frozen_now: datetime,
) -> None:
    yes = OutcomeFactory(token_id="7111")
    # 12:00 sits on a 15-minute boundary: 11:31 and 11:44 share a bucket.
    _snapshot(yes, 29, midpoint="0.41")
    _snapshot(yes, 16, midpoint="0.42")
    _snapshot(yes, 14, midpoint="0.43")
    _snapshot(yes, 0, midpoint="0.44")

    series = price_history(token_id="7111", interval="1d")

    assert [(p.t, p.p) for p in series.points] == [
        (NOW - timedelta(minutes=16), D("0.42")),
        (NOW - timedelta(minutes=14), D("0.43")),
        (NOW, D("0.44")),
    ]


def test_it_falls_back_when_the_venue_sends_garbage(fake_clob: FakeClob) -> None:
    fake_clob.body = {"history": [{"t": "soon", "p": "cheap"}]}

    series = price_history(token_id="7111", interval="1d")

    assert (series.source, series.points) == ("snapshots", [])


def test_it_remembers_a_failure_briefly_instead_of_asking_again(
    fake_clob: FakeClob,
) -> None:
    fake_clob.status = 503
    price_history(token_id="7111", interval="1d")
    fake_clob.status = 200

    again = price_history(token_id="7111", interval="1d")

    assert again.local is True
    assert len(fake_clob.requests) == 1
    key = cache.make_key("markets:history:7111:1d")
    assert 28 <= redis_client().ttl(key) <= 30


def test_it_works_with_no_venue_at_all() -> None:
    # The autouse fixture points the CLOB at a port nobody listens on.
    series = price_history(token_id="7111", interval="max")

    assert (series.source, series.points) == ("snapshots", [])


def test_it_refuses_an_unknown_interval() -> None:
    with pytest.raises(ValueError, match="unknown price interval '1m'"):
        price_history(token_id="7111", interval="1m")
