from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django_celery_beat.models import PeriodicTask

from polybot import tasks
from polybot.celery import SYSTEM_SCHEDULE
from polybot.heartbeat import heartbeat_read, heartbeat_write
from polybot.lib.time import utc_now

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_every_component_and_is_not_ready_without_heartbeats(
    client: Client,
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert set(body["components"]) == {
        "database", "redis", "worker", "heartbeat", "beat", "stream"
    }  # fmt: skip
    assert body["components"]["database"] == {"ok": True}
    assert body["components"]["redis"] == {"ok": True}
    assert body["components"]["worker"]["ok"] is False


def test_readyz_is_ready_when_every_process_beats(client: Client) -> None:
    for component in ("worker", "heartbeat", "beat", "stream"):
        heartbeat_write(component)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_flags_a_stale_heartbeat(client: Client, settings) -> None:
    for component in ("worker", "heartbeat", "beat", "stream"):
        heartbeat_write(component)
    stale = (
        utc_now() - timedelta(seconds=settings.HEARTBEAT_STALE_AFTER + 5)
    ).isoformat()
    cache.set("heartbeat:stream", stale)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["components"]["stream"]["ok"] is False
    assert response.json()["components"]["worker"]["ok"] is True


def test_the_system_heartbeat_task_marks_the_worker_alive() -> None:
    assert heartbeat_read("worker").last_seen is None
    tasks.system_heartbeat.delay()
    beat = heartbeat_read("worker")
    assert beat.ok is True


def test_setup_periodic_tasks_is_idempotent_and_removes_stale_system_entries() -> None:
    call_command("setup_periodic_tasks")
    call_command("setup_periodic_tasks")
    names = set(
        PeriodicTask.objects.filter(name__startswith="every-").values_list(
            "name", flat=True
        )
    )
    assert names == set(SYSTEM_SCHEDULE)
    task = PeriodicTask.objects.get(name="every-15s-system-heartbeat")
    assert task.task == "polybot.system_heartbeat"
    assert task.interval.every == 15

    heartbeat = PeriodicTask.objects.get(name="every-5s-venue-heartbeat")
    assert (heartbeat.queue, heartbeat.expire_seconds) == ("heartbeat", 5)
    assert task.expire_seconds is None

    PeriodicTask.objects.create(
        name="every-hour-gone", task="x", interval=task.interval
    )
    call_command("setup_periodic_tasks")
    assert not PeriodicTask.objects.filter(name="every-hour-gone").exists()


def test_every_response_carries_security_headers(client: Client) -> None:
    response = client.get("/healthz")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert len(response["X-Request-ID"]) == 32


def test_the_venue_heartbeat_has_a_queue_of_its_own() -> None:
    from polybot.celery import app

    route = app.amqp.router.route({}, "orders.venue_heartbeat")
    other = app.amqp.router.route({}, "orders.reconcile")

    assert (route["queue"].name, other["queue"].name) == ("heartbeat", "orders")


def test_the_venue_heartbeat_task_marks_its_worker_alive() -> None:
    from orders.tasks import orders_venue_heartbeat

    assert heartbeat_read("heartbeat").last_seen is None

    assert orders_venue_heartbeat() == 0  # no live account rests an order

    assert heartbeat_read("heartbeat").ok is True
