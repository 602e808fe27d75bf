"""The catalogue sync strip on the Markets page, starting a full sync from
the page and from the admin. Celery runs eagerly: a started sync reads the
in-process sandbox's Gamma over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from markets.models import Market, MarketStatus
from markets.tasks import PROGRESS_KEY
from polybot.lib.time import utc_now
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.gamma import GammaClient
from polybot.sandbox.config import SandboxConfig
from polybot.sandbox.server import SandboxThread
from tests.factories.accounts import UserFactory
from tests.factories.markets import MarketFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/markets/"
STATUS_URL = "/markets/sync/"
START_URL = "/markets/sync/start/"
ADMIN_SYNC_URL = "/admin/markets/market/sync/"
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxThread]:
    thread = SandboxThread(
        SandboxConfig(seed=7, simulator_enabled=False, resolve_after=None)
    ).start()
    yield thread
    thread.stop()


@pytest.fixture
def gamma_markets(sandbox: SandboxThread, settings: Any) -> int:
    """Points the sync at the sandbox; returns how many active markets its
    Gamma lists."""
    settings.POLYMARKET_GAMMA_URL = sandbox.urls.gamma
    gamma = GammaClient(replace(VenueConfig(), gamma_url=sandbox.urls.gamma))
    return len(list(gamma.markets(active=True, closed=False)))


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


def _strip(html: str) -> str:
    """The sync strip, whitespace collapsed."""
    match = re.search(r'<section id="sync-status".*?</section>', html, re.S)
    assert match, "no sync strip"
    return " ".join(match.group(0).split())


def _get_strip(client: Client, url: str = STATUS_URL, **params: str) -> str:
    # The list page carries the strip on a full load; htmx polls the status.
    extra = HTMX if url == STATUS_URL else {}
    response = client.get(url, params, **extra)
    assert response.status_code == 200
    return _strip(response.content.decode())


# --- the strip -------------------------------------------------------------------


def test_it_says_when_no_full_sync_is_on_record(client_logged_in: Client) -> None:
    strip = _get_strip(client_logged_in, LIST_URL)

    assert strip.startswith(
        '<section id="sync-status" class="card sync-strip is-idle" '
        'aria-label="Catalogue sync" hx-get="/markets/sync/" '
        'hx-trigger="every 30s" hx-swap="outerHTML">'
    )
    assert "<strong>No full sync in the last hour</strong>" in strip
    assert "<progress" not in strip
    assert "Sync now" not in strip  # not staff


def test_it_shows_the_last_full_sync(client_logged_in: Client) -> None:
    finished = utc_now().replace(microsecond=0) - timedelta(minutes=2)
    cache.set(PROGRESS_KEY, {"running": False, "finishedAt": finished.isoformat(),
                             "created": 24, "updated": 1200, "outcomes": 2448,
                             "events": 9, "skipped": 0})  # fmt: skip

    strip = _get_strip(client_logged_in, LIST_URL)

    assert "is-finished" in strip
    assert (
        f'<strong>Last full sync</strong> <span class="muted">finished '
        f'<time datetime="{finished.isoformat()}">{finished:%b} {finished.day}, '
        f'{finished:%H:%M} UTC</time> <span class="sync-nowrap">(2 minutes ago)</span> · '
        "24 created · "
        "1,200 updated</span>"
    ) in strip
    assert 'hx-trigger="every 30s"' in strip


def test_it_shows_a_progress_bar_while_a_sync_runs(
    client_logged_in: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("markets.selectors.utc_now", lambda: NOW)
    MarketFactory.create_batch(3, status=MarketStatus.ACTIVE)
    MarketFactory(status=MarketStatus.CLOSED)
    started = NOW - timedelta(seconds=72)
    cache.set(
        PROGRESS_KEY, {"running": True, "done": 2, "startedAt": started.isoformat()}
    )

    strip = _get_strip(client_logged_in)

    assert strip.startswith(
        '<section id="sync-status" class="card sync-strip is-running" '
        'aria-label="Catalogue sync" hx-get="/markets/sync/" '
        'hx-trigger="every 2s" hx-swap="outerHTML">'
    )
    assert (
        '<strong>Full sync running</strong> <span class="muted">· 2 of about 3 '
        'markets written · <span class="sync-nowrap">1 min 12 s elapsed</span></span>'
    ) in strip
    assert (
        '<progress class="sync-progress" value="2" max="3" '
        'aria-label="Full sync progress"></progress>'
    ) in strip


def test_the_bar_is_full_when_a_sync_writes_more_than_we_held(
    client_logged_in: Client,
) -> None:
    MarketFactory(status=MarketStatus.ACTIVE)
    cache.set(PROGRESS_KEY, {"running": True, "done": 1500,
                             "startedAt": utc_now().isoformat()})  # fmt: skip

    strip = _get_strip(client_logged_in)

    assert "· 1,500 of about 1 markets written" in strip
    assert 'value="1" max="1"' in strip


def test_the_first_sync_has_a_bar_without_an_end(client_logged_in: Client) -> None:
    cache.set(
        PROGRESS_KEY, {"running": True, "done": 0, "startedAt": utc_now().isoformat()}
    )

    strip = _get_strip(client_logged_in)

    assert '<progress class="sync-progress" aria-label="Full sync progress">' in strip
    assert "· 0 markets written" in strip


def test_a_queued_sync_waits_for_a_worker_until_one_finishes(
    client_logged_in: Client,
) -> None:
    queued = utc_now().replace(microsecond=0) - timedelta(seconds=5)
    earlier = queued - timedelta(hours=1)
    cache.set(PROGRESS_KEY, {"running": False, "finishedAt": earlier.isoformat(),
                             "created": 1, "updated": 2})  # fmt: skip
    stamp = str(int(queued.timestamp()))

    waiting = _get_strip(client_logged_in, queued=stamp)

    assert "<strong>Full sync queued</strong>" in waiting
    assert f'hx-get="/markets/sync/?queued={stamp}" hx-trigger="every 2s"' in waiting

    cache.set(PROGRESS_KEY, {"running": False, "finishedAt": utc_now().isoformat(),
                             "created": 3, "updated": 4})  # fmt: skip
    done = _get_strip(client_logged_in, queued=stamp)

    assert "· 3 created · 4 updated" in done
    assert 'hx-get="/markets/sync/" hx-trigger="every 30s"' in done


def test_a_queued_sync_is_forgotten_after_ten_minutes(client_logged_in: Client) -> None:
    long_ago = int((utc_now() - timedelta(minutes=11)).timestamp())

    strip = _get_strip(client_logged_in, queued=str(long_ago))

    assert "is-idle" in strip


@pytest.mark.parametrize("queued", ["soon", "-5", "99999999999999"])
def test_a_bad_queued_time_is_ignored(client_logged_in: Client, queued: str) -> None:
    assert "is-idle" in _get_strip(client_logged_in, queued=queued)


def test_staff_see_the_sync_button(staff_client: Client) -> None:
    strip = _get_strip(staff_client, LIST_URL)

    assert (
        '<form class="sync-form" method="post" action="/markets/sync/start/" '
        'hx-post="/markets/sync/start/" hx-target="#sync-status" hx-swap="outerHTML">'
    ) in strip
    assert (
        '<button type="submit" id="sync-start" class="btn btn-sm">Sync now</button>'
        in strip
    )


def test_the_button_is_disabled_while_a_sync_runs(staff_client: Client) -> None:
    cache.set(
        PROGRESS_KEY, {"running": True, "done": 0, "startedAt": utc_now().isoformat()}
    )

    strip = _get_strip(staff_client)

    assert (
        '<button type="submit" id="sync-start" class="btn btn-sm" disabled>Syncing…</button>'
        in strip
    )


def test_the_list_table_alone_does_not_carry_the_strip(
    client_logged_in: Client,
) -> None:
    html = client_logged_in.get(LIST_URL, **HTMX).content.decode()

    assert 'id="sync-status"' not in html


def test_the_status_needs_a_login(client: Client) -> None:
    response = client.get(STATUS_URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/markets/sync/"


# --- starting a sync from the page ----------------------------------------------------


def test_it_runs_a_full_sync_and_answers_with_the_strip(
    staff_client: Client, gamma_markets: int
) -> None:
    response = staff_client.post(START_URL, **HTMX)

    assert response.status_code == 200
    strip = _strip(response.content.decode())
    # Eager Celery: the sync has already run when the answer is rendered.
    assert Market.objects.count() == gamma_markets >= 24
    assert (
        '<span class="sync-nowrap">(just now)</span> '
        f"· {gamma_markets} created · 0 updated"
    ) in strip
    assert "is-finished" in strip


def test_without_htmx_it_redirects_to_the_list_with_a_message(
    staff_client: Client, gamma_markets: int
) -> None:
    response = staff_client.post(START_URL, follow=True)

    assert response.redirect_chain == [("/markets/", 302)]
    assert "Full sync queued." in response.content.decode()
    assert Market.objects.count() == gamma_markets


def test_a_sync_while_one_runs_is_a_no_op(
    staff_client: Client, gamma_markets: int
) -> None:
    cache.set("markets:sync:lock", "another-worker", timeout=60)
    started = utc_now().isoformat()
    cache.set(PROGRESS_KEY, {"running": True, "done": 5, "startedAt": started})

    strip = _strip(staff_client.post(START_URL, **HTMX).content.decode())

    assert Market.objects.count() == 0
    assert "· 5 markets written" in strip


def test_only_staff_may_start_a_sync(client_logged_in: Client) -> None:
    response = client_logged_in.post(START_URL, **HTMX)

    assert response.status_code == 403
    assert "errors/403.html" in [t.name for t in response.templates]
    assert Market.objects.count() == 0


def test_starting_a_sync_needs_a_login(client: Client) -> None:
    response = client.post(START_URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/markets/sync/start/"


def test_starting_a_sync_is_a_post(staff_client: Client) -> None:
    assert staff_client.get(START_URL).status_code == 405


def test_starting_a_sync_needs_the_csrf_token(staff: User, gamma_markets: int) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    page = browser.get(LIST_URL).content.decode()
    token = re.search(r'hx-headers=\'\{"x-csrftoken": "([^"]+)"\}\'', page)
    assert token

    refused = browser.post(START_URL, **HTMX)
    accepted = browser.post(START_URL, HTTP_X_CSRFTOKEN=token.group(1), **HTMX)

    assert refused.status_code == 403
    assert "403_csrf.html" in [t.name for t in refused.templates]
    assert accepted.status_code == 200
    assert Market.objects.count() == gamma_markets


# --- starting a sync from the admin ----------------------------------------------------


def test_the_market_changelist_has_a_full_sync_button(staff_client: Client) -> None:
    html = staff_client.get(reverse("admin:markets_market_changelist")).content.decode()

    assert (
        f'<form class="object-tool-form" method="post" action="{ADMIN_SYNC_URL}">'
        in html
    )
    assert '<button type="submit">Start a full sync</button>' in html


def test_the_admin_button_runs_a_full_sync(
    staff_client: Client, gamma_markets: int
) -> None:
    response = staff_client.post(ADMIN_SYNC_URL, follow=True)

    assert response.redirect_chain == [("/admin/markets/market/", 302)]
    assert "Full sync queued. The Markets page shows its progress." in (
        response.content.decode()
    )
    assert Market.objects.count() == gamma_markets


def test_the_admin_sync_is_a_post(staff_client: Client) -> None:
    assert staff_client.get(ADMIN_SYNC_URL).status_code == 405


def test_the_admin_sync_is_for_staff_only(client_logged_in: Client) -> None:
    response = client_logged_in.post(ADMIN_SYNC_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert Market.objects.count() == 0


def test_the_admin_sync_needs_the_change_permission(client: Client) -> None:
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_market"))
    client.force_login(viewer)

    assert client.post(ADMIN_SYNC_URL).status_code == 403
    assert Market.objects.count() == 0
