"""Settings → Wallet & venue and the paper balance card, in the browser's
shapes: plain form posts and htmx swaps. The key is never in a page."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User, VenueCredential, Wallet
from accounts.trading_mode import LIVE_CHECKS_FAILED
from accounts.venue_checks import NO_ALLOWANCE, NO_PUSD
from accounts.wallets import (
    ADDRESS_INVALID,
    FUNDER_REQUIRED,
    PRIVATE_KEY_MISMATCH,
    WALLET_LOCKED_WHILE_LIVE,
)
from polybot.lib import crypto
from polybot.polymarket.errors import RetryableError
from portfolio.cash import paper_cash_balance, paper_cash_post
from portfolio.models import CashEntryKind
from tests.accounts.conftest import (
    EXCHANGE,
    OTHER_KEY,
    OTHER_SIGNER,
    PRIVATE_KEY,
    SIGNER,
    D,
    connect,
    status,
)
from tests.factories.accounts import BotSettingsFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

SETTINGS = reverse("accounts:settings")
CONNECT = reverse("accounts:wallet_connect")
DISCONNECT = reverse("accounts:wallet_disconnect")
DERIVE = reverse("accounts:wallet_derive")
CHECKS = reverse("accounts:wallet_checks")
PAPER_RESET = reverse("accounts:paper_reset")
MODE = reverse("accounts:trading_mode")
HTMX = {"HX-Request": "true"}
KEY_DIGITS = PRIVATE_KEY.removeprefix("0x")
FORM = {
    "address": SIGNER,
    "signature_type": "0",
    "funder": "",
    "private_key": PRIVATE_KEY,
    "label": "desk",
}


def field_errors(html: str, field: str) -> str:
    match = re.search(
        rf'<ul class="field-errors" id="id_{field}_error">(.*?)</ul>', html, re.S
    )
    return match.group(1) if match else ""


def key_input(html: str) -> str:
    match = re.search(r'<input type="password" name="private_key"[^>]*>', html)
    assert match is not None
    return match.group(0)


def assert_no_key(html: str) -> None:
    assert KEY_DIGITS not in html.lower()
    assert "value=" not in key_input(html)


@pytest.mark.parametrize(
    "url", [CONNECT, DISCONNECT, DERIVE, CHECKS, PAPER_RESET], ids=lambda u: u
)
def test_it_sends_anonymous_users_to_login(client: Client, url: str) -> None:
    response = client.post(url) if url != CHECKS else client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [CONNECT, DISCONNECT, DERIVE, PAPER_RESET])
def test_writes_refuse_get(client_logged_in: Client, url: str) -> None:
    assert client_logged_in.get(url).status_code == 405


def test_the_page_shows_an_empty_connect_form_without_asking_the_venue(
    client_logged_in: Client,
) -> None:
    html = client_logged_in.get(SETTINGS).content.decode()

    assert 'id="wallet-venue"' in html
    assert "Not connected" in html
    assert f'action="{CONNECT}"' in html
    assert "value=" not in key_input(html)
    # One radio per signature type, each with what it means.
    assert re.findall(r'name="signature_type" value="(\d)"', html) == [
        "0",
        "1",
        "2",
        "3",
    ]
    assert "Gnosis Safe" in html
    assert 'id="wallet-checks"' not in html  # no wallet, nothing to check


def test_connecting_shows_the_fingerprint_and_never_the_key(
    client_logged_in: Client, user: User
) -> None:
    response = client_logged_in.post(CONNECT, FORM, follow=True)

    assert response.redirect_chain == [(SETTINGS, 302)]
    html = response.content.decode()
    fingerprint = crypto.fingerprint(PRIVATE_KEY)
    assert f"key fingerprint {fingerprint}" in html
    assert f"fingerprint <code>{fingerprint}</code>" in html
    assert f'<dd class="mono" id="wallet-address">{SIGNER}</dd>' in html
    assert "not derived" in html
    assert_no_key(html)
    # The checks load after the page, from the venue.
    assert f'hx-get="{CHECKS}" hx-trigger="load"' in html
    credential = VenueCredential.objects.get(wallet__user=user)
    assert KEY_DIGITS not in credential.private_key_encrypted.lower()


def test_connecting_over_htmx_swaps_the_card(client_logged_in: Client) -> None:
    response = client_logged_in.post(CONNECT, FORM, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<section class="card" id="wallet-venue"' in html
    assert "Connected" in html
    assert 'hx-swap-oob="beforeend"' in html  # the toast
    assert_no_key(html)


def test_a_key_of_another_address_is_an_error_on_the_key_field(
    client_logged_in: Client,
) -> None:
    response = client_logged_in.post(CONNECT, {**FORM, "private_key": OTHER_KEY})

    assert response.status_code == 400
    html = response.content.decode()
    assert PRIVATE_KEY_MISMATCH.format(key_address=OTHER_SIGNER) in field_errors(
        html, "private_key"
    )
    assert field_errors(html, "address") == ""
    assert f'value="{SIGNER}"' in html  # the address is kept, the key is not
    assert OTHER_KEY.removeprefix("0x") not in html
    assert "value=" not in key_input(html)
    assert Wallet.objects.count() == 0
    assert VenueCredential.objects.count() == 0


def test_field_errors_come_back_over_htmx_with_a_400(
    client_logged_in: Client,
) -> None:
    response = client_logged_in.post(
        CONNECT,
        {**FORM, "address": "0x12", "signature_type": "2"},
        headers=HTMX,
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert ADDRESS_INVALID in field_errors(html, "address")
    assert FUNDER_REQUIRED in field_errors(html, "funder")
    assert_no_key(html)
    assert Wallet.objects.count() == 0


def test_an_unknown_signature_type_is_a_field_error(
    client_logged_in: Client,
) -> None:
    response = client_logged_in.post(CONNECT, {**FORM, "signature_type": "7"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice. 7 is not one of the available choices." in (
        field_errors(html, "signature_type")
    )
    assert_no_key(html)


def test_the_checks_show_balance_and_allowances(
    client_logged_in: Client, user: User, venue: Callable[[Any], None]
) -> None:
    connect(user)
    venue(status(balance="1234.5"))

    response = client_logged_in.get(CHECKS, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<span id="wallet-balance" class="num">$1,234.50</span>' in html
    assert re.findall(r'data-allowance="(\w+)">(\w+)<', html) == [
        ("exchange", "unlimited"),
        ("neg_risk_exchange", "unlimited"),
        ("neg_risk_adapter", "unlimited"),
    ]
    assert "Ready for live" in html


def test_the_checks_explain_what_is_missing(
    client_logged_in: Client, user: User, venue: Callable[[Any], None]
) -> None:
    connect(user)
    venue(status(balance="0", exchange=D("0")))

    html = client_logged_in.get(CHECKS, headers=HTMX).content.decode()

    assert "2 to fix" in html
    assert NO_PUSD.format(address=SIGNER) in html
    assert NO_ALLOWANCE.format(contract="CTF exchange", address=EXCHANGE) in html
    assert 'data-allowance="exchange">$0.00<' in html


def test_the_checks_without_javascript_render_the_whole_page(
    client_logged_in: Client, user: User, venue: Callable[[Any], None]
) -> None:
    connect(user)
    venue(status())

    html = client_logged_in.get(CHECKS).content.decode()

    assert "<title>Settings" in html
    assert "Ready for live" in html


def test_a_venue_that_is_down_is_a_message_not_a_500(
    client_logged_in: Client, user: User
) -> None:
    connect(user)  # the venue is a closed port in these tests

    response = client_logged_in.get(CHECKS, headers=HTMX)

    assert response.status_code == 200
    assert "The venue did not answer (" in response.content.decode()


def test_deriving_shows_the_credentials_fingerprint(
    client_logged_in: Client, user: User, venue: Callable[[Any], None]
) -> None:
    connect(user, derived=False)
    venue(status())

    response = client_logged_in.post(DERIVE, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    fingerprint = crypto.fingerprint("k-123")
    assert f"derived</span> (fingerprint <code>{fingerprint}</code>)" in html
    assert f"API credentials derived (fingerprint {fingerprint})." in html
    assert "k-123" not in html
    assert "Ready for live" in html  # the checks ran again with them


def test_deriving_while_the_venue_is_down_says_so(
    client_logged_in: Client, user: User, venue: Callable[[Any], None]
) -> None:
    connect(user, derived=False)
    venue(RetryableError("GET /auth/derive-api-key: connection refused"))

    response = client_logged_in.post(DERIVE, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The venue did not give the API credentials (" in html
    assert "not derived" in html


def test_disconnecting_erases_the_key_and_shows_the_empty_card(
    client_logged_in: Client, user: User
) -> None:
    connect(user)

    response = client_logged_in.post(DISCONNECT, headers=HTMX)

    html = response.content.decode()
    assert "Not connected" in html
    assert f"Wallet {SIGNER} disconnected" in html
    assert VenueCredential.objects.count() == 0


def test_the_card_is_locked_while_trading_live(
    client_logged_in: Client, user: User
) -> None:
    connect(user)
    User.objects.filter(pk=user.pk).update(trading_mode="live")

    html = client_logged_in.get(SETTINGS).content.decode()
    assert f'action="{CONNECT}"' not in html
    assert f'action="{DISCONNECT}"' not in html

    response = client_logged_in.post(CONNECT, FORM, headers=HTMX)
    assert response.status_code == 400
    assert WALLET_LOCKED_WHILE_LIVE in response.content.decode()


def test_a_refused_live_switch_lists_the_reasons(
    client_logged_in: Client, user: User, settings, venue: Callable[[Any], None]
) -> None:
    settings.LIVE_TRADING_ENABLED = True
    connect(user)
    venue(status(balance="0"))

    response = client_logged_in.post(MODE, {"trading_mode": "live"}, follow=True)

    assert response.redirect_chain == [(SETTINGS, 302)]
    html = response.content.decode()
    assert LIVE_CHECKS_FAILED in html
    assert NO_PUSD.format(address=SIGNER) in html
    user.refresh_from_db()
    assert user.trading_mode == "paper"


def test_the_paper_card_asks_before_resetting(
    client_logged_in: Client, user: User
) -> None:
    BotSettingsFactory(user=user, paper_starting_balance=D("2500"))
    OrderFactory(user=user, status="open")

    html = client_logged_in.get(SETTINGS).content.decode()

    assert (
        'hx-confirm="Reset paper cash to $2,500.00? 1 open paper order will be '
        'cancelled first."'
    ) in html


def test_resetting_the_paper_balance_sets_it_to_the_starting_balance(
    client_logged_in: Client, user: User
) -> None:
    BotSettingsFactory(user=user, paper_starting_balance=D("2500"))
    paper_cash_post(user, kind=CashEntryKind.BUY, amount=D("-999.99"))
    order = OrderFactory(user=user, status="open")

    response = client_logged_in.post(PAPER_RESET, follow=True)

    assert response.redirect_chain == [(SETTINGS, 302)]
    html = response.content.decode()
    assert "Paper balance reset to 2,500.00 pUSD; 1 open paper order cancelled." in html
    assert '<dd class="num" id="paper-cash">$2,500.00</dd>' in html
    assert paper_cash_balance(user) == Decimal("2500")
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_resetting_over_htmx_swaps_the_paper_card(
    client_logged_in: Client, user: User
) -> None:
    BotSettingsFactory(user=user, paper_starting_balance=D("1000"))

    response = client_logged_in.post(PAPER_RESET, headers=HTMX)

    html = response.content.decode()
    assert '<section class="card" id="paper-balance"' in html
    assert '<dd class="num" id="paper-cash">$1,000.00</dd>' in html
    assert "Paper balance reset to 1,000.00 pUSD." in html
