"""The Orders page: filters, pagination, htmx partials, an order's detail
row and page, cancel one and cancel all, and the shared order row."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from markets.models import Market, Outcome
from orders.models import Order, OrderStatus
from orders.services import order_place
from orders.validation import OrderRequest
from tests.factories.markets import MarketFactory, OutcomeFactory
from tests.factories.orders import FillFactory, OrderFactory
from tests.factories.strategies import StrategyFactory
from tests.orders.conftest import set_book

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST_URL = "/orders/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client: Client, trader: User) -> Client:
    client.force_login(trader)
    return client


def _rows(html: str) -> list[int]:
    """The ids of the order rows on the page, top to bottom."""
    return [
        int(pk) for pk in re.findall(r'<tr id="order-(\d+)" class="order-row', html)
    ]


def _get(client: Client, data: dict | None = None, **extra) -> str:
    response = client.get(LIST_URL, data or {}, **extra)
    assert response.status_code == 200
    return response.content.decode()


def _order(
    user: User, outcome: Outcome, *, created: str | None = None, **fields
) -> Order:
    order = OrderFactory(user=user, outcome=outcome, **fields)
    if created:
        # created_at is auto_now_add: set it afterwards.
        Order.objects.filter(pk=order.pk).update(
            created_at=datetime.fromisoformat(created).replace(tzinfo=UTC)
        )
    return order


def _place(user: User, market: Market, outcome: Outcome, run_commits, *,
           price: str, size: str = "10", order_type: str = "GTC") -> Order:  # fmt: skip
    request = OrderRequest(
        market_id=market.pk, token_id=outcome.token_id, side="BUY", price=D(price),
        size=D(size), order_type=order_type,
    )  # fmt: skip
    order = run_commits(lambda: order_place(user=user, request=request))
    order.refresh_from_db()
    return order


# --- the list -----------------------------------------------------------------------


def test_it_redirects_anonymous_users_to_login(client: Client) -> None:
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/orders/"


def test_it_lists_the_users_orders_of_the_current_mode_newest_first(
    browser: Client, trader: User, other_user: User, yes: Outcome
) -> None:
    older = _order(trader, yes, created="2026-03-01T10:00:00")
    newer = _order(trader, yes, created="2026-03-02T10:00:00")
    _order(trader, yes, mode="live")
    _order(other_user, yes)

    html = _get(browser)

    assert _rows(html) == [newer.pk, older.pk]
    assert (
        '<span class="badge badge-paper" title="Paper: simulated fills">Paper</span>'
        in html
    )
    assert 'class="nav-link is-active" href="/orders/"' in html


def test_the_mode_filter_shows_live_or_both(
    browser: Client, trader: User, yes: Outcome
) -> None:
    paper = _order(trader, yes, created="2026-03-01T10:00:00")
    live = _order(trader, yes, mode="live", created="2026-03-02T10:00:00")

    assert _rows(_get(browser, {"mode": "live"})) == [live.pk]
    assert _rows(_get(browser, {"mode": "all"})) == [live.pk, paper.pk]


def test_filters_narrow_the_list_to_exactly_the_matching_orders(
    browser: Client, trader: User, market: Market, yes: Outcome, no: Outcome
) -> None:
    other_market = MarketFactory(question="Will it snow in Oslo?")
    snow = OutcomeFactory(market=other_market, label="Yes", token_id="2001")
    strategy = StrategyFactory(user=trader)
    opened = _order(trader, yes, status="open", created="2026-03-01T09:00:00")
    partial = _order(trader, no, status="partial", side="SELL",
                     filled_size=D("4"), created="2026-03-02T23:59:59")  # fmt: skip
    filled = _order(trader, snow, status="filled", filled_size=D("10"),
                    created="2026-03-03T00:00:00", strategy=strategy,
                    source="strategy")  # fmt: skip
    cancelled = _order(trader, yes, status="cancelled", created="2026-03-04T12:00:00")

    assert _rows(_get(browser, {"status": "open"})) == [opened.pk]
    assert _rows(_get(browser, {"status": "active"})) == [partial.pk, opened.pk]
    assert _rows(_get(browser, {"status": "done"})) == [cancelled.pk, filled.pk]
    assert _rows(_get(browser, {"side": "SELL"})) == [partial.pk]
    assert _rows(_get(browser, {"market": other_market.pk})) == [filled.pk]
    assert _rows(_get(browser, {"strategy": strategy.pk})) == [filled.pk]
    # Dates are whole UTC days, both ends included.
    days = {"date_from": "2026-03-02", "date_to": "2026-03-03"}
    assert _rows(_get(browser, days)) == [filled.pk, partial.pk]
    both = {"status": "active", "market": market.pk, "side": "BUY"}
    assert _rows(_get(browser, both)) == [opened.pk]


def test_bad_filter_values_show_their_error_and_are_ignored(
    browser: Client, trader: User, yes: Outcome
) -> None:
    order = _order(trader, yes)

    html = _get(browser, {"status": "bogus", "date_from": "not-a-date",
                          "market": "abc", "side": "BUY"})  # fmt: skip

    assert _rows(html) == [order.pk]
    assert 'id="id_status_error"><li>Select a valid choice. bogus is not one of' in html
    assert 'id="id_date_from_error"><li>Enter a valid date.</li>' in html
    assert 'id="id_market_error"><li>Select a valid choice. abc is not one of' in html
    assert 'id="id_side_error"' not in html


def test_a_reversed_date_range_is_an_error_on_the_to_date(
    browser: Client, trader: User, yes: Outcome
) -> None:
    order = _order(trader, yes, created="2026-03-02T10:00:00")

    html = _get(browser, {"date_from": "2026-03-05", "date_to": "2026-03-01"})

    assert 'id="id_date_to_error"><li>Must be on or after the “from” date.</li>' in html
    # The "from" date still applies; the bad "to" is ignored.
    assert _rows(html) == []
    assert order.pk not in _rows(_get(browser, {"date_from": "2026-03-05"}))


def test_htmx_gets_the_table_alone_with_the_filtered_address_pushed(
    browser: Client, trader: User, yes: Outcome
) -> None:
    order = _order(trader, yes, status="open")

    # The form sends every field: empty ones and defaults stay out of the URL.
    params = {"status": "open", "side": "", "page": "1", "mode": "paper"}
    response = browser.get(LIST_URL, {**params, "per_page": "25"}, **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="order-table"')
    assert "<html" not in html
    assert _rows(html) == [order.pk]
    assert response["HX-Push-Url"] == "/orders/?status=open"
    assert "HX-Request" in response["Vary"]


def test_htmx_says_which_filters_it_ignored(
    browser: Client, trader: User, yes: Outcome
) -> None:
    _order(trader, yes)

    html = _get(browser, {"status": "bogus"}, **HTMX)

    assert "Ignored: Status (Select a valid choice." in html


def test_the_table_reloading_itself_does_not_push_a_history_entry(
    browser: Client, trader: User, yes: Outcome
) -> None:
    response = browser.get(
        LIST_URL, {"status": "open"}, HTTP_HX_TRIGGER="order-table-refresh", **HTMX
    )

    assert response.status_code == 200
    assert "HX-Push-Url" not in response


def test_it_pages_by_25_or_50(browser: Client, trader: User, yes: Outcome) -> None:
    orders = [_order(trader, yes) for _ in range(30)]
    newest_first = [o.pk for o in reversed(orders)]

    assert _rows(_get(browser)) == newest_first[:25]
    assert _rows(_get(browser, {"page": "2"})) == newest_first[25:]
    assert _rows(_get(browser, {"per_page": "50"})) == newest_first
    # An unknown page size is an error and the default applies.
    html = _get(browser, {"per_page": "1000"})
    assert len(_rows(html)) == 25
    assert 'id="id_per_page_error"' in html


# --- the row -------------------------------------------------------------------------


def test_the_pushed_row_renders_without_a_request(trader: User, yes: Outcome) -> None:
    order = _order(trader, yes, status="partial", filled_size=D("4"), price=D("0.45"))

    html = render_to_string("orders/partials/_order_row.html", {"order": order})

    # The account socket swaps by the first id in the fragment.
    assert re.search(r'id="([^"]+)"', html).group(1) == f"order-{order.pk}"
    cells = re.findall(r"<td[^>]*>", html)
    assert len(cells) == 10
    assert 'class="col-market market-cell"' in cells[1]
    assert "4 / 10" in html
    assert '<progress class="fill-progress" max="10" value="4"' in html
    assert "Partially filled" in html
    assert "45¢" in html
    assert f'hx-post="/orders/{order.pk}/cancel/"' in html
    assert "hx-confirm=" in html


def test_a_finished_order_has_no_cancel_button_and_a_rejection_says_why(
    trader: User, yes: Outcome
) -> None:
    rejected = _order(
        trader, yes, status="rejected", error_code="invalid_tick",
        error_message="Price 0.455 is off the 0.01 tick",
    )  # fmt: skip

    html = render_to_string("orders/partials/_order_row.html", {"order": rejected})

    assert "/cancel/" not in html
    assert '<span class="order-reason">Price 0.455 is off the 0.01 tick</span>' in html


# --- detail --------------------------------------------------------------------------


def test_the_detail_row_shows_the_hash_ids_and_fills(
    browser: Client, trader: User, yes: Outcome
) -> None:
    order = _order(trader, yes, mode="live", status="partial", filled_size=D("4"),
                   venue_order_hash="0x" + "ab" * 32)  # fmt: skip
    FillFactory(order=order, size=D("4"), price=D("0.40"), fee=D("0.0192"),
                role="taker", settlement_status="MINED", tx_hash="0x" + "cd" * 32,
                matched_at=datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC))  # fmt: skip

    response = browser.get(f"/orders/{order.pk}/", **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<tr id="order-{order.pk}-detail" class="order-detail-row">'
    )
    assert "0x" + "ab" * 32 in html
    assert order.client_order_id in html
    assert "Mar 1, 12:30:05" in html
    assert '<td class="num">0.0192</td>' in html
    assert "Mined" in html
    assert "<html" not in html


def test_the_detail_opened_directly_is_a_whole_page(
    browser: Client, trader: User, yes: Outcome
) -> None:
    order = _order(trader, yes, status="rejected", error_code="min_size",
                   error_message="Size is below the minimum of 5")  # fmt: skip

    response = browser.get(f"/orders/{order.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert f'<tr id="order-{order.pk}" class="order-row' in html
    assert "Size is below the minimum of 5" in html
    assert "None: paper orders are matched here" in html


def test_hide_answers_with_nothing(browser: Client, trader: User, yes: Outcome) -> None:
    order = _order(trader, yes)

    response = browser.get(f"/orders/{order.pk}/", {"collapse": "1"}, **HTMX)

    assert (response.status_code, response.content) == (200, b"")


def test_another_users_order_is_a_404_on_detail_and_cancel(
    browser: Client, other_user: User, yes: Outcome
) -> None:
    theirs = _order(other_user, yes, status="open")

    assert browser.get(f"/orders/{theirs.pk}/").status_code == 404
    assert browser.get(f"/orders/{theirs.pk}/", **HTMX).status_code == 404
    assert browser.post(f"/orders/{theirs.pk}/cancel/", **HTMX).status_code == 404
    assert browser.post(f"/orders/{theirs.pk}/cancel/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OrderStatus.OPEN


# --- cancel --------------------------------------------------------------------------


def test_cancelling_a_resting_paper_order_answers_with_its_cancelled_row(
    browser: Client, trader: User, market: Market, yes: Outcome, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    order = _place(trader, market, yes, run_commits, price="0.45")
    assert order.status == OrderStatus.OPEN

    response = run_commits(lambda: browser.post(f"/orders/{order.pk}/cancel/", **HTMX))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    html = response.content.decode()
    assert html.lstrip().startswith(
        f'<tr id="order-{order.pk}" class="order-row is-cancelled">'
    )
    assert (
        '<span class="badge order-badge order-badge-cancelled">Cancelled</span>' in html
    )
    assert "/cancel/" not in html  # no Cancel button on a cancelled order
    assert 'hx-swap-oob="beforeend"' in html
    assert "Cancelled: Buy 10 Yes at 45¢ (GTC)." in html


def test_cancelling_a_filled_order_says_why_not(
    browser: Client, trader: User, market: Market, yes: Outcome, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    order = _place(trader, market, yes, run_commits, price="0.50", order_type="FOK")
    assert order.status == OrderStatus.FILLED

    response = browser.post(f"/orders/{order.pk}/cancel/", **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    message = "This order is filled; there is nothing to cancel."
    assert f'<span class="order-reason is-error" role="alert">{message}</span>' in html
    assert "toast-error" in html
    assert "Filled" in html
    order.refresh_from_db()
    assert order.status == OrderStatus.FILLED


def test_a_cancel_that_was_not_confirmed_says_the_order_is_still_open(
    browser: Client, trader: User, yes: Outcome
) -> None:
    # A live order the venue has no hash for yet: the gateway cannot cancel it.
    order = _order(trader, yes, mode="live", status="open")

    response = browser.post(f"/orders/{order.pk}/cancel/", **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "The cancel was not confirmed, so the order is still open. Try again."
    ) in html
    assert f'hx-post="/orders/{order.pk}/cancel/"' in html  # can try again
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN


def test_a_plain_post_cancels_and_goes_back_with_a_message(
    browser: Client, trader: User, market: Market, yes: Outcome, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    order = _place(trader, market, yes, run_commits, price="0.45")

    response = browser.post(
        f"/orders/{order.pk}/cancel/", {"next": "/orders/?status=active"}, follow=True
    )

    assert response.redirect_chain == [("/orders/?status=active", 302)]
    assert "Cancelled: Buy 10 Yes at 45¢ (GTC)." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_cancel_refuses_an_outside_next_url(
    browser: Client, trader: User, yes: Outcome
) -> None:
    order = _order(trader, yes, status="filled", filled_size=D("10"))

    response = browser.post(
        f"/orders/{order.pk}/cancel/", {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("orders:list")


def test_cancel_and_cancel_all_are_post_only(
    browser: Client, trader: User, yes: Outcome
) -> None:
    order = _order(trader, yes, status="open")

    assert browser.get(f"/orders/{order.pk}/cancel/").status_code == 405
    assert browser.get("/orders/cancel-all/").status_code == 405


# --- cancel all ----------------------------------------------------------------------


def test_cancel_all_cancels_exactly_the_users_active_orders_in_the_current_mode(
    browser: Client, trader: User, other_user: User, market: Market, yes: Outcome,
    no: Outcome, run_commits,
) -> None:  # fmt: skip
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    set_book(no.token_id, bids=[("0.48", "100")], asks=[("0.52", "100")])
    resting = [
        _place(trader, market, yes, run_commits, price="0.45"),
        _place(trader, market, no, run_commits, price="0.40"),
    ]
    filled = _place(trader, market, yes, run_commits, price="0.50", order_type="FOK")
    live = _order(trader, yes, mode="live", status="open")
    theirs = _order(other_user, yes, status="open")

    response = run_commits(lambda: browser.post("/orders/cancel-all/", **HTMX))

    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"orders-changed": {}}
    html = response.content.decode()
    assert 'hx-swap-oob="beforeend"' in html
    assert "Cancelled 2 paper orders." in html
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert [statuses[o.pk] for o in resting] == ["cancelled", "cancelled"]
    assert statuses[filled.pk] == "filled"
    assert statuses[live.pk] == "open"
    assert statuses[theirs.pk] == "open"


def test_cancel_all_can_be_limited_to_one_market(
    browser: Client, trader: User, market: Market, yes: Outcome, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    here = _place(trader, market, yes, run_commits, price="0.45")
    elsewhere = _order(trader, OutcomeFactory(), status="pending")

    response = run_commits(
        lambda: browser.post("/orders/cancel-all/", {"market_id": market.pk}, **HTMX)
    )

    assert "Cancelled 1 paper order in this market." in response.content.decode()
    here.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (here.status, elsewhere.status) == ("cancelled", "pending")


def test_cancel_all_with_nothing_open_says_so_and_an_unknown_market_cancels_nothing(
    browser: Client, trader: User, yes: Outcome
) -> None:
    pending = _order(trader, yes, status="pending")

    unknown = browser.post("/orders/cancel-all/", {"market_id": "abc"}, **HTMX)

    assert (
        "That market does not exist; nothing was cancelled." in unknown.content.decode()
    )
    huge = browser.post("/orders/cancel-all/", {"market_id": "9" * 30}, **HTMX)
    assert "That market does not exist" in huge.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    browser.post("/orders/cancel-all/", **HTMX)
    again = browser.post("/orders/cancel-all/", **HTMX)
    assert "No open paper orders to cancel." in again.content.decode()


def test_the_list_offers_cancel_all_with_a_confirmation_and_its_count(
    browser: Client, trader: User, market: Market, yes: Outcome
) -> None:
    _order(trader, yes, status="open")
    _order(trader, yes, status="partial", filled_size=D("2"))
    _order(trader, yes, status="filled", filled_size=D("10"))

    html = _get(browser)
    in_market = _get(browser, {"market": market.pk})

    assert 'hx-confirm="Cancel all 2 open paper orders? This cannot be undone."' in html
    assert ">Cancel all paper (2)</button>" in html
    assert f'<input type="hidden" name="market_id" value="{market.pk}">' in in_market
    assert "in this market? This cannot be undone." in in_market
    assert ">Cancel all paper in this market (2)</button>" in in_market


def test_a_market_without_orders_filters_to_nothing_rather_than_an_error(
    browser: Client, trader: User, yes: Outcome
) -> None:
    _order(trader, yes)
    untraded = MarketFactory(question="Will it hail in Rome?")

    html = _get(browser, {"market": untraded.pk})

    assert _rows(html) == []
    assert 'id="id_market_error"' not in html
    assert (
        f'<option value="{untraded.pk}" selected>Will it hail in Rome?</option>' in html
    )
    assert "No orders match these filters" in html


def test_an_order_id_beyond_any_row_is_a_404(browser: Client) -> None:
    huge = "9" * 30

    assert browser.get(f"/orders/{huge}/").status_code == 404
    assert browser.post(f"/orders/{huge}/cancel/", **HTMX).status_code == 404


def test_the_list_runs_the_same_queries_for_one_order_or_thirty(
    browser: Client, trader: User, yes: Outcome
) -> None:
    _order(trader, yes)
    with CaptureQueriesContext(connection) as one:
        _get(browser)
    for _ in range(29):
        _order(trader, yes, status="partial", filled_size=D("1"))

    with CaptureQueriesContext(connection) as thirty:
        _get(browser, {"per_page": "50"})

    assert len(thirty) == len(one)


# --- digits that are not ASCII ------------------------------------------------------


def test_a_superscript_digit_in_the_market_filter_is_a_field_error_not_a_500(
    browser: Client, trader: User, yes: Outcome
) -> None:
    order = _order(trader, yes)

    # "²".isdigit() is True but int("²") raises.
    html = _get(browser, {"market": "²"})

    assert _rows(html) == [order.pk]
    assert 'id="id_market_error"><li>Select a valid choice. ² is not one of' in html


def test_cancel_all_with_a_superscript_digit_market_cancels_nothing(
    browser: Client, trader: User, yes: Outcome
) -> None:
    pending = _order(trader, yes, status="pending")

    response = browser.post("/orders/cancel-all/", {"market_id": "²"}, **HTMX)

    assert response.status_code == 200
    assert (
        "That market does not exist; nothing was cancelled."
        in response.content.decode()
    )
    pending.refresh_from_db()
    assert pending.status == "pending"


# --- one cancel keeps cancel-all's count right --------------------------------------


def _cancel_all_button(html: str) -> str:
    match = re.search(r'<form id="cancel-all".*?</form>', html, re.S)
    assert match, "no cancel-all form"
    return match.group(0)


def test_cancelling_one_order_updates_the_cancel_all_count_out_of_band(
    browser: Client, trader: User, market: Market, yes: Outcome, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    first = _place(trader, market, yes, run_commits, price="0.45")
    _place(trader, market, yes, run_commits, price="0.44")
    _order(trader, OutcomeFactory(), status="open")  # another market
    assert ">Cancel all paper (3)</button>" in _get(browser)

    response = run_commits(
        lambda: browser.post(
            f"/orders/{first.pk}/cancel/",
            HTTP_HX_CURRENT_URL="http://testserver/orders/?status=active",
            **HTMX,
        )
    )

    html = response.content.decode()
    form = _cancel_all_button(html)
    assert 'hx-swap-oob="true"' in form
    # In a template: after the <tr> a bare <form> would be parsed empty.
    assert re.search(r'<template>\s*<form id="cancel-all"', html)
    assert ">Cancel all paper (2)</button>" in form
    assert 'hx-confirm="Cancel all 2 open paper orders? This cannot be undone."' in form
    # The page's own copy is the same element, so the swap finds it.
    assert _cancel_all_button(_get(browser)).startswith('<form id="cancel-all"')


def test_the_cancel_all_count_after_one_cancel_keeps_the_pages_market_filter(
    browser: Client, trader: User, market: Market, yes: Outcome, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    first = _place(trader, market, yes, run_commits, price="0.45")
    _place(trader, market, yes, run_commits, price="0.44")
    _order(trader, OutcomeFactory(), status="open")  # another market

    response = run_commits(
        lambda: browser.post(
            f"/orders/{first.pk}/cancel/",
            HTTP_HX_CURRENT_URL=f"http://testserver/orders/?market={market.pk}",
            **HTMX,
        )
    )

    form = _cancel_all_button(response.content.decode())
    assert ">Cancel all paper in this market (1)</button>" in form
    assert f'<input type="hidden" name="market_id" value="{market.pk}">' in form


def test_cancelling_the_last_open_order_removes_the_cancel_all_button(
    browser: Client, trader: User, market: Market, yes: Outcome, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    order = _place(trader, market, yes, run_commits, price="0.45")

    response = run_commits(
        lambda: browser.post(
            f"/orders/{order.pk}/cancel/",
            HTTP_HX_CURRENT_URL="http://testserver/orders/",
            **HTMX,
        )
    )

    html = response.content.decode()
    assert re.search(
        r'<template>\s*<span id="cancel-all" hidden hx-swap-oob="true"></span>\s*'
        r"</template>",
        html,
    )
    assert "Cancel all paper" not in html


def test_a_cancel_from_a_page_without_cancel_all_sends_no_out_of_band_button(
    browser: Client, trader: User, market: Market, yes: Outcome, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    order = _place(trader, market, yes, run_commits, price="0.45")

    response = run_commits(
        lambda: browser.post(
            f"/orders/{order.pk}/cancel/",
            HTTP_HX_CURRENT_URL=f"http://testserver/markets/{market.pk}/",
            **HTMX,
        )
    )

    assert response.status_code == 200
    assert 'id="cancel-all"' not in response.content.decode()
