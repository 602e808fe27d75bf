"""GET/POST /auth/api-keys and DELETE /auth/api-keys/{id}."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.api.views import API_KEY_NOT_FOUND
from accounts.models import ApiKey, AuditAction, AuditLog
from accounts.selectors import hash_api_key
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/api-keys"
SESSION_URL = "/api/v1/auth/session"
LISTED_FIELDS = {
    "id",
    "name",
    "prefix",
    "scopes",
    "createdAt",
    "lastUsedAt",
    "expiresAt",
    "revokedAt",
}


def _create(client: Client, **body) -> dict:
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def test_creating_a_key_returns_it_once_with_its_details(client_logged_in: Client):
    data = _create(client_logged_in, name="  ci bot  ", scopes=["trade", "read"])

    key = ApiKey.objects.get()
    assert set(data) == LISTED_FIELDS | {"key"}
    assert data["id"] == key.pk
    assert data["name"] == "ci bot"
    assert data["prefix"] == key.prefix
    assert data["scopes"] == ["read", "trade"]
    assert data["revokedAt"] is None
    assert data["key"].startswith(f"pb_{key.prefix}_")
    # Only the hash is stored.
    assert key.hashed_key == hash_api_key(data["key"])
    assert data["key"] not in str(ApiKey.objects.values().get())


def test_a_created_key_works_at_once(client_logged_in: Client):
    raw = _create(client_logged_in, name="bot", scopes=["read"])["key"]

    response = Client().get(SESSION_URL, headers=bearer(raw))

    assert response.status_code == 200
    assert response.json()["data"]["authMethod"] == "api_key"


def test_the_list_never_shows_the_key_or_its_hash(client_logged_in: Client):
    raw = _create(client_logged_in, name="bot", scopes=["read"])["key"]

    response = client_logged_in.get(URL)

    [row] = response.json()["data"]["data"]
    assert set(row) == LISTED_FIELDS
    text = response.content.decode()
    assert raw not in text
    assert ApiKey.objects.get().hashed_key not in text


def test_the_list_shows_revoked_keys_newest_first(client_logged_in: Client):
    first = _create(client_logged_in, name="first", scopes=["read"])
    _create(client_logged_in, name="second", scopes=["trade"])
    client_logged_in.delete(f"{URL}/{first['id']}")

    rows = client_logged_in.get(URL).json()["data"]["data"]

    assert [(r["name"], r["revokedAt"] is not None) for r in rows] == [
        ("second", False),
        ("first", True),
    ]


def test_a_user_never_sees_another_users_keys(
    client_logged_in: Client, make_api_key, other_user
):
    make_api_key(owner=other_user)
    theirs = ApiKey.objects.get()
    mine = _create(client_logged_in, name="mine", scopes=["read"])

    rows = client_logged_in.get(URL).json()["data"]["data"]

    assert [r["id"] for r in rows] == [mine["id"]]
    assert client_logged_in.get(f"{URL}/{theirs.pk}").status_code == 404


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"name": "bot", "scopes": []}, {"scopes": ["This list may not be empty."]}),
        (
            {"name": "bot", "scopes": ["admin"]},
            {"scopes": {"0": ['"admin" is not a valid choice.']}},
        ),
        (
            {"name": "   ", "scopes": ["read"]},
            {"name": ["This field may not be blank."]},
        ),
        (
            {"name": "x" * 81, "scopes": ["read"]},
            {"name": ["Ensure this field has no more than 80 characters."]},
        ),
        ({"scopes": ["read"]}, {"name": ["This field is required."]}),
        (
            {"name": "bot", "scopes": "read"},
            {"scopes": ['Expected a list of items but got type "str".']},
        ),
    ],
    ids=[
        "no-scopes",
        "bad-scope",
        "blank-name",
        "long-name",
        "no-name",
        "scopes-not-list",
    ],
)
def test_an_invalid_key_request_is_400_and_creates_nothing(
    client_logged_in: Client, body, details
):
    response = client_logged_in.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["details"] == details
    assert ApiKey.objects.count() == 0


def test_creating_a_key_is_audit_logged_with_the_request_id(
    client_logged_in: Client, user
):
    response = client_logged_in.post(
        URL,
        {"name": "bot", "scopes": ["read"]},
        content_type="application/json",
        headers={"X-Request-ID": "create-key-1"},
    )

    entry = AuditLog.objects.get()
    assert entry.action == AuditAction.API_KEY_CREATE
    assert entry.user == user
    assert entry.request_id == "create-key-1"
    assert entry.object_id == str(response.json()["data"]["id"])
    assert response.json()["data"]["key"] not in str(entry.data)


def test_revoking_a_key_is_204_and_the_key_stops_working(client_logged_in: Client):
    created = _create(client_logged_in, name="bot", scopes=["read"])

    response = client_logged_in.delete(
        f"{URL}/{created['id']}", headers={"X-Request-ID": "revoke-key-1"}
    )

    assert response.status_code == 204
    assert ApiKey.objects.get().revoked_at is not None
    assert Client().get(SESSION_URL, headers=bearer(created["key"])).status_code == 401
    entry = AuditLog.objects.get(action=AuditAction.API_KEY_REVOKE)
    assert entry.request_id == "revoke-key-1"


def test_revoking_twice_is_still_204_and_keeps_the_first_time(client_logged_in: Client):
    created = _create(client_logged_in, name="bot", scopes=["read"])
    client_logged_in.delete(f"{URL}/{created['id']}")
    first = ApiKey.objects.get().revoked_at

    response = client_logged_in.delete(f"{URL}/{created['id']}")

    assert response.status_code == 204
    assert ApiKey.objects.get().revoked_at == first
    assert AuditLog.objects.filter(action=AuditAction.API_KEY_REVOKE).count() == 1


def test_revoking_another_users_key_is_404_and_it_keeps_working(
    client_logged_in: Client, make_api_key, other_user
):
    raw = make_api_key(owner=other_user)
    theirs = ApiKey.objects.get()

    response = client_logged_in.delete(f"{URL}/{theirs.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["error"] == API_KEY_NOT_FOUND
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert Client().get(SESSION_URL, headers=bearer(raw)).status_code == 200


def test_a_key_may_revoke_itself(client: Client, make_api_key):
    raw = make_api_key(scopes=("trade",))
    key = ApiKey.objects.get()

    assert client.delete(f"{URL}/{key.pk}", headers=bearer(raw)).status_code == 204
    assert client.get(SESSION_URL, headers=bearer(raw)).status_code == 401


def test_head_on_the_list_answers_like_get_without_a_body(client_logged_in: Client):
    response = client_logged_in.head(URL)

    assert response.status_code == 200
    assert response.content == b""
