"""Domain and Django exceptions raised in any API view map to the envelope."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client

from accounts.api.views import SessionApi
from polybot.exceptions import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    VenueError,
)

pytestmark = pytest.mark.django_db

ORDER_TOO_LARGE = "Order would exceed the position limit."


@pytest.mark.parametrize(
    ("exc", "status", "body"),
    [
        (
            ApplicationError(
                ORDER_TOO_LARGE, code="risk_max_position", details={"limit_usd": "100"}
            ),
            400,
            {
                "error": ORDER_TOO_LARGE,
                "code": "risk_max_position",
                "details": {"limitUsd": "100"},
            },
        ),
        (
            ConflictError("Order already cancelled."),
            409,
            {"error": "Order already cancelled.", "code": "conflict", "details": {}},
        ),
        (
            VenueError("Polymarket is unavailable."),
            502,
            {
                "error": "Polymarket is unavailable.",
                "code": "venue_error",
                "details": {},
            },
        ),
        (
            NotFoundError("Market not found."),
            404,
            {"error": "Market not found.", "code": "not_found", "details": {}},
        ),
        (
            Http404("No Order matches id 7 for user bob"),
            404,
            {"error": "Not found.", "code": "not_found", "details": {}},
        ),
        (
            PermissionDenied("staff only: secret reason"),
            403,
            {
                "error": "You do not have permission to perform this action.",
                "code": "forbidden",
                "details": {},
            },
        ),
        (
            ValidationError({"limit_price": ["Must be below 1."]}),
            400,
            {
                "error": "The request is invalid.",
                "code": "validation_error",
                "details": {"limitPrice": ["Must be below 1."]},
            },
        ),
        (
            ValidationError("Markets must be open to trade."),
            400,
            {
                "error": "The request is invalid.",
                "code": "validation_error",
                "details": {"nonFieldErrors": ["Markets must be open to trade."]},
            },
        ),
    ],
    ids=[
        "application",
        "conflict",
        "venue",
        "not-found",
        "http404",
        "permission",
        "django-validation",
        "bare-validation",
    ],
)
def test_exceptions_become_the_error_envelope(
    client_logged_in: Client, monkeypatch, exc, status, body
):
    def raise_it(self, request):
        raise exc

    monkeypatch.setattr(SessionApi, "get", raise_it)

    response = client_logged_in.get("/api/v1/auth/session")

    assert response.status_code == status
    received = response.json()
    assert received["success"] is False
    assert {k: received[k] for k in ("error", "code", "details")} == body
