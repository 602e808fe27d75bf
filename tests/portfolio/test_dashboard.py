from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories.markets import MarketFactory, OutcomeFactory
from tests.factories.orders import OrderFactory
from tests.factories.portfolio import PositionFactory

pytestmark = pytest.mark.django_db


def _stat(html: str, name: str) -> str:
    match = re.search(rf'id="stat-{name}">([^<]*)<', html)
    assert match, f"stat {name} not rendered"
    return match.group(1).strip()


def _dashboard(client: Client) -> str:
    response = client.get(reverse("portfolio:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_it_redirects_anonymous_users_to_login(client: Client) -> None:
    response = client.get(reverse("portfolio:dashboard"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_it_shows_empty_stats_and_no_positions(client_logged_in: Client) -> None:
    html = _dashboard(client_logged_in)

    assert _stat(html, "total-bets") == "0"
    assert _stat(html, "active-bets") == "0"
    assert _stat(html, "win-rate") == "—"
    assert _stat(html, "pnl") == "$0.00"
    assert "No open positions yet" in html
    assert "No closed positions yet" in html


def test_it_counts_bets_from_orders(client_logged_in: Client, user: User) -> None:
    OrderFactory(user=user, status="open")
    OrderFactory(user=user, status="filled", filled_size=Decimal("10"))
    # Never traded and never will: not a bet.
    OrderFactory(user=user, status="cancelled")
    OrderFactory(user=user, status="rejected")

    html = _dashboard(client_logged_in)

    assert _stat(html, "total-bets") == "2"
    assert _stat(html, "active-bets") == "1"


def test_it_computes_win_rate_and_pnl_from_closed_positions(
    client_logged_in: Client, user: User
) -> None:
    PositionFactory(
        user=user, status="closed", size=Decimal("0"),
        realized_pnl=Decimal("5"), fees_paid=Decimal("1"),
    )  # fmt: skip
    PositionFactory(
        user=user, status="closed", size=Decimal("0"), realized_pnl=Decimal("-3")
    )

    html = _dashboard(client_logged_in)

    assert _stat(html, "win-rate") == "50.0%"
    assert _stat(html, "pnl") == "+$1.00"
    assert 'class="stat-value up" id="stat-pnl"' in html
    assert "Of 2 closed positions" in html


def test_it_colours_a_loss_red(client_logged_in: Client, user: User) -> None:
    PositionFactory(
        user=user, status="closed", size=Decimal("0"),
        realized_pnl=Decimal("-1234.5"), fees_paid=Decimal("0.25"),
    )  # fmt: skip

    html = _dashboard(client_logged_in)

    assert _stat(html, "pnl") == "-$1,234.75"
    assert 'class="stat-value down" id="stat-pnl"' in html
    assert _stat(html, "win-rate") == "0.0%"


def test_it_lists_open_positions(client_logged_in: Client, user: User) -> None:
    market = MarketFactory(question="Will the Fed cut rates in December?")
    outcome = OutcomeFactory(market=market, label="Yes", price=Decimal("0.62"))
    position = PositionFactory(
        user=user, outcome=outcome, size=Decimal("25"),
        average_entry_price=Decimal("0.40"),
    )  # fmt: skip
    PositionFactory(user=user, status="closed", size=Decimal("0"))

    html = _dashboard(client_logged_in)

    assert f'id="position-{position.id}"' in html
    assert "Will the Fed cut rates in December?" in html
    assert "$10.00" in html  # cost basis: 25 × 0.40
    assert html.count('<tr id="position-') == 1
    assert "No open positions yet" not in html


def test_it_never_shows_another_users_data(
    client_logged_in: Client, user: User, other_user: User
) -> None:
    OrderFactory(user=user, status="open")
    OrderFactory(user=other_user, status="open")
    OrderFactory(user=other_user, status="filled", filled_size=Decimal("10"))
    PositionFactory(
        user=other_user, status="closed", size=Decimal("0"), realized_pnl=Decimal("99")
    )
    secret = MarketFactory(question="Mallory's secret market?")
    PositionFactory(user=other_user, outcome=OutcomeFactory(market=secret))

    html = _dashboard(client_logged_in)

    assert _stat(html, "total-bets") == "1"
    assert _stat(html, "active-bets") == "1"
    assert _stat(html, "win-rate") == "—"
    assert _stat(html, "pnl") == "$0.00"
    assert "Mallory" not in html
    assert "No open positions yet" in html


def test_it_only_counts_the_current_trading_mode(
    client_logged_in: Client, user: User
) -> None:
    OrderFactory(user=user, mode="live", status="open")
    PositionFactory(
        user=user,
        mode="live",
        status="closed",
        size=Decimal("0"),
        realized_pnl=Decimal("7"),
    )

    html = _dashboard(client_logged_in)

    assert _stat(html, "total-bets") == "0"
    assert _stat(html, "pnl") == "$0.00"


def test_it_highlights_the_dashboard_in_the_sidebar(client_logged_in: Client) -> None:
    html = _dashboard(client_logged_in)

    assert re.search(r'class="nav-link is-active" href="/" aria-current="page"', html)
    assert html.count('aria-current="page"') == 1
