"""The stream's coalesced publishing: the view of a book, byte for byte, and
how the views reach the cache the web reads (``markets.live``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from markets.live import (
    BOOK_TTL_SECONDS,
    DEPTH_LEVELS,
    BookView,
    LiveWriter,
    book_view_get,
    book_view_key,
    book_views_get,
)
from markets.stream.publisher import BookPublisher, book_view_of
from polybot.polymarket.book import BookRegistry, OrderBook
from polybot.polymarket.models import Side
from polybot.polymarket.parsing import MarketFrame, parse_market_items

AT = "2026-11-24T10:00:00+00:00"


def _apply(books: BookRegistry, *messages: dict[str, Any]) -> set[str]:
    """Apply wire messages as the stream does (``StreamRunner.on_event``)."""
    touched: set[str] = set()
    for message in messages:
        for item in parse_market_items(json.dumps(message)):
            if isinstance(item, MarketFrame):
                touched.update(books.apply_frame(item))
            else:
                touched.update(books.apply(item))
    return touched


def _book_message(
    token: str, bids: list[tuple[str, str]], asks: list[tuple[str, str]]
) -> dict[str, Any]:
    return {
        "event_type": "book", "asset_id": token, "market": "0xm",
        "bids": [{"price": p, "size": s} for p, s in bids],
        "asks": [{"price": p, "size": s} for p, s in asks],
        "timestamp": "1764000000000", "hash": "0xb", "tick_size": "0.01",
        "min_order_size": "5", "neg_risk": False, "last_trade_price": "0.51",
    }  # fmt: skip


def _bid_change(
    token: str, price: str, size: str, best_bid: str, best_ask: str
) -> dict[str, Any]:
    return {
        "event_type": "price_change", "market": "0xm", "timestamp": "1764000000001",
        "price_changes": [{
            "asset_id": token, "price": price, "size": size, "side": "BUY",
            "hash": "0xh", "best_bid": best_bid, "best_ask": best_ask,
        }],
    }  # fmt: skip


def _reference_view_of(book: OrderBook, *, updated_at: str) -> BookView:
    """``book_view_of`` as it was before it took the mid and spread from the
    tops it reads: every view it builds must encode to the same bytes."""
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
        updated_at=updated_at,
    )


# --- the view of a book ---------------------------------------------------------


def test_a_book_view_keeps_the_venue_text_of_each_price_and_size() -> None:
    books = BookRegistry()
    _apply(
        books,
        _book_message("111", [("0.48", "20.5"), ("0.5", "100")], [("0.6", "10"), ("0.52", "80")]),
        # "0.50" updates the "0.5" level, which keeps its first text.
        _bid_change("111", "0.50", "150", best_bid="0.5", best_ask="0.52"),
    )  # fmt: skip

    view = book_view_of(books["111"], updated_at=AT)

    assert view.to_json() == (
        '{"token_id":"111","bids":[["0.5","150"],["0.48","20.5"]],'
        '"asks":[["0.52","80"],["0.6","10"]],"best_bid":"0.5","best_ask":"0.52",'
        '"midpoint":"0.51","spread":"0.02","last_trade_price":"0.51",'
        '"tick_size":"0.01","trusted":true,"updated_at":"2026-11-24T10:00:00+00:00"}'
    )


def test_a_book_with_no_asks_has_no_midpoint_or_spread() -> None:
    books = BookRegistry()
    _apply(books, _book_message("111", [("0.40", "10")], []))

    view = book_view_of(books["111"], updated_at=AT)

    assert view.to_json() == (
        '{"token_id":"111","bids":[["0.40","10"]],"asks":[],"best_bid":"0.40",'
        '"best_ask":null,"midpoint":null,"spread":null,"last_trade_price":"0.51",'
        '"tick_size":"0.01","trusted":true,"updated_at":"2026-11-24T10:00:00+00:00"}'
    )


def test_a_book_view_shows_only_the_best_ten_levels_of_a_side() -> None:
    books = BookRegistry()
    bids = [(f"0.{n:02d}", "1") for n in range(1, 13)]
    _apply(books, _book_message("111", bids, [("0.99", "1")]))

    view = book_view_of(books["111"], updated_at=AT)

    assert [str(price) for price, _ in view.bids] == [
        "0.12", "0.11", "0.10", "0.09", "0.08", "0.07", "0.06", "0.05", "0.04", "0.03",
    ]  # fmt: skip
    assert (view.midpoint, view.spread) == (Decimal("0.555"), Decimal("0.87"))


def test_a_book_that_never_had_a_snapshot_is_an_empty_untrusted_view() -> None:
    view = book_view_of(OrderBook("111"), updated_at=AT)

    assert view.to_json() == (
        '{"token_id":"111","bids":[],"asks":[],"best_bid":null,"best_ask":null,'
        '"midpoint":null,"spread":null,"last_trade_price":null,"tick_size":null,'
        '"trusted":false,"updated_at":"2026-11-24T10:00:00+00:00"}'
    )


# Text variants of one price ("0.5", "0.50", "0.500") and the venue's words
# for an empty side (0, 1), so mids and spreads mix exponents.
_PRICES = ("0", "0.4", "0.45", "0.450", "0.5", "0.50", "0.500", "0.55", "0.6", "1")
_SIZES = ("0", "10", "10.5", "007", "250.000001", "1e3")
_price = st.sampled_from(_PRICES)
_level = st.fixed_dictionaries({"price": _price, "size": st.sampled_from(_SIZES)})
_snapshot = st.fixed_dictionaries({
    "event_type": st.just("book"), "asset_id": st.just("1"), "market": st.just("0xm"),
    "bids": st.lists(_level, max_size=14), "asks": st.lists(_level, max_size=14),
    "timestamp": st.just("1764000000000"), "hash": st.just("0xb"),
    "tick_size": st.sampled_from(("0.01", "0.001")),
    "last_trade_price": st.one_of(st.none(), _price),
})  # fmt: skip
_change = st.fixed_dictionaries({
    "asset_id": st.just("1"), "price": _price, "size": st.sampled_from(_SIZES),
    "side": st.sampled_from(("BUY", "SELL")), "hash": st.just("0xh"),
    "best_bid": st.one_of(st.none(), _price), "best_ask": st.one_of(st.none(), _price),
})  # fmt: skip
_price_change = st.fixed_dictionaries({
    "event_type": st.just("price_change"), "market": st.just("0xm"),
    "price_changes": st.lists(_change, min_size=1, max_size=4),
    "timestamp": st.just("1764000000001"),
})  # fmt: skip


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_snapshot, _price_change), min_size=1, max_size=8))
def test_a_book_view_encodes_as_before_whatever_the_stream_sent(
    messages: list[dict[str, Any]],
) -> None:
    books = BookRegistry()
    for message in messages:
        _apply(books, message)
        for book in books:
            assert (
                book_view_of(book, updated_at=AT).to_json()
                == _reference_view_of(book, updated_at=AT).to_json()
            )


# --- writing the views to the cache ---------------------------------------------


def _view(token_id: str, best_bid: str = "0.42") -> BookView:
    return BookView(
        token_id=token_id, bids=[(Decimal(best_bid), Decimal("10"))],
        asks=[(Decimal("0.50"), Decimal("7.5"))], best_bid=Decimal(best_bid),
        best_ask=Decimal("0.50"), midpoint=None, spread=None,
        last_trade_price=None, tick_size=Decimal("0.01"), trusted=True, updated_at=AT,
    )  # fmt: skip


@pytest.fixture
async def writer() -> AsyncIterator[LiveWriter]:
    writer = LiveWriter()
    yield writer
    await writer.aclose()


@pytest.fixture
def raw_redis() -> Iterator[redis.Redis]:
    """The cache's Redis, without the cache: the bytes as stored."""
    client = redis.Redis.from_url(django_settings.CACHES["default"]["LOCATION"])
    yield client
    client.close()


