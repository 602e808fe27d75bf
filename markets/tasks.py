"""Celery tasks of the markets app (queue ``sync``): thin wrappers (STYLE R25)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from markets import sync
from markets.recorder import recorded_messages_prune
from polybot.lib.time import utc_now
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.gamma import GammaClient

PROGRESS_KEY = "markets:sync:progress"
LOCK_KEY = "markets:sync:lock"
LOCK_SECONDS = 1800


def _gamma() -> GammaClient:
    return GammaClient(VenueConfig.from_settings(settings))


def sync_progress() -> dict[str, Any] | None:
    """What the Markets page shows while a sync runs."""
    return cache.get(PROGRESS_KEY)


@shared_task(bind=True, name="markets.sync_full", ignore_result=False)
def markets_sync_full(self: Any) -> dict[str, Any]:
    # One full sync at a time: a second request while one runs is a no-op.
    if not cache.add(LOCK_KEY, self.request.id or "eager", timeout=LOCK_SECONDS):
        return {"skipped": "a full sync is already running"}
    started = utc_now()

    def progress(done: int) -> None:
        state = {"running": True, "done": done, "startedAt": started.isoformat()}
        cache.set(PROGRESS_KEY, state, timeout=LOCK_SECONDS)
        if self.request.id and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta=state)

    try:
        progress(0)
        result = sync.markets_sync_full(gamma=_gamma(), progress=progress)
    finally:
        cache.delete(LOCK_KEY)
    summary = {"created": result.created, "updated": result.updated, "outcomes": result.outcomes,
               "events": result.events, "skipped": len(result.skipped)}  # fmt: skip
    cache.set(
        PROGRESS_KEY,
        {"running": False, "finishedAt": utc_now().isoformat(), **summary},
        timeout=3600,
    )
    return summary


@shared_task(name="markets.sync_incremental")
def markets_sync_incremental() -> dict[str, int]:
    if cache.get(LOCK_KEY):
        return {"skipped": 1}
    result = sync.markets_sync_incremental(gamma=_gamma())
    return {
        "created": result.created,
        "updated": result.updated,
        "events": result.events,
    }


@shared_task(name="markets.recorder_prune")
def recorder_prune() -> dict[str, int]:
    """Drop recorded market-channel messages older than
    ``POLYBOT_BOOK_RECORDER_DAYS``; a no-op while the recorder is off (0)."""
    days = settings.POLYBOT_BOOK_RECORDER_DAYS
    if days <= 0:
        return {"deleted": 0}
    cutoff = utc_now() - timedelta(days=days)
    return {"deleted": recorded_messages_prune(older_than=cutoff)}
