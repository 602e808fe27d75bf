from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from alerts.models import Notification


def notification_list(
    *, user: User, unread: bool | None = None
) -> QuerySet[Notification]:
    """The user's notifications, newest first; ``unread`` keeps only unread
    (True) or only read (False) ones."""
    notifications = Notification.objects.filter(user=user)
    if unread is not None:
        notifications = notifications.filter(read_at__isnull=unread)
    return notifications.order_by("-created_at", "-id")


def notification_get(*, user: User, notification_id: int) -> Notification | None:
    return notification_list(user=user).filter(pk=notification_id).first()


def notification_unread_count(*, user: User) -> int:
    return notification_list(user=user, unread=True).count()
