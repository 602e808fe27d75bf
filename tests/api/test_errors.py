"""Every failure is the error envelope with the right status and code, and
nothing, not even a bug, shows a stack trace (DESIGN §7)."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from accounts.api.views import SessionApi
from accounts.models import ApiKey, AuditLog
from polybot.api import exceptions as api_exceptions
from polybot.api.renderers import EnvelopeRenderer
from polybot.api.throttling import ApiRateThrottle

pytestmark = pytest.mark.django_db

KEYS_URL = "/api/v1/auth/api-keys"
SESSION_URL = "/api/v1/auth/session"
ENVELOPE_KEYS = ["success", "error", "code", "details", "requestId", "timestamp"]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert sorted(body) == sorted(ENVELOPE_KEYS)
    assert body["success"] is False
    assert body["code"] == code
    assert isinstance(body["error"], str) and body["error"]
    assert body["requestId"] == response["X-Request-ID"]
    assert body["timestamp"].endswith("Z")
    return body


def test_invalid_input_is_400_validation_error_with_details_by_field(
    client_logged_in: Client,
):
    response = client_logged_in.post(
        KEYS_URL, {"name": "", "scopes": ["admin"]}, content_type="application/json"
    )

    body = assert_error(response, 400, "validation_error")
    assert body["error"] == api_exceptions.VALIDATION_ERROR
    assert body["details"] == {
        "name": ["This field may not be blank."],
        "scopes": {"0": ['"admin" is not a valid choice.']},
    }
    assert ApiKey.objects.count() == 0


def test_validation_details_use_camel_case_field_names(client_logged_in: Client):
    response = client_logged_in.post(
        KEYS_URL, ["not", "an", "object"], content_type="application/json"
    )

    body = assert_error(response, 400, "validation_error")
    assert list(body["details"]) == ["nonFieldErrors"]


def test_malformed_json_is_400_malformed_request_and_persists_nothing(
    client_logged_in: Client,
):
    response = client_logged_in.post(
        KEYS_URL, '{"name": "bot", "scopes": ["read"]', content_type="application/json"
    )

    body = assert_error(response, 400, "malformed_request")
    assert body["error"].startswith("The request body is not valid JSON")
    assert ApiKey.objects.count() == 0
    assert AuditLog.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": NaN, "scopes": ["read"]}',
        b"\xff\xfe not utf-8",
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["nan", "not-utf8", "too-deep"],
)
def test_bodies_json_does_not_allow_are_malformed_requests(
    client_logged_in: Client, raw: bytes
):
    response = client_logged_in.post(KEYS_URL, raw, content_type="application/json")

    assert_error(response, 400, "malformed_request")
    assert ApiKey.objects.count() == 0


def test_an_oversized_body_is_413(client_logged_in: Client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = json.dumps({"name": "x" * 200, "scopes": ["read"]})

    response = client_logged_in.post(KEYS_URL, body, content_type="application/json")

    assert_error(response, 413, "payload_too_large")


def test_anonymous_is_401_unauthorized_naming_bearer(client: Client):
    response = client.get(SESSION_URL)

    body = assert_error(response, 401, "unauthorized")
    assert body["error"] == "Authentication credentials were not provided."
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_anonymous_write_is_401_not_403(client: Client):
    response = client.post(
        KEYS_URL, {"name": "x", "scopes": ["read"]}, content_type="application/json"
    )

    assert_error(response, 401, "unauthorized")


def test_a_forbidden_write_is_403_forbidden(client: Client, make_api_key):
    from tests.api.conftest import bearer

    response = client.post(
        KEYS_URL,
        {"name": "x", "scopes": ["read"]},
        content_type="application/json",
        headers=bearer(make_api_key(scopes=("read",))),
    )

    assert_error(response, 403, "forbidden")


def test_an_unknown_api_url_is_404_not_found(client_logged_in: Client):
    response = client_logged_in.get("/api/v1/no-such-thing")

    body = assert_error(response, 404, "not_found")
    assert body["details"] == {}


@pytest.mark.parametrize(
    "path", ["/api/no-such-thing", "/api/v2/auth/session", "/api/v1/notifications/abc"]
)
def test_unknown_api_urls_are_404_envelopes_even_anonymously(client: Client, path):
    assert_error(client.post(path), 404, "not_found")


def test_an_unknown_object_is_404_not_found(client_logged_in: Client):
    response = client_logged_in.get("/api/v1/notifications/999999")

    body = assert_error(response, 404, "not_found")
    assert body["error"] == "Not found."


def test_an_id_past_bigint_is_a_404_not_a_database_error(client_logged_in: Client):
    huge = "9" * 30

    assert_error(
        client_logged_in.get(f"/api/v1/notifications/{huge}"), 404, "not_found"
    )
    assert_error(
        client_logged_in.post(f"/api/v1/notifications/{huge}/read"), 404, "not_found"
    )
    assert_error(
        client_logged_in.delete(f"/api/v1/auth/api-keys/{huge}"), 404, "not_found"
    )


def test_a_wrong_method_is_405_method_not_allowed(client_logged_in: Client):
    response = client_logged_in.delete(SESSION_URL)

    body = assert_error(response, 405, "method_not_allowed")
    assert body["error"] == 'Method "DELETE" not allowed.'
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_a_url_split_by_method_allows_every_method_of_its_views(
    client_logged_in: Client,
):
    response = client_logged_in.put(KEYS_URL, {}, content_type="application/json")

    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_a_url_split_by_method_still_authenticates_before_405(client: Client):
    assert_error(client.put(KEYS_URL), 401, "unauthorized")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ],
)
def test_a_body_that_is_not_json_is_415_unsupported_media_type(
    client_logged_in: Client, content_type: str
):
    response = client_logged_in.post(
        KEYS_URL, "name=bot&scopes=read", content_type=content_type
    )

    body = assert_error(response, 415, "unsupported_media_type")
    assert body["error"] == f'Unsupported media type "{content_type}" in request.'
    assert ApiKey.objects.count() == 0


def test_too_many_requests_is_429_with_retry_after(
    client_logged_in: Client, monkeypatch
):
    monkeypatch.setattr(ApiRateThrottle, "THROTTLE_RATES", {"api": "2/min"})

    statuses = [client_logged_in.get(SESSION_URL).status_code for _ in range(2)]
    response = client_logged_in.get(SESSION_URL)

    assert statuses == [200, 200]
    body = assert_error(response, 429, "rate_limited")
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    assert body["details"] == {"retryAfter": retry_after}


def test_the_rate_limit_is_per_user(client: Client, user, other_user, monkeypatch):
    monkeypatch.setattr(ApiRateThrottle, "THROTTLE_RATES", {"api": "1/min"})
    client.force_login(user)
    assert client.get(SESSION_URL).status_code == 200
    assert client.get(SESSION_URL).status_code == 429

    client.force_login(other_user)

    assert client.get(SESSION_URL).status_code == 200


def test_a_bug_in_a_view_is_a_500_envelope_without_the_trace(
    client_logged_in: Client, monkeypatch, caplog
):
    def explode(self, request):
        raise RuntimeError("internal detail kaboom-7f3")

    monkeypatch.setattr(SessionApi, "get", explode)

    with caplog.at_level(logging.ERROR, logger="polybot.api.exceptions"):
        response = client_logged_in.get(SESSION_URL)

    body = assert_error(response, 500, "internal_error")
    assert body["error"] == api_exceptions.INTERNAL_ERROR
    assert body["details"] == {}
    text = response.content.decode()
    assert "Traceback" not in text
    assert "kaboom-7f3" not in text
    assert "RuntimeError" not in text
    # The trace is logged for the operator instead.
    [record] = [r for r in caplog.records if r.name == "polybot.api.exceptions"]
    assert "kaboom-7f3" in record.exc_text


def test_a_bug_outside_the_view_is_still_a_json_500(client: Client, user, monkeypatch):
    # Rendering runs after DRF's exception handling: Django's handler500 answers.
    def explode(self, data, accepted_media_type=None, renderer_context=None):
        raise RuntimeError("renderer broke: hunter2")

    monkeypatch.setattr(EnvelopeRenderer, "render", explode)
    client.raise_request_exception = False
    client.force_login(user)

    response = client.get(SESSION_URL)

    body = assert_error(response, 500, "internal_error")
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["details"] == {}
