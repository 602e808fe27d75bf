"""The market list (search, filters, htmx, pagination), the market page and
its polled book fragment."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from markets.live import BookView, RecentTrade, book_view_set, recent_trade_add
from markets.models import Market, MarketSnapshot
from polybot.lib.time import utc_now
from tests.factories.markets import EventFactory, MarketFactory, OutcomeFactory

pytestmark = pytest.mark.django_db

D = Decimal
LIST_URL = "/markets/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _market(question: str = "Will Bitcoin close above $150k in 2026?", *,
            yes: str = "0.62", yes_before: str | None = "0.60", **fields: object) -> Market:  # fmt: skip
    fields.setdefault("category", "Crypto")
    market = MarketFactory(question=question, **fields)
    OutcomeFactory(market=market, index=0, label="Yes", price=D(yes),
                   previous_price=D(yes_before) if yes_before else None)  # fmt: skip
    no_before = str(1 - D(yes_before)) if yes_before else None
    OutcomeFactory(market=market, index=1, label="No", price=1 - D(yes),
                   previous_price=D(no_before) if no_before else None)  # fmt: skip
    return market


def _html(
    client: Client, url: str = LIST_URL, data: dict | None = None, **extra
) -> str:
    response = client.get(url, data or {}, **extra)
    assert response.status_code == 200
    return response.content.decode()


def _rows(html: str) -> list[str]:
    return re.findall(r'class="market-link" href="/markets/\d+/">([^<]*)</a>', html)


def _book(token_id: str, **overrides: object) -> BookView:
    fields: dict[str, object] = {
        "token_id": token_id,
        "bids": [(D("0.61"), D("100")), (D("0.60"), D("250"))],
        "asks": [(D("0.63"), D("50")), (D("0.64"), D("500"))],
        "best_bid": D("0.61"),
        "best_ask": D("0.63"),
        "midpoint": D("0.62"),
        "spread": D("0.02"),
        "last_trade_price": D("0.625"),
        "tick_size": D("0.001"),
        "trusted": True,
        "updated_at": "2026-11-24T10:00:05+00:00",
    }
    fields.update(overrides)
    return BookView(**fields)  # type: ignore[arg-type]


# --- list --------------------------------------------------------------------------


def test_it_redirects_anonymous_users_to_login(client: Client) -> None:
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/markets/"


def test_it_is_in_the_sidebar_and_highlighted(client_logged_in: Client) -> None:
    html = _html(client_logged_in)

    assert re.search(
        r'class="nav-link is-active" href="/markets/" aria-current="page"', html
    )
    assert reverse("markets:list") == LIST_URL


def test_each_row_shows_the_market_and_its_outcome_prices_with_their_move(
    client_logged_in: Client,
) -> None:
    market = _market(
        volume=D("1234567"), liquidity=D("45678.9"),
        end_date=datetime(2026, 12, 31, 12, tzinfo=UTC),
    )  # fmt: skip

    html = _html(client_logged_in)

    row = re.search(rf'<tr id="market-row-{market.pk}">.*?</tr>', html, re.S)
    assert row
    row_html = " ".join(row.group(0).split())
    assert (
        f'<a class="market-link" href="/markets/{market.pk}/">Will Bitcoin close above $150k in 2026?</a>'
        in row_html
    )
    assert "<span>Crypto</span>" in row_html
    assert (
        '<span class="outcome-label">Yes</span> <strong class="outcome-price">62¢</strong>'
        in row_html
    )
    assert (
        '<span class="outcome-change up" title="Change since the previous price"> <span aria-hidden="true">▲</span><span class="sr-only">up</span>+2¢ </span>'
        in row_html
    )
    assert (
        '<span class="outcome-label">No</span> <strong class="outcome-price">38¢</strong>'
        in row_html
    )
    assert (
        '<span class="outcome-change down" title="Change since the previous price"> <span aria-hidden="true">▼</span><span class="sr-only">down</span>−2¢ </span>'
        in row_html
    )
    assert (
        '<td class="num" data-label="Volume">$1.2M</td> <td class="num" data-label="Liquidity">$45.7k</td>'
        in row_html
    )
    assert (
        '<td class="num" data-label="Ends"><time datetime="2026-12-31T12:00:00+00:00">Dec 31, 2026</time></td>'
        in row_html
    )


def test_an_unchanged_or_unknown_previous_price_shows_no_arrow(
    client_logged_in: Client,
) -> None:
    _market(yes="0.5", yes_before="0.5")
    _market("Will it rain?", yes="0.3", yes_before=None)

    html = _html(client_logged_in)

    assert "outcome-change" not in html


def test_it_says_when_there_are_no_markets_yet(client_logged_in: Client) -> None:
    html = _html(client_logged_in)

    assert "No markets yet" in html
    assert "0 markets" in html


def test_it_searches_and_says_when_nothing_matches(client_logged_in: Client) -> None:
    _market()
    _market("Will the Fed cut rates in December?", category="Economics")

    assert _rows(_html(client_logged_in, data={"search": "bitc"})) == [
        "Will Bitcoin close above $150k in 2026?"
    ]
    html = _html(client_logged_in, data={"search": "zzyzx"})
    assert _rows(html) == []
    assert "No results for “zzyzx”" in html
    assert "Results for “zzyzx”" in html


def test_it_filters_and_sorts_from_the_query_string(client_logged_in: Client) -> None:
    _market("Deep", liquidity=D("900"), volume=D("1"))
    _market("Shallow", liquidity=D("5"), volume=D("2"))
    _market("Closed", liquidity=D("900"), volume=D("3"), status="closed")

    assert _rows(_html(client_logged_in, data={"min_liquidity": "100"})) == [
        "Closed",
        "Deep",
    ]
    assert _rows(
        _html(client_logged_in, data={"min_liquidity": "100", "status": "active"})
    ) == ["Deep"]
    assert _rows(
        _html(client_logged_in, data={"sort": "liquidity", "order": "asc"})
    ) == ["Shallow", "Deep", "Closed"]


def test_a_filter_that_matches_nothing_offers_to_clear_it(
    client_logged_in: Client,
) -> None:
    _market()

    html = _html(client_logged_in, data={"status": "resolved"})

    assert "No markets match these filters" in html
    assert '<a class="btn" href="/markets/">Clear search and filters</a>' in html


def test_invalid_filters_show_their_errors_and_are_ignored(
    client_logged_in: Client,
) -> None:
    _market()

    html = _html(
        client_logged_in,
        data={
            "min_liquidity": "abc",
            "status": "bogus",
            "sort": "nope",
            "end_after": "soon",
        },
    )

    assert _rows(html) == ["Will Bitcoin close above $150k in 2026?"]
    assert (
        '<ul class="field-errors" id="id_min_liquidity_error"><li>Enter a number.</li></ul>'
        in html
    )
    assert (
        '<ul class="field-errors" id="id_status_error"><li>Select a valid choice. bogus is not one of the available choices.</li></ul>'
        in html
    )
    assert (
        '<ul class="field-errors" id="id_sort_error"><li>Select a valid choice. nope is not one of the available choices.</li></ul>'
        in html
    )
    assert (
        '<ul class="field-errors" id="id_end_after_error"><li>Enter a valid date.</li></ul>'
        in html
    )
    # The filters open to show the errors.
    assert '<details class="market-more" open>' in html


def test_the_form_keeps_the_values_it_was_given(client_logged_in: Client) -> None:
    html = _html(
        client_logged_in,
        data={
            "search": "bitcoin",
            "min_volume": "50",
            "status": "active",
            "sort": "move",
        },
    )

    assert 'name="search" id="id_search" value="bitcoin"' in html
    assert re.search(r'name="min_volume"[^>]*value="50"', html)
    assert '<option value="active" selected>Active</option>' in html
    assert '<option value="move" selected>Biggest 24 h move</option>' in html


# --- htmx and the URL -----------------------------------------------------------


def test_the_search_box_searches_as_you_type_and_pushes_the_url(
    client_logged_in: Client,
) -> None:
    html = " ".join(_html(client_logged_in).split())

    assert (
        'hx-get="/markets/" hx-trigger="input changed delay:300ms, search" '
        'hx-include="closest form" hx-target="#market-table" hx-swap="outerHTML" '
        'hx-push-url="true"'
    ) in html
    # The other filters apply on change, the same way.
    assert (
        'hx-get="/markets/" hx-trigger="change, submit" hx-target="#market-table" '
        'hx-swap="outerHTML" hx-push-url="true"'
    ) in html


def test_an_htmx_request_gets_only_the_table(client_logged_in: Client) -> None:
    _market()

    response = client_logged_in.get(LIST_URL, {"search": "bitcoin"}, **HTMX)

    html = response.content.decode().strip()
    assert html.startswith('<section id="market-table" class="card market-table"')
    assert html.endswith("</section>")
    assert "<html" not in html
    assert 'id="market-filters"' not in html
    assert _rows(html) == ["Will Bitcoin close above $150k in 2026?"]
    assert "HX-Request" in response["Vary"]


def test_an_htmx_request_pushes_the_url_without_empty_fields(
    client_logged_in: Client,
) -> None:
    response = client_logged_in.get(
        LIST_URL,
        {
            "search": "bitcoin",
            "category": "",
            "status": "",
            "sort": "volume",
            "page": "1",
        },
        **HTMX,
    )

    assert response["HX-Push-Url"] == "/markets/?search=bitcoin&sort=volume"


def test_an_htmx_request_with_nothing_set_pushes_the_bare_url(
    client_logged_in: Client,
) -> None:
    response = client_logged_in.get(LIST_URL, {"search": "", "status": ""}, **HTMX)

    assert response["HX-Push-Url"] == "/markets/"


def test_an_htmx_request_says_which_filters_it_ignored(
    client_logged_in: Client,
) -> None:
    html = client_logged_in.get(
        LIST_URL, {"min_volume": "-5", "status": "x", "search": "ok"}, **HTMX
    ).content.decode()

    assert (
        "<p>Ignored: Status (Select a valid choice. x is not one of the available "
        "choices.); Min volume (Ensure this value is greater than or equal to 0.)</p>"
    ) in html


def test_an_htmx_request_with_valid_filters_ignores_nothing(
    client_logged_in: Client,
) -> None:
    html = client_logged_in.get(LIST_URL, {"min_volume": "5"}, **HTMX).content.decode()

    assert "Ignored" not in html


def test_an_htmx_history_restore_gets_the_whole_page(client_logged_in: Client) -> None:
    response = client_logged_in.get(
        LIST_URL, {"search": "x"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
    )

    html = response.content.decode()
    assert "<html" in html
    assert 'id="market-filters"' in html
    assert "HX-Push-Url" not in response


def test_it_pages_by_25_and_the_links_keep_the_query(client_logged_in: Client) -> None:
    for n in range(30):
        MarketFactory(question=f"Will thing {n} happen?", category="Politics",
                      volume=D(1000 - n))  # fmt: skip

    first = _html(
        client_logged_in, data={"search": "thing", "category": "Politics", "status": ""}
    )
    second = _html(
        client_logged_in, data={"search": "thing", "category": "Politics", "page": "2"}
    )

    assert len(_rows(first)) == 25
    assert _rows(first)[0] == "Will thing 0 happen?"
    assert "30 markets · page 1 of 2" in first
    assert (
        'href="/markets/?search=thing&amp;category=Politics&amp;page=2" '
        'hx-get="/markets/?search=thing&amp;category=Politics&amp;page=2" rel="next"'
    ) in first
    assert 'hx-target="#market-table" hx-swap="outerHTML" hx-push-url="true"' in first
    assert _rows(second) == [f"Will thing {n} happen?" for n in range(25, 30)]
    assert 'href="/markets/?search=thing&amp;category=Politics&amp;page=1"' in second


def test_a_page_out_of_range_shows_the_last_page(client_logged_in: Client) -> None:
    for n in range(26):
        MarketFactory(question=f"M{n}", volume=D(100 - n))

    assert _rows(_html(client_logged_in, data={"page": "99"})) == ["M25"]
    assert _rows(_html(client_logged_in, data={"page": "abc"}))[0] == "M0"


def test_the_list_makes_the_same_queries_for_3_or_30_markets(
    client_logged_in: Client,
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _html(client_logged_in, data={"search": "will"})
            _html(client_logged_in, data={"sort": "move"})
        return len(captured)

    for n in range(3):
        _market(f"Will market {n} move?")
    with_three = queries()
    for n in range(3, 30):
        _market(f"Will market {n} move?")

    assert queries() == with_three


# --- detail --------------------------------------------------------------------------


@pytest.fixture
def market() -> Market:
    event = EventFactory(title="Bitcoin in 2026", neg_risk=True)
    return _market(
        event=event, neg_risk=True, description="Resolves Yes if BTC closes above $150,000.",
        resolution_source="https://www.coinbase.com", tick_size=D("0.001"),
        min_order_size=D("5"), fees_enabled=True, fee_rate=D("0.02"), fee_exponent=D("2"),
        end_date=datetime(2026, 12, 31, 12, tzinfo=UTC), tags=["Crypto", "Bitcoin"],
    )  # fmt: skip


def _detail(client: Client, market: Market) -> str:
    return " ".join(_html(client, f"/markets/{market.pk}/").split())


def test_the_market_page_shows_the_market_and_its_rules(
    client_logged_in: Client, market: Market
) -> None:
    html = _detail(client_logged_in, market)

    assert (
        '<h2 id="market-question" class="market-question">Will Bitcoin close above $150k in 2026?</h2>'
        in html
    )
    assert "<p>Resolves Yes if BTC closes above $150,000.</p>" in html
    assert (
        '<a href="https://www.coinbase.com" rel="nofollow">https://www.coinbase.com</a>'
        in html
    )
    assert (
        '<time datetime="2026-12-31T12:00:00+00:00">Dec 31, 2026 12:00 UTC</time>'
        in html
    )
    assert '<span class="badge badge-up">Active</span>' in html
    assert 'Bitcoin in 2026 <span class="badge badge-paper">Neg-risk</span>' in html
    assert '<dt>Tick size</dt><dd>0.001 <span class="muted">(0.1¢)</span></dd>' in html
    assert "<dt>Min order</dt><dd>5 shares</dd>" in html
    assert (
        "Takers pay shares × 0.02 × (p(1−p))<sup>2</sup>; makers pay nothing."
    ) in html
    assert "A No share here converts into Yes shares of every other market" in html


def test_the_market_page_shows_the_live_book(
    client_logged_in: Client, market: Market
) -> None:
    yes, no = market.outcomes.order_by("index")
    book_view_set(_book(yes.token_id))

    html = _detail(client_logged_in, market)

    quote = re.search(rf'<tr id="quote-{yes.token_id}">.*?</tr>', html)
    assert quote
    token = yes.token_id
    assert (
        f'<td class="num up"><span id="quote-{token}-bid">61¢</span></td> '
        f'<td class="num down"><span id="quote-{token}-ask">63¢</span></td> '
        f'<td class="num hide-sm"><span id="quote-{token}-mid">62¢</span></td> '
        f'<td class="num"><strong><span id="quote-{token}-last">62.5¢</span></strong></td>'
    ) in quote.group(0)
    assert '<span class="badge badge-up">Live</span>' in quote.group(0)

    book = re.search(
        rf'<section id="book-{yes.token_id}" class="card book".*?</section>', html
    )
    assert book
    ladder = book.group(0)
    assert (
        f'hx-get="/markets/{market.pk}/book/{yes.token_id}/" hx-trigger="every 5s" '
        'hx-swap="outerHTML"'
    ) in ladder
    assert f'<h2 id="book-{yes.token_id}-title">Order book · Yes</h2>' in ladder
    assert (
        '<span class="badge badge-up book-state"><span class="dot" aria-hidden="true"></span>Live</span>'
        in ladder
    )
    # Asks from the highest down to the best, then the spread, then bids.
    prices = re.findall(
        r'<span role="cell" class="ladder-price">([^<]*)</span>', ladder
    )
    assert prices == ["64¢", "63¢", "61¢", "60¢"]
    assert (
        '<rect x="0" y="0" width="100" height="1"></rect></svg> <span role="cell" class="ladder-price">64¢</span><span role="cell">500</span><span role="cell">550</span>'
        in ladder
    )
    assert (
        '<rect x="80" y="0" width="20" height="1"></rect></svg> <span role="cell" class="ladder-price">61¢</span><span role="cell">100</span><span role="cell">100</span>'
        in ladder
    )
    assert (
        '<span role="cell">Spread 2¢</span><span role="cell">Mid 62¢</span><span role="cell">Last 62.5¢</span>'
        in ladder
    )
    assert (
        'Updated <time datetime="2026-11-24T10:00:05+00:00">10:00:05 UTC</time>'
        in ladder
    )

    # The other outcome has no live view: stale, with its synced price.
    stale = re.search(rf'<tr id="quote-{no.token_id}">.*?</tr>', html)
    assert stale
    assert re.findall(
        r'<span id="quote-[^"]+-(?:bid|ask|mid|last)">(.*?)</span>', stale.group(0)
    ) == [
        "—",
        "—",
        "—",
        "38¢",
    ]
    assert ">Stale</span>" in stale.group(0)


def test_the_market_page_flags_every_book_stale_without_live_data(
    client_logged_in: Client, market: Market
) -> None:
    html = _detail(client_logged_in, market)

    assert html.count('class="card book is-stale"') == 2
    assert (
        html.count('title="No live data from the stream for this outcome">Stale</span>')
        == 2
    )
    assert html.count("<h3>No live book</h3>") == 2
    assert ">Live</span>" not in html


def test_the_market_page_flags_an_untrusted_book(
    client_logged_in: Client, market: Market
) -> None:
    yes = market.outcomes.get(index=0)
    book_view_set(_book(yes.token_id, trusted=False))

    html = _detail(client_logged_in, market)

    assert f'<section id="book-{yes.token_id}" class="card book is-untrusted"' in html
    assert (
        'title="Waiting for a fresh snapshot from the venue">Untrusted</span>' in html
    )
    assert "these levels may be out of date" in html


def test_the_market_page_connects_for_live_updates(
    client_logged_in: Client, market: Market
) -> None:
    html = _detail(client_logged_in, market)

    assert (
        f'<div id="market-live" class="books" ws-connect="/ws/markets/{market.pk}/">'
        in html
    )


def test_the_market_page_draws_the_price_history(
    client_logged_in: Client, market: Market
) -> None:
    yes = market.outcomes.get(index=0)
    now = utc_now()
    for minutes, mid in ((30, "0.50"), (0, "0.60")):
        MarketSnapshot.objects.create(
            outcome=yes, taken_at=now - timedelta(minutes=minutes),
            midpoint=D(mid),
        )  # fmt: skip

    html = _detail(client_logged_in, market)

    assert (
        '<polyline class="chart-line" points="0.0,146.7 600.0,13.3"></polyline>' in html
    )
    assert '<strong>60¢</strong> <span class="up">+10¢</span>' in html


def test_the_market_page_says_when_there_is_no_history(
    client_logged_in: Client, market: Market
) -> None:
    html = _detail(client_logged_in, market)

    assert html.count("No price history for this interval") == 2


def test_an_unknown_market_is_our_404_page(client_logged_in: Client) -> None:
    response = client_logged_in.get("/markets/999999/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "errors/404.html" in [t.name for t in response.templates]


# --- book fragment ------------------------------------------------------------------


def test_the_book_fragment_is_the_partial_alone(
    client_logged_in: Client, market: Market
) -> None:
    yes = market.outcomes.get(index=0)
    book_view_set(_book(yes.token_id))

    response = client_logged_in.get(
        reverse("markets:book_fragment", args=[market.pk, yes.token_id]), **HTMX
    )

    html = response.content.decode().strip()
    assert response.status_code == 200
    assert html.startswith(f'<section id="book-{yes.token_id}" class="card book"')
    assert "<html" not in html
    assert re.findall(r'class="ladder-price">([^<]*)<', html) == [
        "64¢",
        "63¢",
        "61¢",
        "60¢",
    ]


def oob_ids(html: str) -> list[str]:
    return re.findall(r'<\w+ id="([^"]+)"[^>]*hx-swap-oob="true"', html)


def test_the_book_fragment_also_refreshes_the_pages_other_prices_out_of_band(
    client_logged_in: Client, market: Market
) -> None:
    yes = market.outcomes.get(index=0)
    token = yes.token_id
    book_view_set(_book(token, best_bid=D("0.611"), midpoint=D("0.6205")))

    html = _html(client_logged_in, f"/markets/{market.pk}/book/{token}/")

    # Outside the book's section: the table row's cells and badge, the
    # ticket's outcome price and the quick buttons' data.
    assert oob_ids(html.split("</section>", 1)[1]) == [
        f"quote-{token}-state",
        f"quote-{token}-bid",
        f"quote-{token}-ask",
        f"quote-{token}-mid",
        f"quote-{token}-last",
        f"ticket-option-price-{token}",
        f"quick-prices-{token}",
    ]
    assert f'<span id="quote-{token}-bid" hx-swap-oob="true">61.1¢</span>' in html
    assert (
        f'<span id="ticket-option-price-{token}" class="ticket-option-price"'
        ' hx-swap-oob="true">62.05¢</span>'
    ) in html
    quick = re.search(rf'<span id="quick-prices-{token}".*?></span>', html, re.S)
    assert quick
    data = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', quick.group(0)))
    # The mid on the book's 0.001 tick: down for a buy, up for a sell.
    assert data == {
        "bid": "0.611",
        "bid-text": "Bid 61.1¢",
        "ask": "0.63",
        "ask-text": "Ask 63¢",
        "mid-buy": "0.62",
        "mid-buy-text": "Mid 62¢",
        "mid-sell": "0.621",
        "mid-sell-text": "Mid 62.1¢",
    }


def test_the_book_fragment_goes_stale_when_the_view_expires(
    client_logged_in: Client, market: Market
) -> None:
    yes = market.outcomes.get(index=0)

    html = _html(client_logged_in, f"/markets/{market.pk}/book/{yes.token_id}/")

    assert f'<section id="book-{yes.token_id}" class="card book is-stale"' in html
    assert "No live book" in html


def test_the_book_fragment_of_another_markets_token_is_a_404(
    client_logged_in: Client, market: Market
) -> None:
    other = OutcomeFactory()

    response = client_logged_in.get(f"/markets/{market.pk}/book/{other.token_id}/")

    assert response.status_code == 404


# --- price charts ---------------------------------------------------------------------

NOW_TS = int(datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp())
VENUE_HISTORY = {
    "history": [
        {"t": NOW_TS - 7200, "p": 0.40},
        {"t": NOW_TS - 3600, "p": 0.50},
        {"t": NOW_TS, "p": 0.60},
    ]
}


def _chart(html: str, outcome_pk: int) -> str:
    match = re.search(
        rf'<section id="price-chart-{outcome_pk}" .*?</section>', html, re.S
    )
    assert match, f"no chart for outcome {outcome_pk}"
    return " ".join(match.group(0).split())


def _tabs(chart: str) -> list[tuple[str, str, bool]]:
    """(interval in the link, label, active) of each tab."""
    return [
        (interval, label, bool(active))
        for interval, active, label in re.findall(
            r'<a href="[^"]*\?interval=([^"]+)" hx-get="[^"]*"[^>]*?'
            r'( class="is-active" aria-current="true")?>([^<]*)</a>',
            chart,
        )
    ]


def test_the_market_page_draws_a_chart_per_outcome_from_the_venue(
    client_logged_in: Client, market: Market, fake_clob
) -> None:
    fake_clob.body = VENUE_HISTORY
    yes, no = market.outcomes.order_by("index")

    html = _html(client_logged_in, f"/markets/{market.pk}/")

    chart = _chart(html, yes.pk)
    assert f'<h2 id="price-chart-{yes.pk}-title">Price · Yes</h2>' in chart
    assert '<strong>60¢</strong> <span class="up">+20¢</span>' in chart
    assert (
        '<polyline class="chart-line" points="0.0,146.7 300.0,80.0 600.0,13.3"></polyline>'
        in chart
    )
    assert (
        '<time datetime="2026-11-24T10:00:00+00:00">Nov 24 10:00</time>'
        '<time datetime="2026-11-24T12:00:00+00:00">Nov 24 12:00 UTC</time>'
    ) in chart
    assert "From local snapshots" not in chart
    assert f'id="price-chart-{no.pk}"' in html
    assert sorted(q["market"] for _, q in fake_clob.requests) == sorted(
        [yes.token_id, no.token_id]
    )
    assert {q["interval"] for _, q in fake_clob.requests} == {"1d"}


def test_the_interval_tabs_swap_the_chart_and_link_to_the_page(
    client_logged_in: Client, market: Market, fake_clob
) -> None:
    yes = market.outcomes.get(index=0)

    chart = _chart(_html(client_logged_in, f"/markets/{market.pk}/"), yes.pk)

    assert _tabs(chart) == [
        ("1h", "1H", False),
        ("6h", "6H", False),
        ("1d", "1D", True),
        ("1w", "1W", False),
        ("max", "All", False),
    ]
    assert (
        f'<a href="/markets/{market.pk}/?interval=6h" '
        f'hx-get="/markets/{market.pk}/chart/{yes.token_id}/?interval=6h" '
        f'hx-target="#price-chart-{yes.pk}" hx-swap="outerHTML" '
        f'hx-indicator="#price-chart-{yes.pk}">6H</a>'
    ) in chart


def test_the_page_opens_its_charts_on_the_interval_in_the_url(
    client_logged_in: Client, market: Market, fake_clob
) -> None:
    yes = market.outcomes.get(index=0)

    html = _html(client_logged_in, f"/markets/{market.pk}/?interval=1w")

    assert [t for t in _tabs(_chart(html, yes.pk)) if t[2]] == [("1w", "1W", True)]
    assert {q["interval"] for _, q in fake_clob.requests} == {"1w"}


def test_the_chart_fragment_is_the_partial_for_the_interval(
    client_logged_in: Client, market: Market, fake_clob
) -> None:
    fake_clob.body = VENUE_HISTORY
    yes = market.outcomes.get(index=0)

    response = client_logged_in.get(
        reverse("markets:price_chart", args=[market.pk, yes.token_id]),
        {"interval": "6h"},
        **HTMX,
    )

    html = response.content.decode().strip()
    assert response.status_code == 200
    assert html.startswith(
        f'<section id="price-chart-{yes.pk}" class="card price-chart-card"'
    )
    assert html.endswith("</section>")
    assert "<html" not in html
    assert [t for t in _tabs(_chart(html, yes.pk)) if t[2]] == [("6h", "6H", True)]
    assert fake_clob.requests == [
        (
            "/prices-history",
            {"market": yes.token_id, "interval": "6h", "fidelity": "5"},
        )
    ]


@pytest.mark.parametrize("interval", ["", "1m", "<script>", "1D"])
def test_the_chart_fragment_draws_the_day_for_an_unknown_interval(
    client_logged_in: Client, market: Market, fake_clob, interval: str
) -> None:
    yes = market.outcomes.get(index=0)

    html = _html(
        client_logged_in,
        f"/markets/{market.pk}/chart/{yes.token_id}/",
        {"interval": interval},
    )

    assert [t for t in _tabs(_chart(html, yes.pk)) if t[2]] == [("1d", "1D", True)]
    assert "script" not in html.split("<section", 1)[1].split("</section>")[0]


def test_the_chart_says_when_it_is_drawn_from_local_snapshots(
    client_logged_in: Client, market: Market, fake_clob
) -> None:
    fake_clob.status = 500
    fake_clob.body = {"error": "boom"}
    yes = market.outcomes.get(index=0)
    now = utc_now()
    for minutes, mid in ((30, "0.50"), (0, "0.60")):
        MarketSnapshot.objects.create(
            outcome=yes, taken_at=now - timedelta(minutes=minutes), midpoint=D(mid)
        )

    response = client_logged_in.get(
        f"/markets/{market.pk}/chart/{yes.token_id}/", {"interval": "1h"}
    )

    chart = _chart(response.content.decode(), yes.pk)
    assert response.status_code == 200
    assert (
        '<polyline class="chart-line" points="0.0,146.7 600.0,13.3"></polyline>'
        in chart
    )
    assert (
        "From local snapshots: the venue's price history is unavailable right now."
        in chart.replace("&#x27;", "'")
    )


def test_the_chart_fragment_of_another_markets_token_is_a_404(
    client_logged_in: Client, market: Market
) -> None:
    other = OutcomeFactory()

    response = client_logged_in.get(f"/markets/{market.pk}/chart/{other.token_id}/")

    assert response.status_code == 404


def test_the_chart_fragment_needs_a_login(client: Client, market: Market) -> None:
    yes = market.outcomes.get(index=0)

    response = client.get(f"/markets/{market.pk}/chart/{yes.token_id}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- recent trades --------------------------------------------------------------------


def _trades(html: str, token_id: str) -> str:
    match = re.search(rf'<section id="trades-{token_id}" .*?</section>', html, re.S)
    assert match, f"no trades for {token_id}"
    return " ".join(match.group(0).split())


def _trade_rows(section: str) -> list[tuple[str, str, str, str, str]]:
    """(time, side class, side, price, size) of each row."""
    return re.findall(
        r'<tr> <td><time datetime="[^"]+">([^<]+)</time></td> '
        r'<td class="trade-side (up|down)">([^<]+)</td> '
        r'<td class="num">([^<]+)</td> <td class="num">([^<]+)</td> </tr>',
        section,
    )


def test_the_trades_fragment_lists_the_trades_newest_first(
    client_logged_in: Client, market: Market
) -> None:
    yes = market.outcomes.get(index=0)
    recent_trade_add(yes.token_id, RecentTrade(D("0.62"), D("100"), "BUY", "2026-11-24T10:00:01+00:00"))  # fmt: skip
    recent_trade_add(yes.token_id, RecentTrade(D("0.615"), D("1250.5"), "SELL", "2026-11-24T10:00:02.5Z"))  # fmt: skip
    recent_trade_add(yes.token_id, RecentTrade(D("0.63"), D("7"), "BUY", "2026-11-24T10:00:03+00:00"))  # fmt: skip

    response = client_logged_in.get(
        reverse("markets:trades_fragment", args=[market.pk, yes.token_id]), **HTMX
    )

    html = response.content.decode().strip()
    assert response.status_code == 200
    assert html.startswith(f'<section id="trades-{yes.token_id}" class="card trades"')
    assert html.endswith("</section>")
    assert "<html" not in html
    section = _trades(html, yes.token_id)
    assert (
        f'hx-get="/markets/{market.pk}/trades/{yes.token_id}/" '
        'hx-trigger="every 5s" hx-swap="outerHTML"'
    ) in section
    assert _trade_rows(section) == [
        ("10:00:03", "up", "Buy", "63¢", "7"),
        ("10:00:02", "down", "Sell", "61.5¢", "1,250.5"),
        ("10:00:01", "up", "Buy", "62¢", "100"),
    ]


def test_the_trades_fragment_shows_the_last_twenty(
    client_logged_in: Client, market: Market
) -> None:
    yes = market.outcomes.get(index=0)
    for second in range(25):
        recent_trade_add(yes.token_id, RecentTrade(D("0.5"), D(second + 1), "BUY",
                                                   f"2026-11-24T10:00:{second:02d}Z"))  # fmt: skip

    html = _html(client_logged_in, f"/markets/{market.pk}/trades/{yes.token_id}/")

    rows = _trade_rows(_trades(html, yes.token_id))
    assert len(rows) == 20
    assert (rows[0][0], rows[0][4], rows[-1][0], rows[-1][4]) == (
        "10:00:24", "25", "10:00:05", "6",
    )  # fmt: skip


def test_the_trades_fragment_says_when_none_were_seen(
    client_logged_in: Client, market: Market
) -> None:
    yes = market.outcomes.get(index=0)

    html = _html(client_logged_in, f"/markets/{market.pk}/trades/{yes.token_id}/")

    section = _trades(html, yes.token_id)
    assert "<h3>No trades seen yet</h3>" in section
    assert "<table" not in section


def test_the_market_page_has_the_trades_of_each_outcome(
    client_logged_in: Client, market: Market
) -> None:
    yes, no = market.outcomes.order_by("index")
    recent_trade_add(no.token_id, RecentTrade(D("0.38"), D("40"), "SELL", "2026-11-24T09:59:59Z"))  # fmt: skip

    html = _html(client_logged_in, f"/markets/{market.pk}/")

    assert "No trades seen yet" in _trades(html, yes.token_id)
    assert _trade_rows(_trades(html, no.token_id)) == [
        ("09:59:59", "down", "Sell", "38¢", "40")
    ]


def test_the_trades_fragment_of_another_markets_token_is_a_404(
    client_logged_in: Client, market: Market
) -> None:
    other = OutcomeFactory()

    response = client_logged_in.get(f"/markets/{market.pk}/trades/{other.token_id}/")

    assert response.status_code == 404
