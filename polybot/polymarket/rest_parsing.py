"""REST payloads of Gamma, the CLOB and the Data API → typed models (STYLE R13).

The WebSocket frames, books, trades and open orders are parsed in
``parsing.py``; this module reuses its number and time rules
(``parse_decimal``, ``parse_timestamp``) and adds what only REST sends.

Every function raises ``PolymarketParseError`` when the payload does not have
the documented shape and nothing else. Quirks handled here, on purpose:

* Gamma's ``outcomes``, ``outcomePrices`` and ``clobTokenIds`` are
  JSON-encoded strings (``'["Yes", "No"]'``); Protocol V2 markets
  (``version: "v2"``) carry a real array ``positionIds`` instead of token ids.
* Gamma's ``volume``/``liquidity`` are strings on markets and numbers on
  events; ``volumeNum``/``liquidityNum`` win when present.
* Data API v2 rows are snake_case inside ``{"data": …, "pagination": …}``;
  v1 rows are camelCase in a bare array. Both parse into the same models.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

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
from polybot.polymarket.parsing import parse_decimal, parse_timestamp

# pUSD and outcome shares both have 6 decimals on chain.
TOKEN_DECIMALS = 6
# The CLOB's cursor that means "no more pages" (py-clob-client-v2 END_CURSOR).
END_CURSOR = "LTE="
# What Gamma leaves out on old markets; the venue's usual values. Callers
# that sign orders take the tick from the CLOB (``ClobClient.tick_size``).
DEFAULT_TICK_SIZE = Decimal("0.01")
DEFAULT_MIN_ORDER_SIZE = Decimal("5")


# --- field helpers ---------------------------------------------------------------


def _fail(message: str) -> PolymarketParseError:
    return PolymarketParseError(message)


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(f"{what}: expected an object, got {type(value).__name__}")
    return value


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(f"{what}: expected a list, got {type(value).__name__}")
    return value


def _get(obj: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``keys`` present and not null (v2 name first, then v1)."""
    for key in keys:
        value = obj.get(key)
        if value is not None:
            return value
    return None


def _required(obj: Mapping[str, Any], *keys: str) -> Any:
    value = _get(obj, *keys)
    if value is None:
        raise _fail(f"missing field {keys[0]!r}")
    return value


def _text(obj: Mapping[str, Any], *keys: str, required: bool = False) -> str:
    value = _required(obj, *keys) if required else _get(obj, *keys)
    if value is None:
        return ""
    # Ids arrive as strings or JSON numbers; both are identifiers.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _fail(f"field {keys[0]!r}: expected a string, got {type(value).__name__}")
    return str(value)


def _flag(obj: Mapping[str, Any], *keys: str, default: bool = False) -> bool:
    value = _get(obj, *keys)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _fail(f"field {keys[0]!r}: expected a boolean, got {value!r}"[:120])


def _num(obj: Mapping[str, Any], *keys: str) -> Decimal | None:
    # "" is how the venue says "no value" in several REST rows.
    value = _get(obj, *keys)
    if value is None or value == "":
        return None
    return parse_decimal(value, keys[0])


def _num0(obj: Mapping[str, Any], *keys: str) -> Decimal:
    value = _num(obj, *keys)
    return Decimal(0) if value is None else value


def _int(obj: Mapping[str, Any], *keys: str) -> int | None:
    value = _num(obj, *keys)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise _fail(f"field {keys[0]!r}: expected an integer, got {value}")
    return int(value)


def _when(obj: Mapping[str, Any], *keys: str) -> datetime | None:
    value = _get(obj, *keys)
    if value is None or value == "" or value == 0 or value == "0":
        return None
    return parse_timestamp(value, keys[0])


def _side(value: object, field: str) -> Side | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _fail(f"field {field!r}: expected BUY/SELL, got {type(value).__name__}")
    try:
        return Side(value.strip().upper())
    except ValueError:
        raise _fail(f"field {field!r}: unknown side {value[:20]!r}") from None


def _required_side(obj: Mapping[str, Any], *keys: str) -> Side:
    side = _side(_get(obj, *keys), keys[0])
    if side is None:
        raise _fail(f"missing field {keys[0]!r}")
    return side


