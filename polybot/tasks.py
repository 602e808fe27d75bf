from __future__ import annotations

from celery import shared_task

from polybot.heartbeat import heartbeat_write


@shared_task(name="polybot.system_heartbeat", ignore_result=True)
def system_heartbeat() -> None:
    """Scheduled by beat and run by a worker: proves the worker consumes its
    queue (a worker that is up but stuck never writes this)."""
    heartbeat_write("worker")