async def test_the_writer_stores_the_same_bytes_and_ttl_as_cache_set(
    writer: LiveWriter, raw_redis: redis.Redis
) -> None:
    view = _view("111")
    key = cache.make_key(book_view_key("111"))

    await writer.set_many([view])
    written = (raw_redis.get(key), raw_redis.ttl(key))
    cache.set(book_view_key("111"), view.to_json(), timeout=BOOK_TTL_SECONDS)
    set_by_django = (raw_redis.get(key), raw_redis.ttl(key))

    assert written == set_by_django
    assert written[1] == BOOK_TTL_SECONDS


async def test_written_views_read_back_through_the_cache_readers(
    writer: LiveWriter,
) -> None:
    await writer.set_many([_view("111", "0.42"), _view("222", "0.43")])

    assert book_view_get("111") == _view("111", "0.42")
    assert book_views_get(["111", "222", "333"]) == {
        "111": _view("111", "0.42"),
        "222": _view("222", "0.43"),
    }
    assert cache.get(book_view_key("222")) == _view("222", "0.43").to_json()


async def test_the_writer_writes_again_after_redis_forgot_its_script(
    writer: LiveWriter, raw_redis: redis.Redis
) -> None:
    # A restarted Redis has no scripts loaded: the writer loads it again.
    await writer.set_many([_view("111", "0.42")])
    raw_redis.script_flush()

    await writer.set_many([_view("111", "0.43")])

    assert book_view_get("111") == _view("111", "0.43")


async def test_a_cache_delete_removes_a_written_view(writer: LiveWriter) -> None:
    await writer.set_many([_view("111")])

    cache.delete(book_view_key("111"))

    assert book_view_get("111") is None


