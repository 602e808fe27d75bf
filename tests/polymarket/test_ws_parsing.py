"""Venue JSON → typed models: every WebSocket fixture, REST book/trade/order rows,
and the skip-and-count rules for odd frames (polybot/polymarket/parsing.py)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polybot.polymarket.errors import PolymarketParseError
from polybot.polymarket.models import (
    BestBidAskEvent,
    BookEvent,
    BookSnapshot,
    EventMessage,
    LastTradePriceEvent,
    MakerOrderFill,
    MarketResolvedEvent,
    NewMarketEvent,
    OpenOrder,
    ParseStats,
    PriceChange,
    PriceChangeEvent,
    PriceLevel,
    Side,
    TickSizeChangeEvent,
    Trade,
    TradeStatus,
    UserOrderEvent,
    UserTradeEvent,
)
from polybot.polymarket.parsing import (
    parse_book_snapshot,
    parse_decimal,
    parse_market_message,
    parse_open_order,
    parse_timestamp,
    parse_trade,
    parse_user_message,
)

D = Decimal

# The venue fixtures are shared by every engineer; a vendored copy in the repo
# wins over the shared checkout so CI can carry its own.
_FIXTURE_DIRS = [
    Path(os.environ.get("POLYMARKET_FIXTURES", "/nonexistent")),
    Path(__file__).resolve().parents[1] / "fixtures" / "polymarket",
    Path(__file__).resolve().parent / "fixtures",
    Path("/work/shared/polymarket/fixtures"),
]
FIXTURES = next(
    (d for d in _FIXTURE_DIRS if (d / "ws-market-book.json").is_file()), None
)


def fixture_text(name: str) -> str:
    assert FIXTURES is not None, f"venue fixtures not found in {_FIXTURE_DIRS}"
    return (FIXTURES / name).read_text()


def fixture(name: str) -> Any:
    return json.loads(fixture_text(name))


def ms(value: int) -> datetime:
    """A unix-milliseconds timestamp as the parser should render it."""
    return datetime.fromtimestamp(value // 1000, tz=UTC).replace(
        microsecond=(value % 1000) * 1000
    )


BOOK_ASSET = (
    "65818619657568813474341868652308942079804919287380422192892211131408793125422"
)
BOOK_MARKET = "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af"
YES_ASSET = (
    "76043073756653678226373981964075571318267289248134717369284518995922789326425"
)
NO_ASSET = (
    "31690934263385727664202099278545688007799199447969475608906331829650099442770"
)
USER_ASSET = (
    "52114319501245915516055106046884209969926127482827954674443846427813813222426"
)
ORDER_ID = "0xff354cd7ca7539dfa9c28d90943ab5779a4eac34b9b37a757d7b32bdfb11790b"
OWNER = "9180014b-33c8-9240-a14b-bdca11c0a465"
NVDA_EVENT = EventMessage(
    id="125819",
    ticker="nvda-above-in-january-2026",
    slug="nvda-above-in-january-2026",
    title="Will NVIDIA (NVDA) close above ___ end of January?",
    description='This market will resolve to "Yes" if the official closing price...',
)


# --- market channel fixtures --------------------------------------------------------


def test_it_parses_the_ws_book_fixture() -> None:
    stats = ParseStats()
    events = parse_market_message(fixture_text("ws-market-book.json"), stats)

    assert events == [
        BookEvent(
            snapshot=BookSnapshot(
                asset_id=BOOK_ASSET,
                market=BOOK_MARKET,
                bids=(
                    PriceLevel(D("0.48"), D("30")),
                    PriceLevel(D("0.49"), D("20")),
                    PriceLevel(D("0.50"), D("15")),
                ),
                asks=(
                    PriceLevel(D("0.52"), D("25")),
                    PriceLevel(D("0.53"), D("60")),
                    PriceLevel(D("0.54"), D("10")),
                ),
                # "123456789000" is milliseconds.
                timestamp=datetime(1973, 11, 29, 21, 33, 9, tzinfo=UTC),
                hash="0x0....",
            )
        )
    ]
    assert stats == ParseStats(parsed=1)
    # ".48" is the same number as 0.48, printed the usual way.
    assert str(events[0].snapshot.bids[0].price) == "0.48"  # type: ignore[union-attr]


def test_it_parses_the_price_change_fixture_with_two_changes() -> None:
    events = parse_market_message(fixture_text("ws-market-price_change.json"))

    assert events == [
        PriceChangeEvent(
            market="0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1",
            changes=(
                PriceChange(
                    asset_id="71321045679252212594626385532706912750332728571942532289631379312455583992563",
                    price=D("0.5"),
                    size=D("200"),
                    side=Side.BUY,
                    hash="56621a121a47ed9333273e21c83b660cff37ae50",
                    best_bid=D("0.5"),
                    best_ask=D("1"),
                ),
                PriceChange(
                    asset_id=USER_ASSET,
                    price=D("0.5"),
                    size=D("200"),
                    side=Side.SELL,
                    hash="1895759e4df7a796bf4f1c5a5950b748306923e2",
                    best_bid=D("0"),
                    best_ask=D("0.5"),
                ),
            ),
            timestamp=ms(1757908892351),
        )
    ]


def test_it_parses_the_tick_size_change_fixture() -> None:
    assert parse_market_message(fixture_text("ws-market-tick_size_change.json")) == [
        TickSizeChangeEvent(
            asset_id=BOOK_ASSET,
            market=BOOK_MARKET,
            old_tick_size=D("0.01"),
            new_tick_size=D("0.001"),
            # "100000000" is below the milliseconds threshold: seconds.
            timestamp=datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC),
        )
    ]


def test_it_parses_the_last_trade_price_fixture() -> None:
    assert parse_market_message(fixture_text("ws-market-last_trade_price.json")) == [
        LastTradePriceEvent(
            asset_id="114122071509644379678018727908709560226618148003371446110114509806601493071694",
            market="0x6a67b9d828d53862160e470329ffea5246f338ecfffdf2cab45211ec578b0347",
            price=D("0.456"),
            side=Side.BUY,
            size=D("219.217767"),
            fee_rate_bps=D("0"),
            timestamp=ms(1750428146322),
            transaction_hash="",
        )
    ]


def test_it_parses_the_best_bid_ask_fixture() -> None:
    assert parse_market_message(fixture_text("ws-market-best_bid_ask.json")) == [
        BestBidAskEvent(
            asset_id="85354956062430465315924116860125388538595433819574542752031640332592237464430",
            market="0x0005c0d312de0be897668695bae9f32b624b4a1ae8b140c49f08447fcc74f442",
            best_bid=D("0.73"),
            best_ask=D("0.77"),
            spread=D("0.04"),
            timestamp=datetime(2025, 12, 26, 22, 51, 9, 958000, tzinfo=UTC),
        )
    ]


def test_it_parses_the_new_market_fixture() -> None:
    assert parse_market_message(fixture_text("ws-market-new_market.json")) == [
        NewMarketEvent(
            id="1031769",
            question="Will NVIDIA (NVDA) close above $240 end of January?",
            market="0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1",
            slug="nvda-above-240-on-january-30-2026",
            description='This market will resolve to "Yes" if the official closing price...',
            asset_ids=(YES_ASSET, NO_ASSET),
            outcomes=("Yes", "No"),
            event=NVDA_EVENT,
            timestamp=ms(1766790415550),
            tick_size=None,
            tags=(),
        )
    ]


def test_it_parses_the_market_resolved_fixture() -> None:
    assert parse_market_message(fixture_text("ws-market-market_resolved.json")) == [
        MarketResolvedEvent(
            id="1031769",
            question="Will NVIDIA (NVDA) close above $240 end of January?",
            market="0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1",
            slug="nvda-above-240-on-january-30-2026",
            asset_ids=(YES_ASSET, NO_ASSET),
            outcomes=("Yes", "No"),
            winning_asset_id=YES_ASSET,
            winning_outcome="Yes",
            event=NVDA_EVENT,
            timestamp=ms(1766790415550),
        )
    ]


def test_it_reads_new_market_tick_size_and_tags_when_present() -> None:
    obj = fixture("ws-market-new_market.json")
    obj["order_price_min_tick_size"] = "0.001"
    obj["tags"] = ["Stocks", {"label": "NVDA", "slug": "nvda"}]

    [event] = parse_market_message(json.dumps(obj))

    assert isinstance(event, NewMarketEvent)
    assert event.tick_size == D("0.001")
    assert event.tags == ("Stocks", "NVDA")


@pytest.mark.parametrize(
    "name",
    [
        "ws-market-subscribe.json",
        "ws-market-dynamic-subscribe.json",
        "ws-user-subscribe.json",
        "ws-user-dynamic-subscribe.json",
    ],
)
def test_it_counts_our_own_subscribe_frames_as_unknown(name: str) -> None:
    # Outgoing frames have no event_type; echoed back they must not crash anything.
    stats = ParseStats()
    raw = fixture_text(name)
    expected = len(fixture(name)) if raw.lstrip().startswith("[") else 1

    assert parse_market_message(raw, stats) == []
    assert stats == ParseStats(skipped_unknown=expected)


def test_every_ws_fixture_is_covered_by_a_test() -> None:
    assert FIXTURES is not None
    names = sorted(p.name for p in FIXTURES.glob("ws-*.json"))
    assert names == [
        "ws-market-best_bid_ask.json",
        "ws-market-book.json",
        "ws-market-dynamic-subscribe.json",
        "ws-market-last_trade_price.json",
        "ws-market-market_resolved.json",
        "ws-market-new_market.json",
        "ws-market-price_change.json",
        "ws-market-subscribe.json",
        "ws-market-tick_size_change.json",
        "ws-user-dynamic-subscribe.json",
        "ws-user-order-asyncapi.json",
        "ws-user-order.json",
        "ws-user-subscribe.json",
        "ws-user-trade.json",
    ]


# --- user channel fixtures ----------------------------------------------------------


def test_it_parses_the_user_trade_fixture_with_the_old_matchtime_name() -> None:
    stats = ParseStats()
    events = parse_user_message(fixture_text("ws-user-trade.json"), stats)

    at = datetime(2022, 12, 29, 5, 11, 41, tzinfo=UTC)
    assert events == [
        UserTradeEvent(
            trade=Trade(
                id="28c4d2eb-bbea-40e7-a9f0-b2fdb56b2c2e",
                taker_order_id="0x06bc63e346ed4ceddce9efd6b3af37c8f8f440c92fe7da6b2d0f9e4ccbc50c42",
                market=BOOK_MARKET,
                asset_id=USER_ASSET,
                side=Side.BUY,
                size=D("10"),
                price=D("0.57"),
                fee_rate_bps=D("0"),
                status=TradeStatus.MATCHED,
                match_time=at,
                last_update=at,
                outcome="YES",
                owner=OWNER,
                maker_address="",
                transaction_hash="",
                trader_side="",  # missing in this example
                bucket_index=None,
                maker_orders=(
                    MakerOrderFill(
                        order_id=ORDER_ID,
                        owner=OWNER,
                        maker_address="",
                        matched_amount=D("10"),
                        price=D("0.57"),
                        fee_rate_bps=D("0"),
                        asset_id=USER_ASSET,
                        outcome="YES",
                        side=None,
                    ),
                ),
            ),
            timestamp=at,
        )
    ]
    assert stats == ParseStats(parsed=1)


def test_it_reads_the_new_match_time_name_and_trader_side() -> None:
    obj = fixture("ws-user-trade.json")
    del obj["matchtime"]
    obj["match_time"] = "1672290702"
    obj["trader_side"] = "maker"

    [event] = parse_user_message(json.dumps(obj))

    assert isinstance(event, UserTradeEvent)
    assert event.trade.match_time == datetime(2022, 12, 29, 5, 11, 42, tzinfo=UTC)
    assert event.trade.trader_side == "MAKER"


def test_it_parses_the_user_order_fixture() -> None:
    assert parse_user_message(fixture_text("ws-user-order.json")) == [
        UserOrderEvent(
            type="PLACEMENT",
            order=OpenOrder(
                id=ORDER_ID,
                status="",  # this docs example has no status
                owner=OWNER,
                maker_address="",
                market=BOOK_MARKET,
                asset_id=USER_ASSET,
                side=Side.SELL,
                original_size=D("10"),
                size_matched=D("0"),
                price=D("0.57"),
                associate_trades=(),
                outcome="YES",
                created_at=None,
                expiration=None,
                order_type="",
            ),
            timestamp=datetime(2022, 12, 29, 5, 11, 27, tzinfo=UTC),
        )
    ]


def test_it_parses_the_asyncapi_user_order_fixture() -> None:
    at = datetime(2022, 12, 29, 5, 11, 27, tzinfo=UTC)
    assert parse_user_message(fixture_text("ws-user-order-asyncapi.json")) == [
        UserOrderEvent(
            type="PLACEMENT",
            order=OpenOrder(
                id=ORDER_ID,
                status="LIVE",
                owner=OWNER,
                maker_address="0x1234...",
                market=BOOK_MARKET,
                asset_id=USER_ASSET,
                side=Side.SELL,
                original_size=D("10"),
                size_matched=D("0"),
                price=D("0.57"),
                associate_trades=(),
                outcome="YES",
                created_at=at,
                expiration=datetime(1970, 1, 15, 6, 56, 7, tzinfo=UTC),
                order_type="GTD",
            ),
            timestamp=at,
        )
    ]


def test_the_market_parser_skips_user_events_as_unknown() -> None:
    stats = ParseStats()
    assert parse_market_message(fixture_text("ws-user-trade.json"), stats) == []
    assert stats.skipped_unknown == 1


# --- REST rows sharing the parsers ------------------------------------------------


def test_it_parses_the_rest_book_fixture() -> None:
    assert parse_book_snapshot(fixture("clob-book.json")) == BookSnapshot(
        asset_id="100",
        market="0xaabbcc",
        bids=(PriceLevel(D("0.3"), D("100")), PriceLevel(D("0.4"), D("100"))),
        asks=(PriceLevel(D("0.6"), D("100")), PriceLevel(D("0.7"), D("100"))),
        timestamp=datetime(1973, 11, 29, 21, 33, 9, tzinfo=UTC),  # seconds
        hash="",
        tick_size=D("0.01"),
        min_order_size=D("100"),
        neg_risk=False,
        last_trade_price=None,
    )


def test_it_reads_the_optional_book_fields_of_a_live_rest_book() -> None:
    obj = fixture("clob-book.json")
    obj.update(
        hash="abc", last_trade_price="0.45", neg_risk=True, timestamp="1766789469958"
    )

    snapshot = parse_book_snapshot(obj)

    assert snapshot.hash == "abc"
    assert snapshot.last_trade_price == D("0.45")
    assert snapshot.neg_risk is True
    assert snapshot.timestamp == ms(1766789469958)


def test_it_treats_an_empty_last_trade_price_as_none() -> None:
    obj = fixture("clob-book.json")
    obj["last_trade_price"] = ""
    assert parse_book_snapshot(obj).last_trade_price is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"asset_id": None}, "missing field 'asset_id'"),
        ({"bids": "nope"}, "field 'bids': expected a list"),
        ({"timestamp": "yesterday"}, "field 'timestamp': not a time"),
        ({"bids": [{"price": "1.5", "size": "1"}]}, "outside [0, 1]"),
        ({"bids": [{"price": "0.5", "size": "-1"}]}, "negative size"),
        ({"neg_risk": "maybe"}, "expected a boolean"),
    ],
)
def test_parse_book_snapshot_raises_a_parse_error_on_a_bad_book(
    change: dict[str, Any], message: str
) -> None:
    obj = fixture("clob-book.json") | change
    with pytest.raises(PolymarketParseError, match=message.replace("[", r"\[")):
        parse_book_snapshot(obj)


def test_parse_book_snapshot_raises_a_parse_error_on_a_non_object() -> None:
    with pytest.raises(PolymarketParseError):
        parse_book_snapshot(["not", "a", "book"])


def test_it_parses_a_rest_trade_row() -> None:
    row = fixture("clob-trades-page.json")["data"][0]
    fill = {
        "owner": "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "price": D("0.42"),
        "fee_rate_bps": D("5"),
        "asset_id": "asset_xyz",
        "outcome": "YES",
        "side": Side.SELL,
    }

    assert parse_trade(row) == Trade(
        id="1",
        taker_order_id="taker_123",
        market="market",
        asset_id="asset_xyz",
        side=Side.BUY,
        size=D("12.5"),
        price=D("0.42"),
        fee_rate_bps=D("5"),
        status=TradeStatus.MATCHED,
        match_time=datetime(2024, 1, 15, 12, 34, 56, tzinfo=UTC),
        last_update=datetime(2024, 1, 15, 12, 35, 30, tzinfo=UTC),
        outcome="YES",
        owner="ffffffff-ffff-ffff-ffff-ffffffffffff",
        maker_address="0x2222222222222222222222222222222222222222",
        transaction_hash="0x" + "abcdef" * 10 + "abcd",
        trader_side="TAKER",
        bucket_index=2,
        maker_orders=(
            MakerOrderFill(
                order_id="maker_001",
                maker_address="0x4444444444444444444444444444444444444444",
                matched_amount=D("5.0"),
                **fill,  # type: ignore[arg-type]
            ),
            MakerOrderFill(
                order_id="maker_002",
                maker_address="0x6666666666666666666666666666666666666666",
                matched_amount=D("7.5"),
                **fill,  # type: ignore[arg-type]
            ),
        ),
    )


def test_it_parses_a_rest_open_order_with_lower_case_side_and_int_created_at() -> None:
    row = fixture("clob-open-orders-page.json")["data"][0]

    assert parse_open_order(row) == OpenOrder(
        id="1",
        status="LIVE",
        owner="ffffffff-ffff-ffff-ffff-ffffffffffff",
        maker_address="0x2222222222222222222222222222222222222222",
        market="market_abc",
        asset_id="asset_xyz",
        side=Side.BUY,
        original_size=D("10.0"),
        size_matched=D("2.5"),
        price=D("0.45"),
        associate_trades=("0xtradehash1", "0xtradehash2"),
        outcome="YES",
        created_at=datetime(2024, 1, 15, 12, 34, 56, tzinfo=UTC),
        expiration=datetime(2024, 1, 20, 0, 0, tzinfo=UTC),
        order_type="GTC",
    )


def test_it_reads_an_expiration_of_zero_as_none() -> None:
    row = fixture("clob-open-orders-page.json")["data"][0] | {"expiration": "0"}
    assert parse_open_order(row).expiration is None


def test_parse_trade_raises_on_an_unknown_status() -> None:
    row = fixture("clob-trades-page.json")["data"][0] | {"status": "SETTLED"}
    with pytest.raises(PolymarketParseError, match="unknown trade status"):
        parse_trade(row)


# --- frames: arrays, keepalive, skipping and counting ---------------------------------


def test_it_parses_an_array_of_messages_in_order() -> None:
    frame = json.dumps(
        [
            fixture("ws-market-book.json"),
            fixture("ws-market-price_change.json"),
            fixture("ws-market-last_trade_price.json"),
        ]
    )
    stats = ParseStats()

    events = parse_market_message(frame, stats)

    assert [e.event_type for e in events] == [
        "book",
        "price_change",
        "last_trade_price",
    ]
    assert stats == ParseStats(parsed=3)


def test_it_accepts_bytes_frames() -> None:
    events = parse_market_message(fixture_text("ws-market-book.json").encode())
    assert [e.event_type for e in events] == ["book"]


def test_it_returns_nothing_for_an_empty_array() -> None:
    stats = ParseStats()
    assert parse_market_message("[]", stats) == []
    assert stats == ParseStats()


@pytest.mark.parametrize("frame", ["PONG", "PING", b"PONG", " PONG\n"])
def test_it_returns_nothing_for_keepalive_frames(frame: str | bytes) -> None:
    stats = ParseStats()
    assert parse_market_message(frame, stats) == []
    assert parse_user_message(frame, stats) == []
    assert stats == ParseStats()


def test_it_counts_an_unknown_event_type_and_keeps_the_rest() -> None:
    stats = ParseStats()
    frame = json.dumps(
        [
            {"event_type": "price_prediction", "asset_id": "1"},
            {"asset_id": "1"},  # no event_type at all
            {"event_type": 7},
            fixture("ws-market-tick_size_change.json"),
        ]
    )

    events = parse_market_message(frame, stats)

    assert [e.event_type for e in events] == ["tick_size_change"]
    assert stats == ParseStats(parsed=1, skipped_unknown=3)


def test_it_counts_missing_fields_as_malformed_with_a_reason() -> None:
    book = fixture("ws-market-book.json")
    del book["asset_id"]
    tick = fixture("ws-market-tick_size_change.json")
    del tick["new_tick_size"]
    stats = ParseStats()

    events = parse_market_message(
        json.dumps([book, tick, fixture("ws-market-best_bid_ask.json")]), stats
    )

    assert [e.event_type for e in events] == ["best_bid_ask"]
    assert stats.parsed == 1
    assert stats.skipped_malformed == 2
    assert stats.errors == [
        "[0] book: missing field 'asset_id'",
        "[1] tick_size_change: missing field 'new_tick_size'",
    ]


@pytest.mark.parametrize(
    ("event", "change"),
    [
        ("ws-market-book.json", {"bids": [{"price": ["0.5"], "size": "1"}]}),
        ("ws-market-book.json", {"asks": [{"price": "0.5", "size": "lots"}]}),
        ("ws-market-book.json", {"bids": [["0.5", "1"]]}),
        ("ws-market-book.json", {"asset_id": {"id": 1}}),
        ("ws-market-book.json", {"timestamp": True}),
        ("ws-market-price_change.json", {"price_changes": {"asset_id": "1"}}),
        ("ws-market-last_trade_price.json", {"side": "HOLD"}),
        ("ws-market-last_trade_price.json", {"price": "NaN"}),
        ("ws-market-last_trade_price.json", {"size": True}),
        ("ws-market-best_bid_ask.json", {"best_bid": "Infinity"}),
        ("ws-market-new_market.json", {"outcomes": [["Yes"]]}),
        ("ws-market-new_market.json", {"event_message": "nvda"}),
        ("ws-market-tick_size_change.json", {"old_tick_size": ""}),
        ("ws-user-trade.json", {"maker_orders": [{"order_id": "x"}]}),
        ("ws-user-order.json", {"original_size": None}),
    ],
)
def test_it_counts_wrong_types_as_malformed(event: str, change: dict[str, Any]) -> None:
    obj = fixture(event) | change
    stats = ParseStats()

    parse = parse_user_message if event.startswith("ws-user") else parse_market_message
    assert parse(json.dumps(obj), stats) == []

    assert stats.skipped_malformed == 1
    assert stats.parsed == 0
    assert len(stats.errors) == 1


def test_one_bad_change_drops_the_whole_price_change_event() -> None:
    # Half an event applied would leave a book silently wrong.
    obj = fixture("ws-market-price_change.json")
    del obj["price_changes"][1]["side"]
    stats = ParseStats()

    assert parse_market_message(json.dumps(obj), stats) == []
    assert stats.skipped_malformed == 1
    assert "missing field 'side'" in stats.errors[0]


def test_it_counts_non_object_array_items_as_malformed() -> None:
    stats = ParseStats()
    frame = json.dumps([1, "book", None, fixture("ws-market-book.json")])

    assert len(parse_market_message(frame, stats)) == 1
    assert stats.skipped_malformed == 3


def test_it_parses_the_old_price_change_schema_without_a_venue_top() -> None:
    old = {
        "event_type": "price_change",
        "asset_id": BOOK_ASSET,
        "market": BOOK_MARKET,
        "hash": "h1",
        "timestamp": "1757908892351",
        "changes": [{"price": "0.4", "side": "SELL", "size": "3"}],
    }

    [event] = parse_market_message(json.dumps(old))

    assert isinstance(event, PriceChangeEvent)
    assert event.changes == (
        PriceChange(BOOK_ASSET, D("0.4"), D("3"), Side.SELL, "h1", None, None),
    )


def test_it_reads_json_numbers_without_float_artefacts() -> None:
    obj = fixture("ws-market-last_trade_price.json") | {"price": 0.1, "size": 3}

    [event] = parse_market_message(json.dumps(obj))

    assert isinstance(event, LastTradePriceEvent)
    assert event.price == D("0.1")
    assert event.size == D("3")


def test_it_keeps_the_error_list_bounded() -> None:
    stats = ParseStats()
    frame = json.dumps([{"event_type": "book"}] * 150)

    parse_market_message(frame, stats)

    assert stats.skipped_malformed == 150
    assert len(stats.errors) == 100
    assert stats.errors[-1].startswith("[149] book:")


@pytest.mark.parametrize(
    "frame",
    [
        b"\xff\xfe\x00garbage",
        b"\x80\x81",
        "not json",
        '{"event_type": "book"',
        "",
        "42",
        '"PONG"',
        "null",
        '{"price": NaN}',
        "[" * 100_000,
    ],
)
def test_it_raises_a_parse_error_for_garbage_frames(frame: str | bytes) -> None:
    with pytest.raises(PolymarketParseError):
        parse_market_message(frame)
    with pytest.raises(PolymarketParseError):
        parse_user_message(frame)


def test_parse_timestamp_reads_seconds_milliseconds_and_iso() -> None:
    assert parse_timestamp("1766789469958") == datetime(
        2025, 12, 26, 22, 51, 9, 958000, tzinfo=UTC
    )
    assert parse_timestamp(1672290687) == datetime(2022, 12, 29, 5, 11, 27, tzinfo=UTC)
    assert parse_timestamp("2024-01-15T12:34:56Z") == datetime(
        2024, 1, 15, 12, 34, 56, tzinfo=UTC
    )
    with pytest.raises(PolymarketParseError):
        parse_timestamp("-5")
    with pytest.raises(PolymarketParseError):
        parse_timestamp("9" * 30)


def test_it_refuses_absurd_times_and_sizes() -> None:
    with pytest.raises(PolymarketParseError, match="out of range"):
        parse_timestamp("1e999999")
    obj = fixture("ws-market-last_trade_price.json") | {"size": "1e999999"}
    stats = ParseStats()
    assert parse_market_message(json.dumps(obj), stats) == []
    assert "implausible size" in stats.errors[0]


def test_it_reads_a_string_bucket_index_and_refuses_a_float() -> None:
    row = fixture("clob-trades-page.json")["data"][0]
    assert parse_trade(row | {"bucket_index": "3"}).bucket_index == 3
    with pytest.raises(PolymarketParseError, match="bucket_index"):
        parse_trade(row | {"bucket_index": 2.5})


def test_single_object_parsers_turn_unforeseen_errors_into_parse_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object) -> None:
        raise TypeError("a shape nobody foresaw")

    monkeypatch.setattr("polybot.polymarket.parsing._levels", broken)
    monkeypatch.setattr("polybot.polymarket.parsing._side", broken)

    with pytest.raises(PolymarketParseError, match="book: TypeError"):
        parse_book_snapshot(fixture("clob-book.json"))
    with pytest.raises(PolymarketParseError, match="trade: TypeError"):
        parse_trade(fixture("clob-trades-page.json")["data"][0])
    with pytest.raises(PolymarketParseError, match="order: TypeError"):
        parse_open_order(fixture("clob-open-orders-page.json")["data"][0])
    # The typed fast path would take this well-formed frame; what is tested
    # here is the validated path it defers everything doubtful to.
    monkeypatch.setattr(
        "polybot.polymarket.parsing._fast_market_events", lambda raw: None
    )
    stats = ParseStats()
    assert parse_market_message(fixture_text("ws-market-book.json"), stats) == []
    assert stats.errors == ["[0] book: TypeError: a shape nobody foresaw"]


def test_parse_decimal_reads_venue_numbers() -> None:
    assert parse_decimal(".48") == D("0.48")
    assert parse_decimal(0.1) == D("0.1")
    assert parse_decimal(7) == D(7)
    for bad in ("", "abc", True, None, "sNaN", "-Infinity", [1]):
        with pytest.raises(PolymarketParseError):
            parse_decimal(bad)


# --- never anything but a parse error ---------------------------------------------

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["0.5", ".48", "BUY", "sell", "0", "1", "1766789469958", ""])
)
_json_values = st.recursive(
    _json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)
_FIELD_NAMES = [
    "asset_id", "market", "bids", "asks", "price", "size", "side", "timestamp",
    "price_changes", "best_bid", "best_ask", "old_tick_size", "new_tick_size",
    "assets_ids", "outcomes", "event_message", "maker_orders", "status", "id",
]  # fmt: skip
_EVENT_TYPES = [
    "book", "price_change", "tick_size_change", "last_trade_price", "best_bid_ask",
    "new_market", "market_resolved", "trade", "order",
]  # fmt: skip


@st.composite
def _mutated_fixture(draw: st.DrawFn) -> str:
    """A real fixture with a few fields replaced, deleted or retyped."""
    assert FIXTURES is not None
    name = draw(st.sampled_from(sorted(p.name for p in FIXTURES.glob("ws-*.json"))))
    obj = json.loads((FIXTURES / name).read_text())
    if isinstance(obj, dict):
        for key in draw(st.lists(st.sampled_from(_FIELD_NAMES), max_size=3)):
            if draw(st.booleans()):
                obj.pop(key, None)
            else:
                obj[key] = draw(_json_values)
        if draw(st.booleans()):
            obj["event_type"] = draw(st.sampled_from(_EVENT_TYPES))
    return json.dumps(obj)


@settings(max_examples=300, deadline=None)
@given(
    frame=st.one_of(
        _mutated_fixture(),
        _json_values.map(json.dumps),
        st.binary(max_size=40),
        st.text(max_size=40),
    )
)
def test_it_never_raises_anything_but_a_parse_error(frame: str | bytes) -> None:
    for parse in (parse_market_message, parse_user_message):
        stats = ParseStats()
        try:
            events = parse(frame, stats)
        except PolymarketParseError:
            continue
        assert isinstance(events, list)
        assert stats.parsed == len(events)
