"""REST payloads → typed models, with the exact values of every fixture."""

from __future__ import annotations

import copy
import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from polybot.polymarket.errors import PolymarketParseError
from polybot.polymarket.models import (
    BalanceAllowance,
    CancelResult,
    ClobMarketInfo,
    ClobToken,
    DataActivity,
    DataPosition,
    DataTrade,
    DataValue,
    FeeCurve,
    GammaEvent,
    GammaMarket,
    GammaOutcome,
    LastTradePrice,
    PostOrderResult,
    PricePoint,
    Side,
)
from polybot.polymarket.rest_parsing import (
    parse_balance_allowance,
    parse_cancel_result,
    parse_clob_market_info,
    parse_cursor_page,
    parse_data_activity,
    parse_data_page,
    parse_data_position,
    parse_data_trade,
    parse_data_value,
    parse_fee_rate,
    parse_gamma_event,
    parse_gamma_keyset,
    parse_gamma_market,
    parse_last_trade_price,
    parse_last_trades_prices,
    parse_neg_risk,
    parse_post_order_result,
    parse_price_history,
    parse_prices,
    parse_server_time,
    parse_single_number,
    parse_tick_size,
    parse_token_numbers,
    parse_version,
)

D = Decimal

# The venue fixtures are shared by every engineer; a vendored copy in the repo
# wins over the shared checkout so CI can carry its own (as test_ws_parsing).
_FIXTURE_DIRS = [
    Path(os.environ.get("POLYMARKET_FIXTURES", "/nonexistent")),
    Path(__file__).resolve().parents[1] / "fixtures" / "polymarket",
    Path(__file__).resolve().parent / "fixtures",
    Path("/work/shared/polymarket/fixtures"),
]
FIXTURES = next((d for d in _FIXTURE_DIRS if (d / "gamma-market.json").is_file()), None)


def fixture(name: str) -> Any:
    assert FIXTURES is not None, f"venue fixtures not found in {_FIXTURE_DIRS}"
    return json.loads((FIXTURES / name).read_text())


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


NATIONALS = (
    "115093477542595845459769642510663906754645636077470857739371815633441497856930"
)
METS = "111033623022233125288447078063536634338953857359981191096322678314504369414568"
NBA_YES = (
    "28182404005967940652495463228537840901055649726248190462854914416579180110833"
)
NBA_NO = "47044845753450022047436429968808601130811164131571549682541703866165095016290"
MLB_IMAGE = (
    "https://polymarket-upload.s3.us-east-2.amazonaws.com/Repetitive-markets/MLB.jpg"
)


# --- Gamma -----------------------------------------------------------------------


def test_it_parses_the_gamma_market_fixture_exactly():
    raw = fixture("gamma-market.json")
    assert parse_gamma_market(raw) == GammaMarket(
        id="550834",
        condition_id="0x5387dec0a07436f792cd86d75cd5d24653f0e3d09690b3849e5bd9067d48de5c",
        question_id="0xfba0131a77471ab27e13bdcbdfeaf3af54c83c19c7e1212e3fb4f9f39b40e491",
        slug="mlb-wsh-nym-2025-06-10",
        question="Nationals vs. Mets",
        description=raw["description"],
        category="",
        outcomes=(
            GammaOutcome(label="Nationals", token_id=NATIONALS, price=D("0.5")),
            GammaOutcome(label="Mets", token_id=METS, price=D("0.5")),
        ),
        active=True,
        closed=False,
        archived=False,
        accepting_orders=True,
        enable_order_book=True,
        neg_risk=False,
        neg_risk_market_id="",
        neg_risk_other=False,
        tick_size=D("0.01"),
        min_order_size=D("5"),
        volume=D("0"),
        volume_24h=D("0"),
        liquidity=D("0"),
        best_bid=None,
        best_ask=D("1"),
        last_trade_price=None,
        one_day_price_change=None,
        start_date=utc(2025, 6, 9, 8, 1, 34, 856648),
        end_date=utc(2025, 6, 17, 23, 10),
        closed_time=None,
        resolution_source="https://www.mlb.com/",
        image=MLB_IMAGE,
        icon=MLB_IMAGE,
        fees_enabled=False,
        fee_curve=FeeCurve(rate=D("0"), exponent=D("1"), taker_only=True),
        seconds_delay=3,
        tags=(),
        event_ids=("26359",),
        version="v1",
        position_ids=(),
        uma_resolution_status="",
        updated_at=utc(2025, 6, 9, 9, 8, 16, 234902),
    )
    assert raw["description"].startswith("In the upcoming MLB game")


