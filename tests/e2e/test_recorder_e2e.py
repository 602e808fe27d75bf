"""The book recorder end to end: the stream process against a sandbox venue
with simulated traders records every market-channel frame, and the export of
that recording replays into the same books the process held."""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command

from markets import sync
from markets.management.commands.replay_stream import book_summary
from markets.models import Outcome, RecordedMessage
from markets.stream.runner import RunnerSettings, StreamRunner
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


def _replay(path: Path) -> dict[str, dict[str, object]]:
    out = io.StringIO()
    call_command("replay_stream", str(path), stdout=out, stderr=io.StringIO())
    return {
        book["asset_id"]: book for book in map(json.loads, out.getvalue().splitlines())
    }


async def test_the_recording_replays_into_the_books_the_stream_held(
    settings, tmp_path: Path
) -> None:
    settings.POLYBOT_STREAM_WATCH_ALL_UP_TO = 100
    settings.POLYBOT_BOOK_RECORDER_DAYS = 1
    server = await start_sandbox(
        0, seed=7, config=replace(QUIET, simulator_enabled=True, simulator_interval=0.1)
    )
    try:
        urls = server.urls
        config = replace(
            VenueConfig(), clob_url=urls.clob, gamma_url=urls.gamma, ws_url=urls.ws
        )
        await sync_to_async(sync.markets_sync_full)(gamma=GammaClient(config))
        tokens = set(
            await sync_to_async(
                lambda: list(Outcome.objects.values_list("token_id", flat=True))
            )()
        )
        fast = RunnerSettings(publish_interval=0.05, snapshot_interval=60, interest_refresh=0.2,
                              stream=StreamSettings(ping_interval=0.2, stale_after=5.0))  # fmt: skip
        runner = StreamRunner(config, fast)
        assert runner.recorder is not None
        task = asyncio.create_task(runner.run())
        try:

            async def trades_recorded() -> bool:
                # Books of every token, then a few rounds of simulated trading
                # already written by the one-second flush.
                if not tokens <= set(runner.books.asset_ids()):
                    return False
                changes = RecordedMessage.objects.filter(raw__contains='"price_change"')
                return await changes.acount() >= 5

            await _wait(trades_recorded)
            # Quiet the venue, so no frame arrives after the books we compare;
            # the stop then flushes what the one-second job has not written.
            server.venue.simulator_running = False
            await asyncio.sleep(0.5)
        finally:
            runner.stop()
            await asyncio.wait_for(task, timeout=10)
        path = tmp_path / "recording.jsonl"
        await sync_to_async(call_command)(
            "export_recording", str(path), stderr=io.StringIO()
        )
    finally:
        await server.stop()

    assert runner.recorder.buffered == 0
    assert runner.recorder.dropped == 0
    assert runner.market_stream.counters.raw_hook_errors == 0
    lines = path.read_text().splitlines()
    assert len(lines) == runner.market_stream.counters.messages
    replayed = await sync_to_async(_replay)(path)
    held = {book.asset_id: book_summary(book) for book in runner.books}
    assert set(replayed) == tokens == set(held)
    two_sided = [a for a, b in held.items() if b["best_bid"] and b["best_ask"]]
    assert two_sided
    # Best bid and ask, and every level under them, as the stream held them.
    for asset_id, book in held.items():
        assert (replayed[asset_id]["best_bid"], replayed[asset_id]["best_ask"]) == (
            book["best_bid"],
            book["best_ask"],
        ), asset_id
    assert replayed == held
