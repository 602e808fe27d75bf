"""Market list search, filters and sorts; quotes, history and display helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from markets import display
from markets.live import BookView, book_view_set
from markets.models import MarketSnapshot
from markets.selectors import (
    MarketFilters,
    market_categories,
    market_get,
    market_list,
    market_quotes,
    snapshot_list,
)
from polybot.polymarket.models import PricePoint
from tests.factories.markets import MarketFactory, OutcomeFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _questions(**filters: object) -> list[str]:
    return [m.question for m in market_list(filters=MarketFilters(**filters))]  # type: ignore[arg-type]


def _book(token_id: str, **overrides: object) -> BookView:
    fields: dict[str, object] = {
        "token_id": token_id,
        "bids": [(D("0.61"), D("100")), (D("0.60"), D("250"))],
        "asks": [(D("0.63"), D("50")), (D("0.64"), D("500"))],
        "best_bid": D("0.61"),
        "best_ask": D("0.63"),
        "midpoint": D("0.62"),
        "spread": D("0.02"),
        "last_trade_price": D("0.62"),
        "tick_size": D("0.01"),
        "trusted": True,
        "updated_at": "2026-11-24T10:00:00+00:00",
    }
    fields.update(overrides)
    return BookView(**fields)  # type: ignore[arg-type]


# --- search --------------------------------------------------------------------


@pytest.fixture
def catalogue() -> None:
    MarketFactory(
        question="Will Bitcoin close above $150k in 2026?",
        slug="btc-150k-2026",
        category="Crypto",
        tags=["Crypto", "Bitcoin"],
        volume=D("500"),
    )
    MarketFactory(
        question="Who will win the 2028 presidential election?",
        slug="us-president-2028",
        category="Politics",
        tags=["Politics", "US"],
        description="Resolves to the candidate certified by Congress.",
        volume=D("900"),
    )
    MarketFactory(
        question="Will the Fed cut rates in December?",
        slug="fed-cut-december",
        category="Economics",
        tags=["Economics"],
        description="Resolves Yes if the FOMC lowers the target range.",
        volume=D("300"),
    )


def test_it_finds_a_market_by_a_word_of_its_question(catalogue) -> None:
    assert _questions(search="bitcoin") == ["Will Bitcoin close above $150k in 2026?"]


def test_it_finds_a_stemmed_word(catalogue) -> None:
    assert _questions(search="elections") == [
        "Who will win the 2028 presidential election?"
    ]


def test_it_finds_a_market_by_its_tag(catalogue) -> None:
    assert _questions(search="economics") == ["Will the Fed cut rates in December?"]


def test_it_finds_a_market_by_a_part_of_its_slug(catalogue) -> None:
    assert _questions(search="btc") == ["Will Bitcoin close above $150k in 2026?"]


def test_it_finds_a_market_by_its_whole_slug(catalogue) -> None:
    assert _questions(search="us-president-2028") == [
        "Who will win the 2028 presidential election?"
    ]
    assert _questions(search="fed-cut-dec") == ["Will the Fed cut rates in December?"]


def test_a_leading_hyphen_still_excludes_a_word(catalogue) -> None:
    assert _questions(search="will -bitcoin -fed") == [
        "Who will win the 2028 presidential election?"
    ]


def test_it_finds_a_market_by_a_word_of_its_description(catalogue) -> None:
    assert _questions(search="FOMC") == ["Will the Fed cut rates in December?"]


def test_it_finds_bitcoin_from_the_prefix_bitc(catalogue) -> None:
    assert _questions(search="bitc") == ["Will Bitcoin close above $150k in 2026?"]


def test_it_reads_only_the_last_word_as_a_prefix(catalogue) -> None:
    assert _questions(search="bitcoin clo") == [
        "Will Bitcoin close above $150k in 2026?"
    ]
    assert _questions(search="bitc close") == []


def test_it_keeps_websearch_exclusions_and_phrases(catalogue) -> None:
    assert _questions(search="resolves -fomc") == [
        "Who will win the 2028 presidential election?"
    ]
    assert _questions(search='"cut rates"') == ["Will the Fed cut rates in December?"]
    assert _questions(search='"rates cut"') == []


@pytest.mark.parametrize(
    "text", ["bitc:* | !fed", "a & (b", "'; DROP TABLE x; --", "fed:", "é"]
)
def test_it_treats_query_syntax_as_text(catalogue, text: str) -> None:
    # Nothing the user types reaches to_tsquery as syntax: no error, at most
    # no results.
    assert isinstance(_questions(search=text), list)


def test_it_matches_everything_for_a_blank_search(catalogue) -> None:
    assert len(_questions(search="   ")) == 3


def test_a_search_of_stop_words_only_narrows_nothing(catalogue) -> None:
    # Every question starts with "Will": typing it must not empty the list.
    assert len(_questions(search="will")) == 3
    assert _questions(search="will b") == ["Will Bitcoin close above $150k in 2026?"]


def test_it_ranks_question_matches_above_description_matches() -> None:
    MarketFactory(
        question="Will the index rise?",
        description="Tracks the price of gold.",
        volume=D("1000"),
    )
    MarketFactory(question="Will gold hit $3,000?", volume=D("1"))

    assert _questions(search="gold") == [
        "Will gold hit $3,000?",
        "Will the index rise?",
    ]


# --- filters -------------------------------------------------------------------


def test_it_filters_by_category_or_tag_in_any_case(catalogue) -> None:
    assert _questions(category="crypto") == ["Will Bitcoin close above $150k in 2026?"]
    # "US" is only a tag.
    assert _questions(category="us") == ["Who will win the 2028 presidential election?"]
    assert _questions(category="Sports") == []


def test_it_filters_by_status() -> None:
    MarketFactory(question="Open", status="active")
    MarketFactory(question="Closed", status="closed")
    MarketFactory(question="Done", status="resolved")

    assert _questions(status="active") == ["Open"]
    assert _questions(status="closed") == ["Closed"]
    assert _questions(status="resolved") == ["Done"]


def test_it_filters_by_minimum_liquidity_and_volume() -> None:
    MarketFactory(question="Deep", liquidity=D("5000"), volume=D("10"))
    MarketFactory(question="Busy", liquidity=D("10"), volume=D("9000"))
    MarketFactory(question="Both", liquidity=D("5000"), volume=D("9000"))

    assert _questions(min_liquidity=D("5000")) == ["Both", "Deep"]
    assert _questions(min_volume=D("9000")) == ["Both", "Busy"]
    assert _questions(min_liquidity=D("5000"), min_volume=D("9000")) == ["Both"]


def test_it_filters_by_end_date_before_and_after() -> None:
    MarketFactory(question="June", end_date=datetime(2026, 6, 30, tzinfo=UTC))
    MarketFactory(question="July", end_date=datetime(2026, 7, 1, tzinfo=UTC))
    MarketFactory(question="Open-ended", end_date=None)
    july = datetime(2026, 7, 1, tzinfo=UTC)

    assert _questions(end_before=july) == ["June"]
    assert _questions(end_after=july) == ["July"]


def test_it_filters_by_neg_risk() -> None:
    MarketFactory(question="Plain", neg_risk=False)
    MarketFactory(question="Grouped", neg_risk=True)

    assert _questions(neg_risk=True) == ["Grouped"]
    assert _questions(neg_risk=False) == ["Plain"]
    assert len(_questions(neg_risk=None)) == 2


def test_it_combines_search_and_filters(catalogue) -> None:
    assert _questions(search="resolves", category="politics") == [
        "Who will win the 2028 presidential election?"
    ]


def test_it_lists_categories_in_use_once_each() -> None:
    MarketFactory(category="Politics")
    MarketFactory(category="Politics")
    MarketFactory(category="Crypto")
    MarketFactory(category="")

    assert market_categories() == ["Crypto", "Politics"]


# --- sorts ---------------------------------------------------------------------


@pytest.fixture
def three() -> None:
    MarketFactory(question="A", volume=D("200"), liquidity=D("30"),
                  end_date=datetime(2026, 3, 1, tzinfo=UTC))  # fmt: skip
    MarketFactory(question="B", volume=D("300"), liquidity=D("10"), end_date=None)
    MarketFactory(question="C", volume=D("100"), liquidity=D("20"),
                  end_date=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip


def test_it_sorts_by_volume_by_default(three) -> None:
    assert _questions() == ["B", "A", "C"]


def test_it_sorts_by_volume_ascending(three) -> None:
    assert _questions(sort="volume", order="asc") == ["C", "A", "B"]


def test_it_sorts_by_liquidity(three) -> None:
    assert _questions(sort="liquidity") == ["A", "C", "B"]
    assert _questions(sort="liquidity", order="asc") == ["B", "C", "A"]


def test_it_sorts_by_end_date_soonest_first_with_open_ended_last(three) -> None:
    assert _questions(sort="end_date") == ["C", "A", "B"]
    assert _questions(sort="end_date", order="desc") == ["A", "C", "B"]


def test_it_sorts_newest_first(three) -> None:
    assert _questions(sort="newest") == ["C", "B", "A"]
    assert _questions(sort="newest", order="asc") == ["A", "B", "C"]


def test_it_sorts_by_the_biggest_move_of_the_first_outcome() -> None:
    def market(question: str, price: str, previous: str | None) -> None:
        m = MarketFactory(question=question)
        OutcomeFactory(market=m, index=0, label="Yes", price=D(price),
                       previous_price=D(previous) if previous else None)  # fmt: skip
        # The second outcome's move never counts.
        OutcomeFactory(market=m, index=1, label="No", price=D("0.99"),
                       previous_price=D("0.01"))  # fmt: skip

    market("Up 10", "0.50", "0.40")
    market("Down 5", "0.50", "0.55")
    market("Unknown", "0.50", None)
    market("Up 30", "0.90", "0.60")

    assert _questions(sort="move") == ["Up 30", "Up 10", "Down 5", "Unknown"]
    assert _questions(sort="move", order="asc") == [
        "Down 5",
        "Up 10",
        "Up 30",
        "Unknown",
    ]


def test_it_sorts_by_relevance_when_searching_and_volume_breaks_ties() -> None:
    MarketFactory(question="Gold rally?", volume=D("1"))
    MarketFactory(question="Gold slump?", volume=D("5"))
    MarketFactory(question="Silver?", description="Not gold.", volume=D("99"))

    assert _questions(search="gold") == ["Gold slump?", "Gold rally?", "Silver?"]
    assert _questions(search="gold", sort="volume") == [
        "Silver?",
        "Gold slump?",
        "Gold rally?",
    ]


def test_relevance_without_a_search_sorts_by_volume(three) -> None:
    assert _questions(sort="relevance") == ["B", "A", "C"]


def test_it_prefetches_outcomes_in_index_order() -> None:
    m = MarketFactory()
    OutcomeFactory(market=m, index=1, label="No")
    OutcomeFactory(market=m, index=0, label="Yes")

    (listed,) = market_list(filters=MarketFilters())

    assert [o.label for o in listed.outcomes.all()] == ["Yes", "No"]


# --- one market ----------------------------------------------------------------


def test_it_gets_a_market_or_none() -> None:
    m = MarketFactory()

    assert market_get(market_id=m.pk) == m
    assert market_get(market_id=m.pk + 1) is None


def test_quotes_use_the_live_book_and_fall_back_to_the_synced_price() -> None:
    m = MarketFactory()
    yes = OutcomeFactory(market=m, index=0, label="Yes", price=D("0.55"))
    no = OutcomeFactory(market=m, index=1, label="No", price=D("0.45"))
    book_view_set(_book(yes.token_id))

    live_quote, stale_quote = market_quotes(market=m)

    assert (live_quote.outcome, live_quote.stale, live_quote.trusted) == (
        yes,
        False,
        True,
    )
    assert (live_quote.best_bid, live_quote.best_ask) == (D("0.61"), D("0.63"))
    assert (live_quote.midpoint, live_quote.spread, live_quote.last) == (
        D("0.62"), D("0.02"), D("0.62"),
    )  # fmt: skip
    assert (stale_quote.outcome, stale_quote.stale, stale_quote.trusted) == (
        no,
        True,
        False,
    )
    assert (stale_quote.best_bid, stale_quote.best_ask, stale_quote.midpoint) == (
        None, None, None,
    )  # fmt: skip
    assert stale_quote.last == D("0.45")


def test_a_book_without_trades_quotes_the_synced_price_as_last() -> None:
    yes = OutcomeFactory(price=D("0.55"))
    book_view_set(_book(yes.token_id, last_trade_price=None, trusted=False))

    (quote,) = market_quotes(market=yes.market)

    assert (quote.stale, quote.trusted, quote.last) == (False, False, D("0.55"))


def _snapshot(outcome, minutes_ago: int, mid: str | None, last: str | None = None):
    return MarketSnapshot.objects.create(
        outcome=outcome,
        taken_at=NOW - timedelta(minutes=minutes_ago),
        midpoint=D(mid) if mid else None,
        last_trade_price=D(last) if last else None,
    )


NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_snapshots_list_newest_first_and_filter_by_token_and_time() -> None:
    yes = OutcomeFactory(index=0)
    no = OutcomeFactory(market=yes.market, index=1, label="No")
    a = _snapshot(yes, 30, "0.50")
    b = _snapshot(no, 20, "0.50")
    c = _snapshot(yes, 10, "0.52")

    assert list(snapshot_list(market=yes.market)) == [c, b, a]
    assert list(snapshot_list(market=yes.market, token_id=yes.token_id)) == [c, a]
    assert list(
        snapshot_list(
            market=yes.market,
            start=NOW - timedelta(minutes=20),
            end=NOW - timedelta(minutes=10),
        )
    ) == [b]


# --- display -------------------------------------------------------------------


def test_the_ladder_reads_top_down_with_bars_scaled_to_the_largest_level() -> None:
    ladder = display.book_ladder(_book("1"))

    assert [(lv.price, lv.size, lv.total, lv.bar, lv.bar_x) for lv in ladder.asks] == [
        (D("0.64"), D("500"), D("550"), 100, 0),
        (D("0.63"), D("50"), D("50"), 10, 90),
    ]
    assert [(lv.price, lv.size, lv.total, lv.bar) for lv in ladder.bids] == [
        (D("0.61"), D("100"), D("100"), 20),
        (D("0.60"), D("250"), D("350"), 50),
    ]
    assert ladder.updated_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_a_tiny_level_still_gets_a_visible_bar() -> None:
    ladder = display.book_ladder(
        _book("1", bids=[(D("0.5"), D("1"))], asks=[(D("0.6"), D("100000"))])
    )

    assert ladder.bids[0].bar == 1


def test_a_panel_without_a_book_is_stale() -> None:
    stale = display.book_panel(market_id=1, token_id="7", book=None)
    untrusted = display.book_panel(
        market_id=1, token_id="7", book=_book("7", trusted=False)
    )

    assert (stale.stale, stale.untrusted, stale.ladder) == (True, False, None)
    assert (untrusted.stale, untrusted.untrusted) == (False, True)


def _point(minutes_ago: int, price: str) -> PricePoint:
    return PricePoint(t=NOW - timedelta(minutes=minutes_ago), p=D(price))


def test_the_chart_needs_two_points() -> None:
    assert display.price_chart(label="Yes", points=[]) is None
    assert display.price_chart(label="Yes", points=[_point(5, "0.5")]) is None


def test_the_chart_scales_the_line_to_the_box() -> None:
    points = [_point(20, "0.40"), _point(10, "0.50"), _point(0, "0.60")]

    chart = display.price_chart(label="Yes", points=points)

    assert chart is not None
    assert (chart.low, chart.high, chart.first, chart.last) == (
        D("0.40"), D("0.60"), D("0.40"), D("0.60"),
    )  # fmt: skip
    assert chart.change == D("0.20")
    # 0.38 .. 0.62 fills 160 units: 0.40 sits 2/24 up, 0.60 sits 2/24 down.
    assert chart.points == "0.0,146.7 300.0,80.0 600.0,13.3"
    assert chart.area == f"0,160 {chart.points} 600,160"
    assert (chart.start, chart.end) == (points[0].t, points[-1].t)


def test_the_chart_thins_a_long_series_and_keeps_the_latest_point() -> None:
    points = [_point(1000 - i, "0.5") for i in range(1000)]

    chart = display.price_chart(label="Yes", points=points)

    assert chart is not None
    # Every 4th of the first 999, then the last one: 250 + 1 points.
    assert len(chart.points.split()) == 251
    assert chart.end == points[-1].t