def test_it_parses_the_gamma_event_fixture_exactly():
    raw = fixture("gamma-event.json")
    slug = "nba-will-the-mavericks-beat-the-grizzlies-by-more-than-5pt5-points-in-their-december-4-matchup"
    raw_market = raw["markets"][0]
    market = GammaMarket(
        id="239826",
        condition_id="0x064d33e3f5703792aafa92bfb0ee10e08f461b1b34c02c1f02671892ede1609a",
        question_id="",
        slug=slug,
        question=raw["title"],
        description=raw_market["description"],
        category="Sports",
        outcomes=(
            GammaOutcome(
                label="Yes",
                token_id=NBA_YES,
                price=D("0.0000004113679809846114013590098187297978"),
            ),
            GammaOutcome(
                label="No",
                token_id=NBA_NO,
                price=D("0.9999995886320190153885986409901813"),
            ),
        ),
        active=True,
        closed=True,
        archived=False,
        accepting_orders=False,
        enable_order_book=False,
        neg_risk=False,
        neg_risk_market_id="",
        neg_risk_other=False,
        tick_size=D("0.01"),
        min_order_size=D("5"),
        volume=D("1335.05"),  # volumeNum, not the "1335.045385" text
        volume_24h=D("0"),
        liquidity=D("50"),  # liquidityNum, not the "50.000009" text
        best_bid=D("0"),
        best_ask=D("1"),
        last_trade_price=D("0"),
        one_day_price_change=D("0"),
        start_date=utc(2021, 12, 4, 19, 35, 3, 796000),
        end_date=utc(2021, 12, 4),
        closed_time=utc(2021, 12, 5, 20, 37, 1),
        resolution_source="https://www.nba.com/games",
        image=raw_market["image"],
        icon=raw_market["icon"],
        fees_enabled=False,
        fee_curve=FeeCurve(),
        seconds_delay=0,
        tags=(),
        event_ids=("2890",),
        version="v1",
        position_ids=(),
        uma_resolution_status="",
        updated_at=utc(2024, 4, 24, 23, 35, 51, 63381),
    )
    assert parse_gamma_event(raw) == GammaEvent(
        id="2890",
        slug=slug,
        ticker=slug,
        title="NBA: Will the Mavericks beat the Grizzlies by more than 5.5 points in their December 4 matchup?",
        description=raw["description"],
        category="Sports",
        active=True,
        closed=True,
        archived=False,
        neg_risk=False,
        neg_risk_augmented=False,
        neg_risk_market_id="",
        start_date=utc(2021, 12, 4),
        end_date=utc(2021, 12, 4),
        volume=D("1335.05"),
        liquidity=D("0"),
        image=raw["image"],
        tags=("All",),
        markets=(market,),
    )


def v2_market() -> dict[str, Any]:
    """A Protocol V2 market with the newer fields the 2025 capture lacks."""
    raw = copy.deepcopy(fixture("gamma-market.json"))
    raw.update(
        {
            "version": "v2",
            "positionIds": ["11", "22"],
            "clobTokenIds": None,
            "negRisk": True,
            "negRiskMarketID": "0xnegrisk",
            "feesEnabled": True,
            "feeSchedule": {
                "rate": 0.25,
                "exponent": 2,
                "takerOnly": True,
                "rebateRate": 0.2,
            },
            "volume": "123.45",
            "liquidity": 67.5,
            "volume24hr": 9.5,
            "umaResolutionStatus": "proposed",
            "tags": [{"id": "1", "label": "Sports", "slug": "sports"}],
        }
    )
    return raw


