"""The local L2 book: levels, queries, walks, and agreement with the venue's
top of book after every message (polybot/polymarket/book.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polybot.polymarket.book import BookRegistry, OrderBook, WalkResult
from polybot.polymarket.models import (
    BestBidAskEvent,
    BookEvent,
    BookSnapshot,
    LastTradePriceEvent,
    MarketResolvedEvent,
    PriceChange,
    PriceChangeEvent,
    PriceLevel,
    Side,
    StreamReconnected,
    TickSizeChangeEvent,
)

D = Decimal
ASSET = "yes-token"
OTHER = "no-token"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)

Levels = Sequence[tuple[str, str]]


def snapshot(
    bids: Levels = (("0.48", "30"), ("0.49", "20"), ("0.50", "15")),
    asks: Levels = (("0.52", "25"), ("0.53", "60"), ("0.54", "10")),
    *,
    asset_id: str = ASSET,
    tick_size: str | None = "0.01",
    timestamp: datetime = T0,
) -> BookSnapshot:
    """The docs' book fixture by default: bids 0.48–0.50, asks 0.52–0.54."""
    return BookSnapshot(
        asset_id=asset_id,
        market="0xmarket",
        bids=tuple(PriceLevel(D(p), D(s)) for p, s in bids),
        asks=tuple(PriceLevel(D(p), D(s)) for p, s in asks),
        timestamp=timestamp,
        hash="h0",
        tick_size=None if tick_size is None else D(tick_size),
    )


def change(
    side: Side,
    price: str,
    size: str,
    best_bid: str | None,
    best_ask: str | None,
    *,
    asset_id: str = ASSET,
    hash_: str = "h1",
) -> PriceChange:
    return PriceChange(
        asset_id=asset_id,
        price=D(price),
        size=D(size),
        side=side,
        hash=hash_,
        best_bid=None if best_bid is None else D(best_bid),
        best_ask=None if best_ask is None else D(best_ask),
    )


def book_from(snap: BookSnapshot | None = None) -> OrderBook:
    book = OrderBook(ASSET)
    book.apply_snapshot(snap or snapshot())
    return book


def levels(book: OrderBook, side: Side) -> list[tuple[str, str]]:
    return [(str(level.price), str(level.size)) for level in book.levels(side)]


def top(book: OrderBook) -> tuple[Decimal | None, Decimal | None]:
    bid, ask = book.best_bid, book.best_ask
    return (bid and bid.price, ask and ask.price)


# --- snapshots ------------------------------------------------------------------------


def test_it_is_untrusted_until_the_first_snapshot() -> None:
    book = OrderBook(ASSET)
    assert not book.trusted
    assert book.untrusted_reason == "no snapshot yet"
    assert book.best_bid is None and book.best_ask is None

    book.apply_snapshot(snapshot())

    assert book.trusted
    assert book.untrusted_reason == ""


def test_it_sorts_an_unsorted_snapshot_best_first() -> None:
    book = book_from(
        snapshot(
            bids=(("0.49", "20"), ("0.48", "30"), ("0.50", "15")),
            asks=(("0.54", "10"), ("0.52", "25"), ("0.53", "60")),
        )
    )

    assert levels(book, Side.BUY) == [("0.50", "15"), ("0.49", "20"), ("0.48", "30")]
    assert levels(book, Side.SELL) == [("0.52", "25"), ("0.53", "60"), ("0.54", "10")]
    assert book.best_bid == PriceLevel(D("0.50"), D("15"))
    assert book.best_ask == PriceLevel(D("0.52"), D("25"))


def test_a_snapshot_replaces_every_level_and_keeps_its_metadata() -> None:
    book = book_from()
    book.apply_snapshot(
        snapshot(
            bids=(("0.40", "1"),), asks=(("0.60", "2"),), timestamp=T1, tick_size=None
        )
    )

    assert levels(book, Side.BUY) == [("0.40", "1")]
    assert levels(book, Side.SELL) == [("0.60", "2")]
    assert book.updated_at == T1
    assert book.hash == "h0"
    assert book.market == "0xmarket"
    assert book.tick_size == D("0.01")  # a snapshot without a tick keeps the known one


