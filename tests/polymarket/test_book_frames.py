"""The stream's fast path applies vetted text frames straight to the books
(``BookRegistry.apply_frame``); it must leave every book exactly as applying
the typed events does, whatever the venue sends."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings, target
from hypothesis import strategies as st

from polybot.polymarket.book import BookRegistry, OrderBook
from polybot.polymarket.models import Side
from polybot.polymarket.parsing import (
    MarketFrame,
    PriceChangeFrame,
    parse_market_items,
    parse_market_message,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "polymarket"
TOKENS = ("1", "2")
# Text variants of one price ("0.5", "0.50") and the empty-side words (0, 1).
PRICES = ("0", "0.4", "0.45", "0.5", "0.50", "0.55", "0.6", "1")
# Plain sizes up to 15 digits and 12 decimals take the fast path; "1e3" and
# longer decimals send the frame to the validated one.
SIZES = ("0", "0.00", "10", "10.5", "007", "250.000001", ".5", "5.", "1e3",
         "123456789012345.123456789012", "0.1234567890123")  # fmt: skip
TIMES = ("1764000000000", "1764000000123", "1764000001", 1764000000456)

price = st.sampled_from(PRICES)
token = st.sampled_from(TOKENS)
size = st.sampled_from(SIZES)
level = st.fixed_dictionaries({"price": price, "size": size})


def change(asset: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "asset_id": st.just(asset) if asset else token, "price": price, "size": size,
        "side": st.sampled_from(("BUY", "SELL")), "hash": st.sampled_from(("", "0xh")),
        "best_bid": st.one_of(st.none(), price), "best_ask": st.one_of(st.none(), price),
    })  # fmt: skip


price_change = token.flatmap(
    lambda asset: st.fixed_dictionaries(
        {
            "event_type": st.just("price_change"),
            "market": st.just("0xm"),
            # Both tokens of the market, as the venue sends, or one.
            "price_changes": st.lists(
                st.one_of(change(asset), change()), min_size=1, max_size=6
            ),
            "timestamp": st.sampled_from(TIMES),
        }
    )  # fmt: skip
)
book = st.fixed_dictionaries({
    "event_type": st.just("book"), "asset_id": token, "market": st.just("0xm"),
    "bids": st.lists(level, max_size=5), "asks": st.lists(level, max_size=5),
    "timestamp": st.sampled_from(TIMES), "hash": st.just("0xb"),
    "tick_size": st.sampled_from(("0.01", "0.001")),
    "min_order_size": st.sampled_from(("5", "15")), "neg_risk": st.booleans(),
    "last_trade_price": st.one_of(st.none(), price),
})  # fmt: skip
last_trade = st.fixed_dictionaries({
    "event_type": st.just("last_trade_price"), "asset_id": token, "market": st.just("0xm"),
    "price": price, "side": st.just("BUY"), "size": st.just("5"),
    "fee_rate_bps": st.just("0"), "timestamp": st.sampled_from(TIMES),
})  # fmt: skip
best_bid_ask = st.fixed_dictionaries({
    "event_type": st.just("best_bid_ask"), "asset_id": token, "market": st.just("0xm"),
    "best_bid": price, "best_ask": price, "timestamp": st.sampled_from(TIMES),
})  # fmt: skip
message = st.one_of(price_change, price_change, book, last_trade, best_bid_ask)
frame = st.one_of(message, st.lists(message, min_size=1, max_size=3))


def state(book: OrderBook) -> tuple[Any, ...]:
    """Everything a book answers, with the text of each price object kept
    (a level keeps the price object it was created with)."""
    return (
        [(str(p), str(s)) for p, s in book.top(Side.BUY)],
        [(str(p), str(s)) for p, s in book.top(Side.SELL)],
        book.best_bid, book.best_ask, book.trusted, book.untrusted_reason,
        book.reconciled_levels, book.last_trade_price, book.hash, book.updated_at,
        book.tick_size, book.min_order_size, book.neg_risk, book.market,
    )  # fmt: skip


def by_events(frames: list[str]) -> BookRegistry:
    books = BookRegistry()
    for raw in frames:
        for event in parse_market_message(raw):
            books.apply(event)
    return books


def by_frames(frames: list[str]) -> tuple[BookRegistry, int]:
    """The books, and how many frames the fast path applied."""
    books, fast = BookRegistry(), 0
    for raw in frames:
        for item in parse_market_items(raw):
            if isinstance(item, MarketFrame):
                books.apply_frame(item)
                fast += 1
            else:
                books.apply(item)
    return books, fast


@settings(max_examples=400, deadline=None)
@given(st.lists(frame, min_size=1, max_size=25))
def test_frames_leave_every_book_as_its_events_do(payloads: list[Any]) -> None:
    frames = [json.dumps(p) for p in payloads]

    typed, (fast, applied) = by_events(frames), by_frames(frames)
    # Search for sequences that take the fast path (vetting refusing every
    # frame would compare the typed path with itself).
    target(float(applied), label="frames applied by the fast path")

    assert fast.asset_ids() == typed.asset_ids()
    for asset_id in typed.asset_ids():
        assert state(fast[asset_id]) == state(typed[asset_id])


def test_a_bid_resting_at_zero_is_cleared_when_the_venue_says_no_bids() -> None:
    # The venue writes best_bid "0" for an empty bid side; a level we hold at
    # a price of 0 is then gone, though it "equals" the venue's word.
    snapshot = {"event_type": "book", "asset_id": "1", "market": "0xm", "hash": "0xb",
                "bids": [{"price": "0", "size": "10"}], "asks": [{"price": "0.60", "size": "5"}],
                "timestamp": "1764000000000"}  # fmt: skip
    update = {"event_type": "price_change", "market": "0xm", "timestamp": "1764000000500",
              "price_changes": [{"asset_id": "1", "price": "0.60", "size": "7", "side": "SELL",
                                 "hash": "0xc", "best_bid": "0", "best_ask": "0.60"}]}  # fmt: skip
    frames = [json.dumps(snapshot), json.dumps(update)]

    typed, (fast, applied) = by_events(frames), by_frames(frames)

    assert applied == 2
    assert typed["1"].top(Side.BUY) == []
    assert (typed["1"].reconciled_levels, typed["1"].trusted) == (1, True)
    assert state(fast["1"]) == state(typed["1"])


def test_a_price_change_frame_is_applied_without_building_its_event(
    monkeypatch: Any,
) -> None:
    def no_event(self: object) -> None:
        raise AssertionError("built an event")

    books = BookRegistry()
    for token, bid, ask in (("1", "0.40", "0.60"), ("2", "0.40", "0.60")):
        snapshot = {"event_type": "book", "asset_id": token, "market": "0xm", "hash": "0xb",
                    "bids": [{"price": bid, "size": "10"}], "asks": [{"price": ask, "size": "5"}],
                    "timestamp": "1764000000000"}  # fmt: skip
        [item] = parse_market_items(json.dumps(snapshot))
        books.apply_frame(item)
    monkeypatch.setattr(PriceChangeFrame, "event", no_event)
    # As the venue sends an order: one change for each token of the market
    # (a bid on one is an ask on the other), and here a second on the first.
    update = {"event_type": "price_change", "market": "0xm", "timestamp": "1764000000500",
              "price_changes": [
                  {"asset_id": "1", "price": "0.45", "size": "20", "side": "BUY",
                   "hash": "0xc", "best_bid": "0.45", "best_ask": "0.60"},
                  {"asset_id": "2", "price": "0.55", "size": "20", "side": "SELL",
                   "hash": "0xd", "best_bid": "0.40", "best_ask": "0.55"},
                  {"asset_id": "1", "price": "0.40", "size": "0", "side": "BUY",
                   "hash": "0xe", "best_bid": "0.45", "best_ask": "0.60"}]}  # fmt: skip

    [item] = parse_market_items(json.dumps(update))
    assert isinstance(item, PriceChangeFrame)  # vetted, not sent to the typed path
    assert books.apply_frame(item) == ("1", "2")

    assert books["1"].top(Side.BUY) == [(Decimal("0.45"), Decimal("20"))]
    assert books["2"].top(Side.SELL) == [
        (Decimal("0.55"), Decimal("20")),
        (Decimal("0.60"), Decimal("5")),
    ]
    assert [(b.trusted, b.hash) for b in (books["1"], books["2"])] == [
        (True, "0xe"),
        (True, "0xd"),
    ]
    assert books["2"].updated_at.isoformat() == "2025-11-24T16:00:00.500000+00:00"


def test_a_price_change_as_the_venue_writes_it_takes_the_fast_path() -> None:
    # The venue's own example: event_type last.
    raw = FIXTURES.joinpath("ws-market-price_change.json").read_text()
    [item] = parse_market_items(raw)
    assert isinstance(item, PriceChangeFrame)
    assert [c.asset_id[:6] for c in item.price_changes] == ["713210", "521143"]
    assert parse_market_items(raw)[0].event() == parse_market_message(raw)[0]


def test_a_frame_without_its_event_type_is_not_taken_for_a_price_change() -> None:
    # The price-change decoder would take it (a struct's own tag is optional
    # to msgspec); the validated path skips a frame of no known event.
    change = json.loads(FIXTURES.joinpath("ws-market-price_change.json").read_text())
    del change["event_type"]
    assert parse_market_items(json.dumps(change)) == []
    spaced = json.dumps({**change, "event_type": "price_change"}, indent=1)
    [item] = parse_market_items(spaced)  # another spacing: the union decoder
    assert isinstance(item, PriceChangeFrame)
