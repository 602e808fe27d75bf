"""The OpenAPI schema and Swagger UI (DESIGN §7)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/v1/schema/"
DOCS_URL = "/api/v1/docs/"


@pytest.fixture
def schema(client_logged_in: Client) -> dict:
    response = client_logged_in.get(SCHEMA_URL, {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_generates_without_errors_or_warnings(tmp_path: Path):
    # --fail-on-warn raises on any warning; --validate checks against OpenAPI 3.
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        f"--file={tmp_path / 'schema.yml'}",
    )

    assert (tmp_path / "schema.yml").read_text().startswith("openapi: 3.0.3")


def test_the_served_schema_is_valid_openapi(schema: dict):
    validate_schema(schema)

    assert schema["info"]["title"] == "polybot API"


def test_the_schema_is_served_as_yaml_by_default(client_logged_in: Client):
    response = client_logged_in.get(SCHEMA_URL)

    assert response.status_code == 200
    assert yaml.safe_load(response.content)["openapi"] == "3.0.3"


def test_the_schema_documents_v1_once_without_trailing_slashes(schema: dict):
    assert sorted(schema["paths"]) == [
        "/api/v1/auth/api-keys",
        "/api/v1/auth/api-keys/{id}",
        "/api/v1/auth/connect-wallet",
        "/api/v1/auth/session",
        "/api/v1/markets",
        "/api/v1/markets/{id}",
        "/api/v1/markets/{id}/snapshots",
        "/api/v1/notifications",
        "/api/v1/notifications/{id}",
        "/api/v1/notifications/{notificationId}/read",
        "/api/v1/orders",
        "/api/v1/orders/batch",
        "/api/v1/orders/cancel-all",
        "/api/v1/orders/{orderId}",
        "/api/v1/positions",
        "/api/v1/trades",
    ]
    assert sorted(schema["paths"]["/api/v1/auth/api-keys"]) == ["get", "post"]
    assert sorted(schema["paths"]["/api/v1/auth/api-keys/{id}"]) == ["delete", "get"]


def test_the_schema_documents_the_envelope_and_camel_case(schema: dict):
    ok = schema["paths"]["/api/v1/notifications"]["get"]["responses"]["200"]
    body = ok["content"]["application/json"]["schema"]
    assert sorted(body["properties"]) == ["data", "requestId", "success", "timestamp"]
    listed = schema["components"]["schemas"]["NotificationOutput"]["properties"]
    assert {"readAt", "createdAt"} <= set(listed)
    error = schema["components"]["schemas"]["ErrorEnvelope"]
    assert sorted(error["required"]) == sorted(
        ["success", "error", "code", "details", "requestId", "timestamp"]
    )


def test_the_schema_documents_paging_bounds_and_filters(schema: dict):
    parameters = {
        p["name"]: p["schema"]
        for p in schema["paths"]["/api/v1/notifications"]["get"]["parameters"]
    }

    assert parameters["limit"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert parameters["page"] == {"type": "integer", "minimum": 1}
    assert parameters["unread"]["type"] == "boolean"


def test_the_schema_names_both_ways_to_authenticate(schema: dict):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["apiKey"]["scheme"] == "bearer"
    assert schemes["cookieAuth"]["in"] == "cookie"


def test_the_schema_needs_a_login(client: Client):
    assert client.get(SCHEMA_URL, {"format": "json"}).status_code == 401


def test_the_docs_page_renders_for_a_logged_in_user(client_logged_in: Client):
    response = client_logged_in.get(DOCS_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    # The start-up script is a separate file, so the CSP needs no inline scripts.
    assert '<script src="/api/v1/docs/?script="></script>' in html
    assert "<script>" not in html


def test_the_docs_start_up_script_points_at_the_schema(client_logged_in: Client):
    response = client_logged_in.get(DOCS_URL, {"script": ""})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert SCHEMA_URL in response.content.decode()


def test_the_docs_page_sends_visitors_to_log_in(client: Client):
    response = client.get(DOCS_URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/v1/docs/"
