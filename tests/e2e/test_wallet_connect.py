"""Settings → Wallet & venue against the sandbox venue over real HTTP: the
wallet is connected through the page, the API credentials are derived with
an L1 signature the venue verifies, and the pUSD balance and allowances come
from the venue's own ``GET /balance-allowance`` (STYLE A3)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from django.test import Client
from django.urls import reverse
from eth_account import Account
from eth_account.signers.local import LocalAccount

from accounts.models import User, VenueCredential
from accounts.services import LIVE_TRADING_DISABLED, credential_reveal
from accounts.trading_mode import LIVE_CHECKS_FAILED
from accounts.venue_checks import NO_ALLOWANCE, NO_PUSD
from polybot.lib import crypto
from polybot.sandbox import constants
from polybot.sandbox.server import SandboxThread
from tests.e2e.conftest import QUIET
from tests.e2e.live_venue import live_settings, venue_collateral

pytestmark = pytest.mark.django_db

STARTING_BALANCE = QUIET.starting_balance
HTMX = {"HX-Request": "true"}
SETTINGS = reverse("accounts:settings")
CONNECT = reverse("accounts:wallet_connect")
DERIVE = reverse("accounts:wallet_derive")
CHECKS = reverse("accounts:wallet_checks")
MODE = reverse("accounts:trading_mode")


@pytest.fixture
def live(settings: Any, sandbox: SandboxThread) -> None:
    live_settings(settings, sandbox)


@pytest.fixture
def account() -> LocalAccount:
    """A fresh EOA: the sandbox funds it with its starting balance."""
    return Account.create()


def connect_and_derive(client: Client, account: LocalAccount) -> str:
    """Connect through the form, derive through the button; the card's HTML."""
    connected = client.post(
        CONNECT,
        {
            "address": account.address,
            "signature_type": "0",
            "funder": "",
            "private_key": account.key.hex(),
            "label": "",
        },
    )
    assert connected.status_code == 302
    derived = client.post(DERIVE, headers=HTMX)
    assert derived.status_code == 200
    return derived.content.decode()


def allowances(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-allowance="(\w+)">([^<]+)<', html)


def test_the_page_derives_credentials_and_reads_the_balance_from_the_venue(
    live: None,
    client_logged_in: Client,
    user: User,
    sandbox: SandboxThread,
    account: LocalAccount,
) -> None:
    html = connect_and_derive(client_logged_in, account)

    # The stored credentials are the ones the venue issued for this signer.
    credential = VenueCredential.objects.get(wallet__user=user)
    issued = sandbox.call(lambda: sandbox.venue.keys.derive(account.address, 0))
    assert credential_reveal(credential=credential, field="api_key") == issued.api_key
    fingerprint = crypto.fingerprint(issued.api_key)
    assert f"derived</span> (fingerprint <code>{fingerprint}</code>)" in html
    assert issued.secret not in html and issued.passphrase not in html
    assert account.key.hex() not in html
    # Balance and allowances, as the venue reports them.
    assert f'<span id="wallet-balance" class="num">${STARTING_BALANCE:,.2f}</span>' in (
        html
    )
    assert allowances(html) == [
        ("exchange", "unlimited"),
        ("neg_risk_exchange", "unlimited"),
        ("neg_risk_adapter", "unlimited"),
    ]
    assert "Ready for live" in html


def test_the_checks_explain_an_empty_wallet_and_a_missing_approval(
    live: None,
    client_logged_in: Client,
    sandbox: SandboxThread,
    account: LocalAccount,
    control: httpx.Client,
) -> None:
    connect_and_derive(client_logged_in, account)
    drained = control.post(
        "/fund", json={"address": account.address, "amount": str(-STARTING_BALANCE)}
    )
    assert drained.status_code == 200
    control.post(
        "/allowances",
        json={"address": account.address, "spender": constants.EXCHANGE_V2,
              "amount": "0"},
    )  # fmt: skip

    html = client_logged_in.get(CHECKS, headers=HTMX).content.decode()

    assert venue_collateral(sandbox, account.address) == Decimal("0")
    assert '<span id="wallet-balance" class="num">$0.00</span>' in html
    assert allowances(html)[0] == ("exchange", "$0.00")
    assert re.findall(r'data-problem="(\w+)"', html) == [
        "no_pusd",
        "no_allowance_exchange",
    ]
    assert NO_PUSD.format(address=account.address) in html
    assert (
        NO_ALLOWANCE.format(contract="CTF exchange", address=constants.EXCHANGE_V2)
        in html
    )


def test_live_is_refused_while_a_check_fails_and_allowed_once_it_passes(
    live: None,
    client_logged_in: Client,
    user: User,
    account: LocalAccount,
    control: httpx.Client,
) -> None:
    connect_and_derive(client_logged_in, account)
    control.post(
        "/allowances",
        json={"address": account.address, "spender": constants.NEG_RISK_ADAPTER,
              "amount": "0"},
    )  # fmt: skip

    refused = client_logged_in.post(MODE, {"trading_mode": "live"}, follow=True)

    html = refused.content.decode()
    assert LIVE_CHECKS_FAILED in html
    assert (
        NO_ALLOWANCE.format(
            contract="neg-risk adapter", address=constants.NEG_RISK_ADAPTER
        )
        in html
    )
    user.refresh_from_db()
    assert user.trading_mode == "paper"

    control.post(
        "/allowances",
        json={"address": account.address, "spender": constants.NEG_RISK_ADAPTER,
              "amount": "500"},
    )  # fmt: skip
    allowed = client_logged_in.post(MODE, {"trading_mode": "live"}, follow=True)

    assert "Trading mode is now Live." in allowed.content.decode()
    user.refresh_from_db()
    assert user.trading_mode == "live"


def test_live_is_refused_when_the_server_disables_it_even_with_passing_checks(
    live: None,
    settings: Any,
    client_logged_in: Client,
    user: User,
    account: LocalAccount,
) -> None:
    html = connect_and_derive(client_logged_in, account)
    assert "Ready for live" in html
    settings.LIVE_TRADING_ENABLED = False

    response = client_logged_in.post(MODE, {"trading_mode": "live"}, follow=True)

    assert LIVE_TRADING_DISABLED in response.content.decode()
    user.refresh_from_db()
    assert user.trading_mode == "paper"


def test_a_failing_venue_is_a_clear_message_and_refuses_live(
    live: None,
    client_logged_in: Client,
    user: User,
    account: LocalAccount,
    control: httpx.Client,
) -> None:
    connect_and_derive(client_logged_in, account)
    control.post("/faults", json={"http_5xx_share": 1.0, "services": ["/clob"]})

    checks = client_logged_in.get(CHECKS, headers=HTMX)
    mode = client_logged_in.post(MODE, {"trading_mode": "live"}, follow=True)

    assert checks.status_code == 200
    assert re.findall(r'data-problem="(\w+)"', checks.content.decode()) == [
        "venue_unreachable"
    ]
    assert "The venue did not answer (" in checks.content.decode()
    assert mode.status_code == 200
    assert LIVE_CHECKS_FAILED in mode.content.decode()
    user.refresh_from_db()
    assert user.trading_mode == "paper"
