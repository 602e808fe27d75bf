"""Process heartbeats for /readyz: each long-running process writes its own
timestamp to Redis; readiness compares it with HEARTBEAT_STALE_AFTER."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache

from polybot.lib.time import utc_now

# "heartbeat" is the worker that sends the venue's dead-man heartbeat alone
# (orders.venue_heartbeat): if it stops, the venue cancels every live order.
COMPONENTS = ("worker", "heartbeat", "beat", "stream")
_KEY = "heartbeat:{}"


@dataclass(frozen=True)
class Heartbeat:
    component: str
    last_seen: datetime | None
    age_seconds: float | None

    @property
    def ok(self) -> bool:
        return (
            self.age_seconds is not None
            and self.age_seconds <= settings.HEARTBEAT_STALE_AFTER
        )


def heartbeat_write(component: str) -> None:
    cache.set(_KEY.format(component), utc_now().isoformat(), timeout=24 * 3600)


def heartbeat_read(component: str) -> Heartbeat:
    raw = cache.get(_KEY.format(component))
    if raw is None:
        return Heartbeat(component, None, None)
    seen = datetime.fromisoformat(raw)
    return Heartbeat(component, seen, (utc_now() - seen).total_seconds())
