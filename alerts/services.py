"""Writes for alerts (STYLE R5)."""

from __future__ import annotations

from alerts.models import Notification
from polybot.lib.time import utc_now


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read. Idempotent: the first read time is kept,
    even when two requests race (the update only touches an unread row)."""
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=utc_now()
        )
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_create(
    *, user_id: int, title: str, body: str = "", level: str = "info", link: str = ""
) -> Notification:
    """An in-app notification (the bell); delivery elsewhere is the alerts'."""
    return Notification.objects.create(
        user_id=user_id, title=title[:200], body=body, level=level, link=link[:500]
    )