def test_it_drops_zero_size_levels_and_adds_up_repeated_prices_in_a_snapshot() -> None:
    book = book_from(
        snapshot(
            bids=(("0.40", "0"), ("0.45", "2"), ("0.45", "3")), asks=(("0.60", "0"),)
        )
    )

    assert levels(book, Side.BUY) == [("0.45", "5")]
    assert book.levels(Side.SELL) == []


def test_a_crossed_snapshot_is_untrusted() -> None:
    book = book_from(snapshot(bids=(("0.55", "1"),), asks=(("0.52", "1"),)))
    assert not book.trusted
    assert "crossed" in book.untrusted_reason


def test_it_refuses_a_snapshot_for_another_token() -> None:
    with pytest.raises(ValueError):
        OrderBook(ASSET).apply_snapshot(snapshot(asset_id=OTHER))


# --- level updates ------------------------------------------------------------------


def test_it_sets_the_new_aggregate_size_of_a_level() -> None:
    book = book_from()

    assert book.apply_price_change(change(Side.BUY, "0.49", "44", "0.50", "0.52"), T1)

    assert levels(book, Side.BUY) == [("0.50", "15"), ("0.49", "44"), ("0.48", "30")]
    assert book.updated_at == T1
    assert book.hash == "h1"


def test_it_adds_a_new_level_inside_the_spread() -> None:
    book = book_from()

    assert book.apply_price_change(change(Side.SELL, "0.51", "7", "0.50", "0.51"))

    assert book.best_ask == PriceLevel(D("0.51"), D("7"))
    assert book.spread == D("0.01")


def test_it_removes_a_level_when_size_is_zero() -> None:
    book = book_from()

    assert book.apply_price_change(change(Side.BUY, "0.50", "0", "0.49", "0.52"))

    assert levels(book, Side.BUY) == [("0.49", "20"), ("0.48", "30")]


def test_removing_a_level_that_is_not_there_changes_nothing() -> None:
    book = book_from()

    assert book.apply_price_change(change(Side.SELL, "0.60", "0", "0.50", "0.52"))

    assert len(book.levels(Side.SELL)) == 3


def test_it_treats_0_50_and_0_5_as_the_same_level() -> None:
    book = book_from()

    book.apply_price_change(change(Side.BUY, "0.5", "99", "0.5", "0.52"))

    assert book.levels(Side.BUY)[0] == PriceLevel(D("0.50"), D("99"))
    assert len(book.levels(Side.BUY)) == 3


def test_it_applies_a_tick_size_change() -> None:
    book = book_from()

    book.apply_tick_size_change(
        TickSizeChangeEvent(ASSET, "0xmarket", D("0.01"), D("0.001"), T1)
    )

    assert book.tick_size == D("0.001")
    assert book.updated_at == T1
    assert len(book.levels(Side.BUY)) == 3  # resting levels are untouched


def test_it_records_the_last_trade_price() -> None:
    book = book_from()
    book.apply_last_trade(
        LastTradePriceEvent(ASSET, "0xmarket", D("0.52"), Side.BUY, D("5"), D("0"), T1)
    )
    assert book.last_trade_price == D("0.52")


# --- queries --------------------------------------------------------------------------


def test_it_computes_midpoint_microprice_and_spread_exactly() -> None:
    book = book_from()

    assert book.midpoint == D("0.51")
    # (bid * ask_size + ask * bid_size) / (bid_size + ask_size): the thinner
    # bid (15 against 25) pulls the price towards the bid.
    assert book.microprice == (D("0.50") * 25 + D("0.52") * 15) / 40
    assert book.microprice == D("0.5075")
    assert book.spread == D("0.02")


def test_queries_are_none_with_an_empty_side() -> None:
    book = book_from(snapshot(asks=()))

    assert book.best_ask is None
    assert book.midpoint is None
    assert book.microprice is None
    assert book.spread is None


def test_it_computes_depth_to_a_price() -> None:
    book = book_from()

    assert book.depth(Side.BUY, D("0.49")) == D("35")
    assert book.depth(Side.BUY, D("0.495")) == D("15")
    assert book.depth(Side.BUY, D("0.51")) == D("0")
    assert book.depth(Side.BUY) == D("65")
    assert book.depth(Side.SELL, D("0.53")) == D("85")
    assert book.depth(Side.SELL, D("0.99")) == D("95")


