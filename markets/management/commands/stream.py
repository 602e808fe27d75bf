"""``python manage.py stream``: the long-running market-data process (STYLE R29)."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from markets.stream.runner import RunnerSettings, StreamRunner
from polybot.polymarket import bookcore
from polybot.polymarket.config import VenueConfig


class Command(BaseCommand):
    help = "Stream Polymarket market data into local books, pages and snapshots."

    def handle(self, *args: Any, **options: Any) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        config = VenueConfig.from_settings(settings)
        runner = StreamRunner(config, RunnerSettings.from_settings())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, runner.stop)
        self.stdout.write(f"stream: market channel at {config.ws_url}/market")
        if not bookcore.COMPILED:
            self.stderr.write(
                "stream: the compiled book core (polybot/polymarket/_bookcore.c) "
                "was not built, so the books run on its pure-Python twin: same "
                "books, several times slower. Install a C compiler and reinstall."
            )
        await runner.run()
        self.stdout.write("stream: stopped cleanly")
