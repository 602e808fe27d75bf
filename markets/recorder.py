"""The book recorder: every raw market-channel frame the stream receives,
kept in ``RecordedMessage`` for ``POLYBOT_BOOK_RECORDER_DAYS`` days, so the
order-book history the venue no longer serves stays available for backtests.

The stream's websocket client hands each frame to ``BookRecorder.record``
(on the event loop, so it only appends to a buffer); a periodic job calls
``flush`` in a worker thread, which writes the buffer with one bulk insert.
``manage.py export_recording`` reads it back in the format
``manage.py replay_stream`` replays.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from django.db import transaction

from markets.models import RecordedMessage
from polybot.lib.time import utc_now

logger = logging.getLogger(__name__)

# Enough for minutes of a busy stream; beyond it the oldest frames go first,
# because a database that is down that long loses history either way and the
# stream process must not run out of memory.
DEFAULT_MAX_BUFFERED_CHARS = 64 * 2**20
PRUNE_BATCH = 10_000

# Token ids appear as "asset_id": "<id>" (book, price_change entries,
# last_trade_price, ...) and as "assets_ids": [...] (new_market,
# market_resolved). A regex is far cheaper than parsing the frame twice; the
# leading quote keeps "winning_asset_id" from matching.
_ASSET_ID = re.compile(r'"asset_id"\s*:\s*"([^"]*)"')
_ASSETS_IDS = re.compile(r'"assets_ids"\s*:\s*\[([^\]]*)\]')
_QUOTED = re.compile(r'"([^"]*)"')

Row = tuple[datetime, list[str], str]


def asset_ids_of(raw: str) -> list[str]:
    """The token ids a raw frame mentions, each once, in order of appearance."""
    ids = dict.fromkeys(_ASSET_ID.findall(raw))
    for listed in _ASSETS_IDS.findall(raw):
        ids.update(dict.fromkeys(_QUOTED.findall(listed)))
    ids.pop("", None)
    return list(ids)


class BookRecorder:
    """Buffers raw frames in memory until ``flush`` writes them.

    ``record`` runs on the event loop and ``flush`` in a worker thread, so
    the buffer is swapped under a lock and the database write happens
    outside it. A failed write puts its rows back in front of newer ones;
    when the buffer exceeds ``max_buffered_chars`` the oldest rows are
    dropped and counted in ``dropped``.
    """

    def __init__(
        self,
        *,
        max_buffered_chars: int = DEFAULT_MAX_BUFFERED_CHARS,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.max_buffered_chars = max_buffered_chars
        self.recorded = 0
        self.written = 0
        self.dropped = 0
        self._clock = clock
        self._buffer: deque[Row] = deque()
        self._chars = 0
        self._lock = threading.Lock()

    @property
    def buffered(self) -> int:
        """Frames waiting for the next flush. (A property, not ``__len__``, so
        an empty recorder is still truthy.)"""
        return len(self._buffer)

    def record(self, raw: str) -> None:
        """Append one frame with its receive time and token ids. Never blocks
        on I/O; safe to call from the event loop."""
        row = (self._clock(), asset_ids_of(raw), raw)
        with self._lock:
            self._buffer.append(row)
            self._chars += len(raw)
            self.recorded += 1
            self._trim()

    def flush(self) -> int:
        """Write every buffered frame with one bulk insert; returns how many.

        Raises what the database raised, after putting the rows back (so the
        next flush retries them)."""
        with self._lock:
            batch, self._buffer, self._chars = self._buffer, deque(), 0
        if not batch:
            return 0
        try:
            recorded_messages_append(rows=batch)
        except Exception:
            with self._lock:
                batch.extend(self._buffer)
                self._buffer = batch
                self._chars = sum(len(row[2]) for row in batch)
                self._trim()
            raise
        self.written += len(batch)
        return len(batch)

    def _trim(self) -> None:
        # Keeps at least the newest row, however large.
        while self._chars > self.max_buffered_chars and len(self._buffer) > 1:
            _, _, raw = self._buffer.popleft()
            self._chars -= len(raw)
            self.dropped += 1


# --- services and selectors (STYLE R5, R6) ------------------------------------


def recorded_messages_append(*, rows: Iterable[Row]) -> int:
    """Insert ``(received_at, asset_ids, raw)`` rows in the given order, so the
    primary key follows the received order. All or nothing."""
    objs = [RecordedMessage(received_at=at, asset_ids=ids, raw=raw) for at, ids, raw in rows]  # fmt: skip
    with transaction.atomic():
        RecordedMessage.objects.bulk_create(objs, batch_size=2000)
    return len(objs)


def recorded_messages_prune(*, older_than: datetime, batch: int = PRUNE_BATCH) -> int:
    """Delete messages received before ``older_than``, ``batch`` rows per
    statement, so a large prune never holds one long transaction; returns how
    many were deleted."""
    deleted = 0
    old = RecordedMessage.objects.filter(received_at__lt=older_than).order_by("pk")
    while True:
        ids = list(old.values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += RecordedMessage.objects.filter(pk__in=ids).delete()[0]


def recorded_messages_raw(
    *,
    token: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[str]:
    """Raw frames in received order: those mentioning ``token`` (if given),
    received at or after ``since`` and before ``until``. Streams from the
    database in chunks, so an export of any size runs in constant memory."""
    messages = RecordedMessage.objects.all()
    if token is not None:
        messages = messages.filter(asset_ids__contains=[token])
    if since is not None:
        messages = messages.filter(received_at__gte=since)
    if until is not None:
        messages = messages.filter(received_at__lt=until)
    return (
        messages.order_by("pk").values_list("raw", flat=True).iterator(chunk_size=2000)
    )