def test_it_returns_the_top_n_levels() -> None:
    book = book_from()

    assert book.levels(Side.BUY, 2) == [
        PriceLevel(D("0.50"), D("15")),
        PriceLevel(D("0.49"), D("20")),
    ]
    assert book.levels(Side.SELL, 1) == [PriceLevel(D("0.52"), D("25"))]
    assert book.levels(Side.SELL, 0) == []


# --- walking the book ----------------------------------------------------------------


def test_a_buy_walks_three_ask_levels_with_an_exact_average_price() -> None:
    result = book_from().walk(Side.BUY, size=D("90"))

    assert result == WalkResult(
        filled_size=D("90"),
        average_price=(D("0.52") * 25 + D("0.53") * 60 + D("0.54") * 5) / 90,
        notional=D("47.50"),
        levels_used=[
            PriceLevel(D("0.52"), D("25")),
            PriceLevel(D("0.53"), D("60")),
            PriceLevel(D("0.54"), D("5")),
        ],
        fully_filled=True,
    )


def test_a_sell_walks_the_bids_downwards() -> None:
    result = book_from().walk(Side.SELL, size=D("40"))

    assert result.levels_used == [
        PriceLevel(D("0.50"), D("15")),
        PriceLevel(D("0.49"), D("20")),
        PriceLevel(D("0.48"), D("5")),
    ]
    assert result.notional == D("19.70")
    assert result.average_price == D("19.70") / 40
    assert result.fully_filled


def test_a_walk_stops_at_the_limit_price() -> None:
    result = book_from().walk(Side.BUY, size=D("100"), limit_price=D("0.53"))

    assert result.filled_size == D("85")
    assert result.notional == D("0.52") * 25 + D("0.53") * 60
    assert result.average_price == (D("0.52") * 25 + D("0.53") * 60) / 85
    assert [lvl.price for lvl in result.levels_used] == [D("0.52"), D("0.53")]
    assert not result.fully_filled


def test_a_sell_walk_stops_at_the_limit_price() -> None:
    result = book_from().walk(Side.SELL, size=D("100"), limit_price=D("0.495"))
    assert result.filled_size == D("15")
    assert not result.fully_filled


def test_a_notional_walk_spends_exactly_the_cash() -> None:
    result = book_from().walk(Side.BUY, notional=D("20"))

    # 25 shares at 0.52 cost 13.00; the other 7.00 buys 7 / 0.53 shares.
    assert result.notional == D("20")
    assert result.filled_size == D("25") + D("7") / D("0.53")
    assert result.levels_used[0] == PriceLevel(D("0.52"), D("25"))
    assert result.levels_used[1].price == D("0.53")
    assert result.average_price == D("20") / result.filled_size
    assert result.fully_filled


def test_a_notional_walk_larger_than_the_book_is_not_fully_filled() -> None:
    result = book_from().walk(Side.BUY, notional=D("1000"))

    assert result.filled_size == D("95")
    assert result.notional == D("13.00") + D("31.80") + D("5.40")
    assert not result.fully_filled


def test_a_walk_without_a_target_takes_everything_up_to_the_limit() -> None:
    result = book_from().walk(Side.SELL, limit_price=D("0.49"))

    assert result.filled_size == D("35")
    assert result.fully_filled


def test_a_walk_on_an_empty_side_fills_nothing() -> None:
    result = book_from(snapshot(asks=())).walk(Side.BUY, size=D("1"))

    assert result == WalkResult(D("0"), None, D("0"), [], False)


def test_a_walk_refuses_two_targets_or_a_negative_one() -> None:
    with pytest.raises(ValueError):
        book_from().walk(Side.BUY, size=D("1"), notional=D("1"))
    with pytest.raises(ValueError):
        book_from().walk(Side.BUY, size=D("-1"))


# --- agreement with the venue's top of book ------------------------------------------


