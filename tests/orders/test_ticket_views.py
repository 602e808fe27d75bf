"""The order ticket on a market page (orders.views.ticket): the page shows
it, the preview answers as the trader types, submitting places exactly one
order and shows it in place, and every bad field is refused next to that
field with nothing persisted and nothing sent."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client

from accounts.models import User
from accounts.selectors import bot_settings_get
from markets.models import Market, Outcome
from orders import risk, validation
from orders.models import Order, OrderStatus
from polybot.lib.time import utc_now
from tests.factories.markets import MarketFactory, OutcomeFactory
from tests.factories.orders import OrderFactory
from tests.orders.conftest import set_book

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.django_db


@pytest.fixture
def trading(client: Client, trader: User, yes: Outcome, no: Outcome) -> Client:
    set_book(yes.token_id, bids=[("0.50", "100")], asks=[("0.52", "100")])
    set_book(no.token_id, bids=[("0.47", "100")], asks=[("0.49", "100")])
    client.force_login(trader)
    return client


@pytest.fixture(autouse=True)
def no_submission():
    """Nothing may be queued for the venue unless an order is placed."""
    with mock.patch("orders.services.submission_enqueue") as enqueue:
        yield enqueue


def ticket(yes: Outcome, **changes: str) -> dict[str, str]:
    data = {"outcome": yes.token_id, "side": "BUY", "order_type": "GTC",
            "price": "0.52", "size_mode": "shares", "size": "10"}  # fmt: skip
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def submit_url(market: Market) -> str:
    return f"/orders/ticket/{market.pk}/"


def preview_url(market: Market) -> str:
    return f"/orders/ticket/{market.pk}/preview/"


def text(response) -> str:
    return " ".join(response.content.decode().split())


def field_errors(html: str, field: str) -> list[str]:
    """The errors shown in the slot next to ``field``."""
    match = re.search(rf'<ul class="field-errors" id="ticket-{field}_error"[^>]*>(.*?)</ul>', html)  # fmt: skip
    assert match, f"no error slot for {field}"
    return re.findall(r"<li>(.*?)</li>", match.group(1))


# --- the market page ----------------------------------------------------------------


def test_the_market_page_shows_the_ticket_and_the_orders_panel(
    trading: Client, market: Market, yes: Outcome, trader: User
) -> None:
    order = OrderFactory(user=trader, outcome=yes, price=D("0.40"))

    html = text(trading.get(f"/markets/{market.pk}/"))

    assert f'<section class="card ticket" id="ticket-{market.pk}"' in html
    assert f'hx-post="/orders/ticket/{market.pk}/"' in html
    assert (
        f'hx-post="/orders/ticket/{market.pk}/preview/" hx-target="this" '
        'hx-swap="innerHTML" '
        'hx-trigger="input changed delay:300ms from:closest form, change from:closest form" '
        'hx-sync="this:replace"'
    ) in html
    # The price steps by the tick, within the venue's bounds.
    assert 'type="number" name="price" step="0.01" min="0.01" max="0.99"' in html
    # Quick prices for the first outcome (Yes): bid 50, mid 51, ask 52.
    assert (
        '<button type="button" class="btn btn-sm" data-quick="bid" data-set-price="0.5">Bid 50¢</button>'
        in html
    )
    assert (
        '<button type="button" class="btn btn-sm" data-quick="mid" data-set-price="0.51">Mid 51¢</button>'
        in html
    )
    assert (
        '<button type="button" class="btn btn-sm" data-quick="ask" data-set-price="0.52">Ask 52¢</button>'
        in html
    )
    assert '<span id="ticket-submit-label">Buy Yes</span>' in html
    assert (
        "Paper: the order fills against the live order book with simulated cash."
        in html
    )
    assert '<script src="/static/js/ticket.js" defer></script>' in html
    assert f'id="market-orders-{market.pk}"' in html
    assert f'<tr id="order-{order.pk}" class="order-row is-pending">' in html


def test_the_orders_panel_lists_only_my_orders_in_this_market_and_mode(
    trading: Client, market: Market, yes: Outcome, trader: User, other_user: User
) -> None:
    mine = OrderFactory(user=trader, outcome=yes)
    live = OrderFactory(user=trader, outcome=yes, mode="live")
    theirs = OrderFactory(user=other_user, outcome=yes)
    elsewhere = OrderFactory(user=trader)  # another market

    html = text(trading.get(f"/orders/market/{market.pk}/"))

    assert re.findall(r'<tr id="order-(\d+)"', html) == [str(mine.pk)]
    assert f"order-{live.pk}" not in html
    assert f"order-{theirs.pk}" not in html
    assert f"order-{elsewhere.pk}" not in html
    assert (
        'hx-trigger="every 15s, orders-changed from:body" hx-swap="outerHTML"' in html
    )


def test_the_orders_panel_shows_the_newest_20(
    trading: Client, market: Market, yes: Outcome, trader: User
) -> None:
    orders = [OrderFactory(user=trader, outcome=yes) for _ in range(22)]

    html = text(trading.get(f"/orders/market/{market.pk}/"))

    shown = re.findall(r'<tr id="order-(\d+)"', html)
    assert shown == [str(o.pk) for o in reversed(orders)][:20]


# --- the preview --------------------------------------------------------------------


def test_the_preview_shows_cost_fee_payout_loss_and_the_risk_verdict(
    trading: Client, market: Market, yes: Outcome
) -> None:
    response = trading.post(preview_url(market), ticket(yes), **HTMX)

    assert response.status_code == 200
    html = text(response)
    assert '<dd id="preview-cost">$5.25</dd>' in html
    assert '<dd id="preview-fee">$0.05 <span class="muted">taker</span></dd>' in html
    assert '<dd id="preview-payout" class="up">$10.00</dd>' in html
    assert '<dd id="preview-loss" class="down">$5.25</dd>' in html
    assert "Takes liquidity now: all 10 shares at about 52¢ on average." in html
    assert "Passes risk checks" in html
    # Out of band: the submit button says what will happen.
    assert (
        '<span id="ticket-submit-label" hx-swap-oob="true">Buy 10 Yes at 52¢</span>'
        in html
    )


def test_the_preview_of_a_resting_order_shows_no_fee(
    trading: Client, market: Market, yes: Outcome
) -> None:
    html = text(trading.post(preview_url(market), ticket(yes, price="0.45"), **HTMX))

    assert '<dd id="preview-fee">$0.00 <span class="muted">maker</span></dd>' in html
    assert '<dd id="preview-cost">$4.50</dd>' in html
    assert "Rests on the book at your limit until it fills or you cancel it" in html


def test_the_preview_of_an_order_over_the_max_bet_shows_the_violation_next_to_size(
    trading: Client, market: Market, yes: Outcome
) -> None:
    response = trading.post(preview_url(market), ticket(yes, price="0.45", size="1200"), **HTMX)  # fmt: skip

    assert response.status_code == 200
    html = text(response)
    message = "This order is worth $540.00, over your limit of $500.00 per order."
    assert f"<li>{message}</li>" in html.split('id="preview-check"')[1]
    assert field_errors(html, "size") == [message]
    assert "Passes risk checks" not in html
    assert Order.objects.count() == 0


def test_the_preview_of_an_amount_shows_the_shares_it_buys(
    trading: Client, market: Market, yes: Outcome
) -> None:
    data = ticket(yes, price="0.45", size_mode="amount", size="10")

    html = text(trading.post(preview_url(market), data, **HTMX))

    # 10 / 0.45 = 22.22… shares, rounded down to the cent of a share.
    assert "22.22 shares × 45¢ = $10.00." in html
    assert (
        '<span id="ticket-submit-label" hx-swap-oob="true">Buy 22.22 Yes at 45¢</span>'
        in html
    )


def test_the_submit_label_groups_the_thousands_like_the_rest_of_the_page(
    trading: Client, market: Market, yes: Outcome
) -> None:
    data = ticket(yes, price="0.45", size="1000")

    html = text(trading.post(preview_url(market), data, **HTMX))

    assert (
        '<span id="ticket-submit-label" hx-swap-oob="true">Buy 1,000 Yes at 45¢</span>'
        in html
    )


def test_the_preview_of_the_other_outcome_refreshes_the_quick_prices(
    trading: Client, market: Market, no: Outcome, yes: Outcome
) -> None:
    html = text(trading.post(preview_url(market), ticket(yes, outcome=no.token_id), **HTMX))  # fmt: skip

    assert '<div id="ticket-quick" class="ticket-quick" hx-swap-oob="true">' in html
    assert 'data-set-price="0.47">Bid 47¢</button>' in html
    assert 'data-set-price="0.48">Mid 48¢</button>' in html
    assert 'data-set-price="0.49">Ask 49¢</button>' in html


def test_an_unfinished_ticket_previews_a_hint_not_required_errors(
    trading: Client, market: Market, yes: Outcome
) -> None:
    response = trading.post(preview_url(market), ticket(yes, size=""), **HTMX)

    assert response.status_code == 200
    html = text(response)
    assert (
        "Enter a price and a size to see the cost, the fee and the risk check." in html
    )
    assert field_errors(html, "size") == []


def test_a_bad_field_in_the_preview_shows_next_to_it(
    trading: Client, market: Market, yes: Outcome
) -> None:
    html = text(trading.post(preview_url(market), ticket(yes, price="0.525"), **HTMX))

    assert field_errors(html, "price") == ["Price must be a multiple of the tick size 0.01."]  # fmt: skip


# --- submitting ---------------------------------------------------------------------


def test_submitting_places_one_pending_order_and_shows_it_in_place(
    trading: Client, market: Market, yes: Outcome, trader: User, no_submission
) -> None:
    response = trading.post(submit_url(market), ticket(yes), **HTMX)

    assert response.status_code == 200
    order = Order.objects.get()
    assert (order.user, order.market, order.outcome) == (trader, market, yes)
    assert (order.side, order.order_type, order.price, order.size) == ("BUY", "GTC", D("0.52"), D("10"))  # fmt: skip
    assert order.status == OrderStatus.PENDING
    assert order.source == "manual"
    html = text(response)
    assert "Order placed: Buy 10 Yes at 52¢ (GTC)." in html
    # The orders panel is refreshed out of band with the new row in it.
    assert f'id="market-orders-{market.pk}"' in html
    panel = rf'<section class="card market-orders" id="market-orders-{market.pk}"[^>]*'
    assert re.search(panel + 'hx-swap-oob="true">', html)
    assert f'<tr id="order-{order.pk}" class="order-row is-pending">' in html


def test_the_ticket_after_an_order_keeps_outcome_side_and_type(
    trading: Client, market: Market, no: Outcome, yes: Outcome
) -> None:
    data = ticket(yes, outcome=no.token_id, side="BUY", order_type="GTC", price="0.40")

    html = text(trading.post(submit_url(market), data, **HTMX))

    assert f'value="{no.token_id}" id="ticket-outcome_1" required checked' in html
    assert 'value="BUY" id="ticket-side_0" required checked' in html
    assert '<option value="GTC" selected>' in html
    assert 'name="price"' in html and 'value="0.40"' not in html
    assert '<span id="ticket-submit-label">Buy No</span>' in html


def test_a_placed_order_is_queued_for_the_venue_once(
    trading: Client, market: Market, yes: Outcome, django_capture_on_commit_callbacks, no_submission
) -> None:  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        trading.post(submit_url(market), ticket(yes), **HTMX)

    no_submission.assert_called_once_with([Order.objects.get().pk])


def test_a_rejected_order_shows_its_reason_next_to_the_field_with_400(
    trading: Client, market: Market, yes: Outcome
) -> None:
    response = trading.post(submit_url(market), ticket(yes, price="0.45", size="1200"), **HTMX)  # fmt: skip

    assert response.status_code == 400
    html = text(response)
    message = "This order is worth $540.00, over your limit of $500.00 per order."
    assert field_errors(html, "size") == [message]
    assert "<strong>Not placed.</strong>" in html
    assert Order.objects.count() == 0


def test_a_rejection_about_the_whole_order_shows_above_the_fields(
    trading: Client, market: Market, yes: Outcome, trader: User
) -> None:
    bot = bot_settings_get(user=trader)
    bot.trading_halted, bot.halt_reason = True, "kill_switch"
    bot.save()

    response = trading.post(submit_url(market), ticket(yes), **HTMX)

    assert response.status_code == 400
    html = text(response)
    assert (
        f'<div class="alert alert-error" role="alert"> <p>{risk.RISK_KILL_SWITCH}</p> </div>'
        in html
    )
    assert Order.objects.count() == 0


NOW = utc_now()
PAST = (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
FUTURE = (NOW + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"price": "0"}, "price", "Price must be between 0.01 and 0.99."),
        ({"price": "1"}, "price", "Price must be between 0.01 and 0.99."),
        ({"price": "-0.5"}, "price", "Price must be between 0.01 and 0.99."),
        ({"price": "0.525"}, "price", "Price must be a multiple of the tick size 0.01."),
        ({"price": "abc"}, "price", validation.MSG_PRICE_NOT_A_NUMBER),
        ({"price": "NaN"}, "price", validation.MSG_PRICE_NOT_A_NUMBER),
        ({"price": ""}, "price", validation.MSG_PRICE_REQUIRED),
        ({"size": "-5"}, "size", risk.RISK_SIZE_NOT_POSITIVE),
        ({"size": "0"}, "size", risk.RISK_SIZE_NOT_POSITIVE),
        ({"price": "0.45", "size": "3"}, "size", "Size must be at least 5 shares in this market."),
        ({"size": "ten"}, "size", "Enter a number."),
        ({"size": "Infinity"}, "size", "Enter a number."),
        ({"size": "10.123"}, "size", validation.MSG_SIZE_PRECISION),
        ({"size": "1e12"}, "size", "Ensure this value is less than or equal to 1000000000."),
        ({"size": ""}, "size", "Enter how many shares, or how much to spend."),
        ({"price": "0.45", "size_mode": "amount", "size": "1"}, "size", "Size must be at least 5 shares in this market."),
        ({"order_type": "GTD", "expiration": PAST}, "expiration", validation.MSG_EXPIRATION_TOO_SOON),
        ({"order_type": "GTD", "expiration": ""}, "expiration", validation.MSG_EXPIRATION_REQUIRED),
        ({"order_type": "GTD", "expiration": "tomorrow"}, "expiration", "Enter a valid date/time."),
        ({"outcome": "999999"}, "outcome", validation.MSG_UNKNOWN_OUTCOME),
        ({"outcome": ""}, "outcome", "Choose an outcome."),
        ({"side": "HOLD"}, "side", validation.MSG_BAD_SIDE),
        ({"order_type": "IOC"}, "order_type", validation.MSG_BAD_TYPE),
        ({"order_type": "FOK", "post_only": "on"}, "post_only", validation.MSG_POST_ONLY_TYPE),
    ],
)  # fmt: skip
def test_a_bad_field_is_refused_next_to_it_with_nothing_persisted_or_sent(
    trading: Client, market: Market, yes: Outcome, no_submission, changes, field, message
) -> None:  # fmt: skip
    response = trading.post(submit_url(market), ticket(yes, **changes), **HTMX)

    assert response.status_code == 400
    assert message in field_errors(text(response), field)
    assert Order.objects.count() == 0
    no_submission.assert_not_called()


def test_an_outcome_of_another_market_is_refused(
    trading: Client, market: Market, yes: Outcome
) -> None:
    stranger = OutcomeFactory(market=MarketFactory(), index=0, label="Yes")

    response = trading.post(submit_url(market), ticket(yes, outcome=stranger.token_id), **HTMX)  # fmt: skip

    assert response.status_code == 400
    assert field_errors(text(response), "outcome") == [validation.MSG_UNKNOWN_OUTCOME]
    assert Order.objects.count() == 0


def test_a_gtd_expiry_is_read_as_utc(
    trading: Client, market: Market, yes: Outcome
) -> None:
    data = ticket(yes, price="0.45", order_type="GTD", expiration="2099-03-04T05:06")

    response = trading.post(submit_url(market), data, **HTMX)

    assert response.status_code == 200
    assert Order.objects.get().expiration == datetime(2099, 3, 4, 5, 6, tzinfo=UTC)


def test_a_leftover_expiry_does_not_reach_a_gtc_order(
    trading: Client, market: Market, yes: Outcome
) -> None:
    data = ticket(yes, price="0.45", order_type="GTC", expiration=FUTURE)

    response = trading.post(submit_url(market), data, **HTMX)

    assert response.status_code == 200
    assert Order.objects.get().expiration is None


def test_an_amount_places_the_shares_it_buys_rounded_down(
    trading: Client, market: Market, yes: Outcome
) -> None:
    data = ticket(yes, price="0.45", size_mode="amount", size="10")

    trading.post(submit_url(market), data, **HTMX)

    assert Order.objects.get().size == D("22.22")


def test_a_market_that_does_not_exist_is_404(trading: Client, yes: Outcome) -> None:
    for url in ("/orders/ticket/999999/", "/orders/ticket/999999/preview/"):
        assert trading.post(url, ticket(yes), **HTMX).status_code == 404
    assert trading.get("/orders/market/999999/").status_code == 404
    assert Order.objects.count() == 0


def test_a_plain_form_post_goes_back_to_the_market_with_a_message(
    trading: Client, market: Market, yes: Outcome
) -> None:
    response = trading.post(submit_url(market), ticket(yes), follow=True)

    assert response.redirect_chain == [(f"/markets/{market.pk}/", 302)]
    assert "Order placed: Buy 10 Yes at 52¢ (GTC)." in text(response)
    assert Order.objects.count() == 1


def test_a_plain_form_post_of_a_bad_ticket_goes_back_with_the_reasons(
    trading: Client, market: Market, yes: Outcome
) -> None:
    response = trading.post(submit_url(market), ticket(yes, price="0"), follow=True)

    assert response.redirect_chain == [(f"/markets/{market.pk}/", 302)]
    assert "Limit price: Price must be between 0.01 and 0.99." in text(response)
    assert Order.objects.count() == 0


def test_the_ticket_needs_a_login_and_a_post(
    client: Client, trading: Client, market: Market, yes: Outcome
) -> None:
    assert trading.get(submit_url(market)).status_code == 405
    assert trading.get(preview_url(market)).status_code == 405
    client.logout()
    response = client.post(submit_url(market), ticket(yes))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Order.objects.count() == 0
