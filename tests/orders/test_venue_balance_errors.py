"""A live order when the venue will not tell the balance (issue 6 review):
placing refuses with the venue error (502, ``venue_unavailable``) and a
message that says nothing was placed; the ticket shows it above the fields
(400, so htmx swaps it in) and the API in its error envelope; nothing is
persisted and nothing sent. The preview still answers."""

from __future__ import annotations

import json
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from accounts.services import api_key_create, credential_store, user_set_trading_mode
from markets.models import Market, Outcome
from orders.models import Order
from orders.services import MSG_VENUE_NO_BALANCE, VENUE_UNAVAILABLE, order_place
from orders.validation import OrderRequest
from polybot.exceptions import VenueError
from polybot.polymarket.errors import RetryableError
from tests.api.conftest import bearer
from tests.factories.accounts import WalletFactory
from tests.orders.conftest import set_book
from tests.orders.test_ticket_views import HTMX, preview_url, submit_url, text, ticket

D = Decimal
pytestmark = pytest.mark.django_db
MESSAGE = "The venue did not answer with your balance; nothing was placed. Try again."


@pytest.fixture
def live_trader(trader: User, settings, yes: Outcome) -> User:
    settings.LIVE_TRADING_ENABLED = True
    wallet = WalletFactory(user=trader)
    credential_store(wallet=wallet, private_key="0x" + "11" * 32)
    user_set_trading_mode(user=trader, mode="live")
    set_book(yes.token_id, bids=[("0.50", "100")], asks=[("0.52", "100")])
    cache.delete(f"polybot:live:cash:{trader.pk}")
    return trader


@pytest.fixture
def venue_down():
    """The venue's balance endpoint times out (the client's own error)."""
    client = mock.Mock()
    client.balance_allowance.side_effect = RetryableError(
        "GET /balance-allowance timed out", endpoint="/balance-allowance"
    )
    with mock.patch("orders.exchange.live.trading_client_for", return_value=client):
        yield client


@pytest.fixture(autouse=True)
def no_submission():
    with mock.patch("orders.services.submission_enqueue") as enqueue:
        yield enqueue


def test_placing_a_live_order_without_a_balance_raises_the_venue_error(
    live_trader: User, market: Market, yes: Outcome, venue_down, no_submission
) -> None:
    request = OrderRequest(market_id=market.pk, token_id=yes.token_id, side="BUY",
                           price=D("0.45"), size=D("10"))  # fmt: skip

    with pytest.raises(VenueError) as refused:
        order_place(user=live_trader, request=request)

    assert refused.value.message == MSG_VENUE_NO_BALANCE == MESSAGE
    assert (refused.value.code, refused.value.status_code) == (VENUE_UNAVAILABLE, 502)
    assert isinstance(refused.value.__cause__, RetryableError)
    venue_down.balance_allowance.assert_called_once_with("COLLATERAL")
    assert Order.objects.count() == 0
    no_submission.assert_not_called()


def test_the_ticket_shows_the_venue_error_above_the_fields_with_400(
    client: Client, live_trader: User, market: Market, yes: Outcome, venue_down,
    no_submission,
) -> None:  # fmt: skip
    client.force_login(live_trader)

    response = client.post(submit_url(market), ticket(yes, price="0.45"), **HTMX)

    assert response.status_code == 400
    html = text(response)
    assert (
        f'<div class="alert alert-error" role="alert"> <p>{MESSAGE}</p> </div>' in html
    )
    # No field is to blame, so the hint does not send the trader looking for red.
    assert "Fix the fields marked in red." not in html
    assert Order.objects.count() == 0
    no_submission.assert_not_called()


def test_a_plain_ticket_post_goes_back_with_the_venue_error(
    client: Client, live_trader: User, market: Market, yes: Outcome, venue_down
) -> None:
    client.force_login(live_trader)

    response = client.post(submit_url(market), ticket(yes, price="0.45"), follow=True)

    assert response.redirect_chain == [(f"/markets/{market.pk}/", 302)]
    assert MESSAGE in text(response)
    assert Order.objects.count() == 0


def test_the_preview_still_answers_when_the_venue_has_no_balance(
    client: Client, live_trader: User, market: Market, yes: Outcome, venue_down
) -> None:
    client.force_login(live_trader)

    response = client.post(preview_url(market), ticket(yes, price="0.45"), **HTMX)

    assert response.status_code == 200
    assert '<dd id="preview-cost">$4.50</dd>' in text(response)


def test_the_api_answers_the_venue_error_with_502(
    client: Client, live_trader: User, market: Market, yes: Outcome, venue_down
) -> None:
    key = api_key_create(user=live_trader, name="bot", scopes=["trade"]).raw_key
    body = {"marketId": market.pk, "tokenId": yes.token_id, "side": "BUY",
            "type": "GTC", "price": "0.45", "size": "10"}  # fmt: skip

    response = client.post(
        "/api/v1/orders", json.dumps(body), content_type="application/json",
        headers=bearer(key),
    )  # fmt: skip

    assert response.status_code == 502
    payload = response.json()
    assert (payload["success"], payload["code"]) == (False, VENUE_UNAVAILABLE)
    assert payload["error"] == MESSAGE
    assert Order.objects.count() == 0