def test_it_agrees_with_the_venue_top_after_every_message() -> None:
    book = book_from()
    sequence = [
        change(Side.BUY, "0.51", "10", "0.51", "0.52"),  # new best bid
        change(Side.SELL, "0.52", "0", "0.51", "0.53"),  # best ask taken away
        change(Side.SELL, "0.525", "4", "0.51", "0.525"),  # finer price inside
        change(Side.BUY, "0.51", "0", "0.50", "0.525"),
        change(Side.BUY, "0.50", "3", "0.50", "0.525"),  # size change at the top
    ]

    for message in sequence:
        assert book.apply_price_change(message), book.untrusted_reason
        assert top(book) == (message.best_bid, message.best_ask)

    assert book.reconciled_levels == 0
    assert book.best_bid == PriceLevel(D("0.50"), D("3"))


def test_it_reads_0_and_1_as_empty_sides() -> None:
    book = book_from(snapshot(bids=(("0.50", "15"),), asks=(("0.52", "25"),)))

    assert book.apply_price_change(change(Side.BUY, "0.50", "0", "0", "0.52"))
    assert book.apply_price_change(change(Side.SELL, "0.52", "0", "0", "1"))

    assert top(book) == (None, None)
    assert book.trusted


def test_a_crossing_buy_burst_is_reconciled_from_the_venue_best_ask() -> None:
    # A BUY at 0.53 takes out the asks at 0.52 and 0.53 and rests 40 at 0.53.
    # Its price_change may reach us before the removals of the asks it ate:
    # the venue's best_ask (0.54) says those asks are gone.
    book = book_from()

    assert book.apply_price_change(change(Side.BUY, "0.53", "40", "0.53", "0.54"))

    assert levels(book, Side.SELL) == [("0.54", "10")]
    assert levels(book, Side.BUY)[0] == ("0.53", "40")
    assert book.reconciled_levels == 2
    # The late removals are then no-ops and the book stays trusted.
    assert book.apply_price_change(change(Side.SELL, "0.52", "0", "0.53", "0.54"))
    assert book.apply_price_change(change(Side.SELL, "0.53", "0", "0.53", "0.54"))
    assert top(book) == (D("0.53"), D("0.54"))


def test_a_crossing_sell_burst_is_reconciled_from_the_venue_best_bid() -> None:
    # A SELL at 0.49 eats the bids at 0.50 and 0.49 and rests 5 at 0.49.
    book = book_from()

    assert book.apply_price_change(change(Side.SELL, "0.49", "5", "0.48", "0.49"))

    assert levels(book, Side.BUY) == [("0.48", "30")]
    assert levels(book, Side.SELL)[0] == ("0.49", "5")
    assert book.reconciled_levels == 2


def test_a_crossing_burst_past_every_level_we_know_is_untrusted() -> None:
    book = book_from()

    assert not book.apply_price_change(change(Side.SELL, "0.48", "5", "0.47", "0.48"))

    # Every bid at or above 0.48 is gone; the venue's best bid is 0.47, which
    # we do not know, so the book must not claim to be right.
    assert book.levels(Side.BUY) == []
    assert book.untrusted_reason == "price_change: venue best bid 0.47, ours None"


def test_a_crossing_burst_that_empties_the_other_side_is_reconciled() -> None:
    book = book_from()

    assert book.apply_price_change(change(Side.BUY, "0.60", "200", "0.60", "1"))

    assert book.levels(Side.SELL) == []
    assert book.reconciled_levels == 3
    assert book.trusted


def test_an_irreconcilable_disagreement_marks_the_book_untrusted_until_a_snapshot() -> (
    None
):
    book = book_from()

    # The venue has a bid at 0.505 that we never heard of.
    assert not book.apply_price_change(change(Side.SELL, "0.53", "61", "0.505", "0.52"))
    assert book.untrusted_reason == "price_change: venue best bid 0.505, ours 0.50"

    # Agreeing messages later do not restore trust: we still lack the level's size.
    assert not book.apply_price_change(change(Side.BUY, "0.505", "3", "0.505", "0.52"))
    assert book.untrusted_reason.startswith("price_change: venue best bid 0.505")

    book.apply_snapshot(snapshot(bids=(("0.505", "3"),)))
    assert book.trusted


