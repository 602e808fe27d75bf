"""The Celery app (STYLE R28) and the system beat schedule (STYLE A2, R27).

System schedules are code; ``manage.py setup_periodic_tasks`` writes them into
django-celery-beat at start-up, where per-strategy schedules live as rows.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from celery import Celery
from celery.signals import worker_process_shutdown
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polybot.settings.dev")

app = Celery("polybot")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [
    Queue(name) for name in ("default", "sync", "strategies", "orders", "heartbeat")
]
# An exact name is looked up before the patterns.
app.conf.task_routes = {
    # The venue cancels every open order of an account whose heartbeat is
    # ~10 s late (API.md §5): it gets a queue and a worker process of its own,
    # so a long sync or a slow reconciliation on the shared worker can never
    # hold it up.
    "orders.venue_heartbeat": {"queue": "heartbeat"},
    "markets.*": {"queue": "sync"},
    "strategies.*": {"queue": "strategies"},
    "orders.*": {"queue": "orders"},
}
app.autodiscover_tasks()


@worker_process_shutdown.connect
def drain_account_pushes(**kwargs: Any) -> None:
    """Publish the pushes this pool child queued before it exits.

    A prefork child leaves through ``os._exit`` (billiard's
    ``Worker._do_exit``), so the publisher's ``atexit`` hook never runs there;
    this signal is sent from the child just before that exit.
    """
    # Looked up, not imported: a child that never loaded it queued nothing.
    realtime = sys.modules.get("orders.realtime")
    if realtime is not None:
        realtime.background.drain()


# name -> (task, seconds, options). Names say when they run. Options: "queue",
# and "expire_seconds" for a run that is worthless once late.
SYSTEM_SCHEDULE: dict[str, tuple[str, float, dict[str, Any]]] = {
    "every-15s-system-heartbeat": (
        "polybot.system_heartbeat",
        15.0,
        {"queue": "default"},
    ),
    "every-30s-reconcile-live-orders": ("orders.reconcile", 30.0, {"queue": "orders"}),
    # A heartbeat that waited out a stopped worker is worthless by then: the
    # beat five seconds later says the same, so a queued one expires.
    "every-5s-venue-heartbeat": (
        "orders.venue_heartbeat",
        5.0,
        {"queue": "heartbeat", "expire_seconds": 5},
    ),
    "every-10s-order-sweep": ("orders.sweep", 10.0, {"queue": "orders"}),
    "every-30s-daily-loss-watch": (
        "orders.daily_loss_watch",
        30.0,
        {"queue": "orders"},
    ),
    # Daily-loss baseline: each account's P&L as the UTC day starts.
    "every-minute-day-start-pnl-snapshots": (
        "portfolio.day_start_snapshots",
        60.0,
        {"queue": "default"},
    ),
    "every-minute-settle-resolved-markets": (
        "portfolio.settle_resolved",
        60.0,
        {"queue": "default"},
    ),
    # A no-op unless POLYBOT_BOOK_RECORDER_DAYS > 0.
    "every-hour-prune-book-recording": (
        "markets.recorder_prune",
        3600.0,
        {"queue": "sync"},
    ),
}
