"""``Authorization: Bearer <api key>`` and the read/trade scopes (DESIGN §7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from accounts.authentication import API_KEY_INVALID
from accounts.models import ApiKey
from accounts.services import api_key_revoke
from polybot.api.permissions import SCOPE_TRADE_REQUIRED
from polybot.lib.time import utc_now
from tests.api.conftest import bearer
from tests.factories.alerts import NotificationFactory

pytestmark = pytest.mark.django_db

SESSION_URL = "/api/v1/auth/session"
KEYS_URL = "/api/v1/auth/api-keys"


def test_a_bearer_key_authenticates_as_its_owner(client: Client, user, make_api_key):
    response = client.get(SESSION_URL, headers=bearer(make_api_key()))

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["username"] == "alice"
    assert data["authMethod"] == "api_key"
    assert data["scopes"] == ["read"]


def test_a_bearer_key_records_when_it_was_last_used(client: Client, make_api_key):
    raw = make_api_key()
    assert ApiKey.objects.get().last_used_at is None

    client.get(SESSION_URL, headers=bearer(raw))

    assert ApiKey.objects.get().last_used_at is not None


def test_a_revoked_key_is_401(client: Client, make_api_key):
    raw = make_api_key()
    api_key_revoke(api_key=ApiKey.objects.get())

    response = client.get(SESSION_URL, headers=bearer(raw))

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.json()["error"] == API_KEY_INVALID


def test_an_expired_key_is_401(client: Client, make_api_key):
    raw = make_api_key()
    ApiKey.objects.update(expires_at=utc_now() - timedelta(seconds=1))

    assert client.get(SESSION_URL, headers=bearer(raw)).status_code == 401


def test_a_key_of_an_inactive_user_is_401(client: Client, user, make_api_key):
    raw = make_api_key()
    user.is_active = False
    user.save()

    assert client.get(SESSION_URL, headers=bearer(raw)).status_code == 401


@pytest.mark.parametrize(
    "authorization",
    ["Bearer pb_garbage_key", "Bearer ", "Bearer", "bearer pb_00000000_nope"],
)
def test_a_garbage_key_is_401(client: Client, authorization: str):
    response = client.get(SESSION_URL, headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_bad_key_is_401_even_with_a_valid_session(client_logged_in: Client):
    # An explicit but wrong credential is never silently replaced by the cookie.
    response = client_logged_in.get(SESSION_URL, headers=bearer("pb_wrong"))

    assert response.status_code == 401


def test_another_scheme_is_unauthenticated_not_an_error(client: Client):
    response = client.get(SESSION_URL, headers={"Authorization": "Basic YTpi"})

    assert response.status_code == 401
    assert response.json()["error"] == "Authentication credentials were not provided."


def test_a_read_key_may_get(client: Client, make_api_key):
    response = client.get(KEYS_URL, headers=bearer(make_api_key(scopes=("read",))))

    assert response.status_code == 200


def test_a_read_key_may_not_post(client: Client, user, make_api_key):
    notification = NotificationFactory(user=user)

    response = client.post(
        f"/api/v1/notifications/{notification.pk}/read",
        headers=bearer(make_api_key(scopes=("read",))),
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert response.json()["error"] == SCOPE_TRADE_REQUIRED
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_read_key_may_not_delete(client: Client, make_api_key):
    raw = make_api_key(scopes=("read",))
    key = ApiKey.objects.get()

    response = client.delete(f"{KEYS_URL}/{key.pk}", headers=bearer(raw))

    assert response.status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None


def test_a_trade_key_may_post(client: Client, user, make_api_key):
    notification = NotificationFactory(user=user)

    response = client.post(
        f"/api/v1/notifications/{notification.pk}/read",
        headers=bearer(make_api_key(scopes=("trade",))),
    )

    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_trade_key_may_also_get(client: Client, make_api_key):
    response = client.get(KEYS_URL, headers=bearer(make_api_key(scopes=("trade",))))

    assert response.status_code == 200


def test_a_key_needs_no_csrf_token(make_api_key):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        KEYS_URL,
        {"name": "ci", "scopes": ["read"]},
        content_type="application/json",
        headers=bearer(make_api_key(scopes=("trade",))),
    )

    assert response.status_code == 201


def test_a_session_write_without_csrf_token_is_403(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(
        KEYS_URL, {"name": "ci", "scopes": ["read"]}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert response.json()["error"].startswith("CSRF Failed")
    assert ApiKey.objects.count() == 0


def test_a_session_write_with_csrf_token_succeeds(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = "a" * 32  # a CSRF secret: the cookie and the header must match
    client.cookies["csrftoken"] = token

    response = client.post(
        KEYS_URL,
        {"name": "ci", "scopes": ["read"]},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 201