def test_a_stale_better_level_without_the_venue_level_is_untrusted() -> None:
    book = book_from()

    # Venue best bid 0.495: our 0.50 is gone, but we have nothing at 0.495.
    assert not book.apply_price_change(change(Side.SELL, "0.54", "9", "0.495", "0.52"))
    assert levels(book, Side.BUY) == [("0.49", "20"), ("0.48", "30")]


def test_the_venue_says_a_side_is_empty_that_we_hold() -> None:
    book = book_from()

    assert book.apply_price_change(change(Side.BUY, "0.49", "21", "0", "0.52"))

    # Everything we held on the bid side is gone according to the venue.
    assert book.levels(Side.BUY) == []
    assert book.trusted


def test_an_old_schema_change_that_crosses_marks_the_book_untrusted() -> None:
    book = book_from()

    assert not book.apply_price_change(change(Side.BUY, "0.53", "40", None, None))
    assert "crossed book" in book.untrusted_reason


def test_a_batch_is_checked_against_the_top_after_its_last_change() -> None:
    book = book_from()
    # Both changes report the top after the whole batch; checking after the
    # first one would see a best bid of 0.49 and wrongly untrust the book.
    batch = [
        change(Side.BUY, "0.50", "0", "0.51", "0.52"),
        change(Side.BUY, "0.51", "8", "0.51", "0.52"),
    ]

    assert book.apply_price_changes(batch, T1)
    assert top(book) == (D("0.51"), D("0.52"))


def test_a_best_bid_ask_event_is_held_to_the_same_rule() -> None:
    book = book_from()

    assert book.apply_best_bid_ask(
        BestBidAskEvent(ASSET, "0xmarket", D("0.50"), D("0.53"), D("0.03"), T1)
    )
    assert book.best_ask == PriceLevel(D("0.53"), D("60"))

    assert not book.apply_best_bid_ask(
        BestBidAskEvent(ASSET, "0xmarket", D("0.51"), D("0.53"), D("0.02"), T1)
    )


def test_mark_untrusted_keeps_the_first_reason() -> None:
    book = book_from()
    book.mark_untrusted("reconnected")
    book.mark_untrusted("something later")
    assert book.untrusted_reason == "reconnected"


# --- registry -------------------------------------------------------------------------


def test_the_registry_routes_events_to_their_books() -> None:
    registry = BookRegistry()
    registry.apply(BookEvent(snapshot()))
    registry.apply(BookEvent(snapshot(asset_id=OTHER, bids=(), asks=(("0.50", "5"),))))

    touched = registry.apply(
        PriceChangeEvent(
            market="0xmarket",
            changes=(
                change(Side.BUY, "0.51", "1", "0.51", "0.52"),
                change(Side.SELL, "0.49", "2", "0", "0.49", asset_id=OTHER),
            ),
            timestamp=T1,
        )
    )
    registry.apply(TickSizeChangeEvent(ASSET, "0xmarket", D("0.01"), D("0.001"), T1))
    registry.apply(
        LastTradePriceEvent(OTHER, "0xmarket", D("0.5"), Side.SELL, D("1"), D("0"), T1)
    )

    assert touched == (ASSET, OTHER)
    assert registry.asset_ids() == [OTHER, ASSET]
    assert top(registry[ASSET]) == (D("0.51"), D("0.52"))
    assert top(registry[OTHER]) == (None, D("0.49"))
    assert registry[OTHER].levels(Side.SELL) == [
        PriceLevel(D("0.49"), D("2")),
        PriceLevel(D("0.50"), D("5")),
    ]
    assert registry[ASSET].tick_size == D("0.001")
    assert registry[OTHER].last_trade_price == D("0.5")
    assert all(book.trusted for book in registry)


def test_a_change_for_an_unknown_token_creates_an_untrusted_book() -> None:
    registry = BookRegistry()

    registry.apply(
        PriceChangeEvent("0xmarket", (change(Side.BUY, "0.5", "1", "0.5", "1"),), T1)
    )

    assert not registry[ASSET].trusted
    assert registry[ASSET].untrusted_reason == "no snapshot yet"


