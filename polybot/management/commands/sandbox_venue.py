"""Run the sandbox venue (a fake Polymarket) until interrupted.

    python manage.py sandbox_venue --seed 1 --port 8765

Prints the base URLs to configure the adapter with (``POLYMARKET_CLOB_URL``
and friends). Never for production: it is the demo's and the tests' venue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from polybot.sandbox import FaultConfig, SandboxConfig, Urls, serve_forever


class Command(BaseCommand):
    help = "Run the sandbox venue: a fake Polymarket on localhost (CLOB, Gamma, Data API, WS)."
    requires_system_checks: list[
        str
    ] = []  # it touches neither the database nor the apps

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="market place seed")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--starting-balance",
            default="10000",
            help="pUSD a wallet the venue has never seen starts with",
        )
        parser.add_argument(
            "--heartbeat-timeout",
            type=float,
            default=10.0,
            help="seconds without a heartbeat before a wallet's orders go",
        )
        parser.add_argument(
            "--mined-after",
            type=float,
            default=1.0,
            help="seconds from MATCHED to MINED",
        )
        parser.add_argument(
            "--confirmed-after",
            type=float,
            default=3.0,
            help="seconds from MATCHED to CONFIRMED",
        )
        parser.add_argument(
            "--no-simulator",
            action="store_true",
            help="no simulated traders (empty, still books)",
        )
        parser.add_argument("--simulator-interval", type=float, default=1.0)
        parser.add_argument(
            "--resolve-after",
            type=float,
            default=180.0,
            help="seconds until one market resolves (<= 0: never)",
        )
        faults = parser.add_argument_group("faults")
        faults.add_argument(
            "--fault-429",
            type=float,
            default=0.0,
            metavar="SHARE",
            help="share of HTTP requests answered 429 with Retry-After",
        )
        faults.add_argument(
            "--fault-5xx",
            type=float,
            default=0.0,
            metavar="SHARE",
            help="share of HTTP requests answered 5xx",
        )
        faults.add_argument("--fault-5xx-status", type=int, default=503)
        faults.add_argument(
            "--retry-after", type=int, default=1, help="Retry-After seconds"
        )
        faults.add_argument(
            "--latency-ms", type=int, default=0, help="added to every request"
        )
        faults.add_argument(
            "--ws-drop-every",
            type=float,
            default=None,
            metavar="SECONDS",
            help="drop every websocket this often",
        )
        faults.add_argument("--ws-freeze-every", type=float, default=None, metavar="SECONDS",
                            help="silently freeze the open websockets this often")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(name)s %(message)s"
        )
        config = SandboxConfig(
            seed=options["seed"],
            starting_balance=Decimal(options["starting_balance"]),
            heartbeat_timeout=options["heartbeat_timeout"],
            mined_after=options["mined_after"],
            confirmed_after=options["confirmed_after"],
            simulator_enabled=not options["no_simulator"],
            simulator_interval=options["simulator_interval"],
            resolve_after=options["resolve_after"]
            if options["resolve_after"] > 0
            else None,
            faults=FaultConfig(
                http_429_share=options["fault_429"],
                http_5xx_share=options["fault_5xx"],
                http_5xx_status=options["fault_5xx_status"],
                retry_after_seconds=options["retry_after"],
                latency_ms=options["latency_ms"],
                ws_drop_every=options["ws_drop_every"],
                ws_freeze_every=options["ws_freeze_every"],
            ),
        )

        def ready(urls: Urls) -> None:
            self.stdout.write(f"Sandbox venue (seed {config.seed}) listening:")
            self.stdout.write(f"  POLYMARKET_CLOB_URL={urls.clob}")
            self.stdout.write(f"  POLYMARKET_GAMMA_URL={urls.gamma}")
            self.stdout.write(f"  POLYMARKET_DATA_URL={urls.data}")
            self.stdout.write(f"  POLYMARKET_WS_URL={urls.ws}")
            self.stdout.write(f"  control: {urls.control}")
            self.stdout.flush()

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_forever(config, host=options["host"], port=options["port"],
                                      on_ready=ready))  # fmt: skip
