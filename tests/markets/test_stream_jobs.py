"""The stream's jobs against the real database, Redis and channel layer."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from channels.layers import get_channel_layer

from markets import services
from markets.live import (
    RECENT_TRADES_KEEP,
    LiveWriter,
    RecentTrade,
    book_view_get,
    recent_trades_get,
    trade_entry,
)
from markets.models import Market, MarketSnapshot, Outcome
from markets.stream.interest import (
    VIEWED_KEY,
    interest_register,
    tokens_of_interest,
    viewed_tokens,
)
from markets.stream.publisher import BookPublisher, book_view_of
from markets.stream.snapshots import snapshots_record
from polybot.lib.redis import redis_client
from polybot.polymarket.book import BookRegistry
from polybot.polymarket.models import (
    BookEvent,
    BookSnapshot,
    LastTradePriceEvent,
    PriceLevel,
    Side,
)
from polybot.polymarket.parsing import LastTradePriceFrame, parse_market_items
from polybot.realtime import market_group
from tests.factories.markets import MarketFactory, OutcomeFactory
from tests.factories.orders import OrderFactory

D = Decimal


def _snapshot(
    token: str, bids: list[tuple[str, str]], asks: list[tuple[str, str]]
) -> BookEvent:
    return BookEvent(
        BookSnapshot(
            asset_id=token, market="0xabc",
            bids=tuple(PriceLevel(D(p), D(s)) for p, s in bids),
            asks=tuple(PriceLevel(D(p), D(s)) for p, s in asks),
            timestamp=datetime(2026, 11, 24, tzinfo=UTC), tick_size=D("0.01"),
        )
    )  # fmt: skip


@pytest.fixture
def binary_market(db: None) -> Market:
    market = MarketFactory()
    OutcomeFactory(market=market, token_id="111", label="Yes", index=0, price=D("0.40"))
    OutcomeFactory(market=market, token_id="222", label="No", index=1, price=D("0.60"))
    return market


@pytest.fixture(autouse=True)
def _clean_interest() -> None:
    redis_client().delete(VIEWED_KEY)


@pytest.mark.django_db
def test_it_watches_both_tokens_of_a_market_with_an_open_order(
    binary_market: Market,
) -> None:
    OrderFactory(outcome=Outcome.objects.get(token_id="111"), status="open")
    other = MarketFactory()
    OutcomeFactory(market=other, token_id="999")
    assert tokens_of_interest() == {"111", "222"}


@pytest.mark.django_db
def test_it_forgets_viewed_tokens_when_interest_expires(binary_market: Market) -> None:
    interest_register(["111"], ttl=60)
    interest_register(["333"], ttl=-1)  # already expired
    assert viewed_tokens() == {"111"}
    assert tokens_of_interest() == {"111", "222"}


@pytest.mark.django_db
def test_it_watches_every_active_market_when_configured(
    binary_market: Market, settings
) -> None:
    settings.POLYBOT_STREAM_WATCH_ALL_UP_TO = 10
    assert tokens_of_interest() == {"111", "222"}


@pytest.mark.django_db
def test_snapshots_record_trusted_books_and_move_prices(binary_market: Market) -> None:
    books = BookRegistry()
    books.apply(_snapshot("111", [("0.44", "100"), ("0.43", "50")], [("0.46", "80")]))
    untrusted = books.book("222")  # never got a snapshot
    assert untrusted.trusted is False
    assert snapshots_record(views=[book_view_of(b) for b in books]) == 1
    snapshot = MarketSnapshot.objects.get()
    assert (snapshot.best_bid, snapshot.best_ask, snapshot.midpoint) == (
        D("0.44"),
        D("0.46"),
        D("0.45"),
    )
    assert (snapshot.bid_depth, snapshot.ask_depth) == (D("150"), D("80"))
    yes = Outcome.objects.get(token_id="111")
    assert (yes.price, yes.previous_price) == (D("0.450000"), D("0.400000"))
    assert Outcome.objects.get(token_id="222").price == D("0.600000")


@pytest.mark.django_db(transaction=True)
async def test_the_publisher_coalesces_updates_into_one_push_and_one_cached_view() -> (
    None
):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(market_group("111"), channel)
    books = BookRegistry()
    publisher = BookPublisher(books, channel_layer=layer, interval=0.1)
    for bid in ("0.40", "0.41", "0.42"):  # three updates before one flush
        publisher.mark(books.apply(_snapshot("111", [(bid, "10")], [("0.50", "10")])))
    assert await publisher.flush() == 1
    message = await layer.receive(channel)
    # The view as cached: the page's consumer renders it.
    assert message == {"type": "book.view", "view": book_view_of_cache("111")}
    view = book_view_get("111")
    assert view is not None and (view.best_bid, view.best_ask, view.trusted) == (
        D("0.42"),
        D("0.50"),
        True,
    )
    assert await publisher.flush() == 0  # nothing changed since
    await publisher.aclose()


@pytest.mark.django_db
def test_market_resolve_marks_the_winner_once(binary_market: Market) -> None:
    market = services.market_resolve(
        condition_id=binary_market.condition_id, winning_token_id="222"
    )
    assert market is not None
    market.refresh_from_db()
    assert (
        market.status,
        market.winning_outcome.token_id,
        market.accepting_orders,
    ) == ("resolved", "222", False)
    first_resolved_at = market.resolved_at
    time.sleep(0.01)
    services.market_resolve(
        condition_id=binary_market.condition_id, winning_token_id="222"
    )
    market.refresh_from_db()
    assert market.resolved_at == first_resolved_at
    assert (
        services.market_resolve(condition_id="0xunknown", winning_token_id="1") is None
    )


def test_recent_trades_are_kept_newest_first_and_capped() -> None:
    from markets.live import (
        RECENT_TRADES_KEEP,
        RecentTrade,
        recent_trade_add,
        recent_trades_get,
    )

    redis_client().delete("polybot:live:trades:777")
    for n in range(RECENT_TRADES_KEEP + 5):
        recent_trade_add(
            "777",
            RecentTrade(D("0.5"), D(n), "BUY", f"2026-11-24T00:00:{n % 60:02d}+00:00"),
        )
    trades = recent_trades_get("777", limit=3)
    assert [t.size for t in trades] == [D(54), D(53), D(52)]
    assert len(recent_trades_get("777", limit=100)) == RECENT_TRADES_KEEP


@pytest.mark.django_db(transaction=True)
async def test_the_publisher_caches_every_book_but_pushes_only_viewed_ones() -> None:
    layer = get_channel_layer()
    watched, unwatched = await layer.new_channel(), await layer.new_channel()
    await layer.group_add(market_group("111"), watched)
    await layer.group_add(market_group("222"), unwatched)
    books = BookRegistry()
    publisher = BookPublisher(books, channel_layer=layer, interval=0.1)
    publisher.viewed = {"111"}
    publisher.mark(books.apply(_snapshot("111", [("0.40", "10")], [("0.50", "10")])))
    publisher.mark(books.apply(_snapshot("222", [("0.45", "10")], [("0.55", "10")])))
    assert await publisher.flush() == 2
    pushed = await layer.receive(watched)
    assert json.loads(pushed["view"])["token_id"] == "111"
    assert book_view_get("222") is not None
    assert publisher.pushed == 1
    await publisher.aclose()


def test_a_pushed_book_carries_only_what_the_stream_knows_for_the_rest_of_the_page() -> (
    None
):
    from markets.fragments import TokenMeta, book_fragment_html
    from markets.live import BookView

    view = BookView(
        token_id="111", bids=[(D("0.40"), D("10"))], asks=[], best_bid=D("0.40"),
        best_ask=None, midpoint=None, spread=None, last_trade_price=None,
        tick_size=None, trusted=True, updated_at="2026-11-24T10:00:00+00:00",
    )  # fmt: skip

    html = book_fragment_html(view, TokenMeta(market_id=1, label="Yes"))

    # No trade seen yet: the last price and the ticket's outcome price keep
    # the synced one. No ask: no mid, and the buttons are told so.
    assert '<span id="quote-111-bid" hx-swap-oob="true">40¢</span>' in html
    assert '<span id="quote-111-ask" hx-swap-oob="true">—</span>' in html
    assert "quote-111-last" not in html
    assert "ticket-option-price-111" not in html
    assert 'data-mid-buy="" data-mid-buy-text="Mid —"' in html
    assert 'data-ask="" data-ask-text="Ask —"' in html


def book_view_of_cache(token_id: str) -> str:
    view = book_view_get(token_id)
    assert view is not None
    return view.to_json()


def _trade_frame(token: str, price: str, size: str, ms: int) -> Any:
    [frame] = parse_market_items(
        json.dumps(
            {
                "event_type": "last_trade_price",
                "asset_id": token,
                "market": "0xm",
                "price": price,
                "side": "SELL",
                "size": size,
                "fee_rate_bps": "0",
                "timestamp": str(ms),
            }
        )  # fmt: skip
    )
    return frame


def _trade_event(
    token: str, price: Decimal, side: Side | None, size: Decimal, at: datetime
) -> LastTradePriceEvent:
    return LastTradePriceEvent(
        asset_id=token, market="0xm", price=price, side=side, size=size,
        fee_rate_bps=D("0"), timestamp=at,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
async def test_the_publisher_writes_queued_trades_newest_first_at_its_flush() -> None:
    redis_client().delete("polybot:live:trades:888")
    publisher = BookPublisher(BookRegistry(), channel_layer=None, interval=0.1)
    publisher.trade("888", _trade_frame("888", "0.61", "12.5", 1764000000000))
    publisher.trade("888", _trade_frame("888", "0.62", "3", 1764000001500))
    assert recent_trades_get("888") == []  # nothing written until the flush
    await publisher.flush()
    assert recent_trades_get("888") == [
        RecentTrade(D("0.62"), D("3"), "SELL", "2025-11-24T16:00:01.500000+00:00"),
        RecentTrade(D("0.61"), D("12.5"), "SELL", "2025-11-24T16:00:00+00:00"),
    ]
    await publisher.flush()  # nothing queued since: nothing written twice
    assert len(recent_trades_get("888")) == 2
    await publisher.aclose()


@pytest.mark.django_db(transaction=True)
async def test_the_publisher_keeps_only_the_trades_the_list_shows() -> None:
    redis_client().delete("polybot:live:trades:889")
    publisher = BookPublisher(BookRegistry(), channel_layer=None, interval=0.1)
    for n in range(3 * RECENT_TRADES_KEEP):
        publisher.trade("889", _trade_frame("889", "0.5", str(n + 1), 1764000000000))
    assert len(publisher._trades["889"]) < 2 * RECENT_TRADES_KEEP
    await publisher.flush()
    sizes = [t.size for t in recent_trades_get("889", limit=100)]
    assert sizes == [
        D(n) for n in range(3 * RECENT_TRADES_KEEP, 2 * RECENT_TRADES_KEEP, -1)
    ]
    await publisher.aclose()


class _FailingWrites:
    async def add_trades(self, trades: Any) -> None:
        raise ConnectionError("redis is restarting")

    async def aclose(self) -> None:
        pass


@pytest.mark.django_db(transaction=True)
async def test_trades_a_failed_flush_could_not_write_are_written_by_the_next() -> None:
    redis_client().delete("polybot:live:trades:890")
    publisher = BookPublisher(BookRegistry(), channel_layer=None, interval=0.1)
    working, publisher.writer = publisher.writer, _FailingWrites()  # type: ignore[assignment]
    publisher.trade("890", _trade_frame("890", "0.5", "1", 1764000000000))
    with pytest.raises(ConnectionError):
        await publisher.flush()
    publisher.trade("890", _trade_frame("890", "0.5", "2", 1764000000000))
    publisher.writer = working
    await publisher.flush()
    assert [t.size for t in recent_trades_get("890")] == [D("2"), D("1")]
    await publisher.aclose()


@pytest.mark.django_db(transaction=True)
async def test_a_trade_list_keeps_the_newest_trades_across_flushes_for_a_day() -> None:
    key = "polybot:live:trades:891"
    redis_client().delete(key)
    publisher = BookPublisher(BookRegistry(), channel_layer=None, interval=0.1)
    for flush in range(2):
        for n in range(40):
            size = str(flush * 40 + n + 1)
            publisher.trade("891", _trade_frame("891", "0.5", size, 1764000000000))
        await publisher.flush()
    sizes = [t.size for t in recent_trades_get("891", limit=100)]
    assert sizes == [D(n) for n in range(80, 30, -1)]
    assert 24 * 3600 - 5 <= redis_client().ttl(key) <= 24 * 3600
    await publisher.aclose()


class _TradesDown:
    """A writer whose views land (the real one's) but whose trade writes
    fail, as a trade list's Redis trouble would."""

    def __init__(self, views: LiveWriter) -> None:
        self.set_many = views.set_many
        self.attempts = 0

    async def add_trades(self, trades: Any) -> None:
        self.attempts += 1
        raise ConnectionError("redis is restarting")

    async def aclose(self) -> None:
        pass


@pytest.mark.django_db(transaction=True)
async def test_a_failing_trade_write_does_not_stop_the_books_being_published() -> None:
    redis_client().delete("polybot:live:trades:111")
    books = BookRegistry()
    publisher = BookPublisher(books, channel_layer=None, interval=0.1)
    working = publisher.writer
    publisher.writer = failing = _TradesDown(working)  # type: ignore[assignment]
    publisher.mark(books.apply(_snapshot("111", [("0.44", "10")], [("0.46", "5")])))
    publisher.trade("111", _trade_frame("111", "0.44", "2", 1764000000000))

    with pytest.raises(ConnectionError, match="redis is restarting"):
        await publisher.flush()

    # The views went first and were written; the trade write failed after
    # them, and its trade is kept.
    view = book_view_get("111")
    assert view is not None
    assert view == book_view_of(books["111"], updated_at=view.updated_at)
    assert (view.best_bid, view.best_ask) == (D("0.44"), D("0.46"))
    assert (publisher.published, failing.attempts) == (1, 1)
    assert recent_trades_get("111") == []
    publisher.writer = working
    assert await publisher.flush() == 0  # no book changed since
    assert recent_trades_get("111") == [
        RecentTrade(D("0.44"), D("2"), "SELL", "2025-11-24T16:00:00+00:00")
    ]
    assert publisher._trades == {}
    await publisher.aclose()


class _ViewsDown:
    """A writer whose view writes fail but whose trades land."""

    def __init__(self, trades: LiveWriter) -> None:
        self.add_trades = trades.add_trades

    async def set_many(self, views: Any) -> None:
        raise ConnectionError("redis is restarting")

    async def aclose(self) -> None:
        pass


@pytest.mark.django_db(transaction=True)
async def test_a_failing_view_write_does_not_hold_back_the_trades() -> None:
    redis_client().delete("polybot:live:trades:111")
    books = BookRegistry()
    publisher = BookPublisher(books, channel_layer=None, interval=0.1)
    working = publisher.writer
    publisher.writer = _ViewsDown(working)  # type: ignore[assignment]
    publisher.mark(books.apply(_snapshot("111", [("0.44", "10")], [("0.46", "5")])))
    publisher.trade("111", _trade_frame("111", "0.44", "2", 1764000000000))

    with pytest.raises(ConnectionError, match="redis is restarting"):
        await publisher.flush()

    assert recent_trades_get("111") == [
        RecentTrade(D("0.44"), D("2"), "SELL", "2025-11-24T16:00:00+00:00")
    ]
    assert book_view_get("111") is None
    publisher.writer = working
    assert await publisher.flush() == 1  # the book was kept dirty
    assert len(recent_trades_get("111")) == 1  # and the trade not written twice
    await publisher.aclose()


@pytest.mark.django_db(transaction=True)
async def test_a_trade_list_key_of_another_type_does_not_stop_other_tokens_trades(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bad, good = "polybot:live:trades:892", "polybot:live:trades:893"
    redis_client().set(bad, "not a list")
    redis_client().delete(good)
    publisher = BookPublisher(BookRegistry(), channel_layer=None, interval=0.1)
    # The bad key first: the script must carry on past it.
    publisher.trade("892", _trade_frame("892", "0.30", "1", 1764000000000))
    publisher.trade("893", _trade_frame("893", "0.61", "12.5", 1764000000000))
    publisher.trade("893", _trade_frame("893", "0.62", "3", 1764000001500))

    await publisher.flush()  # not raised: a retry would fail the same way
    await publisher.flush()  # and nothing is retried

    assert recent_trades_get("893") == [
        RecentTrade(D("0.62"), D("3"), "SELL", "2025-11-24T16:00:01.500000+00:00"),
        RecentTrade(D("0.61"), D("12.5"), "SELL", "2025-11-24T16:00:00+00:00"),
    ]
    assert redis_client().get(bad) == "not a list"
    assert publisher._trades == {}
    logged = [r for r in caplog.records if r.name == "markets.live"]
    assert [(r.levelname, r.getMessage()) for r in logged] == [
        (
            "WARNING",
            "recent trades not written to polybot:live:trades:892 (WRONGTYPE "
            "Operation against a key holding the wrong kind of value)",
        )
    ]
    await publisher.aclose()


async def test_add_trades_returns_the_tokens_whose_key_could_not_take_them() -> None:
    redis_client().set("polybot:live:trades:894", "not a list")
    redis_client().delete("polybot:live:trades:895")
    writer = LiveWriter()
    entry = trade_entry("0.5", "1", "BUY", "1764000000000")

    failed = await writer.add_trades({"894": [entry], "895": [entry]})

    assert failed == ["894"]
    assert redis_client().lrange("polybot:live:trades:895", 0, -1) == [
        '["0.5","1","BUY","1764000000000"]'
    ]
    await writer.aclose()


@pytest.mark.django_db(transaction=True)
async def test_a_typed_trade_is_stored_with_its_decimal_texts_and_iso_time() -> None:
    key = "polybot:live:trades:896"
    redis_client().delete(key)
    publisher = BookPublisher(BookRegistry(), channel_layer=None, interval=0.1)
    at = datetime(2025, 6, 20, 14, 2, 26, 322000, tzinfo=UTC)
    publisher.trade(
        "896", _trade_event("896", D("0.456"), Side.BUY, D("219.217767"), at)
    )
    publisher.trade("896", _trade_event("896", D("0.5"), None, D("10"), at))

    await publisher.flush()

    assert redis_client().lrange(key, 0, -1) == [
        '["0.5","10","","2025-06-20T14:02:26.322000+00:00"]',
        '["0.456","219.217767","BUY","2025-06-20T14:02:26.322000+00:00"]',
    ]
    assert recent_trades_get("896") == [
        RecentTrade(D("0.5"), D("10"), "", "2025-06-20T14:02:26.322000+00:00"),
        RecentTrade(
            D("0.456"), D("219.217767"), "BUY", "2025-06-20T14:02:26.322000+00:00"
        ),
    ]
    await publisher.aclose()


@pytest.mark.django_db(transaction=True)
async def test_a_trade_frame_whose_time_is_not_plain_digits_is_stored_as_iso() -> None:
    key = "polybot:live:trades:897"
    redis_client().delete(key)
    publisher = BookPublisher(BookRegistry(), channel_layer=None, interval=0.1)
    # Vetted (a number of milliseconds), but not the digits a reader expects.
    [frame] = parse_market_items(
        json.dumps({
            "event_type": "last_trade_price", "asset_id": "897", "market": "0xm",
            "price": "0.62", "side": "SELL", "size": "3",
            "timestamp": "1764000001500.5",
        })
    )  # fmt: skip
    assert type(frame) is LastTradePriceFrame
    publisher.trade("897", frame)

    await publisher.flush()

    assert redis_client().lrange(key, 0, -1) == [
        '["0.62","3","SELL","2025-11-24T16:00:01.500500+00:00"]'
    ]
    assert recent_trades_get("897") == [
        RecentTrade(D("0.62"), D("3"), "SELL", "2025-11-24T16:00:01.500500+00:00")
    ]
    await publisher.aclose()


def test_recent_trades_read_entries_written_before_they_were_arrays() -> None:
    key = "polybot:live:trades:898"
    redis_client().delete(key)
    redis_client().lpush(
        key,
        json.dumps({
            "price": "0.45", "size": "20", "side": "SELL",
            "at": "2026-11-24T09:59:00+00:00",
        }),
    )  # fmt: skip

    assert recent_trades_get("898") == [
        RecentTrade(D("0.45"), D("20"), "SELL", "2026-11-24T09:59:00+00:00")
    ]


def test_recent_trades_read_a_time_given_as_integer_milliseconds() -> None:
    key = "polybot:live:trades:899"
    redis_client().delete(key)
    redis_client().lpush(key, b'["0.45","20","BUY",1764000001500]')

    assert recent_trades_get("899") == [
        RecentTrade(D("0.45"), D("20"), "BUY", "2025-11-24T16:00:01.500000+00:00")
    ]
