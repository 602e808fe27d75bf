"""``python manage.py sync_markets [--full]``: run a catalogue sync now, in
this process (the same code the Celery tasks run on their schedule)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from markets.tasks import markets_sync_full, markets_sync_incremental


class Command(BaseCommand):
    help = "Sync the market catalogue from Gamma now."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="every active market, not just what changed",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        task = markets_sync_full if options["full"] else markets_sync_incremental
        summary = task.apply().get()
        self.stdout.write(", ".join(f"{key} {value}" for key, value in summary.items()))
