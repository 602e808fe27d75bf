from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import BotSettings, User
from accounts.services import LIVE_TRADING_DISABLED
from tests.factories.accounts import BotSettingsFactory

pytestmark = pytest.mark.django_db

VALID_SETTINGS = {
    "max_bet_amount": "25.50",
    "max_daily_loss": "150",
    "max_open_positions": "7",
    "max_position_per_market": "400",
    "risk_level": "low",
    "paper_starting_balance": "2500",
    "auto_trade_enabled": "on",
}


def _field_errors(html: str, field: str) -> str:
    """The error list rendered under one field (empty if none)."""
    match = re.search(
        rf'<ul class="field-errors" id="id_{field}_error">(.*?)</ul>', html, re.S
    )
    return match.group(1) if match else ""


@pytest.mark.parametrize(
    "url_name", ["portfolio:dashboard", "accounts:settings", "accounts:password_change"]
)
def test_it_redirects_anonymous_users_to_login(client: Client, url_name: str) -> None:
    url = reverse(url_name)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_it_shows_the_login_page_to_anonymous_users(client: Client) -> None:
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_it_logs_in_and_lands_on_the_dashboard(client: Client, user: User) -> None:
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": "correct-horse-battery"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:dashboard")
    assert client.get(reverse("portfolio:dashboard")).status_code == 200


def test_it_follows_next_after_login(client: Client, user: User) -> None:
    response = client.post(
        reverse("accounts:login") + "?next=/accounts/settings/",
        {
            "username": "alice",
            "password": "correct-horse-battery",
            "next": "/accounts/settings/",
        },
    )

    assert response["Location"] == "/accounts/settings/"


def test_it_shows_an_error_for_a_wrong_password(client: Client, user: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": "wrong"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="alert alert-error" role="alert"' in html
    assert "Please enter a correct username and password" in html
    assert "_auth_user_id" not in client.session


def test_it_logs_out_only_with_post(client_logged_in: Client) -> None:
    assert client_logged_in.get(reverse("accounts:logout")).status_code == 405

    response = client_logged_in.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client_logged_in.session


def test_it_renders_the_settings_page(client_logged_in: Client, user: User) -> None:
    BotSettingsFactory(user=user, max_bet_amount=Decimal("42"))

    response = client_logged_in.get(reverse("accounts:settings"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="max_bet_amount"' in html
    assert 'value="42.00"' in html  # not the stored 42.000000
    assert f'action="{reverse("accounts:trading_mode")}"' in html
    assert "POLYBOT_LIVE_TRADING_ENABLED" in html


def test_it_saves_bot_settings(client_logged_in: Client, user: User) -> None:
    response = client_logged_in.post(
        reverse("accounts:settings"), VALID_SETTINGS, follow=True
    )

    assert response.redirect_chain == [(reverse("accounts:settings"), 302)]
    assert "Settings saved." in response.content.decode()
    row = BotSettings.objects.get(user=user)
    assert row.max_bet_amount == Decimal("25.50")
    assert row.max_daily_loss == Decimal("150")
    assert row.max_open_positions == 7
    assert row.risk_level == "low"
    assert row.paper_starting_balance == Decimal("2500")
    assert row.auto_trade_enabled is True


@pytest.mark.parametrize(
    ("value", "message"),
    [("-5", "Must be greater than zero."), ("abc", "Enter a number.")],
)
def test_it_rejects_an_invalid_value_and_saves_nothing(
    client_logged_in: Client, user: User, value: str, message: str
) -> None:
    BotSettingsFactory(
        user=user, max_bet_amount=Decimal("100"), max_daily_loss=Decimal("200")
    )

    response = client_logged_in.post(
        reverse("accounts:settings"), {**VALID_SETTINGS, "max_bet_amount": value}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert message in _field_errors(html, "max_bet_amount")
    assert _field_errors(html, "max_daily_loss") == ""
    assert 'aria-invalid="true"' in html
    row = BotSettings.objects.get(user=user)
    assert row.max_bet_amount == Decimal("100")
    assert row.max_daily_loss == Decimal("200")  # the valid fields are not saved either


def test_it_rejects_a_zero_bet_size(client_logged_in: Client, user: User) -> None:
    response = client_logged_in.post(
        reverse("accounts:settings"), {**VALID_SETTINGS, "max_bet_amount": "0"}
    )

    assert response.status_code == 400
    assert "Must be greater than zero." in _field_errors(
        response.content.decode(), "max_bet_amount"
    )


def test_it_refuses_live_mode_when_the_server_switch_is_off(
    client_logged_in: Client, user: User, settings
) -> None:
    settings.LIVE_TRADING_ENABLED = False

    response = client_logged_in.post(
        reverse("accounts:trading_mode"), {"trading_mode": "live"}, follow=True
    )

    assert response.redirect_chain == [(reverse("accounts:settings"), 302)]
    assert LIVE_TRADING_DISABLED in response.content.decode()
    user.refresh_from_db()
    assert user.trading_mode == "paper"


def test_it_disables_the_live_option_when_the_server_switch_is_off(
    client_logged_in: Client, settings
) -> None:
    settings.LIVE_TRADING_ENABLED = False

    html = client_logged_in.get(reverse("accounts:settings")).content.decode()

    live_input = re.search(
        r'<input type="radio" name="trading_mode" value="live"[^>]*>', html
    )
    assert live_input is not None
    assert "disabled" in live_input.group(0)
    assert "Off on this server" in html


def test_it_switches_back_to_paper(client_logged_in: Client, user: User) -> None:
    User.objects.filter(pk=user.pk).update(trading_mode="live")

    response = client_logged_in.post(
        reverse("accounts:trading_mode"), {"trading_mode": "paper"}, follow=True
    )

    assert "Trading mode is now Paper." in response.content.decode()
    user.refresh_from_db()
    assert user.trading_mode == "paper"


def test_it_shows_the_live_badge_in_live_mode(
    client_logged_in: Client, user: User
) -> None:
    User.objects.filter(pk=user.pk).update(trading_mode="live")

    html = client_logged_in.get(reverse("accounts:settings")).content.decode()

    assert re.search(r'id="mode-badge" class="badge badge-mode badge-live"', html)
    assert 'class="app is-live"' in html


def test_it_changes_the_password(client_logged_in: Client, user: User) -> None:
    response = client_logged_in.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "a-much-longer-passphrase-42",
            "new_password2": "a-much-longer-passphrase-42",
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("accounts:password_done"), 302)]
    assert "Password changed" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("a-much-longer-passphrase-42")


def test_it_shows_password_errors_next_to_the_field(
    client_logged_in: Client, user: User
) -> None:
    response = client_logged_in.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Your old password was entered incorrectly" in _field_errors(
        html, "old_password"
    )
    assert "didn’t match" in _field_errors(html, "new_password2")
