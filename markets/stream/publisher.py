"""Coalesced publishing of changed books (DESIGN §6).

Messages mark their tokens dirty; every ``interval`` the publisher writes the
dirty books' views to Redis (one round trip) and pushes one rendered fragment
per token to its ``market.<token>`` group. However fast the venue streams, a
page gets at most ``1 / interval`` updates per token per second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache import cache

from markets.live import BOOK_TTL_SECONDS, DEPTH_LEVELS, BookView, book_view_key
from polybot.lib.aio import wait_for_event
from polybot.lib.time import utc_now
from polybot.polymarket.book import BookRegistry, OrderBook
from polybot.polymarket.models import Side
from polybot.realtime import market_group

logger = logging.getLogger(__name__)
Renderer = Callable[[BookView], str]
_SEND_CONCURRENCY = 32


def book_view_of(book: OrderBook, *, updated_at: str | None = None) -> BookView:
    """The view of one book; ``updated_at`` defaults to now (a flush passes
    one time for all the books it writes)."""
    bids, asks = book.top(Side.BUY, DEPTH_LEVELS), book.top(Side.SELL, DEPTH_LEVELS)
    return BookView(
        token_id=book.asset_id,
        bids=bids,
        asks=asks,
        best_bid=bids[0][0] if bids else None,
        best_ask=asks[0][0] if asks else None,
        midpoint=book.midpoint,
        spread=book.spread,
        last_trade_price=book.last_trade_price,
        tick_size=book.tick_size,
        trusted=book.trusted,
        updated_at=updated_at or utc_now().isoformat(),
    )


class BookPublisher:
    def __init__(
        self,
        books: BookRegistry,
        *,
        channel_layer: Any,
        render: Renderer,
        interval: float,
    ) -> None:
        self.books = books
        self.channel_layer = channel_layer
        self.render = render
        self.interval = interval
        self._dirty: set[str] = set()
        # Tokens with an open page (from the interest registry). Every dirty
        # book goes to the cache, but only watched ones are pushed: a push to
        # a group nobody joined still costs a Redis round trip. None: push all.
        self.viewed: set[str] | None = None
        self.published = 0
        self.pushed = 0

    def mark(self, asset_ids: Iterable[str]) -> None:
        self._dirty.update(asset_ids)

    async def flush(self) -> int:
        if not self._dirty:
            return 0
        dirty, self._dirty = self._dirty, set()
        now = utc_now().isoformat()
        views = [
            book_view_of(book, updated_at=now)
            for asset_id in dirty
            if (book := self.books.get(asset_id)) is not None
        ]
        if not views:
            return 0
        try:
            await sync_to_async(_cache_views, thread_sensitive=False)(views)
        except Exception:
            # Keep them dirty: the next flush writes them again.
            self._dirty |= dirty
            raise
        if self.channel_layer is not None:
            # Concurrently, in waves: each group_send is a Redis round trip and
            # a flush may carry hundreds of tokens, but the layer's connection
            # pool is bounded.
            pushes = (
                views
                if self.viewed is None
                else [v for v in views if v.token_id in self.viewed]
            )
            self.pushed += len(pushes)
            for start in range(0, len(pushes), _SEND_CONCURRENCY):
                await asyncio.gather(
                    *(
                        self.channel_layer.group_send(
                            market_group(view.token_id),
                            {"type": "html.fragment", "html": self.render(view)},
                        )
                        for view in pushes[start : start + _SEND_CONCURRENCY]
                    )
                )
        self.published += len(views)
        return len(views)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.flush()
            except (
                Exception
            ):  # a Redis blip must not end the stream; the next flush retries
                logger.exception("book publish failed")
            await wait_for_event(stop, self.interval)


def _cache_views(views: list[BookView]) -> None:
    cache.set_many(
        {book_view_key(v.token_id): v.to_json() for v in views},
        timeout=BOOK_TTL_SECONDS,
    )