def test_mark_all_untrusted_covers_the_given_books_or_all() -> None:
    registry = BookRegistry()
    registry.apply(BookEvent(snapshot()))
    registry.apply(BookEvent(snapshot(asset_id=OTHER)))

    registry.mark_all_untrusted([OTHER, "third"], "reconnected")
    assert registry[ASSET].trusted
    assert registry[OTHER].untrusted_reason == "reconnected"
    assert not registry["third"].trusted

    registry.mark_all_untrusted(None, "shard restarted")
    assert registry[ASSET].untrusted_reason == "shard restarted"


def test_a_reconnect_untrusts_its_books_until_their_snapshots() -> None:
    registry = BookRegistry()
    registry.apply(BookEvent(snapshot()))

    assert registry.apply(StreamReconnected("market", (ASSET,), reason="stale")) == (
        ASSET,
    )
    assert registry[ASSET].untrusted_reason == "reconnected: stale"
    registry.apply(StreamReconnected("user", markets=("0xmarket",)))  # not ours

    registry.apply(BookEvent(snapshot()))
    assert registry[ASSET].trusted


def test_a_resolved_market_untrusts_its_books() -> None:
    registry = BookRegistry()
    registry.apply(BookEvent(snapshot()))

    registry.apply(
        MarketResolvedEvent(
            "1",
            "q",
            "0xmarket",
            "s",
            (ASSET, OTHER),
            ("Yes", "No"),
            ASSET,
            "Yes",
            None,
            T1,
        )
    )

    assert registry[ASSET].untrusted_reason == "market resolved"
    assert OTHER not in registry


# --- properties against a naive reference ----------------------------------------------


@dataclass
class ReferenceBook:
    """The obviously right book: dicts, and sorted() on every question."""

    bids: dict[Decimal, Decimal] = field(default_factory=dict)
    asks: dict[Decimal, Decimal] = field(default_factory=dict)

    def load(self, bid_levels: list[PriceLevel], ask_levels: list[PriceLevel]) -> None:
        self.bids, self.asks = {}, {}
        for target, levels_ in ((self.bids, bid_levels), (self.asks, ask_levels)):
            for level in levels_:
                target[level.price] = target.get(level.price, D(0)) + level.size
            for price in [p for p, s in target.items() if s == 0]:
                del target[price]

    def set(self, side: Side, price: Decimal, size: Decimal) -> None:
        target = self.bids if side == Side.BUY else self.asks
        if size == 0:
            target.pop(price, None)
        else:
            target[price] = size

    def levels(self, side: Side) -> list[PriceLevel]:
        if side == Side.BUY:
            return [
                PriceLevel(p, self.bids[p]) for p in sorted(self.bids, reverse=True)
            ]
        return [PriceLevel(p, self.asks[p]) for p in sorted(self.asks)]

    def depth(self, side: Side, to_price: Decimal) -> Decimal:
        if side == Side.BUY:
            return sum((s for p, s in self.bids.items() if p >= to_price), D(0))
        return sum((s for p, s in self.asks.items() if p <= to_price), D(0))

    def venue_top(self) -> tuple[Decimal, Decimal]:
        return (max(self.bids, default=D(0)), min(self.asks, default=D(1)))

    def crossed(self) -> bool:
        return bool(self.bids and self.asks and max(self.bids) >= min(self.asks))


# Prices on a 0.01 grid, written both ways ("0.5" and "0.50"), as the venue
# does. A narrow band makes updates hit existing levels (and cross) often.
_prices = st.integers(40, 60).flatmap(
    lambda cents: st.sampled_from([D(cents) / 100, D(cents).scaleb(-2)])
)
_sizes = st.one_of(
    st.just(D(0)), st.integers(1, 40).map(D), st.sampled_from([D("0.5"), D("12.25")])
)
_level_lists = st.lists(st.builds(PriceLevel, _prices, _sizes), max_size=12)
_ops = st.lists(
    st.one_of(
        st.tuples(st.just("snapshot"), _level_lists, _level_lists),
        st.tuples(
            st.just("update"), st.sampled_from([Side.BUY, Side.SELL]), _prices, _sizes
        ),
    ),
    min_size=1,
    max_size=30,
)


