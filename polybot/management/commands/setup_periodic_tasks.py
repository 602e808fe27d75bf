"""Write the code-defined system schedule into django-celery-beat (STYLE A2).

Idempotent: entries are created or updated by name, and system entries that
are no longer in code are removed. Per-strategy rows are left alone.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from polybot.celery import SYSTEM_SCHEDULE

SYSTEM_PREFIX = "every-"


class Command(BaseCommand):
    help = "Sync the system beat schedule from code into the database."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        for name, (task, seconds, task_options) in SYSTEM_SCHEDULE.items():
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=int(seconds), period=IntervalSchedule.SECONDS
            )
            PeriodicTask.objects.update_or_create(
                name=name,
                defaults={
                    "task": task,
                    "interval": interval,
                    "queue": task_options.get("queue"),
                    "expire_seconds": task_options.get("expire_seconds"),
                    "enabled": True,
                    "description": "System schedule (defined in polybot/celery.py)",
                },
            )
        stale = PeriodicTask.objects.filter(name__startswith=SYSTEM_PREFIX).exclude(
            name__in=SYSTEM_SCHEDULE
        )
        removed, _ = stale.delete()
        self.stdout.write(
            f"system schedule: {len(SYSTEM_SCHEDULE)} entries synced, {removed} removed"
        )
