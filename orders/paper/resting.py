"""Resting paper orders, filled by the market stream (DESIGN §4 "Paper
matching"): the database side of ``orders.paper.queue``, run inside the
stream process (``markets.stream.runner``).

One ``RestingQueue`` per token holds the paper orders resting on it (open or
partial). The market channel feeds it: ``last_trade_price`` is a venue trade
(``on_trade``), ``price_change`` a level's new size (``on_level``), ``book``
a snapshot (``on_book``); after the last two, ``crossing_fills`` turns an
opposite level that crosses one of our orders into a maker fill at our
price, since an incoming order there would have hit ours on the venue.

Event handling is synchronous and cheap: it runs on the stream's event loop.
Everything that touches the database runs in worker threads:

* ``refresh`` (about every second) reads the active paper orders. New ones
  join their token's queue behind their stored ``paper_queue_ahead`` (capped
  by the level the stream sees now); ones cancelled, expired or filled
  elsewhere leave. GTD orders whose expiration passed are expired (the
  ``orders.sweep`` task does it too; the transition is conditional). Queue
  positions that moved are written back in one UPDATE.
* ``flush_fills`` writes maker fills through ``fill_apply`` as they happen,
  each with a deterministic venue trade id ``paper-<order>-m<n>`` (``n``
  counts the order's maker fills), so retrying after an error never records
  one twice. A fill for an order that is no longer open (cancelled in the
  meantime) is dropped, as the venue would have cancelled it first.

Fills are recorded in the size column's micro-shares: the queue's
proportional shrink gives exact fractions, so each fill is the order's
cumulative fill rounded down minus what was recorded, and the fill that
empties an order records exactly its rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections, transaction
from django.db.models import Case, Count, Q, Value, When

from markets.models import Outcome
from orders.fills import FillReport, fill_apply
from orders.locks import user_trading_lock
from orders.models import LiquidityRole, Order, OrderStatus, SettlementStatus
from orders.paper.queue import MakerFill, RestingQueue
from orders.transitions import order_transition
from polybot.lib.aio import wait_for_event
from polybot.lib.money import SIZE_PLACES
from polybot.lib.time import utc_now
from polybot.lib.types import TradingMode
from polybot.polymarket.book import BookRegistry
from polybot.polymarket.models import (
    BookEvent,
    LastTradePriceEvent,
    MarketEvent,
    PriceChangeEvent,
    Side,
)
from polybot.polymarket.parsing import (
    BookFrame,
    LastTradePriceFrame,
    MarketFrame,
    PriceChangeFrame,
)

logger = logging.getLogger(__name__)
ZERO = Decimal("0")
MICRO = Decimal(1).scaleb(-SIZE_PLACES)
RESTING = (OrderStatus.OPEN, OrderStatus.PARTIAL)
REFRESH_INTERVAL = 1.0
# A fill the ledger keeps refusing is given up after this many tries.
MAX_WRITE_ATTEMPTS = 20

_T = TypeVar("_T")


def maker_trade_id(order_id: int, index: int) -> str:
    return f"paper-{order_id}-m{index}"


# --- the database side (worker threads) -----------------------------------------


@dataclass(frozen=True)
class RestingRow:
    order_id: int
    user_id: int
    outcome: Outcome
    side: str
    price: Decimal
    remaining: Decimal
    queue_ahead: Decimal
    expiration: datetime | None
    maker_fills: int


def resting_paper_orders() -> list[RestingRow]:
    """Every paper order resting now, oldest first (time priority)."""
    orders = (
        Order.objects.filter(mode=TradingMode.PAPER, status__in=RESTING)
        .select_related("outcome")
        .annotate(maker_fills=Count("fills", filter=Q(fills__role=LiquidityRole.MAKER)))
        .order_by("submitted_at", "pk")
    )
    return [
        RestingRow(
            order_id=o.pk,
            user_id=o.user_id,
            outcome=o.outcome,
            side=o.side,
            price=o.price,
            remaining=o.size - o.filled_size,
            queue_ahead=o.paper_queue_ahead or ZERO,
            expiration=o.expiration,
            maker_fills=o.maker_fills,
        )
        for o in orders
    ]


def paper_fill_record(report: FillReport) -> bool:
    """Apply one maker fill unless its order stopped resting; returns
    whether it was applied (or already was)."""
    with transaction.atomic():
        user_trading_lock(report.user_id)
        status = (
            Order.objects.select_for_update()
            .filter(pk=report.order_id)
            .values_list("status", flat=True)
            .first()
        )
        if status not in RESTING:
            return False
        fill_apply(report)
    return True


def paper_orders_expire(order_ids: Iterable[int]) -> int:
    return sum(
        order_transition(order_id, from_states=RESTING, to=OrderStatus.EXPIRED)
        for order_id in order_ids
    )


def paper_queue_ahead_save(values: dict[int, Decimal]) -> int:
    """Store queue positions in one UPDATE (resting orders only)."""
    if not values:
        return 0
    return Order.objects.filter(pk__in=values, status__in=RESTING).update(
        paper_queue_ahead=Case(
            *(When(pk=pk, then=Value(ahead)) for pk, ahead in values.items()),
            default="paper_queue_ahead",
        )
    )


def _db_job(fn: Callable[..., _T], *args: object) -> _T:
    # Worker threads keep their connections: drop broken or aged ones
    # before and after, as the stream's other database jobs do.
    close_old_connections()
    try:
        return fn(*args)
    finally:
        close_old_connections()


async def _in_thread(fn: Callable[..., _T], *args: object) -> _T:
    return await sync_to_async(_db_job, thread_sensitive=False)(fn, *args)


# --- the stream side (event loop) ------------------------------------------------


@dataclass
class _Tracked:
    row: RestingRow
    filled: Decimal = ZERO  # exact total the queue filled since loading
    recorded: Decimal = ZERO  # what went to the ledger (whole micro-shares)
    next_index: int = 0
    saved_ahead: Decimal = ZERO

    @property
    def token_id(self) -> str:
        return self.row.outcome.token_id


@dataclass(eq=False)
class _Pending:
    report: FillReport
    attempts: int = 0


class RestingPaperOrders:
    """The resting paper orders of every token, fed by the stream. ``books``
    (the stream's own) seeds a token's queue when its first order joins."""

    def __init__(
        self, books: BookRegistry | None = None, *, interval: float = REFRESH_INTERVAL
    ) -> None:
        self.books = books
        self.interval = interval
        self.queues: dict[str, RestingQueue] = {}
        # Tokens whose queue holds the whole book (seeded from a trusted
        # book or given a snapshot since), so a missing level means empty.
        self._full_book: set[str] = set()
        self._tracked: dict[int, _Tracked] = {}
        # Left a queue here (filled, expired) while the database may still
        # list them as resting: never rejoin.
        self._gone: set[int] = set()
        self._pending: list[_Pending] = []
        self._wake = asyncio.Event()

    def resting_ids(self) -> set[int]:
        return set(self._tracked)

    @property
    def pending_fills(self) -> int:
        return len(self._pending)

    # --- market events ----------------------------------------------------------

    def watches(self, frame: MarketFrame) -> bool:
        """Whether ``on_event`` needs this fast-path frame's event: one it
        takes (a price change, book or trade) on a token with resting
        orders."""
        queues = self.queues
        if not queues:
            return False
        if isinstance(frame, PriceChangeFrame):
            return any(change.asset_id in queues for change in frame.price_changes)
        if isinstance(frame, BookFrame | LastTradePriceFrame):
            return frame.asset_id in queues
        return False

    def on_event(self, event: MarketEvent) -> None:
        """Feed one market event; maker fills are queued for writing."""
        if not self.queues:
            return
        if isinstance(event, LastTradePriceEvent):
            queue = self._queue(event.asset_id)
            if queue is not None:
                self._record(queue.on_trade(price=event.price, size=event.size))
        elif isinstance(event, PriceChangeEvent):
            touched: dict[str, RestingQueue] = {}
            for change in event.changes:
                queue = touched.get(change.asset_id)
                if queue is None:
                    queue = self._queue(change.asset_id)
                    if queue is None:
                        continue
                    touched[change.asset_id] = queue
                queue.on_level(
                    side=change.side.value, price=change.price, new_size=change.size
                )
            for queue in touched.values():
                self._record(queue.crossing_fills())
        elif isinstance(event, BookEvent):
            snapshot = event.snapshot
            queue = self._queue(snapshot.asset_id)
            if queue is not None:
                queue.on_book(bids=snapshot.bids, asks=snapshot.asks)
                self._full_book.add(snapshot.asset_id)
                self._record(queue.crossing_fills())

    def _queue(self, token_id: str) -> RestingQueue | None:
        """The token's queue, after taking out orders that expired."""
        queue = self.queues.get(token_id)
        if queue is None:
            return None
        now = utc_now()
        for order in queue.orders():
            expiration = self._tracked[int(order.order_id)].row.expiration
            if expiration is not None and expiration <= now:
                self._leave(int(order.order_id))
        return self.queues.get(token_id)

    def _record(self, fills: list[MakerFill]) -> None:
        for fill in fills:
            order_id = int(fill.order_id)
            tracked = self._tracked[order_id]
            tracked.filled += fill.size
            queue = self.queues.get(tracked.token_id)
            done = queue is None or queue.get(order_id) is None
            total = (
                tracked.row.remaining
                if done
                else tracked.filled.quantize(MICRO, rounding=ROUND_DOWN)
            )
            size = total - tracked.recorded
            if size > 0:
                tracked.recorded = total
                self._pending.append(_Pending(self._report(tracked, size)))
                tracked.next_index += 1
                self._wake.set()
            if done:
                self._leave(order_id)

    def _report(self, tracked: _Tracked, size: Decimal) -> FillReport:
        row = tracked.row
        return FillReport(
            venue_trade_id=maker_trade_id(row.order_id, tracked.next_index),
            user_id=row.user_id,
            mode=TradingMode.PAPER,
            outcome=row.outcome,
            side=row.side,
            price=row.price,
            size=size,
            fee=ZERO,  # makers pay no fee
            role=LiquidityRole.MAKER,
            matched_at=utc_now(),
            order_id=row.order_id,
            # Paper has no chain: a paper match is final at once.
            settlement_status=SettlementStatus.CONFIRMED,
        )

    # --- joining and leaving --------------------------------------------------------

    def _join(self, row: RestingRow) -> None:
        token_id = row.outcome.token_id
        queue = self.queues.get(token_id)
        if queue is None:
            queue = self.queues[token_id] = RestingQueue()
            book = self.books.get(token_id) if self.books is not None else None
            if book is not None and book.trusted:
                queue.on_book(bids=book.levels(Side.BUY), asks=book.levels(Side.SELL))
                self._full_book.add(token_id)
        ahead = row.queue_ahead
        if token_id in self._full_book:
            # Trades and cancellations since placement happened without
            # this order in the queue: at most the level is ahead now.
            ahead = min(ahead, queue.level_size(row.side, row.price))
        queue.add(
            row.order_id,
            side=row.side,
            price=row.price,
            remaining=row.remaining,
            queue_ahead=ahead,
        )
        self._tracked[row.order_id] = _Tracked(
            row=row, next_index=row.maker_fills, saved_ahead=row.queue_ahead
        )

    def _leave(self, order_id: int, *, gone: bool = True) -> None:
        tracked = self._tracked.pop(order_id)
        queue = self.queues.get(tracked.token_id)
        if queue is not None:
            queue.remove(order_id)
            if not queue.orders():
                del self.queues[tracked.token_id]
                self._full_book.discard(tracked.token_id)
        if gone:
            self._gone.add(order_id)

    # --- database rounds ---------------------------------------------------------------

    async def refresh(self) -> None:
        """Join new resting orders, drop the ones that stopped resting,
        expire due GTD orders and store queue positions that moved."""
        rows = await _in_thread(resting_paper_orders)
        now = utc_now()
        active = {row.order_id for row in rows}
        due = [
            row.order_id
            for row in rows
            if row.expiration is not None and row.expiration <= now
        ]
        for order_id in list(self._tracked):
            if order_id not in active:
                self._leave(order_id, gone=False)  # cancelled or done elsewhere
        for order_id in due:
            if order_id in self._tracked:
                self._leave(order_id)
        self._gone &= active
        due_set = set(due)
        for row in rows:
            if row.order_id in self._tracked or row.order_id in self._gone:
                continue
            if row.order_id in due_set:
                continue
            self._join(row)
        if due:
            expired = await _in_thread(paper_orders_expire, due)
            if expired:
                logger.info("expired %d paper GTD orders", expired)
        await self.save_queue_ahead()

    async def save_queue_ahead(self) -> None:
        changed: dict[int, Decimal] = {}
        for order_id, tracked in self._tracked.items():
            queue = self.queues.get(tracked.token_id)
            order = queue.get(order_id) if queue is not None else None
            if order is None:
                continue
            ahead = order.queue_ahead.quantize(MICRO)
            if ahead != tracked.saved_ahead:
                changed[order_id] = ahead
        if not changed:
            return
        await _in_thread(paper_queue_ahead_save, changed)
        for order_id, ahead in changed.items():
            if order_id in self._tracked:
                self._tracked[order_id].saved_ahead = ahead

    async def flush_fills(self) -> bool:
        """Write the queued maker fills, in order; returns whether all went
        through (the rest stays queued for the next try)."""
        while self._pending:
            batch = list(self._pending)
            try:
                await _in_thread(_write, [p.report for p in batch])
            except Exception:
                logger.exception("could not record %d paper maker fills", len(batch))
                for item in batch:
                    item.attempts += 1
                given_up = [p for p in batch if p.attempts >= MAX_WRITE_ATTEMPTS]
                for item in given_up:
                    logger.error(
                        "gave up recording paper fill %s", item.report.venue_trade_id
                    )
                self._pending = [p for p in self._pending if p not in given_up]
                return False
            del self._pending[: len(batch)]
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Refresh every ``interval`` and write fills as they come, until
        ``stop``; then write what is left."""
        writer = asyncio.create_task(self._write_loop(stop), name="paper-fills")
        try:
            while not stop.is_set():
                try:
                    await self.refresh()
                except Exception:
                    logger.exception("resting paper orders: refresh failed")
                await wait_for_event(stop, self.interval)
        finally:
            self._wake.set()  # the writer sees ``stop`` now, not a second later
            await writer
            try:
                await self.flush_fills()
                await self.save_queue_ahead()
            except Exception:
                logger.exception("resting paper orders: final write failed")

    async def _write_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if not self._pending:
                self._wake.clear()
                # Woken by a new fill; the timeout only bounds a missed wake.
                await wait_for_event(self._wake, self.interval)
                continue
            if not await self.flush_fills():
                await wait_for_event(stop, self.interval)


def _write(reports: list[FillReport]) -> None:
    from orders.realtime import batched

    # Each fill commits on its own; the pages hear of the batch once.
    with batched():
        for report in reports:
            paper_fill_record(report)