def test_a_v2_market_trades_its_position_ids_and_carries_its_fee_curve():
    market = parse_gamma_market(v2_market())
    assert market.version == "v2"
    assert market.position_ids == ("11", "22")
    assert [o.token_id for o in market.outcomes] == ["11", "22"]
    assert market.neg_risk is True
    assert market.neg_risk_market_id == "0xnegrisk"
    assert market.fees_enabled is True
    assert market.fee_curve == FeeCurve(
        rate=D("0.25"), exponent=D("2"), taker_only=True
    )
    # No volumeNum/liquidityNum: the text and the number are used as sent.
    assert market.volume == D("123.45")
    assert market.liquidity == D("67.5")
    assert market.volume_24h == D("9.5")
    assert market.uma_resolution_status == "proposed"
    assert market.tags == ("Sports",)


def test_a_schedule_on_a_market_without_fees_charges_nothing():
    raw = v2_market()
    raw["feesEnabled"] = False
    assert parse_gamma_market(raw).fee_curve == FeeCurve(rate=D("0"))


def test_real_arrays_are_accepted_where_gamma_sends_json_strings():
    raw = copy.deepcopy(fixture("gamma-market.json"))
    raw["outcomes"] = ["Nationals", "Mets"]
    raw["clobTokenIds"] = [NATIONALS, METS]
    raw["outcomePrices"] = ["0.41", "0.59"]
    market = parse_gamma_market(raw)
    assert [(o.label, o.token_id, o.price) for o in market.outcomes] == [
        ("Nationals", NATIONALS, D("0.41")),
        ("Mets", METS, D("0.59")),
    ]


def test_a_market_not_yet_on_the_clob_has_outcomes_without_tokens():
    raw = copy.deepcopy(fixture("gamma-market.json"))
    del raw["clobTokenIds"]
    del raw["outcomePrices"]
    market = parse_gamma_market(raw)
    assert [(o.label, o.token_id, o.price) for o in market.outcomes] == [
        ("Nationals", "", None),
        ("Mets", "", None),
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("clobTokenIds", '["1"]'),
        ("outcomePrices", '["0.5"]'),
        ("clobTokenIds", "[not json"),
        ("outcomes", '{"a": 1}'),
        ("negRisk", "maybe"),
        ("id", None),
    ],
)
def test_a_malformed_gamma_market_raises_a_parse_error(field, value):
    raw = copy.deepcopy(fixture("gamma-market.json"))
    raw[field] = value
    with pytest.raises(PolymarketParseError):
        parse_gamma_market(raw)


def test_keyset_pages_give_rows_and_cursor():
    assert parse_gamma_keyset(
        {"markets": [{"id": 1}], "next_cursor": "abc"}, "markets"
    ) == (
        [{"id": 1}],
        "abc",
    )
    assert parse_gamma_keyset({"markets": [], "next_cursor": None}, "markets") == (
        [],
        None,
    )
    assert parse_gamma_keyset({"events": [], "next_cursor": ""}, "events") == ([], None)


# --- CLOB public ------------------------------------------------------------------


def test_it_parses_the_prices_history_fixture():
    assert parse_price_history(fixture("clob-prices-history.json")) == [
        PricePoint(t=unix(1000), p=D("0.5")),
        PricePoint(t=unix(1500), p=D("0.55")),
        PricePoint(t=unix(2000), p=D("0.6")),
    ]


def test_it_parses_the_compact_clob_market_info():
    payload = {
        "t": [{"t": "111", "o": "Yes"}, {"t": "222", "o": "No"}, None],
        "mts": 0.001,
        "mos": 5,
        "mbf": 0,
        "tbf": 200,
        "nr": True,
        "fd": {"r": 0.25, "e": 2, "to": True},
        "itode": True,
    }
    assert parse_clob_market_info(payload, "0xcond") == ClobMarketInfo(
        condition_id="0xcond",
        tokens=(ClobToken("111", "Yes"), ClobToken("222", "No")),
        tick_size=D("0.001"),
        min_order_size=D("5"),
        neg_risk=True,
        fee_curve=FeeCurve(rate=D("0.25"), exponent=D("2"), taker_only=True),
        maker_base_fee_bps=0,
        taker_base_fee_bps=200,
        taker_delay=True,
    )


