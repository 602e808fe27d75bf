"""The header's kill switch, halt state and re-arm, from the browser's side."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditAction, AuditLog, User
from accounts.selectors import bot_settings_get
from markets.models import Market, Outcome
from orders.models import Order, OrderStatus
from orders.services import order_place
from orders.validation import OrderRequest
from tests.orders.conftest import set_book

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def browser(client: Client, trader: User) -> Client:
    client.force_login(trader)
    return client


def _rest_an_order(trader: User, market: Market, yes: Outcome, run_commits) -> Order:  # noqa: ANN001
    set_book(yes.token_id, bids=[("0.40", "100")], asks=[("0.60", "100")])
    request = OrderRequest(
        market_id=market.pk, token_id=yes.token_id, side="BUY", price=D("0.30"),
        size=D("10"),
    )  # fmt: skip
    order = run_commits(lambda: order_place(user=trader, request=request))
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    return order


def test_every_page_header_offers_the_kill_switch(browser: Client) -> None:
    html = browser.get(reverse("portfolio:dashboard")).content.decode()

    assert 'id="trading-state"' in html
    assert f'hx-post="{reverse("orders:kill_switch")}"' in html
    assert "hx-confirm=" in html
    assert "Halted" not in html


def test_the_kill_switch_cancels_orders_halts_and_says_what_it_did(
    browser: Client, trader: User, market: Market, yes: Outcome, run_commits
) -> None:  # noqa: ANN001
    order = _rest_an_order(trader, market, yes, run_commits)

    response = run_commits(lambda: browser.post(reverse("orders:kill_switch"), **HTMX))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Halted: kill switch" in html
    assert f'hx-post="{reverse("orders:rearm")}"' in html
    assert "Kill switch engaged: cancelled 1 order. Trading is halted" in html
    assert 'hx-swap-oob="beforeend"' in html
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    bot = bot_settings_get(user=trader)
    assert (bot.trading_halted, bot.halt_reason) == (True, "kill_switch")
    assert (
        AuditLog.objects.filter(user=trader, action=AuditAction.KILL_SWITCH).count()
        == 1
    )


def test_a_halted_account_shows_the_halt_in_every_header(
    browser: Client, trader: User
) -> None:
    bot = bot_settings_get(user=trader)
    bot.trading_halted, bot.halt_reason = True, "daily_loss"
    bot.save()

    html = browser.get(reverse("markets:list")).content.decode()

    assert "Halted: daily loss limit" in html
    assert f'hx-post="{reverse("orders:rearm")}"' in html
    assert f'hx-post="{reverse("orders:kill_switch")}"' not in html


def test_re_arming_lifts_the_halt(browser: Client, trader: User) -> None:
    bot = bot_settings_get(user=trader)
    bot.trading_halted, bot.halt_reason = True, "kill_switch"
    bot.save()

    response = browser.post(reverse("orders:rearm"), **HTMX)

    html = response.content.decode()
    assert "Trading re-armed: new orders are accepted again." in html
    assert f'hx-post="{reverse("orders:kill_switch")}"' in html
    bot.refresh_from_db()
    assert (bot.trading_halted, bot.halt_reason) == (False, "")


def test_the_state_fragment_is_what_pages_poll(browser: Client, trader: User) -> None:
    response = browser.get(reverse("orders:trading_state"))

    assert response.status_code == 200
    assert response.content.decode().count('id="trading-state"') == 1


def test_a_plain_post_goes_back_to_the_page_it_came_from(browser: Client) -> None:
    response = browser.post(
        reverse("orders:kill_switch"), HTTP_REFERER="http://testserver/markets/"
    )

    assert (response.status_code, response["Location"]) == (
        302,
        "http://testserver/markets/",
    )


def test_a_plain_post_never_redirects_off_site(browser: Client) -> None:
    response = browser.post(
        reverse("orders:rearm"), HTTP_REFERER="https://evil.example/phish"
    )

    assert (response.status_code, response["Location"]) == (302, "/")


def test_the_kill_switch_is_post_only_and_needs_a_login(
    client: Client, db: None
) -> None:
    assert client.post(reverse("orders:kill_switch")).status_code == 302
    client.force_login(User.objects.create_user("someone"))
    assert client.get(reverse("orders:kill_switch")).status_code == 405
    assert (
        bot_settings_get(user=User.objects.get(username="someone")).trading_halted
        is False
    )
