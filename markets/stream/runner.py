"""The stream process's main loop: one MarketStream, the books, and the
periodic jobs around them (publishing, interest, snapshots, heartbeat).
It also fills resting paper orders from the market events
(``orders.paper.resting``) and listens to live accounts' user channels
(``orders.user_stream``).

Every periodic job survives its own failures (a Redis or database restart
is logged and retried on the next round); only the websocket client's own
fatal errors end the run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections

from markets import services
from markets.recorder import BookRecorder
from markets.stream.interest import tokens_of_interest, viewed_tokens
from markets.stream.publisher import BookPublisher, book_view_of
from markets.stream.snapshots import snapshots_record
from orders.paper.resting import REFRESH_INTERVAL, RestingPaperOrders
from orders.user_stream import ACCOUNTS_REFRESH, LiveUserStreams
from polybot.heartbeat import heartbeat_write
from polybot.lib.aio import wait_for_event
from polybot.polymarket.book import BookRegistry
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.models import (
    LastTradePriceEvent,
    MarketEvent,
    MarketResolvedEvent,
    StreamReconnected,
)
from polybot.polymarket.parsing import LastTradePriceFrame, MarketFrame
from polybot.polymarket.ws import MarketStream, StreamSettings

logger = logging.getLogger(__name__)
HEARTBEAT_INTERVAL = 10.0
RECORDER_FLUSH_INTERVAL = 1.0


@dataclass(frozen=True)
class RunnerSettings:
    publish_interval: float
    snapshot_interval: float
    interest_refresh: float
    stream: StreamSettings
    paper_refresh: float = REFRESH_INTERVAL
    accounts_refresh: float = ACCOUNTS_REFRESH

    @classmethod
    def from_settings(cls) -> RunnerSettings:
        return cls(
            publish_interval=settings.POLYBOT_STREAM_PUBLISH_INTERVAL,
            snapshot_interval=settings.POLYBOT_STREAM_SNAPSHOT_INTERVAL,
            interest_refresh=settings.POLYBOT_STREAM_INTEREST_REFRESH,
            # Also replace healthy-looking connections now and then: the venue has
            # been seen to keep answering PONG while sending no data (API.md §9).
            stream=StreamSettings(
                max_connection_age=settings.POLYBOT_STREAM_MAX_CONNECTION_AGE
            ),
        )


class StreamRunner:
    def __init__(self, config: VenueConfig, runner_settings: RunnerSettings) -> None:
        self.settings = runner_settings
        self.books = BookRegistry()
        self.publisher = BookPublisher(
            self.books, channel_layer=get_channel_layer(),
            interval=runner_settings.publish_interval,
        )  # fmt: skip
        # The book recorder (POLYBOT_BOOK_RECORDER_DAYS > 0) sees every raw
        # frame before it is parsed, so the history holds what the venue sent.
        self.recorder = (
            BookRecorder() if settings.POLYBOT_BOOK_RECORDER_DAYS > 0 else None
        )
        # Resting paper orders, filled by this stream's market events.
        self.paper = RestingPaperOrders(
            self.books, interval=runner_settings.paper_refresh
        )
        self.market_stream = MarketStream(
            config, on_event=self.on_event, settings=runner_settings.stream,
            on_raw=None if self.recorder is None else self.recorder.record,
            on_frame=self.on_frame,
            # Most messages, whole: what on_frame does with a price change or
            # a last trade, in one compiled call (not for tokens with resting
            # paper orders).
            on_text=self.books.text_ingester(
                self.publisher.dirty, self.paper.queues, self.publisher.trade
            ),
        )  # fmt: skip
        # Live accounts' fills and order states, from their user channels.
        self.user_streams = LiveUserStreams(
            config, settings=runner_settings.stream,
            interval=runner_settings.accounts_refresh,
        )  # fmt: skip
        self.stop_event = asyncio.Event()

    async def on_event(self, event: MarketEvent | StreamReconnected) -> None:
        if isinstance(event, StreamReconnected):
            # Books stay untrusted until the fresh snapshot the resubscribe brings.
            self.books.mark_all_untrusted(
                event.asset_ids, f"reconnected: {event.reason}"
            )
            self.publisher.mark(event.asset_ids)
            return
        # Side effects first, books last. A side effect that fails (Redis or
        # the database restarting) is logged, never raised: an exception from
        # on_event would end the whole stream, and both are recoverable — the
        # trade list refills and the catalogue sync re-reads resolutions.
        if isinstance(event, LastTradePriceEvent):
            self.publisher.trade(event.asset_id, event)
        elif isinstance(event, MarketResolvedEvent):
            await self._resolve(event)
        try:
            self.paper.on_event(event)
        except Exception:
            logger.exception("resting paper orders could not take an event")
        self.publisher.mark(self.books.apply(event))

    def on_frame(self, frame: MarketFrame) -> None:
        """What ``on_event`` does with an event, for a vetted frame of the
        parser's fast path (what ``on_text`` leaves; called, not awaited):
        applied to the books as it is, and typed only for resting paper
        orders on that token, so most messages never build an event. (A
        trade is queued as it is; the publisher's flush types the ones the
        trade list keeps.)"""
        if type(frame) is LastTradePriceFrame:
            self.publisher.trade(frame.asset_id, frame)
        try:
            # Most streams have nothing resting: then no call at all.
            if self.paper.queues and self.paper.watches(frame):
                self.paper.on_event(frame.event())
        except Exception:
            logger.exception("resting paper orders could not take an event")
        self.publisher.mark(self.books.apply_frame(frame))

    async def run(self) -> None:
        stream_task = asyncio.create_task(
            self.market_stream.run(), name="market-stream"
        )
        jobs = [
            asyncio.create_task(self.publisher.run(self.stop_event), name="publisher"),
            self._every(
                self.settings.interest_refresh, self.refresh_interest, "interest"
            ),
            self._every(
                self.settings.snapshot_interval, self.record_snapshots, "snapshots"
            ),
            self._every(HEARTBEAT_INTERVAL, self.beat, "heartbeat"),
            asyncio.create_task(self.paper.run(self.stop_event), name="paper"),
            asyncio.create_task(
                self.user_streams.run(self.stop_event), name="user-streams"
            ),
        ]
        if self.recorder is not None:
            jobs.append(
                self._every(RECORDER_FLUSH_INTERVAL, self.flush_recording, "recorder")
            )
        stopper = asyncio.create_task(self.stop_event.wait())
        try:
            done, _ = await asyncio.wait(
                {stream_task, stopper}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            # The stream first: a frame it still handled after the jobs
            # stopped (a trade, a book change, a paper fill) would miss
            # their last flush.
            await self.market_stream.stop()
            self.stop_event.set()
            await asyncio.gather(*jobs, stream_task, stopper, return_exceptions=True)
            await self._final_flush()
        if stream_task in done and stream_task.exception():
            raise stream_task.exception()  # type: ignore[misc]

    def stop(self) -> None:
        self.stop_event.set()

    def _every(
        self, seconds: float, job: Callable[[], Awaitable[None]], name: str
    ) -> asyncio.Task[None]:
        async def loop() -> None:
            while not self.stop_event.is_set():
                try:
                    await job()
                except Exception:
                    logger.exception(
                        "stream job %s failed; retrying in %ss", name, seconds
                    )
                await wait_for_event(self.stop_event, seconds)

        return asyncio.create_task(loop(), name=name)

    async def refresh_interest(self) -> None:
        self.publisher.viewed = await sync_to_async(viewed_tokens)()
        wanted = await sync_to_async(tokens_of_interest)()
        current = set(self.market_stream.asset_ids)
        added, removed = sorted(wanted - current), sorted(current - wanted)
        if added:
            await self.market_stream.subscribe(added)
        if removed:
            await self.market_stream.unsubscribe(removed)
            for asset_id in removed:
                self.books.discard(asset_id)
        if added or removed:
            logger.info(
                "stream watches %d tokens (+%d -%d)",
                len(wanted),
                len(added),
                len(removed),
            )

    async def _resolve(self, event: MarketResolvedEvent) -> None:
        try:
            await sync_to_async(services.market_resolve)(
                condition_id=event.market, winning_token_id=event.winning_asset_id
            )
        except Exception:
            logger.exception(
                "could not record the resolution of %s; the sync will", event.market
            )

    async def record_snapshots(self) -> None:
        views = [book_view_of(book) for book in self.books]
        if views:
            await sync_to_async(snapshots_record)(views=views)

    async def flush_recording(self) -> None:
        if self.recorder is not None:
            await sync_to_async(_recorder_flush)(self.recorder)

    async def _final_flush(self) -> None:
        # Every socket is closed by now, so nothing is recorded after this.
        if self.recorder is None:
            return
        try:
            await self.flush_recording()
        except Exception:
            logger.exception(
                "could not write the last %d recorded frames", self.recorder.buffered
            )

    async def beat(self) -> None:
        await sync_to_async(heartbeat_write)("stream")


def _recorder_flush(recorder: BookRecorder) -> None:
    # This thread holds its connection for the life of the process; drop it
    # if it broke (a database restart) or aged out, so the next write
    # reconnects instead of failing until the process restarts.
    close_old_connections()
    recorder.flush()
