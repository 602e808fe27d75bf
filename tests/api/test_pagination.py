"""``?page=&limit=`` into ``data: {"data": [...], "pagination": {...}}``."""

from __future__ import annotations

import pytest
from django.test import Client

from polybot.api.pagination import LIMIT_TOO_LARGE, NOT_A_POSITIVE_INTEGER
from tests.factories.alerts import NotificationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"


@pytest.fixture
def twenty_five(user) -> None:
    NotificationFactory.create_batch(25, user=user)


@pytest.mark.parametrize(("page", "rows"), [(1, 10), (2, 10), (3, 5)])
def test_it_splits_25_rows_into_pages_of_10(
    client_logged_in: Client, twenty_five, page: int, rows: int
):
    data = client_logged_in.get(URL, {"page": page, "limit": 10}).json()["data"]

    assert len(data["data"]) == rows
    assert data["pagination"] == {
        "page": page,
        "limit": 10,
        "total": 25,
        "totalPages": 3,
    }


def test_the_pages_cover_every_row_once(client_logged_in: Client, twenty_five):
    ids = [
        row["id"]
        for page in (1, 2, 3)
        for row in client_logged_in.get(URL, {"page": page, "limit": 10}).json()[
            "data"
        ]["data"]
    ]

    assert len(ids) == 25
    assert len(set(ids)) == 25


def test_the_default_is_page_1_of_20(client_logged_in: Client, twenty_five):
    data = client_logged_in.get(URL).json()["data"]

    assert len(data["data"]) == 20
    assert data["pagination"] == {"page": 1, "limit": 20, "total": 25, "totalPages": 2}


def test_limit_100_is_allowed(client_logged_in: Client, twenty_five):
    data = client_logged_in.get(URL, {"limit": 100}).json()["data"]

    assert data["pagination"] == {"page": 1, "limit": 100, "total": 25, "totalPages": 1}


def test_an_empty_list_has_one_empty_page(client_logged_in: Client):
    data = client_logged_in.get(URL).json()["data"]

    assert data == {
        "data": [],
        "pagination": {"page": 1, "limit": 20, "total": 0, "totalPages": 1},
    }


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ({"limit": 101}, {"limit": [LIMIT_TOO_LARGE]}),
        ({"limit": 0}, {"limit": [NOT_A_POSITIVE_INTEGER]}),
        ({"page": 0}, {"page": [NOT_A_POSITIVE_INTEGER]}),
        ({"page": "abc"}, {"page": [NOT_A_POSITIVE_INTEGER]}),
        ({"page": "-1"}, {"page": [NOT_A_POSITIVE_INTEGER]}),
        ({"page": "1.5"}, {"page": [NOT_A_POSITIVE_INTEGER]}),
        ({"page": "²"}, {"page": [NOT_A_POSITIVE_INTEGER]}),
        ({"page": ""}, {"page": [NOT_A_POSITIVE_INTEGER]}),
        ({"page": "9" * 5000}, {"page": [NOT_A_POSITIVE_INTEGER]}),
        (
            {"page": "x", "limit": 500},
            {"page": [NOT_A_POSITIVE_INTEGER], "limit": [LIMIT_TOO_LARGE]},
        ),
    ],
    ids=repr,
)
def test_bad_paging_values_are_400(client_logged_in: Client, query, details):
    response = client_logged_in.get(URL, query)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["details"] == details


def test_a_page_past_the_end_is_404(client_logged_in: Client, twenty_five):
    response = client_logged_in.get(URL, {"page": 4, "limit": 10})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
