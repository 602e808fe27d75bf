"""The stream process end to end: catalogue from the sandbox, interest,
websocket books, live views in Redis, heartbeat, clean stop."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from asgiref.sync import sync_to_async

from markets import sync
from markets.live import book_view_get
from markets.models import Outcome
from markets.stream.runner import RunnerSettings, StreamRunner
from polybot.heartbeat import heartbeat_read
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.gamma import GammaClient
from polybot.polymarket.ws import StreamSettings
from polybot.sandbox.server import start_sandbox
from tests.e2e.conftest import QUIET

pytestmark = pytest.mark.django_db(transaction=True)


async def _wait(predicate, timeout: float = 15.0) -> None:  # noqa: ANN001
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.05)


async def test_the_stream_watches_the_catalogue_and_publishes_trusted_books(
    settings,
) -> None:
    settings.POLYBOT_STREAM_WATCH_ALL_UP_TO = 100
    # Simulated traders on: books need liquidity for a top of book to show.
    server = await start_sandbox(
        0, seed=7, config=replace(QUIET, simulator_enabled=True, simulator_interval=0.2)
    )
    try:
        urls = server.urls
        config = replace(
            VenueConfig(), clob_url=urls.clob, gamma_url=urls.gamma, ws_url=urls.ws
        )
        await sync_to_async(sync.markets_sync_full)(gamma=GammaClient(config))
        tokens = await sync_to_async(
            lambda: list(Outcome.objects.values_list("token_id", flat=True))
        )()

        fast = RunnerSettings(publish_interval=0.05, snapshot_interval=0.5, interest_refresh=0.2,
                              stream=StreamSettings(ping_interval=0.2, stale_after=2.0))  # fmt: skip
        runner = StreamRunner(config, fast)
        task = asyncio.create_task(runner.run())

        async def all_books_live() -> bool:
            views = [await sync_to_async(book_view_get)(t) for t in tokens]
            return all(v is not None and v.trusted for v in views)

        await _wait(all_books_live)
        assert set(runner.market_stream.asset_ids) == set(tokens)
        view = await sync_to_async(book_view_get)(tokens[0])
        assert (
            view is not None and view.best_bid is not None and view.best_ask is not None
        )
        assert view.best_bid < view.best_ask

        async def beating() -> bool:
            return (await sync_to_async(heartbeat_read)("stream")).ok

        await _wait(beating)
        runner.stop()
        await asyncio.wait_for(task, timeout=10)
        assert runner.market_stream.connected() == 0
    finally:
        await server.stop()
