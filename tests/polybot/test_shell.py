"""The page shell: security headers, no inline code, error pages, formatting."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import User
from polybot.templatetags.ui import percent, sign_class, signed_usd, usd
from polybot.views import server_error
from tests.factories.alerts import NotificationFactory

pytestmark = pytest.mark.django_db

# An opening <script> tag without a src attribute is an inline script.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)


def _assert_no_inline_code(html: str) -> None:
    assert not INLINE_SCRIPT.search(html)
    assert ' style="' not in html
    assert "<style" not in html
    assert " on" + "click=" not in html.lower()


@pytest.mark.parametrize(
    "url_name",
    ["portfolio:dashboard", "accounts:settings", "accounts:password_change"],
)
def test_it_sends_a_strict_csp_and_no_inline_code(
    client_logged_in: Client, url_name: str
) -> None:
    response = client_logged_in.get(reverse(url_name))

    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    _assert_no_inline_code(response.content.decode())


def test_the_login_page_has_no_inline_code(client: Client) -> None:
    response = client.get(reverse("accounts:login"))

    assert "Content-Security-Policy" in response
    _assert_no_inline_code(response.content.decode())


def test_it_loads_vendored_htmx_and_sends_the_csrf_token(
    client_logged_in: Client,
) -> None:
    response = client_logged_in.get(reverse("portfolio:dashboard"))
    html = response.content.decode()

    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in html
    assert '<script src="/static/vendor/htmx/ext/ws.js" defer></script>' in html
    token = response.cookies["csrftoken"].value
    assert token
    assert re.search(
        r"""hx-headers='\{"x-csrftoken": "[A-Za-z0-9]+"\}' hx-ext="ws">""", html
    )
    # Every script and stylesheet is served by us: nothing from a CDN.
    assets = re.findall(r'<(?:script|link)[^>]*\s(?:src|href)="([^"]*)"', html)
    assert assets
    assert all(url.startswith("/static/") for url in assets), assets


def test_it_lists_nav_sections_and_the_user_menu(
    client_logged_in: Client, user: User
) -> None:
    html = client_logged_in.get(reverse("accounts:settings")).content.decode()

    assert 'href="/accounts/settings/" aria-current="page"' in html
    assert f'action="{reverse("accounts:logout")}"' in html
    assert f'href="{reverse("accounts:password_change")}"' in html
    assert user.display_name in html


def test_the_password_page_highlights_settings(client_logged_in: Client) -> None:
    html = client_logged_in.get(reverse("accounts:password_change")).content.decode()

    assert re.search(r'class="nav-link is-active" href="/accounts/settings/"', html)


def test_it_shows_the_unread_notification_count(
    client_logged_in: Client, user: User, other_user: User
) -> None:
    NotificationFactory.create_batch(3, user=user)
    NotificationFactory(user=other_user)

    html = client_logged_in.get(reverse("portfolio:dashboard")).content.decode()

    assert '<span id="notification-count" class="bell-count">3</span>' in html
    assert 'aria-label="3 unread notifications"' in html


def test_it_renders_messages_as_dismissible_toasts(
    client_logged_in: Client, user: User
) -> None:
    response = client_logged_in.post(
        reverse("accounts:trading_mode"), {"trading_mode": "nonsense"}, follow=True
    )
    html = response.content.decode()

    assert re.search(r'class="toast toast-error" role="alert" data-dismissible>', html)
    assert "Choose paper or live." in html
    assert "data-dismiss" in html


def test_it_renders_the_404_page(client_logged_in: Client) -> None:
    response = client_logged_in.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    _assert_no_inline_code(response.content.decode())


def test_the_500_page_needs_no_database(django_assert_num_queries, user: User) -> None:
    request = RequestFactory().get("/")
    request.user = user

    with django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    _assert_no_inline_code(html)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.565"), "$1,234.57"),
        (Decimal("-3"), "-$3.00"),
        (Decimal("0"), "$0.00"),
        (Decimal("-0.001"), "$0.00"),
        (None, "—"),
    ],
)
def test_usd_formats_money(value: Decimal | None, expected: str) -> None:
    assert usd(value) == expected


def test_signed_usd_marks_gains() -> None:
    assert signed_usd(Decimal("1")) == "+$1.00"
    assert signed_usd(Decimal("-1")) == "-$1.00"
    assert signed_usd(Decimal("0.004")) == "$0.00"


def test_percent_and_sign_class() -> None:
    assert percent(Decimal("50.0")) == "50.0%"
    assert percent(Decimal("33.333")) == "33.3%"
    assert percent(None) == "—"
    assert sign_class(Decimal("2")) == "up"
    assert sign_class(Decimal("-2")) == "down"
    assert sign_class(Decimal("0")) == "flat"