def test_clob_market_info_without_fee_data_has_a_zero_curve():
    info = parse_clob_market_info({"t": [{"t": "1", "o": "Yes"}], "mts": "0.01"}, "0xc")
    assert info.fee_curve == FeeCurve()
    assert info.neg_risk is False
    assert info.taker_delay is False
    with pytest.raises(PolymarketParseError):
        parse_clob_market_info({"mts": "0.01"}, "0xc")


def test_small_clob_answers():
    assert parse_single_number({"price": "0.5"}, "price") == D("0.5")
    assert parse_single_number({"mid": 0.455}, "mid") == D("0.455")
    assert parse_single_number({"price": ""}, "price") is None
    assert parse_prices({"1": {"BUY": 0.5, "SELL": "0.6"}}) == {
        "1": {Side.BUY: D("0.5"), Side.SELL: D("0.6")}
    }
    assert parse_token_numbers({"1": 0.5, "2": "0.25"}) == {
        "1": D("0.5"),
        "2": D("0.25"),
    }
    assert parse_token_numbers({"spreads": {"1": 2}}, nested="spreads") == {"1": D("2")}
    assert parse_token_numbers({"1": "0.02"}, nested="spreads") == {"1": D("0.02")}
    assert parse_last_trade_price(
        {"price": 0.12, "side": "BUY"}, "7"
    ) == LastTradePrice(token_id="7", price=D("0.12"), side=Side.BUY)
    assert parse_last_trade_price({"price": "", "side": ""}, "7") == LastTradePrice(
        token_id="7", price=None, side=None
    )
    assert parse_last_trades_prices(
        [{"token_id": "1", "price": "0.3", "side": "SELL"}]
    ) == [LastTradePrice(token_id="1", price=D("0.3"), side=Side.SELL)]
    assert parse_tick_size({"minimum_tick_size": 0.001}) == D("0.001")
    assert parse_neg_risk({"neg_risk": True}) is True
    assert parse_fee_rate({"base_fee": 0}) == 0
    assert parse_fee_rate({"base_fee": None}) == 0
    assert parse_server_time(1700000000) == unix(1700000000)
    assert parse_server_time({"time": "1700000000"}) == unix(1700000000)
    assert parse_version({"version": 2}) == 2


def test_bad_small_answers_raise():
    with pytest.raises(PolymarketParseError):
        parse_tick_size({"minimum_tick_size": 0})
    with pytest.raises(PolymarketParseError):
        parse_neg_risk({})
    with pytest.raises(PolymarketParseError):
        parse_version({})
    with pytest.raises(PolymarketParseError):
        parse_server_time(True)


def test_cursor_pages_end_on_the_end_cursor():
    page = fixture("clob-open-orders-page.json")
    rows, cursor = parse_cursor_page(page)
    assert cursor == "next"
    assert rows == page["data"]
    assert parse_cursor_page({"data": [], "next_cursor": "LTE="}) == ([], None)
    assert parse_cursor_page({"data": None}) == ([], None)


# --- CLOB trading -----------------------------------------------------------------


def test_it_parses_the_post_order_responses():
    responses = fixture("clob-post-order-responses.json")
    order_id = "0xabcdef1234567890abcdef1234567890abcdef12"
    live = PostOrderResult(
        success=True,
        order_id=order_id,
        status="live",
        making_amount=D("100000000"),
        taking_amount=D("200000000"),
        trade_ids=(),
        transaction_hashes=(),
        error_msg="",
    )
    assert parse_post_order_result(responses["live_order"]) == live
    assert parse_post_order_result(responses["matched_order"]) == PostOrderResult(
        success=True,
        order_id=order_id,
        status="matched",
        making_amount=D("100000000"),
        taking_amount=D("200000000"),
        trade_ids=("trade-123",),
        transaction_hashes=("0x1234567890abcdef1234567890abcdef12345678",),
        error_msg="",
    )
    delayed = parse_post_order_result(responses["delayed_order"])
    assert delayed.status == "delayed"
    assert delayed.success is True


