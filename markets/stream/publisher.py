"""Coalesced publishing of changed books (DESIGN §6).

Messages mark their tokens dirty; every ``interval`` the publisher writes the
dirty books' views to Redis (one round trip) and pushes each view to its
``market.<token>`` group, along with the trades queued since. However fast the
venue streams, a page gets at most ``1 / interval`` updates per token per
second. The pages' consumers render the fragments (``markets.consumers``):
rendering one takes about a millisecond, which the stream's loop cannot spare
per token and update.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from markets.live import (
    DEPTH_LEVELS,
    RECENT_TRADES_KEEP,
    BookView,
    LiveWriter,
    trade_entry,
)
from polybot.lib.aio import wait_for_event
from polybot.lib.time import utc_now
from polybot.polymarket.book import BookRegistry, OrderBook
from polybot.polymarket.models import LastTradePriceEvent, Side
from polybot.polymarket.parsing import LastTradePriceFrame, frame_timestamp
from polybot.realtime import book_view_event, market_group

logger = logging.getLogger(__name__)
# A last trade as the stream has it: the fast path's frame or the event.
Trade = LastTradePriceFrame | LastTradePriceEvent
_SEND_CONCURRENCY = 32
# Module constants: enum member lookups are slow on 3.11.
_BIDS, _ASKS = Side.BUY, Side.SELL


def trade_entries(trades: Iterable[Trade]) -> list[bytes]:
    """Trades as the recent-trades list keeps them (``trade_entry``): a
    vetted frame's texts as they came, other trades through
    ``_trade_entry``. A flush may carry thousands: one expression each."""
    return [
        trade_entry(t.price, t.size, t.side or "", t.timestamp)
        if type(t) is LastTradePriceFrame
        and (type(t.timestamp) is int or t.timestamp.isdigit())
        else _trade_entry(t)
        for t in trades
    ]


def _trade_entry(trade: Trade) -> bytes:
    if isinstance(trade, LastTradePriceFrame):  # vetted, but not plain digits
        at = frame_timestamp(trade.timestamp).isoformat()
        return trade_entry(trade.price, trade.size, trade.side or "", at)
    side = trade.side.value if trade.side else ""
    return trade_entry(
        str(trade.price), str(trade.size), side, trade.timestamp.isoformat()
    )


def book_view_of(book: OrderBook, *, updated_at: str | None = None) -> BookView:
    """The view of one book; ``updated_at`` defaults to now (a flush passes
    one time for all the books it writes)."""
    bids, asks = book.top(_BIDS, DEPTH_LEVELS), book.top(_ASKS, DEPTH_LEVELS)
    best_bid = bids[0][0] if bids else None
    best_ask = asks[0][0] if asks else None
    # The mid and spread from the tops just read (the book's own properties
    # would look the best prices up again): the same prices, the same sums.
    if best_bid is None or best_ask is None:
        midpoint = spread = None
    else:
        midpoint, spread = (best_bid + best_ask) / 2, best_ask - best_bid
    return BookView(
        token_id=book.asset_id,
        bids=bids,
        asks=asks,
        best_bid=best_bid,
        best_ask=best_ask,
        midpoint=midpoint,
        spread=spread,
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
        interval: float,
    ) -> None:
        self.books = books
        self.channel_layer = channel_layer
        self.interval = interval
        # Tokens changed since the last flush. Cleared, never replaced: the
        # stream's compiled path holds it (BookRegistry.text_ingester).
        self.dirty: set[str] = set()
        # Marks tokens changed. The set's own update, bound once: the stream
        # marks after every message, and a method of ours would cost a Python
        # call each time.
        self.mark: Callable[[Iterable[str]], None] = self.dirty.update
        # Tokens with an open page (from the interest registry). Every dirty
        # book goes to the cache, but only watched ones are pushed: a push to
        # a group nobody joined still costs a Redis round trip. None: push all.
        self.viewed: set[str] | None = None
        self.published = 0
        self.pushed = 0
        # Writes the views and trades from this loop, with no thread hop.
        self.writer = LiveWriter()
        # Trades since the last flush, oldest first, per token: written with
        # the books, not one Redis round trip per trade in the message loop.
        self._trades: dict[str, list[Trade]] = {}

    def trade(self, asset_id: str, trade: Trade) -> None:
        """Queue a trade for the token's recent-trades list. Only the last
        ``RECENT_TRADES_KEEP`` of a token are ever shown, so no more are kept
        (a flush that keeps failing cannot grow this)."""
        pending = self._trades.get(asset_id)
        if pending is None:
            self._trades[asset_id] = [trade]
            return
        pending.append(trade)
        if len(pending) >= 2 * RECENT_TRADES_KEEP:
            del pending[:-RECENT_TRADES_KEEP]

    async def flush(self) -> int:
        """Write the changed books' views and push them, then the queued
        trades; return how many views were written. Each part runs whatever
        the other did: a trade write that keeps failing must not leave every
        book stale, nor a failed view write hold the trades back. What failed
        is raised once both have run, and kept for the next flush."""
        try:
            return await self._flush_views()
        finally:
            if self._trades:
                await self._flush_trades()

    async def _flush_views(self) -> int:
        if not self.dirty:
            return 0
        dirty = self.dirty.copy()
        self.dirty.clear()
        now = utc_now().isoformat()
        views = [
            book_view_of(book, updated_at=now)
            for asset_id in dirty
            if (book := self.books.get(asset_id)) is not None
        ]
        if not views:
            return 0
        try:
            await self.writer.set_many(views)
        except Exception:
            # Keep them dirty: the next flush writes them again.
            self.dirty |= dirty
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
                            book_view_event(view),
                        )
                        for view in pushes[start : start + _SEND_CONCURRENCY]
                    )
                )
        self.published += len(views)
        return len(views)

    async def _flush_trades(self) -> None:
        trades, self._trades = self._trades, {}
        try:
            await self.writer.add_trades(
                {
                    asset_id: trade_entries(queued[-RECENT_TRADES_KEEP:])
                    for asset_id, queued in trades.items()
                }
            )
        except Exception:
            # Keep them, before any that came since, for the next flush.
            for asset_id, queued in trades.items():
                for trade in self._trades.pop(asset_id, []):
                    queued.append(trade)
                self._trades[asset_id] = queued[-RECENT_TRADES_KEEP:]
            raise

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await self.flush()
                except Exception:
                    # A Redis blip must not end the stream; the next flush retries.
                    logger.exception("book publish failed")
                await wait_for_event(stop, self.interval)
        finally:
            # What came since the last flush (up to an interval of trades and
            # changed books) would be lost with the process otherwise.
            try:
                await self.flush()
            except Exception:
                logger.exception("the last book publish failed")
            finally:
                await self.aclose()

    async def aclose(self) -> None:
        """Close the cache connection (``run`` does when it stops)."""
        await self.writer.aclose()