def _assert_same(book: OrderBook, ref: ReferenceBook, probe: Decimal) -> None:
    assert book.levels(Side.BUY) == ref.levels(Side.BUY)
    assert book.levels(Side.SELL) == ref.levels(Side.SELL)
    ref_bids, ref_asks = ref.levels(Side.BUY), ref.levels(Side.SELL)
    assert book.best_bid == (ref_bids[0] if ref_bids else None)
    assert book.best_ask == (ref_asks[0] if ref_asks else None)
    assert book.levels(Side.BUY, 2) == ref_bids[:2]
    for side in (Side.BUY, Side.SELL):
        assert book.depth(side, probe) == ref.depth(side, probe)


@settings(max_examples=300, deadline=None)
@given(ops=_ops, probe=_prices, with_venue_top=st.booleans())
def test_the_book_agrees_with_a_naive_reference(
    ops: list[tuple[object, ...]], probe: Decimal, with_venue_top: bool
) -> None:
    book, ref = OrderBook(ASSET), ReferenceBook()
    had_snapshot = poisoned = False
    for op in ops:
        if op[0] == "snapshot":
            bids, asks = op[1], op[2]
            assert isinstance(bids, list) and isinstance(asks, list)
            book.apply_snapshot(
                BookSnapshot(ASSET, "m", tuple(bids), tuple(asks), T0, "h")
            )
            ref.load(bids, asks)
            had_snapshot, poisoned = True, ref.crossed()
        else:
            side, price, size = op[1], op[2], op[3]
            assert isinstance(side, Side)
            assert isinstance(price, Decimal) and isinstance(size, Decimal)
            ref.set(side, price, size)
            # The venue's top is the reference's own, so the book never has
            # anything to reconcile: it must match the reference level by level.
            venue_bid, venue_ask = ref.venue_top() if with_venue_top else (None, None)
            book.apply_price_change(
                PriceChange(ASSET, price, size, side, "h", venue_bid, venue_ask)
            )
            poisoned = poisoned or ref.crossed()
        _assert_same(book, ref, probe)
        assert book.trusted == (had_snapshot and not poisoned)


@settings(max_examples=300, deadline=None)
@given(bids=_level_lists, asks=_level_lists, venue_bid=_prices | st.just(D(0)))
def test_reconciling_removes_exactly_the_levels_better_than_the_venue_top(
    bids: list[PriceLevel], asks: list[PriceLevel], venue_bid: Decimal
) -> None:
    ref = ReferenceBook()
    ref.load(bids, asks)
    if ref.crossed():
        return
    book = OrderBook(ASSET)
    book.apply_snapshot(BookSnapshot(ASSET, "m", tuple(bids), tuple(asks), T0, "h"))
    # A change that touches nothing (removing an ask that is not there, off
    # the 0.01 grid) but carries a venue best bid that may disagree with ours.
    noop = PriceChange(
        ASSET, D("0.999"), D(0), Side.SELL, "h", venue_bid, ref.venue_top()[1]
    )

    trusted = book.apply_price_change(noop)

    expected_bids = {p: s for p, s in ref.bids.items() if p <= venue_bid}
    assert book.levels(Side.BUY) == [
        PriceLevel(p, expected_bids[p]) for p in sorted(expected_bids, reverse=True)
    ]
    assert book.levels(Side.SELL) == ref.levels(Side.SELL)
    assert book.reconciled_levels == len(ref.bids) - len(expected_bids)
    assert trusted == (venue_bid == 0 or venue_bid in ref.bids)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), bids=_level_lists, asks=_level_lists)
def test_a_shuffled_snapshot_gives_the_same_book(
    data: st.DataObject, bids: list[PriceLevel], asks: list[PriceLevel]
) -> None:
    original = OrderBook(ASSET)
    original.apply_snapshot(BookSnapshot(ASSET, "m", tuple(bids), tuple(asks), T0))
    shuffled = OrderBook(ASSET)
    shuffled.apply_snapshot(
        BookSnapshot(
            ASSET,
            "m",
            tuple(data.draw(st.permutations(bids))),
            tuple(data.draw(st.permutations(asks))),
            T0,
        )
    )

    for side in (Side.BUY, Side.SELL):
        assert shuffled.levels(side) == original.levels(side)
        assert shuffled.walk(side, size=D(50)) == original.walk(side, size=D(50))
    assert shuffled.microprice == original.microprice
    assert shuffled.trusted == original.trusted
