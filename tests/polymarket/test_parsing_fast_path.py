"""The typed fast path (msgspec) builds exactly what the validated path
builds, and hands every frame it cannot vouch for to it."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polybot.polymarket.errors import PolymarketParseError
from polybot.polymarket.models import (
    BookEvent,
    LastTradePriceEvent,
    ParseStats,
    PriceChange,
    PriceChangeEvent,
    PriceLevel,
    Side,
)
from polybot.polymarket.parsing import (
    _MARKET_PARSERS,
    _fast_market_events,
    _fast_timestamp,
    _parse_frame,
    parse_market_message,
    parse_timestamp,
)

D = Decimal
FIXTURES = Path(__file__).parent.parent / "fixtures" / "polymarket"
TYPED = ["price_change", "book", "last_trade_price", "best_bid_ask", "tick_size_change"]


def fixture(event_type: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"ws-market-{event_type}.json").read_text())


def validated(frame: str | bytes) -> tuple[str, ParseStats]:
    """What the validated path alone makes of a frame: the events' repr (so
    that "0.50" and "0.5" count as different) and its counters."""
    stats = ParseStats()
    try:
        events = _parse_frame(frame, stats, _MARKET_PARSERS)
    except PolymarketParseError as exc:
        return f"raised {exc.message}", stats
    return repr(events), stats


def parsed(frame: str | bytes) -> tuple[str, ParseStats]:
    stats = ParseStats()
    try:
        events = parse_market_message(frame, stats)
    except PolymarketParseError as exc:
        return f"raised {exc.message}", stats
    return repr(events), stats


@pytest.mark.parametrize("event_type", TYPED)
def test_it_agrees_with_the_validated_parser_on_the_documented_payloads(
    event_type: str,
) -> None:
    text = json.dumps(fixture(event_type))

    events = _fast_market_events(text)

    assert events is not None  # the fast path took it
    assert repr(events) == validated(text)[0]


def test_it_decodes_a_price_change_into_exact_decimals_and_utc() -> None:
    [event] = parse_market_message(json.dumps(fixture("price_change")))

    assert event == PriceChangeEvent(
        market="0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1",
        changes=(
            PriceChange(
                "71321045679252212594626385532706912750332728571942532289631379312455583992563",
                D("0.5"), D("200"), Side.BUY, "56621a121a47ed9333273e21c83b660cff37ae50",
                D("0.5"), D("1"),
            ),
            PriceChange(
                "52114319501245915516055106046884209969926127482827954674443846427813813222426",
                D("0.5"), D("200"), Side.SELL, "1895759e4df7a796bf4f1c5a5950b748306923e2",
                D("0"), D("0.5"),
            ),
        ),
        timestamp=datetime(2025, 9, 15, 4, 1, 32, 351000, tzinfo=UTC),
    )  # fmt: skip


def test_it_decodes_a_book_keeping_the_venue_text_of_each_price() -> None:
    [event] = parse_market_message((FIXTURES / "ws-market-book.json").read_bytes())

    assert isinstance(event, BookEvent)
    assert event.snapshot.bids[0] == PriceLevel(D("0.48"), D("30"))
    assert str(event.snapshot.bids[0].price) == "0.48"  # ".48" as the venue wrote it
    assert event.snapshot.asks == (
        PriceLevel(D("0.52"), D("25")),
        PriceLevel(D("0.53"), D("60")),
        PriceLevel(D("0.54"), D("10")),
    )
    assert event.snapshot.timestamp == datetime(1973, 11, 29, 21, 33, 9, tzinfo=UTC)


def test_it_leaves_json_numbers_to_the_validated_path_which_reads_them() -> None:
    # The venue writes prices and sizes as text; the fast path takes text only.
    payload = fixture("last_trade_price") | {"price": 0.1, "size": 3}
    text = json.dumps(payload)

    assert _fast_market_events(text) is None
    [event] = parse_market_message(text)
    assert isinstance(event, LastTradePriceEvent)
    assert (repr(event.price), repr(event.size)) == ("Decimal('0.1')", "Decimal('3')")


def test_it_reads_a_fee_of_zero_as_the_validated_path_does() -> None:
    text = json.dumps(fixture("last_trade_price") | {"fee_rate_bps": "0.0"})

    [event] = _fast_market_events(text) or []

    assert isinstance(event, LastTradePriceEvent)
    assert repr(event.fee_rate_bps) == "Decimal('0')"
    assert repr([event]) == validated(text)[0]


@pytest.mark.parametrize(
    "size",
    [
        "1e3",
        " 5",
        "-1",
        "1_000",
        "٣",
        "1234567890123456",
        "1.2.3",
        ".",
        "",
        "0.1234567890123",
    ],  # 13 decimals: beyond what the fast path vets
)
def test_a_size_not_written_in_plain_digits_goes_to_the_validated_path(
    size: str,
) -> None:
    text = _edit("price_change", (*_CHANGE, "size"), size)

    assert _fast_market_events(text) is None
    assert parsed(text) == validated(text)


def test_it_takes_an_array_frame_whole_and_counts_what_it_parsed() -> None:
    frame = json.dumps(
        [fixture("book"), fixture("price_change"), fixture("last_trade_price")]
    )
    stats = ParseStats(parsed=2)

    events = parse_market_message(frame, stats)

    assert [e.event_type for e in events] == [
        "book",
        "price_change",
        "last_trade_price",
    ]
    assert stats.parsed == 5
    assert repr(events) == validated(frame)[0]


def _edit(event_type: str, path: tuple[Any, ...], value: Any) -> str:
    payload = fixture(event_type)
    target = payload
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(payload)


_DELETE = object()
_CHANGE = ("price_changes", 0)


@pytest.mark.parametrize(
    ("event_type", "path", "value"),
    [("price_change", (*_CHANGE, "price"), "NaN"), ("price_change", (*_CHANGE, "price"), "1.5"),
     ("price_change", (*_CHANGE, "size"), "-1"), ("price_change", (*_CHANGE, "size"), "Infinity"),
     ("price_change", (*_CHANGE, "size"), "1e16"), ("price_change", (*_CHANGE, "best_bid"), "2"),
     ("price_change", (*_CHANGE, "best_bid"), ""), ("price_change", (*_CHANGE, "side"), "buy"),
     ("price_change", (*_CHANGE, "asset_id"), 7), ("price_change", (*_CHANGE, "hash"), _DELETE),
     ("price_change", (*_CHANGE, "hash"), None), ("price_change", ("market",), None),
     ("price_change", ("timestamp",), "-5"), ("price_change", ("timestamp",), 1.5e12),
     ("price_change", ("price_changes",), _DELETE),
     ("book", ("bids", 0, "price"), "1.01"), ("book", ("asks", 0, "size"), "sNaN"),
     ("book", ("bids",), None), ("book", ("tick_size",), "NaN"), ("book", ("tick_size",), ""),
     ("book", ("neg_risk",), "true"), ("book", ("last_trade_price",), "2"),
     ("last_trade_price", ("fee_rate_bps",), "NaN"), ("last_trade_price", ("side",), ""),
     ("last_trade_price", ("price",), None), ("best_bid_ask", ("spread",), "Infinity"),
     ("tick_size_change", ("new_tick_size",), "NaN"), ("tick_size_change", ("event_type",), "tick_size")],
)  # fmt: skip
def test_it_defers_doubtful_frames_to_the_validated_parser(
    event_type: str, path: tuple[Any, ...], value: Any
) -> None:
    text = _edit(event_type, path, value)

    assert _fast_market_events(text) is None
    assert parsed(text) == validated(text)


@pytest.mark.parametrize(
    "frame",
    ["PING", "PONG", "", "not json", "[1]", "null", '{"price": NaN}', b"\xff\xfe",
     "[" * 100_000, '{"event_type": "book", "junk": ' + "[" * 40 + "]" * 40 + "}",
     json.dumps(fixture("new_market")), json.dumps([fixture("book"), {"event_type": "x"}])],
)  # fmt: skip
def test_it_leaves_keepalives_garbage_and_unknown_events_to_the_validated_parser(
    frame: str | bytes,
) -> None:
    assert _fast_market_events(frame) is None
    assert parsed(frame) == validated(frame)


@pytest.mark.parametrize(
    "path", [("extra",), (*_CHANGE, "extra")], ids=["in the frame", "in a change"]
)
def test_a_field_it_does_not_know_sends_the_frame_to_the_validated_parser(
    path: tuple[Any, ...],
) -> None:
    # Deep, so that skipping it would have meant walking what nobody vetted.
    text = _edit("price_change", path, [[[[{"a": [1]}]]]])

    assert _fast_market_events(text) is None
    events, stats = parsed(text)
    assert (events, stats) == validated(text)
    assert (stats.parsed, stats.skipped_malformed) == (1, 0)


def test_a_bad_change_still_costs_the_whole_event_and_is_counted() -> None:
    payload = copy.deepcopy(fixture("price_change"))
    payload["price_changes"][1]["price"] = "NaN"
    stats = ParseStats()
    assert parse_market_message(json.dumps(payload), stats) == []
    assert (stats.parsed, stats.skipped_malformed) == (0, 1)


@settings(max_examples=500, deadline=None)
@given(
    value=st.one_of(
        st.integers(-10, 300_000_000_000_000),
        st.sampled_from([10**11, 10**11 + 1, 253402300799000, 253402300799001, 0]),
    ),
    as_text=st.booleans(),
)
def test_the_fast_timestamp_is_parse_timestamp(value: int, as_text: bool) -> None:
    raw: str | int = str(value) if as_text else value
    assert _time_or_refused(_fast_timestamp, raw) == _time_or_refused(
        parse_timestamp, raw
    )


def _time_or_refused(parse: Any, raw: str | int) -> datetime | str:
    try:
        return parse(raw)
    except PolymarketParseError:
        return "refused"


@pytest.mark.parametrize(
    "text",
    [" 1764000000123", "+1764000000123", "1_764_000_000_123", "1764000000123.5",
     "1.764e12", "-1", "-0", "", "0x10", "١٧٦٤٠٠٠٠٠٠١٢٣"],
)  # fmt: skip
def test_the_fast_timestamp_reads_odd_texts_as_parse_timestamp_does(text: str) -> None:
    assert _time_or_refused(_fast_timestamp, text) == _time_or_refused(
        parse_timestamp, text
    )


# Values the venue sends, and values it must not; keys may also go missing.
_values = st.sampled_from(
    ["0.5", ".48", "0.50", "1", "0", "-0", "1.5", "1e-2", " 0.5", "NaN", "Infinity",
     "", "abc", "BUY", "SELL", "buy", "1757908892351", 0.5, 1, 0, -1, None, True, [], {}]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    event_type=st.sampled_from(TYPED),
    edits=st.lists(st.tuples(st.integers(0, 20), st.one_of(_values, st.just(_DELETE))), max_size=3),
)  # fmt: skip
def test_any_frame_parses_as_the_validated_path_alone_parses_it(
    event_type: str, edits: list[tuple[int, Any]]
) -> None:
    payload = fixture(event_type)
    # Edit fields of the event, of its first change or of its first level.
    targets = [payload]
    if event_type == "price_change":
        targets.append(payload["price_changes"][0])
    if event_type == "book":
        targets.append(payload["bids"][0])
    for index, value in edits:
        target = targets[index % len(targets)]
        key = sorted(target)[index % len(target)] if target else "price"
        if value is _DELETE:
            target.pop(key, None)
        else:
            target[key] = value
    text = json.dumps(payload)

    assert parsed(text) == validated(text)
