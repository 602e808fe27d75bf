from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from django.contrib.postgres.search import SearchQuery

from markets.catalogue import events_upsert, markets_upsert
from markets.models import Event, Market, Outcome
from tests.factories.gamma import gamma_event, gamma_market

pytestmark = pytest.mark.django_db


def test_it_creates_markets_with_outcomes_in_gamma_order() -> None:
    result = markets_upsert(markets=[gamma_market(1), gamma_market(2)])
    assert (result.created, result.updated, result.outcomes) == (2, 0, 4)
    market = Market.objects.get(condition_id="0x" + f"{1:064x}")
    assert market.question == "Will event 1 happen by December?"
    assert market.tags == ["Politics", "US"]
    assert market.status == "active"
    assert list(market.outcomes.values_list("label", "token_id", "index", "price")) == [
        ("Yes", "101", 0, Decimal("0.620000")),
        ("No", "102", 1, Decimal("0.380000")),
    ]


def test_it_updates_in_place_and_keeps_the_previous_price() -> None:
    markets_upsert(markets=[gamma_market(1)])
    result = markets_upsert(
        markets=[gamma_market(1, yes_price="0.70", volume=Decimal("99"))]
    )
    assert (result.created, result.updated) == (0, 1)
    yes = Outcome.objects.get(token_id="101")
    assert (yes.price, yes.previous_price) == (Decimal("0.700000"), Decimal("0.620000"))
    assert Market.objects.get().volume == Decimal("99")
    # An unchanged price leaves previous_price alone.
    markets_upsert(markets=[gamma_market(1, yes_price="0.70")])
    yes.refresh_from_db()
    assert (yes.price, yes.previous_price) == (Decimal("0.700000"), Decimal("0.620000"))


def test_it_marks_a_closed_market_with_a_1_0_price_resolved_with_its_winner() -> None:
    markets_upsert(markets=[gamma_market(3)])
    markets_upsert(markets=[gamma_market(3, closed=True, yes_price="1")])
    market = Market.objects.get()
    assert market.status == "resolved"
    assert market.winning_outcome is not None and market.winning_outcome.label == "Yes"
    assert market.accepting_orders is False


def test_it_marks_a_closed_unresolved_market_closed() -> None:
    markets_upsert(markets=[gamma_market(4, closed=True, yes_price="0.55")])
    market = Market.objects.get()
    assert (market.status, market.winning_outcome) == ("closed", None)


def test_it_skips_untradable_markets_with_a_reason_and_keeps_the_rest() -> None:
    result = markets_upsert(
        markets=[
            gamma_market(5, condition_id=""),
            gamma_market(6, outcomes=()),
            gamma_market(7),
        ]
    )
    assert result.created == 1
    assert result.skipped == [
        "market 500005: no condition id",
        "market 500006: no outcome tokens",
    ]


def test_it_takes_the_last_copy_of_a_market_repeated_in_one_batch() -> None:
    result = markets_upsert(
        markets=[
            gamma_market(8, question="First?"),
            gamma_market(8, question="Second?"),
        ]
    )
    assert result.created == 1
    assert Market.objects.get().question == "Second?"


def test_it_links_markets_to_their_events_with_neg_risk_flags() -> None:
    assert (
        events_upsert(events=[gamma_event(1, neg_risk=True, neg_risk_augmented=True)])
        == 1
    )
    markets_upsert(markets=[gamma_market(9, event_ids=("70001",), neg_risk=True)])
    market = Market.objects.select_related("event").get()
    assert market.event is not None
    assert (
        market.event.neg_risk,
        market.event.neg_risk_augmented,
        market.neg_risk,
    ) == (True, True, True)
    assert Event.objects.count() == 1


def test_the_search_vector_finds_markets_by_stemmed_question_words_and_tags() -> None:
    markets_upsert(
        markets=[
            gamma_market(10, question="Will Bitcoin rally?", tags=("Crypto",)),
            gamma_market(11),
        ]
    )
    assert list(
        Market.objects.filter(
            search_vector=SearchQuery("rallies", config="english")
        ).values_list("gamma_id", flat=True)
    ) == ["500010"]
    assert (
        Market.objects.filter(
            search_vector=SearchQuery("crypto", config="english")
        ).count()
        == 1
    )


def test_a_market_listed_active_again_loses_its_winner() -> None:
    markets_upsert(markets=[gamma_market(12)])
    markets_upsert(markets=[gamma_market(12, closed=True, yes_price="1")])
    assert Market.objects.get().winning_outcome is not None
    markets_upsert(markets=[gamma_market(12, yes_price="0.55")])
    market = Market.objects.get()
    assert (market.status, market.winning_outcome, market.resolved_at) == (
        "active",
        None,
        None,
    )


def test_a_missing_gamma_price_keeps_the_last_move() -> None:
    markets_upsert(markets=[gamma_market(13)])
    markets_upsert(markets=[gamma_market(13, yes_price="0.70")])
    market = gamma_market(13)
    no_prices = tuple(replace(o, price=None) for o in market.outcomes)
    markets_upsert(markets=[replace(market, outcomes=no_prices)])
    yes = Outcome.objects.get(token_id="1301")
    assert (yes.price, yes.previous_price) == (Decimal("0.700000"), Decimal("0.620000"))