def test_a_refused_order_in_a_batch_is_unsuccessful():
    result = parse_post_order_result(
        {"success": False, "errorMsg": "not enough balance / allowance", "orderID": ""}
    )
    assert result.success is False
    assert result.error_msg == "not enough balance / allowance"
    assert result.making_amount == D("0")
    # Without "success", an id and no error mean accepted.
    assert parse_post_order_result({"orderID": "0x1", "status": "LIVE"}).success is True


def test_it_parses_the_cancel_response():
    assert parse_cancel_result(fixture("clob-cancel-response.json")) == CancelResult(
        canceled=(), not_canceled={"1": "the order is already canceled"}
    )
    assert parse_cancel_result(
        {"canceled": ["0xa"], "not_canceled": None}
    ) == CancelResult(canceled=("0xa",), not_canceled={})


def test_it_parses_the_balance_allowance_in_pusd():
    assert parse_balance_allowance(
        fixture("clob-balance-allowance.json")
    ) == BalanceAllowance(
        balance=D("0"),
        allowances={"0x0000000000000000000000000000000000000000": D("0.000001")},
    )
    parsed = parse_balance_allowance({"balance": "12345678", "allowances": {}})
    assert parsed.balance == D("12.345678")
    assert str(parsed.balance) == "12.345678"
    assert parse_balance_allowance(
        {"balance": "1", "allowance": "2000000"}
    ).allowances == {"": D("2")}


# --- Data API ------------------------------------------------------------------


def test_it_parses_the_v2_positions_fixture():
    rows = fixture("data-v2-positions.json")
    assert parse_data_position(rows[0]) == DataPosition(
        proxy_wallet="0x7c3db723f1d4d8cb9c550095203b686cb11e5c6b",
        token_id="94476829201604408463453426454480212459887267917122244941405244686637914508323",
        condition_id="0x7ad403c3508f8e3912940fd1a913f227591145ca0614074208e0b962d5fcc422",
        size=D("400000.0"),
        avg_price=D("0.5"),
        current_price=D("0.7545"),
        current_value=D("301800.0"),
        realized_pnl=D("0.0"),
        unrealized_pnl=D("101800.0"),
        redeemable=False,
        mergeable=True,
        negative_risk=True,
        outcome="No",
        outcome_index=1,
        title="Will JD Vance win the 2028 US Presidential Election?",
        slug="will-jd-vance-win-the-2028-us-presidential-election",
        end_date=utc(2028, 11, 7),
        status="OPEN",
    )
    second = parse_data_position(rows[1])
    assert (second.outcome, second.current_price, second.unrealized_pnl) == (
        "Yes",
        D("0.2455"),
        D("-101800.0"),
    )


def test_it_parses_the_v1_positions_fixture():
    assert parse_data_position(fixture("data-v1-positions.json")[0]) == DataPosition(
        proxy_wallet="0x1234567890abcdef1234567890abcdef12345678",
        token_id="0x1111111111111111111111111111111111111111111111111111111111111111",
        condition_id="0xabcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890",
        size=D("100.5"),
        avg_price=D("0.65"),
        current_price=D("0.7"),
        current_value=D("70.35"),
        realized_pnl=D("0.0"),
        unrealized_pnl=D("5.025"),
        redeemable=False,
        mergeable=False,
        negative_risk=False,
        outcome="Yes",
        outcome_index=0,
        title="Will BTC hit $100k?",
        slug="btc-100k",
        end_date=utc(2025, 12, 31),
        status="",
    )


