"""The success envelope, camelCase JSON and the request id (DESIGN §7)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db

SESSION_URL = "/api/v1/auth/session"


def test_it_wraps_success_in_the_envelope(client_logged_in: Client, user: User):
    response = client_logged_in.get(SESSION_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["success", "data", "requestId", "timestamp"]
    assert body["success"] is True
    assert body["data"] == {
        "id": user.pk,
        "username": "alice",
        "displayName": "Alice",
        "email": "alice@example.org",
        "walletAddress": user.wallet_address,
        "tradingMode": "paper",
        "isStaff": False,
        "authMethod": "session",
        "scopes": ["read", "trade"],
    }


def test_the_timestamp_is_utc_iso8601(client_logged_in: Client):
    timestamp = client_logged_in.get(SESSION_URL).json()["timestamp"]

    assert timestamp.endswith("Z")
    assert datetime.fromisoformat(timestamp).utcoffset().total_seconds() == 0


def test_it_echoes_a_sane_client_request_id(client_logged_in: Client):
    response = client_logged_in.get(
        SESSION_URL, headers={"X-Request-ID": "script-42.a_b"}
    )

    assert response["X-Request-ID"] == "script-42.a_b"
    assert response.json()["requestId"] == "script-42.a_b"


@pytest.mark.parametrize(
    "sent", ["has spaces", "x" * 65, "semi;colon", "newline\\n", ""], ids=repr
)
def test_it_replaces_an_unsafe_request_id_with_its_own(
    client_logged_in: Client, sent: str
):
    response = client_logged_in.get(SESSION_URL, headers={"X-Request-ID": sent})

    generated = response["X-Request-ID"]
    assert generated != sent
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert response.json()["requestId"] == generated


def test_it_generates_a_fresh_request_id_per_request(client_logged_in: Client):
    first = client_logged_in.get(SESSION_URL)["X-Request-ID"]
    second = client_logged_in.get(SESSION_URL)["X-Request-ID"]

    assert first != second


def test_html_responses_carry_a_request_id_too(client: Client):
    response = client.get("/accounts/login/", headers={"X-Request-ID": "html-page-1"})

    assert response.status_code == 200
    assert response["X-Request-ID"] == "html-page-1"


def test_error_responses_carry_the_same_request_id_as_their_body(client: Client):
    response = client.get(SESSION_URL, headers={"X-Request-ID": "anon-1"})

    assert response.status_code == 401
    assert response["X-Request-ID"] == "anon-1"
    assert response.json()["requestId"] == "anon-1"


def test_the_unversioned_path_reaches_v1(client_logged_in: Client):
    versioned = client_logged_in.get(SESSION_URL).json()
    unversioned = client_logged_in.get("/api/auth/session").json()

    assert unversioned["data"] == versioned["data"]


def test_routes_take_an_optional_trailing_slash(client_logged_in: Client):
    assert client_logged_in.get(SESSION_URL + "/").status_code == 200
    assert client_logged_in.get("/api/v1/notifications").status_code == 200
    assert client_logged_in.get("/api/v1/notifications/").status_code == 200


def test_a_no_content_response_has_an_empty_body(
    client_logged_in: Client, make_api_key
):
    from accounts.models import ApiKey

    make_api_key()
    key = ApiKey.objects.get()

    response = client_logged_in.delete(f"/api/v1/auth/api-keys/{key.pk}")

    assert response.status_code == 204
    assert response.content == b""
    assert response["X-Request-ID"]


def test_the_request_id_reaches_the_envelope_under_asgi(async_client, user):
    # Production runs under daphne: the id must survive Django's sync/async hops.
    async_client.force_login(user)

    async def get():
        return await async_client.get(SESSION_URL, headers={"X-Request-ID": "asgi-1"})

    response = async_to_sync(get)()

    assert response.status_code == 200
    assert response["X-Request-ID"] == "asgi-1"
    assert response.json()["requestId"] == "asgi-1"
