"""Running the sandbox: in-process for tests (``start_sandbox``, or
``SandboxThread`` for synchronous code such as ``py-clob-client-v2``), or
standalone until interrupted (``serve_forever``, used by the management command).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from aiohttp import web

from polybot.sandbox.app import create_app
from polybot.sandbox.config import SandboxConfig
from polybot.sandbox.venue import VENUE, Urls, Venue

T = TypeVar("T")


@dataclass
class SandboxServer:
    app: web.Application
    runner: web.AppRunner
    port: int
    urls: Urls

    @property
    def venue(self) -> Venue:
        return self.app[VENUE]

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_sandbox(
    port: int = 0,
    seed: int = 1,
    *,
    config: SandboxConfig | None = None,
    host: str = "127.0.0.1",
) -> SandboxServer:
    """Start a sandbox on ``host:port`` (0 = a free port) in the running loop.

    ``urls`` holds the base URLs to configure the adapter with: ``clob``,
    ``gamma``, ``data``, ``ws`` and ``control``."""
    config = replace(config or SandboxConfig(), seed=seed)
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = site._server.sockets if site._server is not None else []  # type: ignore[union-attr]
    bound = sockets[0].getsockname()[1] if sockets else port
    urls = Urls.for_base(f"http://{host}:{bound}")
    app[VENUE].urls = urls
    return SandboxServer(app=app, runner=runner, port=bound, urls=urls)


class SandboxThread:
    """A sandbox on its own event loop in a daemon thread.

    For synchronous callers (the v2 client keeps a module-global httpx client
    and blocks): they talk to it over real sockets like any other venue.
    ``call`` runs a function on the sandbox's loop, where its state lives."""

    def __init__(self, config: SandboxConfig | None = None, port: int = 0) -> None:
        self.config = config or SandboxConfig()
        self._port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="sandbox-venue")  # fmt: skip
        self.server: SandboxServer | None = None

    def start(self) -> SandboxThread:
        self._thread.start()
        self.server = self._submit(start_sandbox(self._port, self.config.seed,
                                                 config=self.config)).result(30)  # fmt: skip
        return self

    @property
    def urls(self) -> Urls:
        assert self.server is not None
        return self.server.urls

    @property
    def venue(self) -> Venue:
        assert self.server is not None
        return self.server.venue

    def call(self, fn: Callable[[], T]) -> T:
        async def run() -> T:
            return fn()

        return self._submit(run()).result(30)

    def _submit(self, coro: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def stop(self) -> None:
        if self.server is not None:
            self._submit(self.server.stop()).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


async def serve_forever(
    config: SandboxConfig, *, host: str, port: int, on_ready: Callable[[Urls], None]
) -> None:
    server = await start_sandbox(port, config.seed, config=config, host=host)
    on_ready(server.urls)
    stop = asyncio.Event()
    # A process manager (honcho, docker) stops us with SIGTERM: shut down cleanly.
    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
