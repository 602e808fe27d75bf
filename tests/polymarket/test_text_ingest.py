"""The stream's compiled path for a price change's or a last trade's text
(``bookcore.ingest_text``, through ``BookRegistry.text_ingester``): it must
leave exactly the books, dirty tokens and queued trades the frame path
leaves (``parse_market_items``, then ``BookRegistry.apply_frame`` and the
runner's trade queue), and hand back untouched whatever it does not take."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polybot.polymarket import bookcore_py
from polybot.polymarket.book import BookRegistry, OrderBook
from polybot.polymarket.parsing import (
    FRAME_DECODE,
    PRICE_CHANGE_DECODE,
    PRICES,
    VETTED_NUMBERS,
    LastTradePriceFrame,
    MarketFrame,
    _text_number,
    parse_market_items,
)
from tests.polymarket.cores import CORES, _bookcore, compiled

KNOWN = ("0.4", "0.45", "0.5", "0.55", "0.6")
for text in KNOWN:
    PRICES.get(text)
_text_number("0")  # a fee rate the stream has vetted before
TOKENS = ("1", "2")
Trades = list[tuple[str, Any]]


def change(asset: str, price: str, size: str, side: str, bid: Any, ask: Any,
           hash_: str = "0xh") -> dict[str, Any]:  # fmt: skip
    return {"asset_id": asset, "price": price, "size": size, "side": side,
            "hash": hash_, "best_bid": bid, "best_ask": ask}  # fmt: skip


def text(changes: list[dict[str, Any]], timestamp: Any = "1764000000000",
         sep: str = ":", **extra: Any) -> str:  # fmt: skip
    """A price change as the venue writes it: event_type last."""
    body = {"market": "0xm", "price_changes": changes, "timestamp": timestamp, **extra,
            "event_type": "price_change"}  # fmt: skip
    return json.dumps(body, separators=(",", sep))


def trade_text(asset: str = "1", price: str = "0.45", size: str = "10",
               side: Any = "BUY", fee: Any = "0", sep: str = ":", **extra: Any) -> str:  # fmt: skip
    """A last trade as the venue writes it: event_type second."""
    body = {"asset_id": asset, "event_type": "last_trade_price", "fee_rate_bps": fee,
            "market": "0xm", "price": price, "side": side, "size": size,
            "timestamp": "1764000000000", **extra}  # fmt: skip
    return json.dumps(body, separators=(",", sep))


def registry() -> BookRegistry:
    books = BookRegistry()
    for token in TOKENS:
        books.book(token, "0xm").apply_book_frame(
            parse_market_items(
                json.dumps(
                    {
                        "event_type": "book",
                        "asset_id": token,
                        "market": "0xm",
                        "bids": [{"price": "0.4", "size": "10"}],
                        "asks": [{"price": "0.6", "size": "10"}],
                        "timestamp": "1764000000000",
                        "hash": "0x0",
                    }
                )
            )[0]  # fmt: skip
        )
    return books


def state(books: BookRegistry) -> dict[str, Any]:
    return {
        b.asset_id: (
            dict(b._bids.levels),
            dict(b._asks.levels),
            b._bids.best,
            b._asks.best,
            b.hash,
            b._updated_raw,
            b.trusted,
            b.untrusted_reason,
        )  # fmt: skip
        for b in books
    }


def frame_path(books: BookRegistry, dirty: set[str], raw: str,
               trades: Trades | None = None) -> None:  # fmt: skip
    # As the stream: fast-path frames applied as they are (a trade queued
    # first, as StreamRunner.on_frame does), the rest as events.
    for item in parse_market_items(raw):
        if isinstance(item, MarketFrame):
            if type(item) is LastTradePriceFrame and trades is not None:
                trades.append((item.asset_id, item))
            dirty.update(books.apply_frame(item))
        else:
            dirty.update(books.apply(item))


def ingester(core: Any, books: BookRegistry, dirty: set[str], watched: Any,
             trades: Trades | None = None) -> Any:  # fmt: skip
    queue = trades if trades is not None else []
    return lambda raw: core.ingest_text(
        PRICE_CHANGE_DECODE, FRAME_DECODE, LastTradePriceFrame, VETTED_NUMBERS,
        books._books, dirty, watched, lambda asset, frame: queue.append((asset, frame)),
        raw,
    )  # fmt: skip


a_change = st.builds(
    change, st.sampled_from(TOKENS), st.sampled_from(KNOWN + ("0.47777", "2")),
    st.sampled_from(("0", "10", "2.5", "1e3")), st.sampled_from(("BUY", "SELL")),
    st.one_of(st.none(), st.sampled_from(KNOWN)), st.one_of(st.none(), st.sampled_from(KNOWN)),
)  # fmt: skip
a_price_change = st.builds(
    text, st.lists(a_change, min_size=0, max_size=5),
    st.sampled_from(("1764000000000", "1764000000", 1764000000000, "x")),
    st.sampled_from((":", ": ")),
)  # fmt: skip
a_trade = st.builds(
    trade_text, st.sampled_from(TOKENS + ("3",)), st.sampled_from(KNOWN + ("0.47777", "2")),
    st.sampled_from(("10", "2.5", "1e3")), st.sampled_from(("BUY", "SELL", "buy", None)),
    st.sampled_from(("0", "0.0017", "x", None)), st.sampled_from((":", ": ")),
)  # fmt: skip
a_text = st.one_of(a_price_change, a_trade)


@settings(max_examples=300, deadline=None)
@given(st.lists(a_text, min_size=1, max_size=6))
def test_the_stream_leaves_the_books_and_marks_the_frame_path_leaves(
    texts: list[str],
) -> None:
    # Whatever the text path takes or leaves (then parsed as usual), the
    # books and the dirty tokens end as the frame path alone leaves them.
    expected, expected_dirty, expected_trades = registry(), set[str](), Trades()
    for raw in texts:
        frame_path(expected, expected_dirty, raw, expected_trades)
    for core in CORES:
        books, dirty, trades = registry(), set[str](), Trades()
        ingest = ingester(core, books, dirty, {}, trades)
        for raw in texts:
            if not ingest(raw):
                frame_path(books, dirty, raw, trades)
        assert state(books) == state(expected)
        assert dirty == expected_dirty
        assert trades == expected_trades


@compiled
@settings(max_examples=300, deadline=None)
@given(st.lists(a_text, min_size=1, max_size=6))
def test_the_compiled_path_takes_what_the_twin_takes(texts: list[str]) -> None:
    books = {core: registry() for core in CORES}
    dirty: dict[Any, set[str]] = {core: set() for core in CORES}
    trades: dict[Any, Trades] = {core: [] for core in CORES}
    for raw in texts:
        taken = [ingester(c, books[c], dirty[c], {}, trades[c])(raw) for c in CORES]
        assert taken[0] is taken[1]
        assert state(books[_bookcore]) == state(books[bookcore_py])
        assert dirty[_bookcore] == dirty[bookcore_py]
        assert trades[_bookcore] == trades[bookcore_py]


@pytest.mark.parametrize("core", CORES, ids=lambda c: c.__name__)
def test_it_applies_a_price_change_of_both_tokens_and_marks_them(core: Any) -> None:
    books, dirty = registry(), set[str]()
    raw = text([
        change("2", "0.55", "4", "SELL", "0.4", "0.55", "0xh2"),
        change("1", "0.45", "5", "BUY", "0.45", "0.6", "0xh1"),
    ], timestamp="1764000000123")  # fmt: skip

    assert ingester(core, books, dirty, {})(raw) is True

    assert books["1"]._bids.levels == {Decimal("0.4"): "10", Decimal("0.45"): "5"}
    assert books["2"]._asks.levels == {Decimal("0.6"): "10", Decimal("0.55"): "4"}
    assert [(books[t].hash, books[t]._updated_raw) for t in TOKENS] == [
        ("0xh1", "1764000000123"),
        ("0xh2", "1764000000123"),
    ]
    assert dirty == {"1", "2"}
    assert all(books[t].trusted for t in TOKENS)


@pytest.mark.parametrize("core", CORES, ids=lambda c: c.__name__)
def test_it_reconciles_a_book_whose_venue_top_is_not_ours(core: Any) -> None:
    books, dirty = registry(), set[str]()
    # Ours after this: bid 0.45; the venue says its best bid is 0.5.
    raw = text([change("1", "0.45", "5", "BUY", "0.5", "0.6")])

    assert ingester(core, books, dirty, {})(raw) is True

    expected = registry()
    frame_path(expected, set(), raw)
    assert state(books) == state(expected)
    assert books["1"].trusted is False and dirty == {"1"}


@pytest.mark.parametrize("core", CORES, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "raw",
    [
        # Not a price change, or not one ending with its tag as the venue writes it.
        json.dumps({"event_type": "last_trade_price", "asset_id": "1"}),
        json.dumps({"market": "0xm", "price_changes": [], "timestamp": "1"}),
        json.dumps(
            {
                "event_type": "price_change",
                "market": "0xm",
                "timestamp": "1",
                "price_changes": [change("1", "0.45", "5", "BUY", None, None)],
            }
        ),
        b'{"event_type":"price_change"}',
        "this is {not json" + '"event_type":"price_change"}',
        # Decodable, but the fast path does not know a field, a size or a price.
        text([change("1", "0.45", "5", "BUY", None, None)], new_field="x"),
        text([change("1", "0.45", "1e3", "BUY", None, None)]),
        text([change("1", "0.4123457", "5", "BUY", None, None)]),  # only here
        text([], timestamp="1"),
        # A token without its book.
        text([change("3", "0.45", "5", "BUY", None, None)]),
        text(
            [
                change("1", "0.45", "5", "BUY", None, None),
                change("3", "0.45", "5", "BUY", None, None),
            ]
        ),  # fmt: skip
    ],
    ids=[
        "other-event",
        "untagged",
        "tag-not-last",
        "bytes",
        "not-json",
        "unknown-field",
        "odd-size",
        "unseen-price",
        "no-changes",
        "no-book",
        "one-book-missing",
    ],  # fmt: skip
)
def test_it_leaves_what_it_does_not_take_untouched(core: Any, raw: Any) -> None:
    books, dirty = registry(), set[str]()
    before = state(books)

    assert ingester(core, books, dirty, {})(raw) is False

    assert state(books) == before and dirty == set()


@pytest.mark.parametrize("core", CORES, ids=lambda c: c.__name__)
def test_it_leaves_a_token_with_resting_paper_orders_to_the_frame_path(
    core: Any,
) -> None:
    books, dirty = registry(), set[str]()
    watched: dict[str, object] = {"2": object()}
    ingest = ingester(core, books, dirty, watched)
    on_1 = text([change("1", "0.45", "5", "BUY", None, None)])
    on_both = text([change("1", "0.45", "5", "BUY", None, None),
                    change("2", "0.55", "5", "SELL", None, None)])  # fmt: skip

    assert ingest(on_both) is False
    assert dirty == set() and books["1"]._bids.levels == {Decimal("0.4"): "10"}
    assert ingest(on_1) is True
    # The dict is held, not copied: once nothing rests, the path takes it.
    watched.clear()
    assert ingest(on_both) is True
    assert dirty == {"1", "2"}


@pytest.mark.parametrize("core", CORES, ids=lambda c: c.__name__)
def test_an_interrupt_while_decoding_is_not_swallowed(core: Any) -> None:
    def interrupted(raw: str) -> Any:
        raise KeyboardInterrupt

    args = (LastTradePriceFrame, VETTED_NUMBERS, registry()._books, set(), {}, print)
    with pytest.raises(KeyboardInterrupt):
        core.ingest_text(interrupted, FRAME_DECODE, *args, text([]))
    with pytest.raises(KeyboardInterrupt):
        core.ingest_text(PRICE_CHANGE_DECODE, interrupted, *args, trade_text())


def test_text_ingester_holds_the_registry_the_dirty_set_and_the_watched_tokens() -> (
    None
):
    books, dirty, trades = registry(), set[str](), Trades()
    ingest = books.text_ingester(dirty, {}, lambda a, f: trades.append((a, f)))
    books.book("3", "0xm")  # a book made after the ingester: the same dict

    assert ingest(text([change("3", "0.45", "5", "BUY", None, None)])) is True
    assert ingest(trade_text("3", "0.5")) is True

    assert books["3"]._bids.levels == {Decimal("0.45"): "5"}
    assert books["3"].last_trade_price == Decimal("0.5")
    assert dirty == {"3"} and [a for a, _ in trades] == ["3"]


@pytest.mark.parametrize("core", CORES, ids=lambda c: c.__name__)
def test_it_queues_a_last_trade_and_sets_its_books_last_price(core: Any) -> None:
    books, dirty, trades = registry(), set[str](), Trades()
    raw = trade_text("2", "0.55", "12.5", "SELL", sep=": ")

    assert ingester(core, books, dirty, {}, trades)(raw) is True

    [(asset, frame)] = trades
    assert (asset, type(frame), frame.price, frame.size, frame.side) == (
        "2", LastTradePriceFrame, "0.55", "12.5", "SELL",
    )  # fmt: skip
    assert books["2"].last_trade_price == Decimal("0.55")
    assert books["1"].last_trade_price is None
    assert dirty == {"2"}


@pytest.mark.parametrize("core", CORES, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "raw",
    [
        trade_text(fee="0.0017777"),  # a fee rate not vetted before
        trade_text(side="buy"),
        trade_text(size="1e3"),
        trade_text(price="0.4123458"),  # a price not vetted before (only here)
        trade_text(asset="3"),  # no book
        trade_text(new_field="x"),
        trade_text()[:-1],  # not JSON
        # The tag as a value of another object (escaped there, so not the tag).
        json.dumps(
            {
                "event_type": "book",
                "asset_id": "1",
                "market": "0xm",
                "bids": [],
                "asks": [],
                "timestamp": "1",
                "hash": '"event_type":"last_trade_price"',
            }
        ),
    ],
    ids=[
        "unvetted-fee",
        "lower-case-side",
        "odd-size",
        "unseen-price",
        "no-book",
        "unknown-field",
        "not-json",
        "tag-elsewhere",
    ],  # fmt: skip
)
def test_it_leaves_a_last_trade_it_does_not_take_untouched(core: Any, raw: str) -> None:
    books, dirty, trades = registry(), set[str](), Trades()
    before = state(books)

    assert ingester(core, books, dirty, {}, trades)(raw) is False

    assert state(books) == before and dirty == set() and trades == []
    assert [b.last_trade_price for b in books] == [None, None]


@pytest.mark.parametrize("core", CORES, ids=lambda c: c.__name__)
def test_it_leaves_a_last_trade_on_a_token_with_resting_paper_orders(core: Any) -> None:
    books, dirty, trades = registry(), set[str](), Trades()
    ingest = ingester(core, books, dirty, {"1": object()}, trades)

    assert ingest(trade_text("1")) is False
    assert ingest(trade_text("2")) is True
    assert [a for a, _ in trades] == ["2"] and dirty == {"2"}


def test_an_order_book_has_the_method_the_compiled_path_calls() -> None:
    # _bookcore.c calls it by name on each book whose venue top differs.
    assert callable(OrderBook._venue_top_differs)