def test_the_writer_refuses_a_cache_that_would_store_values_differently(
    settings: Any,
) -> None:
    default = settings.CACHES["default"]
    settings.CACHES = {
        "default": {**default, "OPTIONS": {"serializer": "json.JSONEncoder"}}
    }

    with pytest.raises(ImproperlyConfigured, match="RedisCache without OPTIONS"):
        LiveWriter()


# --- flushing -------------------------------------------------------------------


class _FailingWriter:
    """A writer whose Redis is down; it sets ``stop`` on its ``attempts``th
    write, if given one."""

    def __init__(self, stop: asyncio.Event | None = None, attempts: int = 0) -> None:
        self.stop, self.attempts = stop, attempts
        self.writes = 0
        self.closed = False

    async def set_many(self, views: list[BookView]) -> None:
        self.writes += 1
        if self.stop is not None and self.writes == self.attempts:
            self.stop.set()
        raise redis.ConnectionError("Redis is restarting")

    async def aclose(self) -> None:
        self.closed = True


@pytest.fixture
async def publisher() -> AsyncIterator[BookPublisher]:
    book_publisher = BookPublisher(BookRegistry(), channel_layer=None, interval=0.1)
    yield book_publisher
    await book_publisher.aclose()


async def test_a_flush_writes_every_changed_book_in_one_go(
    publisher: BookPublisher,
) -> None:
    publisher.mark(_apply(publisher.books, _book_message("111", [("0.40", "10")], [])))
    publisher.mark(_apply(publisher.books, _book_message("222", [("0.45", "10")], [])))

    assert await publisher.flush() == 2

    views = book_views_get(["111", "222"])
    assert {t: (v.best_bid, v.trusted) for t, v in views.items()} == {
        "111": (Decimal("0.40"), True),
        "222": (Decimal("0.45"), True),
    }
    assert publisher.published == 2


async def test_a_failed_cache_write_raises_and_keeps_the_books_for_the_next_flush(
    publisher: BookPublisher,
) -> None:
    working = publisher.writer
    publisher.writer = _FailingWriter()  # type: ignore[assignment]
    publisher.mark(_apply(publisher.books, _book_message("111", [("0.40", "10")], [])))

    with pytest.raises(redis.ConnectionError, match="Redis is restarting"):
        await publisher.flush()
    assert book_view_get("111") is None

    publisher.writer = working
    assert await publisher.flush() == 1
    view = book_view_get("111")
    assert view is not None and view.best_bid == Decimal("0.40")
    assert publisher.published == 1


async def test_a_flush_of_tokens_without_a_book_writes_nothing(
    publisher: BookPublisher,
) -> None:
    publisher.mark(["999"])

    assert await publisher.flush() == 0
    assert book_view_get("999") is None


async def test_run_logs_each_failed_flush_retries_and_closes_the_writer_when_stopped(
    publisher: BookPublisher, caplog: pytest.LogCaptureFixture
) -> None:
    stop = asyncio.Event()
    failing = _FailingWriter(stop, attempts=2)
    publisher.writer = failing  # type: ignore[assignment]
    publisher.mark(_apply(publisher.books, _book_message("111", [("0.40", "10")], [])))

    await asyncio.wait_for(publisher.run(stop), timeout=5)

    # Two flushes in the loop, then the last one on the way out: each
    # failure logged, none raised, and the writer closed all the same.
    messages = [r.getMessage() for r in caplog.records]
    assert (failing.writes, failing.closed) == (3, True)
    assert messages == [
        "book publish failed",
        "book publish failed",
        "the last book publish failed",
    ]


async def test_run_writes_the_books_and_trades_queued_since_its_last_flush_when_stopped(
    publisher: BookPublisher, raw_redis: redis.Redis
) -> None:
    raw_redis.delete("polybot:live:trades:111")
    [trade] = parse_market_items(json.dumps({
        "event_type": "last_trade_price", "asset_id": "111", "market": "0xm",
        "price": "0.40", "side": "BUY", "size": "7", "timestamp": "1764000000000",
    }))  # fmt: skip
    publisher.mark(_apply(publisher.books, _book_message("111", [("0.40", "10")], [])))
    publisher.trade("111", trade)  # type: ignore[arg-type]
    stop = asyncio.Event()
    stop.set()  # stopped before its first round: only the last flush writes

    await asyncio.wait_for(publisher.run(stop), timeout=5)

    view = book_view_get("111")
    assert view is not None
    assert view == book_view_of(publisher.books["111"], updated_at=view.updated_at)
    assert raw_redis.lrange("polybot:live:trades:111", 0, -1) == [
        b'["0.40","7","BUY","1764000000000"]'
    ]
    assert publisher.published == 1
