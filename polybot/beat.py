"""The beat scheduler, with a heartbeat on every tick so /readyz knows beat is alive."""

from __future__ import annotations

from typing import Any

from django_celery_beat.schedulers import DatabaseScheduler

from polybot.heartbeat import heartbeat_write


class HeartbeatScheduler(DatabaseScheduler):  # type: ignore[misc]
    def tick(self, *args: Any, **kwargs: Any) -> float:
        heartbeat_write("beat")
        return float(super().tick(*args, **kwargs))