def _json_list(value: object, field: str) -> list[Any]:
    """Gamma's JSON-encoded list fields; a real array is accepted too."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _fail(f"field {field!r}: not a JSON list: {value[:40]!r}") from None
    if not isinstance(value, list):
        raise _fail(f"field {field!r}: expected a list, got {type(value).__name__}")
    return value


def _str_items(items: list[Any], field: str) -> tuple[str, ...]:
    result = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise _fail(f"field {field!r}: expected strings in the list")
        result.append(str(item))
    return tuple(result)


def _base_units(value: object, field: str) -> Decimal:
    # Move the decimal point by hand: Decimal.scaleb rounds to the context's
    # 28 digits, and allowances are often 2**256 - 1 (78 digits).
    sign, digits, exponent = parse_decimal(value, field).as_tuple()
    assert isinstance(exponent, int)  # parse_decimal only returns finite values
    return Decimal((sign, digits, exponent - TOKEN_DECIMALS))


def _tags(obj: Mapping[str, Any]) -> tuple[str, ...]:
    # Same rule as parsing.py's WS tags: a Gamma tag object reads as its label.
    tags: list[str] = []
    for tag in _list(_get(obj, "tags") or [], "tags"):
        if isinstance(tag, str):
            tags.append(tag)
        elif isinstance(tag, Mapping):
            tags.append(_text(tag, "label", "slug"))
    return tuple(t for t in tags if t)


# --- Gamma -----------------------------------------------------------------------


def _fee_curve_from_gamma(obj: Mapping[str, Any], fees_enabled: bool) -> FeeCurve:
    schedule = _get(obj, "feeSchedule")
    if not fees_enabled or schedule is None:
        # A market without fees has a zero curve, whatever schedule it carries,
        # so fee maths downstream cannot charge one by mistake.
        return FeeCurve()
    schedule = _mapping(schedule, "feeSchedule")
    default = FeeCurve()
    exponent = _num(schedule, "exponent")
    return FeeCurve(
        rate=_num0(schedule, "rate"),
        exponent=default.exponent if exponent is None else exponent,
        taker_only=_flag(schedule, "takerOnly", "taker_only", default=True),
    )


def _gamma_outcomes(
    market: Mapping[str, Any], version: str
) -> tuple[GammaOutcome, ...]:
    labels = _str_items(_json_list(_get(market, "outcomes"), "outcomes"), "outcomes")
    if version == "v2" and _get(market, "positionIds") is not None:
        raw_ids = _json_list(_get(market, "positionIds"), "positionIds")
    else:
        raw_ids = _json_list(_get(market, "clobTokenIds"), "clobTokenIds")
    token_ids = _str_items(raw_ids, "clobTokenIds")
    raw_prices = _json_list(_get(market, "outcomePrices"), "outcomePrices")
    # A market not yet on the CLOB has no token ids (and maybe no prices);
    # when present they must line up with the outcomes, index for index.
    if token_ids and len(token_ids) != len(labels):
        raise _fail(f"{len(labels)} outcomes but {len(token_ids)} token ids")
    if raw_prices and len(raw_prices) != len(labels):
        raise _fail(f"{len(labels)} outcomes but {len(raw_prices)} prices")
    outcomes = []
    for index, label in enumerate(labels):
        price = raw_prices[index] if raw_prices else None
        outcomes.append(
            GammaOutcome(
                label=label,
                token_id=token_ids[index] if token_ids else "",
                price=None
                if price in (None, "")
                else parse_decimal(price, "outcomePrices"),
            )
        )
    return tuple(outcomes)


def parse_gamma_market(obj: object, *, event_id: str = "") -> GammaMarket:
    """One Gamma market object (``/markets``, ``/markets/{id}``, or nested in
    an event, whose id then goes in ``event_ids`` if the market lacks it)."""
    market = _mapping(obj, "market")
    version = _text(market, "version") or "v1"
    fees_enabled = _flag(market, "feesEnabled")
    event_ids = [
        _text(_mapping(e, "events[]"), "id")
        for e in _list(_get(market, "events") or [], "events")
    ]
    if event_id and event_id not in event_ids:
        event_ids.append(event_id)
    position_ids = (
        _str_items(
            _json_list(_get(market, "positionIds"), "positionIds"), "positionIds"
        )
        if _get(market, "positionIds") is not None
        else ()
    )
    return GammaMarket(
        id=_text(market, "id", required=True),
        condition_id=_text(market, "conditionId"),
        question_id=_text(market, "questionID", "questionId"),
        slug=_text(market, "slug"),
        question=_text(market, "question"),
        description=_text(market, "description"),
        category=_text(market, "category"),
        outcomes=_gamma_outcomes(market, version),
        active=_flag(market, "active"),
        closed=_flag(market, "closed"),
        archived=_flag(market, "archived"),
        accepting_orders=_flag(market, "acceptingOrders"),
        enable_order_book=_flag(market, "enableOrderBook"),
        neg_risk=_flag(market, "negRisk"),
        neg_risk_market_id=_text(market, "negRiskMarketID", "negRiskMarketId"),
        neg_risk_other=_flag(market, "negRiskOther"),
        tick_size=_num(market, "orderPriceMinTickSize") or DEFAULT_TICK_SIZE,
        min_order_size=_num(market, "orderMinSize") or DEFAULT_MIN_ORDER_SIZE,
        volume=_num0(market, "volumeNum", "volume"),
        volume_24h=_num0(market, "volume24hr", "volume24hrClob"),
        liquidity=_num0(market, "liquidityNum", "liquidity"),
        best_bid=_num(market, "bestBid"),
        best_ask=_num(market, "bestAsk"),
        last_trade_price=_num(market, "lastTradePrice"),
        one_day_price_change=_num(market, "oneDayPriceChange"),
        start_date=_when(market, "startDate", "startDateIso"),
        end_date=_when(market, "endDate", "endDateIso"),
        closed_time=_when(market, "closedTime"),
        resolution_source=_text(market, "resolutionSource"),
        image=_text(market, "image"),
        icon=_text(market, "icon"),
        fees_enabled=fees_enabled,
        fee_curve=_fee_curve_from_gamma(market, fees_enabled),
        seconds_delay=_int(market, "secondsDelay") or 0,
        tags=_tags(market),
        event_ids=tuple(e for e in event_ids if e),
        version=version,
        position_ids=position_ids,
        uma_resolution_status=_text(market, "umaResolutionStatus"),
        updated_at=_when(market, "updatedAt"),
    )


def parse_gamma_event(obj: object) -> GammaEvent:
    """One Gamma event object with its nested markets."""
    event = _mapping(obj, "event")
    event_id = _text(event, "id", required=True)
    return GammaEvent(
        id=event_id,
        slug=_text(event, "slug"),
        ticker=_text(event, "ticker"),
        title=_text(event, "title"),
        description=_text(event, "description"),
        category=_text(event, "category"),
        active=_flag(event, "active"),
        closed=_flag(event, "closed"),
        archived=_flag(event, "archived"),
        # Older events only say enableNegRisk.
        neg_risk=_flag(event, "negRisk", "enableNegRisk"),
        neg_risk_augmented=_flag(event, "negRiskAugmented"),
        neg_risk_market_id=_text(event, "negRiskMarketID", "negRiskMarketId"),
        start_date=_when(event, "startDate"),
        end_date=_when(event, "endDate"),
        volume=_num0(event, "volume"),
        liquidity=_num0(event, "liquidity"),
        image=_text(event, "image"),
        tags=_tags(event),
        markets=tuple(
            parse_gamma_market(m, event_id=event_id)
            for m in _list(_get(event, "markets") or [], "markets")
        ),
    )


def parse_gamma_list(payload: object, what: str) -> list[Any]:
    """An offset page: a bare array (``/markets``, ``/events``)."""
    return _list(payload, what)


def parse_gamma_keyset(payload: object, key: str) -> tuple[list[Any], str | None]:
    """A keyset page ``{"markets"|"events": [...], "next_cursor": str|null}``."""
    page = _mapping(payload, f"{key} keyset page")
    rows = _list(_get(page, key) or [], key)
    cursor = _get(page, "next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise _fail("field 'next_cursor': expected a string")
    return rows, cursor or None


# --- CLOB public ------------------------------------------------------------------


def parse_price_history(payload: object) -> list[PricePoint]:
    """``{"history": [{"t": unix s, "p": price}, ...]}``."""
    history = _list(
        _get(_mapping(payload, "prices-history"), "history") or [], "history"
    )
    points = []
    for index, raw in enumerate(history):
        point = _mapping(raw, f"history[{index}]")
        points.append(
            PricePoint(
                t=parse_timestamp(_required(point, "t"), "t"),
                p=parse_decimal(_required(point, "p"), "p"),
            )
        )
    return points


def parse_clob_market_info(payload: object, condition_id: str) -> ClobMarketInfo:
    """``GET /clob-markets/{condition_id}``: the compact keys ``t`` (tokens
    ``{t: token_id, o: outcome}``), ``mts`` tick, ``mos`` min size, ``mbf``/
    ``tbf`` base fees (bps), ``nr`` neg risk, ``fd {r, e, to}`` fee curve,
    ``itode`` taker order delay enabled."""
    info = _mapping(payload, "clob market")
    tokens = []
    for index, raw in enumerate(_list(_required(info, "t"), "t")):
        if raw is None:  # py-clob-client-v2 skips null entries; so do we
            continue
        token = _mapping(raw, f"t[{index}]")
        tokens.append(
            ClobToken(
                token_id=_text(token, "t", required=True), outcome=_text(token, "o")
            )
        )
    fee = _get(info, "fd")
    default = FeeCurve()
    if fee is None:
        curve = default
    else:
        fee = _mapping(fee, "fd")
        exponent = _num(fee, "e")
        curve = FeeCurve(
            rate=_num0(fee, "r"),
            exponent=default.exponent if exponent is None else exponent,
            taker_only=_flag(fee, "to", default=True),
        )
    return ClobMarketInfo(
        condition_id=_text(info, "c", "condition_id") or condition_id,
        tokens=tuple(tokens),
        tick_size=parse_decimal(_required(info, "mts"), "mts"),
        min_order_size=_num(info, "mos") or DEFAULT_MIN_ORDER_SIZE,
        neg_risk=_flag(info, "nr"),
        fee_curve=curve,
        maker_base_fee_bps=_int(info, "mbf") or 0,
        taker_base_fee_bps=_int(info, "tbf") or 0,
        taker_delay=_flag(info, "itode"),
    )


def parse_single_number(payload: object, key: str) -> Decimal | None:
    """``{"price": "0.5"}``, ``{"mid": "0.5"}``, ``{"spread": "0.02"}``."""
    return _num(_mapping(payload, key), key)


def parse_token_numbers(payload: object, nested: str = "") -> dict[str, Decimal]:
    """``{"<token_id>": 0.5, ...}`` (``/midpoints``), optionally nested under
    ``nested`` (``{"spreads": {...}}``)."""
    data = _mapping(payload, nested or "token map")
    if nested and nested in data:
        data = _mapping(data[nested], nested)
    return {
        str(token): parse_decimal(value, token)
        for token, value in data.items()
        if value not in (None, "")
    }


def parse_prices(payload: object) -> dict[str, dict[Side, Decimal]]:
    """``POST /prices`` → ``{"<token_id>": {"BUY": 0.5, "SELL": 0.6}}``."""
    result: dict[str, dict[Side, Decimal]] = {}
    for token, sides in _mapping(payload, "prices").items():
        per_side: dict[Side, Decimal] = {}
        for side, value in _mapping(sides, f"prices[{token}]").items():
            parsed_side = _side(side, "side")
            if parsed_side is not None and value not in (None, ""):
                per_side[parsed_side] = parse_decimal(value, f"{token}.{side}")
        result[str(token)] = per_side
    return result


def parse_last_trade_price(payload: object, token_id: str = "") -> LastTradePrice:
    """``{"price": 0.12, "side": "BUY"}`` (or a ``/last-trades-prices`` row
    that names its ``token_id``)."""
    row = _mapping(payload, "last trade price")
    return LastTradePrice(
        token_id=_text(row, "token_id", "asset_id") or token_id,
        price=_num(row, "price"),
        side=_side(_get(row, "side"), "side"),
    )


def parse_last_trades_prices(payload: object) -> list[LastTradePrice]:
    return [parse_last_trade_price(row) for row in _list(payload, "last-trades-prices")]


def parse_tick_size(payload: object) -> Decimal:
    """``{"minimum_tick_size": "0.01"}`` (string or number)."""
    value = _num(_mapping(payload, "tick-size"), "minimum_tick_size")
    if value is None or value <= 0:
        raise _fail("field 'minimum_tick_size': missing or not positive")
    return value


def parse_neg_risk(payload: object) -> bool:
    data = _mapping(payload, "neg-risk")
    if _get(data, "neg_risk") is None:
        raise _fail("missing field 'neg_risk'")
    return _flag(data, "neg_risk")


def parse_fee_rate(payload: object) -> int:
    """``{"base_fee": <bps>}``; a missing or null fee is 0."""
    return _int(_mapping(payload, "fee-rate"), "base_fee") or 0


def parse_server_time(payload: object) -> datetime:
    """``GET /time``: bare unix seconds, or ``{"time": …}`` / ``{"timestamp": …}``."""
    if isinstance(payload, Mapping):
        payload = _required(payload, "time", "timestamp")
    if isinstance(payload, str | int | float | Decimal) and not isinstance(
        payload, bool
    ):
        return parse_timestamp(payload, "time")
    raise _fail(f"time: unexpected {type(payload).__name__}")


def parse_version(payload: object) -> int:
    """``GET /version`` → ``{"version": 2}``."""
    version = _int(_mapping(payload, "version"), "version")
    if version is None:
        raise _fail("missing field 'version'")
    return version


def parse_cursor_page(payload: object) -> tuple[list[Any], str | None]:
    """A CLOB cursor page ``{data, next_cursor, limit, count}``; the cursor is
    ``None`` at the end (``"LTE="``, empty or missing)."""
    page = _mapping(payload, "page")
    rows = _list(_get(page, "data") or [], "data")
    cursor = _get(page, "next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise _fail("field 'next_cursor': expected a string")
    if not cursor or cursor == END_CURSOR:
        return rows, None
    return rows, cursor


# --- CLOB trading -----------------------------------------------------------------


def parse_post_order_result(payload: object) -> PostOrderResult:
    """One ``POST /order`` answer (or one element of ``POST /orders``).

    ``makingAmount``/``takingAmount`` are kept as sent ("" → 0); the venue
    writes them in token units on matches and leaves them empty on rests."""
    row = _mapping(payload, "order response")
    error_msg = _text(row, "errorMsg", "error_msg", "error")
    order_id = _text(row, "orderID", "orderId", "order_id", "id")
    success_raw = _get(row, "success")
    success = (
        _flag(row, "success")
        if success_raw is not None
        else bool(order_id and not error_msg)
    )
    return PostOrderResult(
        success=success,
        order_id=order_id,
        status=_text(row, "status").lower(),
        making_amount=_num0(row, "makingAmount", "making_amount"),
        taking_amount=_num0(row, "takingAmount", "taking_amount"),
        trade_ids=_str_items(
            _list(_get(row, "tradeIDs", "tradeIds", "trade_ids") or [], "tradeIDs"),
            "tradeIDs",
        ),
        transaction_hashes=_str_items(
            _list(
                _get(row, "transactionsHashes", "transactionHashes") or [],
                "transactionsHashes",
            ),
            "transactionsHashes",
        ),
        error_msg=error_msg,
    )


def parse_cancel_result(payload: object) -> CancelResult:
    """``{"canceled": [...], "not_canceled": {order_id: reason}}``."""
    data = _mapping(payload, "cancel response")
    canceled = _str_items(_list(_get(data, "canceled") or [], "canceled"), "canceled")
    not_canceled = {
        str(order_id): str(reason)
        for order_id, reason in _mapping(
            _get(data, "not_canceled") or {}, "not_canceled"
        ).items()
    }
    return CancelResult(canceled=canceled, not_canceled=not_canceled)


def parse_balance_allowance(payload: object) -> BalanceAllowance:
    """``{"balance": base units, "allowances": {spender: base units}}`` →
    pUSD / shares (÷ 10**6, exact)."""
    data = _mapping(payload, "balance-allowance")
    allowances_raw = _get(data, "allowances")
    if allowances_raw is None and _get(data, "allowance") is not None:
        # The V1 answer had one unnamed allowance.
        allowances_raw = {"": data["allowance"]}
    allowances = {
        str(spender): _base_units(amount, f"allowances[{spender}]")
        for spender, amount in _mapping(allowances_raw or {}, "allowances").items()
    }
    return BalanceAllowance(
        balance=_base_units(_required(data, "balance"), "balance"),
        allowances=allowances,
    )


# --- Data API ------------------------------------------------------------------


def parse_data_page(payload: object) -> tuple[list[Any], str | None]:
    """A Data API page: v2 ``{"data": [...], "pagination": {"has_more",
    "next_cursor"}}`` (``data: null`` means none) or a v1 bare array."""
    if isinstance(payload, list):
        return payload, None
    page = _mapping(payload, "data page")
    rows = _list(_get(page, "data") or [], "data")
    pagination = _get(page, "pagination")
    if pagination is None:
        return rows, None
    pagination = _mapping(pagination, "pagination")
    cursor = _get(pagination, "next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise _fail("field 'next_cursor': expected a string")
    if not cursor or not _flag(pagination, "has_more", default=True):
        return rows, None
    return rows, cursor


def parse_data_position(obj: object) -> DataPosition:
    """A v2 (snake_case) or v1 (camelCase) position row."""
    row = _mapping(obj, "position")
    return DataPosition(
        proxy_wallet=_text(row, "proxy_wallet", "proxyWallet"),
        token_id=_text(row, "token_id", "asset", required=True),
        condition_id=_text(row, "condition_id", "conditionId"),
        size=parse_decimal(_required(row, "current_size", "size"), "size"),
        avg_price=_num0(row, "avg_price", "avgPrice"),
        current_price=_num(row, "current_price", "curPrice"),
        current_value=_num(row, "current_value", "currentValue"),
        realized_pnl=_num(row, "realized_pnl", "realizedPnl"),
        # v1's cashPnl is the open position's mark-to-market P&L.
        unrealized_pnl=_num(row, "unrealized_pnl", "cashPnl"),
        redeemable=_flag(row, "redeemable"),
        mergeable=_flag(row, "mergeable"),
        negative_risk=_flag(row, "negative_risk", "negativeRisk"),
        outcome=_text(row, "outcome"),
        outcome_index=_int(row, "outcome_index", "outcomeIndex"),
        title=_text(row, "title"),
        slug=_text(row, "slug"),
        end_date=_when(row, "end_date", "endDate"),
        # v1 rows carry no status.
        status=_text(row, "status").upper(),
    )


def parse_data_trade(obj: object) -> DataTrade:
    row = _mapping(obj, "trade")
    return DataTrade(
        proxy_wallet=_text(row, "proxy_wallet", "proxyWallet"),
        side=_required_side(row, "side"),
        token_id=_text(row, "token_id", "asset", required=True),
        condition_id=_text(row, "condition_id", "conditionId"),
        size=parse_decimal(_required(row, "size"), "size"),
        price=parse_decimal(_required(row, "price"), "price"),
        timestamp=parse_timestamp(_required(row, "timestamp"), "timestamp"),
        transaction_hash=_text(row, "transaction_hash", "transactionHash"),
        outcome=_text(row, "outcome"),
        title=_text(row, "title"),
    )


def parse_data_activity(obj: object) -> DataActivity:
    row = _mapping(obj, "activity")
    return DataActivity(
        proxy_wallet=_text(row, "proxy_wallet", "proxyWallet"),
        type=_text(row, "type", required=True).upper(),
        timestamp=parse_timestamp(_required(row, "timestamp"), "timestamp"),
        condition_id=_text(row, "condition_id", "conditionId"),
        token_id=_text(row, "token_id", "asset"),
        size=_num(row, "size"),
        usdc_size=_num(row, "usdc_size", "usdcSize"),
        price=_num(row, "price"),
        side=_side(_get(row, "side"), "side"),
        transaction_hash=_text(row, "transaction_hash", "transactionHash"),
    )


def parse_data_value(payload: object, user: str = "") -> DataValue:
    """v2 ``{"data": {"proxy_wallet", "value"}}`` (or the bare object) or v1
    ``[{"user", "value"}]``. No row (``data: null``, ``[]``) is a value of 0."""
    if isinstance(payload, Mapping) and "data" in payload:
        payload = payload["data"]
    if isinstance(payload, list):
        payload = payload[0] if payload else None
    if payload is None:
        return DataValue(user=user, value=Decimal(0))
    row = _mapping(payload, "value")
    return DataValue(
        user=_text(row, "proxy_wallet", "user") or user,
        value=parse_decimal(_required(row, "value"), "value"),
    )
