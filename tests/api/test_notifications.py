"""GET /notifications and POST /notifications/{id}/read, scoped to the caller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from alerts.api.views import NOTIFICATION_NOT_FOUND
from alerts.models import Notification
from polybot.lib.time import utc_now
from tests.factories.alerts import NotificationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"


def _rows(response) -> list[dict]:
    assert response.status_code == 200
    return response.json()["data"]["data"]


def _make(user, title: str, minutes_ago: int, read: bool = False) -> Notification:
    notification = NotificationFactory(
        user=user, title=title, read_at=utc_now() if read else None
    )
    # created_at is auto_now_add; back-date it to fix the order.
    Notification.objects.filter(pk=notification.pk).update(
        created_at=utc_now() - timedelta(minutes=minutes_ago)
    )
    notification.refresh_from_db()
    return notification


def test_it_lists_the_callers_notifications_newest_first(
    client_logged_in: Client, user
):
    _make(user, "old", minutes_ago=30)
    _make(user, "newest", minutes_ago=1)
    _make(user, "middle", minutes_ago=10)

    rows = _rows(client_logged_in.get(URL))

    assert [row["title"] for row in rows] == ["newest", "middle", "old"]


def test_it_shows_each_notification_in_camel_case(client_logged_in: Client, user):
    notification = NotificationFactory(
        user=user, level="warning", title="Order filled", body="10 @ 0.42", link="/o/1"
    )

    [row] = _rows(client_logged_in.get(URL))

    assert row == {
        "id": notification.pk,
        "level": "warning",
        "title": "Order filled",
        "body": "10 @ 0.42",
        "link": "/o/1",
        "readAt": None,
        "createdAt": notification.created_at.isoformat().replace("+00:00", "Z"),
    }


def test_it_never_lists_another_users_notifications(
    client_logged_in: Client, user, other_user
):
    mine = NotificationFactory(user=user)
    NotificationFactory.create_batch(3, user=other_user)

    response = client_logged_in.get(URL)

    assert [row["id"] for row in _rows(response)] == [mine.pk]
    assert response.json()["data"]["pagination"]["total"] == 1


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({}, ["unread", "read"]),
        ({"unread": "true"}, ["unread"]),
        ({"unread": "1"}, ["unread"]),
        ({"unread": "false"}, ["read"]),
    ],
    ids=["absent", "true", "1", "false"],
)
def test_it_filters_on_unread(client_logged_in: Client, user, query, titles):
    _make(user, "read", minutes_ago=5, read=True)
    _make(user, "unread", minutes_ago=1)

    rows = _rows(client_logged_in.get(URL, query))

    assert [row["title"] for row in rows] == titles


def test_an_unread_filter_that_is_not_a_boolean_is_400(client_logged_in: Client):
    response = client_logged_in.get(URL, {"unread": "maybe"})

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["details"] == {"unread": ["Must be a valid boolean."]}


def test_it_shows_one_of_the_callers_notifications(client_logged_in: Client, user):
    notification = NotificationFactory(user=user, title="Hello")

    response = client_logged_in.get(f"{URL}/{notification.pk}")

    assert response.status_code == 200
    assert response.json()["data"]["title"] == "Hello"


def test_another_users_notification_is_404_not_403(
    client_logged_in: Client, other_user
):
    theirs = NotificationFactory(user=other_user)

    response = client_logged_in.get(f"{URL}/{theirs.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_marking_read_sets_read_at_and_returns_the_notification(
    client_logged_in: Client, user
):
    notification = NotificationFactory(user=user)

    response = client_logged_in.post(f"{URL}/{notification.pk}/read")

    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.read_at is not None
    data = response.json()["data"]
    assert data["id"] == notification.pk
    assert data["readAt"] == notification.read_at.isoformat().replace("+00:00", "Z")


def test_marking_read_twice_keeps_the_first_read_time(client_logged_in: Client, user):
    first_read = utc_now() - timedelta(hours=2)
    notification = NotificationFactory(user=user, read_at=first_read)

    response = client_logged_in.post(f"{URL}/{notification.pk}/read")

    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.read_at == first_read


def test_marking_read_takes_it_out_of_the_unread_list(client_logged_in: Client, user):
    notification = NotificationFactory(user=user)

    client_logged_in.post(f"{URL}/{notification.pk}/read")

    assert _rows(client_logged_in.get(URL, {"unread": "true"})) == []


def test_marking_another_users_notification_is_404_and_changes_nothing(
    client_logged_in: Client, other_user
):
    theirs = NotificationFactory(user=other_user)

    response = client_logged_in.post(f"{URL}/{theirs.pk}/read")

    assert response.status_code == 404
    assert response.json()["error"] == NOTIFICATION_NOT_FOUND
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_are_read_only_through_the_list(client_logged_in: Client, user):
    notification = NotificationFactory(user=user)

    assert (
        client_logged_in.post(URL, {}, content_type="application/json").status_code
        == 405
    )
    assert client_logged_in.delete(f"{URL}/{notification.pk}").status_code == 405
    assert Notification.objects.filter(pk=notification.pk).exists()