def test_it_parses_the_v2_and_v1_trades_fixtures():
    v2 = [parse_data_trade(row) for row in fixture("data-v2-trades.json")]
    assert v2 == [
        DataTrade(
            proxy_wallet="0x84cfffc3f16dcc353094de30d4a45226eccd2f63",
            side=Side.BUY,
            token_id="100621704916396384184205224105871827982844371725320616822883322969092312254616",
            condition_id="0xc8a2f17f42fa8493ebae503abec9d51efa7b57c3cc59a7b88933bffaa3618387",
            size=D("78.55"),
            price=D("0.62"),
            timestamp=unix(1788887014),
            transaction_hash="0x8b2fd0c7480cd78bd9f57e8b935cf10c6635d2c479c66ea26d358e1425f44a95",
            outcome="Yes",
            title="Will Real Madrid CF win on 2026-09-08?",
        ),
        DataTrade(
            proxy_wallet="0x8998260fc9ed9fb76169c291493b77d3cfe62707",
            side=Side.SELL,
            token_id="10569747745236392570963097049930476889202788711910112387314269913275253427324",
            condition_id="0xe50512309bd9d7e537f1cec79f2d2c2634cc073081226ec11ba7e13c469c0449",
            size=D("0.07"),
            price=D("0.84"),
            timestamp=unix(1788887014),
            transaction_hash="0x146b03a91c743a9f8757f8c448c74edc0d898621ea4716766d38ae79eabbc52e",
            outcome="No",
            title="Will Joe Burrow finish the 2026-27 NFL regular season with the most passing yards?",
        ),
    ]
    assert parse_data_trade(fixture("data-v1-trades.json")[0]) == DataTrade(
        proxy_wallet="0x1234567890abcdef1234567890abcdef12345678",
        side=Side.BUY,
        token_id="0x1111111111111111111111111111111111111111111111111111111111111111",
        condition_id="0xabcdef1234567890abcdef1234567890abcdef1234567890abcdef1234567890",
        size=D("50.0"),
        price=D("0.55"),
        timestamp=unix(1703980800),
        transaction_hash="0x2222222222222222222222222222222222222222222222222222222222222222",
        outcome="Yes",
        title="Market Title",
    )


def test_it_parses_the_v2_activity_fixture():
    rows = [parse_data_activity(row) for row in fixture("data-v2-activity.json")]
    assert rows[0] == DataActivity(
        proxy_wallet="0x7c3db723f1d4d8cb9c550095203b686cb11e5c6b",
        type="TRADE",
        timestamp=unix(1788886609),
        condition_id="0x0a91645ed98ad09817e051a17466cff087b920393aefba0fe74e8735fc192f15",
        token_id="98255364887669934733864645030488537034263699416357729920734267612805930214172",
        size=D("14.285715"),
        usdc_size=D("13.285715"),
        price=D("0.9300000035"),
        side=Side.BUY,
        transaction_hash="0xa661459fc2483ddb4e5c7d13c76347fa2b1fb2faae10eed484c810ae46c471dd",
    )
    assert (rows[1].size, rows[1].usdc_size, rows[1].price) == (
        D("155.03"),
        D("13.89215"),
        D("0.0864503644"),
    )


def test_a_redeem_activity_has_no_side():
    row = parse_data_activity(
        {
            "proxyWallet": "0xa",
            "type": "redeem",
            "timestamp": 1,
            "side": "",
            "usdcSize": 3,
        }
    )
    assert (row.type, row.side, row.usdc_size, row.price) == (
        "REDEEM",
        None,
        D("3"),
        None,
    )


def test_it_parses_the_value_fixtures():
    user = "0x7c3db723f1d4d8cb9c550095203b686cb11e5c6b"
    assert parse_data_value(fixture("data-v2-value.json")) == DataValue(
        user=user, value=D("684953.8942")
    )
    assert parse_data_value({"data": fixture("data-v2-value.json")}) == DataValue(
        user=user, value=D("684953.8942")
    )
    assert parse_data_value(fixture("data-v1-value.json")) == DataValue(
        user="0x1234567890abcdef1234567890abcdef12345678", value=D("12345.67")
    )
    assert parse_data_value({"data": None}, "0xme") == DataValue(
        user="0xme", value=D("0")
    )


def test_data_pages_read_both_envelopes():
    rows = fixture("data-v2-trades.json")
    assert parse_data_page(
        {"data": rows, "pagination": {"has_more": True, "next_cursor": "c2"}}
    ) == (rows, "c2")
    assert parse_data_page(
        {"data": rows, "pagination": {"has_more": False, "next_cursor": "c2"}}
    ) == (rows, None)
    assert parse_data_page({"data": None, "pagination": {"has_more": False}}) == (
        [],
        None,
    )
    assert parse_data_page(rows) == (rows, None)


def test_a_data_row_without_a_token_raises():
    row = dict(fixture("data-v2-positions.json")[0])
    del row["token_id"]
    with pytest.raises(PolymarketParseError):
        parse_data_position(row)
