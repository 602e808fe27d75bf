"""The compiled hot loop (``_bookcore.c``) and its pure-Python twin
(``bookcore_py``) give the same answers and leave the same book sides,
whatever the frames hold. The twin is the reference; the C module is what
runs wherever ``pip install`` found a compiler."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polybot.polymarket import bookcore, bookcore_py
from polybot.polymarket.book import OrderBook, _BookSide
from polybot.polymarket.parsing import (
    _SIZE_DECIMALS,
    _SIZE_DIGITS,
    PRICES,
    RawChange,
    RawLevel,
    _price_ok,
    _timestamp_ok,
    plain_size,
)
from tests.polymarket.cores import _bookcore, compiled

# Prices vetted before the test (in the cache) and ones never seen, which
# the vetting must leave to Python; "0.5"/"0.50" are one price.
KNOWN = ("0", "0.4", "0.45", "0.5", "0.50", "0.55", "0.6", "1")
for text in KNOWN:
    PRICES.get(text)
UNSEEN = ("0.4444444", "2", "abc", "", " 0.5", "0.5\u0660")
SIZES = ("0", "0.00", ".", "10", "10.5", "007", ".5", "5.", "1e3", "1.2.3", "",
         "-5", "+5", " 5", "5\u0665", "\u00b2", "123456789012345",
         "1234567890123456", "0.123456789012", "0.1234567890123")  # fmt: skip
TIMES = ("1764000000000", "1764000001", "17640000000001", "", "-1", "1.5", 17640)


def raw_change(
    asset: str, price: str, size: str, side: str, bid: Any, ask: Any
) -> RawChange:
    return RawChange(asset, price, size, side, "0xh", bid, ask)  # type: ignore[arg-type]


def changes_of(known_only: bool) -> st.SearchStrategy[tuple[RawChange, ...]]:
    price = st.sampled_from(KNOWN if known_only else KNOWN + UNSEEN)
    one = st.builds(
        raw_change, st.sampled_from(("1", "2")), price,
        st.sampled_from(SIZES[:7] if known_only else SIZES),
        st.sampled_from(("BUY", "SELL")), st.one_of(st.none(), price),
        st.one_of(st.none(), price),
    )  # fmt: skip
    return st.lists(one, min_size=1, max_size=5).map(tuple)


def sides() -> tuple[_BookSide, _BookSide]:
    return _BookSide(is_bid=True), _BookSide(is_bid=False)


def state(side: _BookSide) -> tuple[Any, ...]:
    # The key objects too: a level keeps the price text it was created with.
    return (
        [(str(p), s) for p, s in side.levels.items()],
        str(side.best),
        side._ascending is None,
    )


def test_the_size_limits_are_the_parsers() -> None:
    assert (bookcore.SIZE_DIGITS, bookcore.SIZE_DECIMALS) == (15, 12)
    assert (bookcore_py.SIZE_DIGITS, bookcore_py.SIZE_DECIMALS) == (
        _SIZE_DIGITS,
        _SIZE_DECIMALS,
    )


def test_the_compiled_core_is_built_in_ci() -> None:
    # CI installs with a compiler: the stream must run the compiled loop
    # there, or the benchmark measures the twin.
    if not os.environ.get("CI"):
        pytest.skip("only CI promises a compiler")
    assert bookcore.COMPILED is True


@compiled
@settings(max_examples=300, deadline=None)
@given(changes_of(known_only=False), st.sampled_from(TIMES))
def test_vet_changes_agrees_with_the_twin(
    changes: tuple[RawChange, ...], time: Any
) -> None:
    assert _bookcore.vet_changes(changes, time) is bookcore_py.vet_changes(
        changes, time
    )


@compiled
@settings(max_examples=300, deadline=None)
@given(st.sampled_from(KNOWN + UNSEEN), st.sampled_from(SIZES), st.sampled_from(TIMES))
def test_vet_trade_agrees_with_the_twin(price: str, size: str, time: Any) -> None:
    assert _bookcore.vet_trade(price, size, time) is bookcore_py.vet_trade(
        price, size, time
    )


def test_vet_trade_accepts_a_known_price_a_plain_size_and_a_plain_time() -> None:
    for core in filter(None, (_bookcore, bookcore_py)):
        assert core.vet_trade("0.45", "12.5", "1764000000000") is True
        assert core.vet_trade("0.4444444", "12.5", "1764000000000") is False
        assert core.vet_trade("0.45", "1e3", "1764000000000") is False
        assert core.vet_trade("0.45", "12.5", "1764000000.5") is False


@compiled
@settings(max_examples=200, deadline=None)
@given(changes_of(known_only=False))
def test_vet_levels_agrees_with_the_twin(changes: tuple[RawChange, ...]) -> None:
    levels = tuple(RawLevel(c.price, c.size) for c in changes)
    assert _bookcore.vet_levels(levels) is bookcore_py.vet_levels(levels)


def test_vet_changes_accepts_known_prices_and_plain_sizes_only() -> None:
    good = raw_change("1", "0.5", "10.25", "BUY", "0.45", None)
    for core in filter(None, (_bookcore, bookcore_py)):
        assert core.vet_changes((good,), "1764000000000") is True
        assert core.vet_changes((good,), 1764000000000) is False  # not text
        exponent = msgspec.structs.replace(good, size="1e3")
        assert core.vet_changes((good, exponent), "1764000000000") is False
        unseen = msgspec.structs.replace(good, best_ask="0.4444444")
        assert core.vet_changes((unseen,), "1764000000000") is False


@compiled
@settings(max_examples=400, deadline=None)
@given(st.lists(changes_of(known_only=True), min_size=1, max_size=6))
def test_apply_changes_leaves_the_sides_the_twin_leaves(
    batches: list[tuple[RawChange, ...]],
) -> None:
    c_bids, c_asks = sides()
    py_bids, py_asks = sides()
    for changes in batches:
        agreed = _bookcore.apply_changes(changes, c_bids, c_asks)
        assert agreed is bookcore_py.apply_changes(changes, py_bids, py_asks)
        assert (state(c_bids), state(c_asks)) == (state(py_bids), state(py_asks))


@compiled
@settings(max_examples=300, deadline=None)
@given(changes_of(known_only=True), st.booleans())
def test_load_levels_leaves_the_side_the_twin_leaves(
    changes: tuple[RawChange, ...], is_bid: bool
) -> None:
    levels = tuple(RawLevel(c.price, c.size) for c in changes)
    c_side, py_side = _BookSide(is_bid=is_bid), _BookSide(is_bid=is_bid)
    c_side.put(Decimal("0.3"), "1")  # replaced, unless a price repeats
    py_side.put(Decimal("0.3"), "1")
    assert _bookcore.load_levels(c_side, levels, is_bid) is bookcore_py.load_levels(
        py_side, levels, is_bid
    )
    assert state(c_side) == state(py_side)


def test_load_levels_leaves_a_repeated_price_to_the_caller() -> None:
    # "5" twice is one object in CPython: the repeat is found by the price.
    levels = (RawLevel("0.5", "5"), RawLevel("0.50", "5"))
    for core in filter(None, (_bookcore, bookcore_py)):
        side = _BookSide(is_bid=True)
        assert core.load_levels(side, levels, True) is False
        assert side.levels == {}


def test_apply_changes_tracks_the_best_price_through_adds_and_removals() -> None:
    for core in filter(None, (_bookcore, bookcore_py)):
        bids, asks = sides()
        batch = (
            raw_change("1", "0.4", "10", "BUY", None, None),
            raw_change("1", "0.45", "5", "BUY", None, None),
            raw_change("1", "0.55", "7", "SELL", None, None),
            raw_change("1", "0.6", "3", "SELL", "0.45", "0.55"),
        )
        assert core.apply_changes(batch, bids, asks) is True
        assert (bids.best, asks.best) == (Decimal("0.45"), Decimal("0.55"))
        # The best bid goes: the next one is best, and the venue's top says so.
        gone = (raw_change("1", "0.45", "0.00", "BUY", "0.4", "0.55"),)
        assert core.apply_changes(gone, bids, asks) is True
        assert (bids.best, bids.levels) == (Decimal("0.4"), {Decimal("0.4"): "10"})
        # The venue says the bid side is empty ("0"): ours is not.
        assert (
            core.apply_changes(
                (raw_change("1", "0.4", "9", "BUY", "0", None),), bids, asks
            )
            is False
        )
        # A bid at the ask crosses the book.
        crossed = (raw_change("1", "0.55", "1", "BUY", None, None),)
        assert core.apply_changes(crossed, bids, asks) is False
        assert bids.best == Decimal("0.55")


def test_apply_changes_rejects_a_price_that_was_never_vetted() -> None:
    for core in filter(None, (_bookcore, bookcore_py)):
        bids, asks = sides()
        with pytest.raises(ValueError, match="unvetted price 'abc'"):
            core.apply_changes(
                (raw_change("1", "abc", "1", "BUY", None, None),), bids, asks
            )


def test_one_asset_names_the_token_of_changes_of_one_token_only() -> None:
    a = raw_change("1", "0.5", "1", "BUY", None, None)
    b = raw_change("2", "0.5", "1", "BUY", None, None)
    for core in filter(None, (_bookcore, bookcore_py)):
        assert core.one_asset((a, a)) == "1"
        assert core.one_asset((a, b)) is None
        assert core.one_asset(()) is None


def book_state(book: OrderBook) -> tuple[Any, ...]:
    return (state(book._bids), state(book._asks), book.hash, book._updated_raw)


def outcome(done: Any) -> Any:
    # The book itself is not comparable across the two registries.
    return done.asset_id if isinstance(done, OrderBook) else done


@compiled
@settings(max_examples=300, deadline=None)
@given(st.lists(changes_of(known_only=True), min_size=1, max_size=6))
def test_apply_price_change_leaves_the_books_the_twin_leaves(
    batches: list[tuple[RawChange, ...]],
) -> None:
    books = {core: {t: OrderBook(t, "0xm") for t in ("1", "2")} for core in ("c", "py")}
    for n, changes in enumerate(batches):
        time = str(1764000000000 + n)
        c_done = _bookcore.apply_price_change(books["c"], changes, time)
        py_done = bookcore_py.apply_price_change(books["py"], changes, time)
        assert type(c_done) is type(py_done)
        # The ids, and any books to reconcile (by token) with the changes
        # naming their venue tops.
        assert [outcome(x) for x in c_done] == [outcome(x) for x in py_done]
        for token in ("1", "2"):
            assert book_state(books["c"][token]) == book_state(books["py"][token])


def test_apply_price_change_applies_each_tokens_changes_as_a_batch() -> None:
    batch = (
        raw_change("1", "0.4", "10", "BUY", "0.4", None),
        msgspec.structs.replace(
            raw_change("2", "0.6", "10", "SELL", None, "0.55"),  # not ours: 0.6
            hash="0xh2",
        ),
        msgspec.structs.replace(
            raw_change("1", "0.45", "5", "BUY", "0.45", None), hash="0xh1"
        ),
    )
    for core in filter(None, (_bookcore, bookcore_py)):
        books = {t: OrderBook(t, "0xm") for t in ("1", "2")}
        done = core.apply_price_change(books, batch, "7")
        assert books["1"]._bids.levels == {Decimal("0.4"): "10", Decimal("0.45"): "5"}
        assert books["2"]._asks.levels == {Decimal("0.6"): "10"}
        # Each book took the last change of its own batch; book 2's venue top
        # (0.55) is not its own, so it comes back to be reconciled.
        assert [books[t].hash for t in ("1", "2")] == ["0xh1", "0xh2"]
        assert done == [("1", "2"), books["2"], batch[1]]
        agreeing = (raw_change("2", "0.55", "4", "SELL", None, "0.55"),)
        assert core.apply_price_change(books, agreeing, "8") == ("2",)


def test_apply_price_change_leaves_a_book_without_its_market_to_the_caller() -> None:
    change = raw_change("1", "0.5", "1", "BUY", None, None)
    other = raw_change("2", "0.5", "1", "SELL", None, None)
    for core in filter(None, (_bookcore, bookcore_py)):
        books = {"1": OrderBook("1"), "2": OrderBook("2", "0xm")}
        assert core.apply_price_change(books, (other, change), "1") is None
        assert core.apply_price_change({}, (change,), "1") is None
        assert (books["1"]._bids.levels, books["2"]._asks.levels) == ({}, {})
        books["1"].market = "0xm"
        assert core.apply_price_change(books, (change,), "1") == ("1",)
        assert (books["1"].hash, books["1"]._updated_raw) == ("0xh", "1")
        assert books["1"]._bids.levels == {Decimal("0.5"): "1"}


def test_apply_price_change_leaves_a_frame_of_many_tokens_to_the_caller() -> None:
    changes = tuple(raw_change(str(t), "0.5", "1", "BUY", None, None) for t in range(9))
    for core in filter(None, (_bookcore, bookcore_py)):
        books = {str(t): OrderBook(str(t), "0xm") for t in range(9)}
        assert core.apply_price_change(books, changes, "1") is None
        assert all(book._bids.levels == {} for book in books.values())


@settings(max_examples=300, deadline=None)
@given(changes_of(known_only=False), st.sampled_from(TIMES))
def test_what_the_core_accepts_the_full_checks_accept(
    changes: tuple[RawChange, ...], time: Any
) -> None:
    # The core only ever accepts early: everything it passes, parsing's own
    # checks pass too (whichever core runs here).
    if bookcore.vet_changes(changes, time):
        assert _timestamp_ok(time)
        for c in changes:
            assert plain_size(c.size)
            assert all(_price_ok(p) for p in (c.price, c.best_bid, c.best_ask))


def test_a_price_the_cache_does_not_keep_is_vetted_and_applied_all_the_same() -> None:
    long_price = "0.4" + "0" * 30  # longer than the cache keeps
    assert PRICES.get(long_price) == Decimal("0.4") and long_price not in PRICES.values
    change = raw_change("1", long_price, "3", "BUY", None, None)
    for core in filter(None, (_bookcore, bookcore_py)):
        assert (
            core.vet_changes((change,), "1") is False
        )  # unknown here: parsing decides
        bids, asks = sides()
        assert core.apply_changes((change,), bids, asks) is True
        assert (bids.levels, bids.best) == ({Decimal("0.4"): "3"}, Decimal("0.4"))


def test_a_batch_that_fails_halfway_leaves_sides_that_describe_their_levels() -> None:
    batch = (
        raw_change("1", "0.45", "5", "BUY", None, None),
        raw_change("1", "abc", "1", "BUY", None, None),  # never vetted
    )
    for core in filter(None, (_bookcore, bookcore_py)):
        bids, asks = sides()
        bids.put(Decimal("0.4"), "1")
        bids.ascending()  # sorted, so a new level must clear the order
        with pytest.raises(ValueError, match="unvetted price"):
            core.apply_changes(batch, bids, asks)
        assert (bids.best, bids._ascending) == (Decimal("0.45"), None)
        assert bids.ascending() == [Decimal("0.4"), Decimal("0.45")]


def test_polybot_bookcore_python_runs_the_twin() -> None:
    env = {**os.environ, "POLYBOT_BOOKCORE": "python"}
    code = "from polybot.polymarket import bookcore; print(bookcore.COMPILED, bookcore._core.__name__)"
    ran = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.split() == ["False", "polybot.polymarket.bookcore_py"]


def test_prices_closer_than_a_float_tells_still_order_as_decimals() -> None:
    # The compiled core compares prices by their floats when those differ;
    # these two are one float, so the Decimals decide.
    low, high = "0.1", "0.1000000000000000001"
    assert float(Decimal(low)) == float(Decimal(high))
    for text in (low, high):
        PRICES.get(text)
    for core in filter(None, (_bookcore, bookcore_py)):
        bids, asks = sides()
        core.apply_changes(
            (
                raw_change("1", low, "5", "BUY", None, None),
                raw_change("1", high, "5", "BUY", None, None),
                raw_change("1", high, "5", "SELL", None, None),
                raw_change("1", low, "5", "SELL", None, None),
            ),
            bids,
            asks,
        )
        assert (bids.best, asks.best) == (Decimal(high), Decimal(low))
        core.apply_changes((raw_change("1", high, "0", "BUY", None, None),), bids, asks)
        assert bids.best == Decimal(low)
