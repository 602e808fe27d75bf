"""camelCase JSON in and out; snake_case inside (DESIGN §7)."""

from __future__ import annotations

import io

import pytest
from django.test import Client, RequestFactory
from rest_framework.response import Response

from accounts.api.views import ApiKeyCreateApi, SessionApi
from polybot.api.middleware import CamelCaseQueryMiddleware
from polybot.api.parsers import JsonParser

pytestmark = pytest.mark.django_db


def test_query_parameters_arrive_in_snake_case(client_logged_in: Client, monkeypatch):
    monkeypatch.setattr(
        SessionApi, "get", lambda self, request: Response(request.query_params.lists())
    )

    response = client_logged_in.get(
        "/api/v1/auth/session?marketId=7&sortBy=volume24hr&already_snake=1&tag=a&tag=b"
    )

    assert response.json()["data"] == [
        ["market_id", ["7"]],
        ["sort_by", ["volume24hr"]],
        ["already_snake", ["1"]],
        ["tag", ["a", "b"]],
    ]


def test_request_bodies_arrive_in_snake_case(client_logged_in: Client, monkeypatch):
    monkeypatch.setattr(
        ApiKeyCreateApi, "post", lambda self, request: Response(request.data)
    )

    response = client_logged_in.post(
        "/api/v1/auth/api-keys",
        {"limitPrice": "0.5", "nested": {"tokenId": "1", "items": [{"sizeUsd": 1}]}},
        content_type="application/json",
    )

    # The renderer camelizes again on the way out: what went in comes back.
    assert response.json()["data"] == {
        "limitPrice": "0.5",
        "nested": {"tokenId": "1", "items": [{"sizeUsd": 1}]},
    }


def test_the_parser_turns_keys_into_snake_case():
    body = io.BytesIO(
        b'{"limitPrice": "0.5", "nested": {"tokenId": "1"}, "list": [{"sizeUsd": 1}]}'
    )

    assert JsonParser().parse(body) == {
        "limit_price": "0.5",
        "nested": {"token_id": "1"},
        "list": [{"size_usd": 1}],
    }


def test_query_parameters_outside_the_api_are_left_alone(rf: RequestFactory):
    seen = {}

    def view(request):
        seen.update(request.GET.lists())
        return None

    CamelCaseQueryMiddleware(view)(rf.get("/markets/?sortBy=volume"))

    assert seen == {"sortBy": ["volume"]}


def test_response_keys_are_camel_case(client_logged_in: Client):
    client_logged_in.post(
        "/api/v1/auth/api-keys",
        {"name": "bot", "scopes": ["read"]},
        content_type="application/json",
    )

    row = client_logged_in.get("/api/v1/auth/api-keys").json()["data"]["data"][0]

    assert {"createdAt", "lastUsedAt", "revokedAt", "expiresAt"} <= set(row)
    assert not any("_" in key for key in row)
