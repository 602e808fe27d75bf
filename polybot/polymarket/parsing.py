"""Venue JSON → typed models (STYLE R13), shared by REST and WebSocket clients.

Two levels of failure, kept apart on purpose:

* A *frame* that is not JSON at all (garbage bytes, truncated text, a bare
  scalar) raises ``PolymarketParseError``: the caller cannot tell what it
  missed, so it should treat the connection as suspect.
* An *object* inside a valid frame that lacks a field or has a wrong type is
  skipped and counted in ``ParseStats`` (``skipped_malformed`` plus a short
  reason in ``errors``); an unknown ``event_type`` is skipped and counted in
  ``skipped_unknown``. One odd object must not cost us the rest of a batch.

The ``parse_*`` functions for single objects (``parse_book_snapshot``,
``parse_trade``, ``parse_open_order``) raise ``PolymarketParseError`` on a
malformed object, which is what the REST clients want. Nothing here raises
any other exception type.

Numbers: the venue writes prices and sizes as strings (".48", "0.5", "200"),
sometimes as JSON numbers; both become ``Decimal`` without a float round trip.
Times: unix seconds or milliseconds, as string or number, become aware UTC.

Market-channel frames first try a typed fast path (msgspec decoding straight
into the models, see "the hot path" below); it accepts a subset of what the
validated path accepts, gives exactly the same events for it, and hands every
other frame to the validated path, so the rules above hold either way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

import msgspec

from polybot.lib.jsonsafe import nesting_exceeds
from polybot.polymarket import bookcore
from polybot.polymarket.errors import PolymarketParseError
from polybot.polymarket.models import (
    BestBidAskEvent,
    BookEvent,
    BookSnapshot,
    EventMessage,
    LastTradePriceEvent,
    MakerOrderFill,
    MarketEvent,
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
    UserEvent,
    UserOrderEvent,
    UserTradeEvent,
)

__all__ = [
    "parse_book_snapshot",
    "parse_decimal",
    "parse_market_message",
    "parse_open_order",
    "parse_timestamp",
    "parse_trade",
    "parse_user_message",
]

# Keepalive frames are plain text, not JSON; the ws client tracks them itself.
_KEEPALIVE_FRAMES = frozenset({"PING", "PONG"})
# ParseStats lives as long as a connection; keep its error list bounded.
_MAX_ERRORS = 100
# Unix times above this are milliseconds (1e11 seconds is the year 5138).
_MS_THRESHOLD = Decimal("1e11")
# 9999-12-31: anything later is garbage, and bounding it keeps int() cheap.
_MAX_UNIX_SECONDS = Decimal(253402300799)
# No market holds a quadrillion shares; a bound keeps book sums from overflowing.
_MAX_SIZE = Decimal("1e15")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MISSING: Any = object()
_T = TypeVar("_T")


# --- field helpers ---------------------------------------------------------------


def _fail(message: str) -> PolymarketParseError:
    return PolymarketParseError(message)


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(f"{what}: expected an object, got {type(value).__name__}")
    return value


def _get(obj: Mapping[str, Any], *keys: str, default: Any = _MISSING) -> Any:
    """The first of ``keys`` present and not null (the venue renamed some
    fields, e.g. ``matchtime`` → ``match_time``)."""
    for key in keys:
        value = obj.get(key)
        if value is not None:
            return value
    if default is _MISSING:
        raise _fail(f"missing field {keys[0]!r}")
    return default


def _str(obj: Mapping[str, Any], *keys: str, default: str | None = None) -> str:
    value = _get(obj, *keys, default=_MISSING if default is None else default)
    # Ids sometimes arrive as JSON numbers (Gamma ids, event ids); they are
    # still identifiers, so keep them as text. Booleans are never ids.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _fail(f"field {keys[0]!r}: expected a string, got {type(value).__name__}")
    return str(value)


def parse_decimal(value: object, field: str = "value") -> Decimal:
    """A venue number (".48", "200", 0.5, 3) as a finite ``Decimal``.

    Raises ``PolymarketParseError`` for anything else (bools, "", "abc", NaN)."""
    if isinstance(value, bool):
        raise _fail(f"field {field!r}: expected a number, got bool")
    try:
        if isinstance(value, Decimal):
            result = value
        elif isinstance(value, int):
            result = Decimal(value)
        elif isinstance(value, float):
            # repr gives the shortest round-tripping text: 0.1 → "0.1", not 0.1000…055.
            result = Decimal(repr(value))
        elif isinstance(value, str):
            result = Decimal(value.strip())
        else:
            raise _fail(
                f"field {field!r}: expected a number, got {type(value).__name__}"
            )
    except InvalidOperation:
        raise _fail(f"field {field!r}: not a number: {str(value)[:40]!r}") from None
    if not result.is_finite():
        raise _fail(f"field {field!r}: not finite: {value!r}")
    return result


def _dec(obj: Mapping[str, Any], *keys: str) -> Decimal:
    return parse_decimal(_get(obj, *keys), keys[0])


def _opt_dec(obj: Mapping[str, Any], *keys: str) -> Decimal | None:
    # "" is how the venue says "no value" in a few places (e.g. last_trade_price).
    value = _get(obj, *keys, default=None)
    if value is None or value == "":
        return None
    return parse_decimal(value, keys[0])


def _price(obj: Mapping[str, Any], *keys: str) -> Decimal:
    value = _dec(obj, *keys)
    if not Decimal(0) <= value <= Decimal(1):
        raise _fail(f"field {keys[0]!r}: price {value} outside [0, 1]")
    return value


def _opt_price(obj: Mapping[str, Any], *keys: str) -> Decimal | None:
    value = _opt_dec(obj, *keys)
    if value is not None and not Decimal(0) <= value <= Decimal(1):
        raise _fail(f"field {keys[0]!r}: price {value} outside [0, 1]")
    return value


def _check_size(value: Decimal, field: str) -> Decimal:
    if value < 0:
        raise _fail(f"field {field!r}: negative size {value}")
    if value > _MAX_SIZE:
        raise _fail(f"field {field!r}: implausible size {value}")
    return value


def _size(obj: Mapping[str, Any], *keys: str) -> Decimal:
    return _check_size(_dec(obj, *keys), keys[0])


def _opt_size(obj: Mapping[str, Any], *keys: str) -> Decimal | None:
    value = _opt_dec(obj, *keys)
    return None if value is None else _check_size(value, keys[0])


def parse_timestamp(value: object, field: str = "timestamp") -> datetime:
    """Unix seconds or milliseconds (string or number) → aware UTC ``datetime``.

    Milliseconds are told apart by magnitude. ISO 8601 text is accepted too;
    a naive one is taken as UTC. Raises ``PolymarketParseError`` otherwise."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        number = parse_decimal(value, field)
    except PolymarketParseError:
        if not isinstance(value, str):
            raise
        return _parse_iso(value, field)
    if number < 0:
        raise _fail(f"field {field!r}: negative time {number}")
    if number > _MS_THRESHOLD:
        number /= 1000
    if number > _MAX_UNIX_SECONDS:
        raise _fail(f"field {field!r}: time out of range: {str(value)[:40]!r}")
    # Integer arithmetic on Decimal keeps milliseconds exact (a float would
    # turn .958 into .957999).
    whole = int(number)
    micros = int((number - whole) * 1_000_000)
    return _EPOCH + timedelta(seconds=whole, microseconds=micros)


def _parse_iso(text: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"field {field!r}: not a time: {text[:40]!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _time(obj: Mapping[str, Any], *keys: str) -> datetime:
    return parse_timestamp(_get(obj, *keys), keys[0])


def _opt_time(obj: Mapping[str, Any], *keys: str) -> datetime | None:
    value = _get(obj, *keys, default=None)
    # "0" means "no such time" for expirations; "" appears in some REST rows.
    if value is None or value == "" or value == "0" or value == 0:
        return None
    return parse_timestamp(value, keys[0])


def _side(obj: Mapping[str, Any], *keys: str) -> Side:
    value = _get(obj, *keys)
    if not isinstance(value, str):
        raise _fail(f"field {keys[0]!r}: expected BUY/SELL, got {type(value).__name__}")
    try:
        # REST /data/orders writes "buy"; everything else writes "BUY".
        return Side(value.strip().upper())
    except ValueError:
        raise _fail(f"field {keys[0]!r}: unknown side {value[:20]!r}") from None


def _opt_side(obj: Mapping[str, Any], *keys: str) -> Side | None:
    if _get(obj, *keys, default=None) in (None, ""):
        return None
    return _side(obj, *keys)


def _bool(obj: Mapping[str, Any], *keys: str) -> bool | None:
    value = _get(obj, *keys, default=None)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _fail(f"field {keys[0]!r}: expected a boolean, got {value!r}"[:120])


def _list(obj: Mapping[str, Any], *keys: str, required: bool = True) -> list[Any]:
    value = _get(obj, *keys, default=_MISSING if required else [])
    if not isinstance(value, list):
        raise _fail(f"field {keys[0]!r}: expected a list, got {type(value).__name__}")
    return value


def _str_tuple(obj: Mapping[str, Any], *keys: str) -> tuple[str, ...]:
    value = _get(obj, *keys, default=[])
    # Gamma-style JSON-encoded lists ('["Yes","No"]') may show up in custom events.
    items = _decode_json_list(value, keys[0]) if isinstance(value, str) else value
    if not isinstance(items, list):
        raise _fail(f"field {keys[0]!r}: expected a list, got {type(items).__name__}")
    result: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise _fail(f"field {keys[0]!r}: expected strings in the list")
        result.append(str(item))
    return tuple(result)


def _decode_json_list(text: str, field: str) -> list[Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise _fail(f"field {field!r}: not a list") from None
    if not isinstance(value, list):
        raise _fail(f"field {field!r}: not a list")
    return value


def _levels(obj: Mapping[str, Any], key: str) -> tuple[PriceLevel, ...]:
    levels: list[PriceLevel] = []
    for index, raw in enumerate(_list(obj, key, required=False)):
        level = _mapping(raw, f"{key}[{index}]")
        levels.append(
            PriceLevel(price=_price(level, "price"), size=_size(level, "size"))
        )
    return tuple(levels)


# --- single objects (shared with REST) ----------------------------------------------


def _parse_book_snapshot(obj: object) -> BookSnapshot:
    # Zero-size levels are kept as sent; the book drops them.
    book = _mapping(obj, "book")
    return BookSnapshot(
        asset_id=_str(book, "asset_id"),
        market=_str(book, "market", default=""),
        bids=_levels(book, "bids"),
        asks=_levels(book, "asks"),
        timestamp=_time(book, "timestamp"),
        hash=_str(book, "hash", default=""),
        tick_size=_opt_dec(book, "tick_size", "minimum_tick_size"),
        min_order_size=_opt_dec(book, "min_order_size", "minimum_order_size"),
        neg_risk=_bool(book, "neg_risk"),
        last_trade_price=_opt_price(book, "last_trade_price"),
    )


def _parse_maker_order(obj: object) -> MakerOrderFill:
    fill = _mapping(obj, "maker_orders[]")
    return MakerOrderFill(
        order_id=_str(fill, "order_id"),
        owner=_str(fill, "owner", default=""),
        maker_address=_str(fill, "maker_address", default=""),
        matched_amount=_size(fill, "matched_amount"),
        price=_price(fill, "price"),
        fee_rate_bps=_opt_dec(fill, "fee_rate_bps") or Decimal(0),
        asset_id=_str(fill, "asset_id", default=""),
        outcome=_str(fill, "outcome", default=""),
        side=_opt_side(fill, "side"),
    )


def _trade_status(obj: Mapping[str, Any]) -> TradeStatus:
    value = _str(obj, "status")
    try:
        return TradeStatus(value.strip().upper())
    except ValueError:
        raise _fail(f"field 'status': unknown trade status {value[:20]!r}") from None


def _parse_trade(obj: object) -> Trade:
    """REST ``/data/trades`` row or user-channel ``trade`` → ``Trade``.

    Older docs name the match time ``matchtime``; ``trader_side`` and
    ``fee_rate_bps`` may be missing (then "" and 0)."""
    trade = _mapping(obj, "trade")
    bucket = _get(trade, "bucket_index", default=None)
    if isinstance(bucket, str) and bucket.strip().isdigit() and len(bucket) < 10:
        bucket = int(bucket)
    if bucket is not None and (isinstance(bucket, bool) or not isinstance(bucket, int)):
        raise _fail(f"field 'bucket_index': expected an integer, got {bucket!r}"[:120])
    return Trade(
        id=_str(trade, "id"),
        taker_order_id=_str(trade, "taker_order_id", default=""),
        market=_str(trade, "market"),
        asset_id=_str(trade, "asset_id"),
        side=_side(trade, "side"),
        size=_size(trade, "size"),
        price=_price(trade, "price"),
        fee_rate_bps=_opt_dec(trade, "fee_rate_bps") or Decimal(0),
        status=_trade_status(trade),
        match_time=_opt_time(trade, "match_time", "matchtime"),
        last_update=_opt_time(trade, "last_update"),
        outcome=_str(trade, "outcome", default=""),
        owner=_str(trade, "owner", "trade_owner", default=""),
        maker_address=_str(trade, "maker_address", default=""),
        transaction_hash=_str(trade, "transaction_hash", default=""),
        trader_side=_str(trade, "trader_side", default="").upper(),
        bucket_index=bucket,
        maker_orders=tuple(
            _parse_maker_order(m) for m in _list(trade, "maker_orders", required=False)
        ),
    )


def _parse_open_order(obj: object) -> OpenOrder:
    """REST ``/data/orders`` row or user-channel ``order`` → ``OpenOrder``.

    ``side`` may be lower case, ``created_at`` an int, ``associate_trades``
    null; the WS example has no ``status`` (then "")."""
    order = _mapping(obj, "order")
    return OpenOrder(
        id=_str(order, "id"),
        status=_str(order, "status", default="").upper(),
        owner=_str(order, "owner", "order_owner", default=""),
        maker_address=_str(order, "maker_address", default=""),
        market=_str(order, "market"),
        asset_id=_str(order, "asset_id"),
        side=_side(order, "side"),
        original_size=_size(order, "original_size"),
        size_matched=_opt_size(order, "size_matched") or Decimal(0),
        price=_price(order, "price"),
        associate_trades=_str_tuple(order, "associate_trades"),
        outcome=_str(order, "outcome", default=""),
        created_at=_opt_time(order, "created_at"),
        expiration=_opt_time(order, "expiration"),
        order_type=_str(order, "order_type", default="").upper(),
    )


_UNFORESEEN = (ValueError, TypeError, ArithmeticError, AttributeError, RecursionError)


def _guarded(parse: Callable[[object], _T], obj: object, what: str) -> _T:
    """Run a parser so that only ``PolymarketParseError`` can leave it.

    The helpers already raise it for every shape we know of; this catches the
    shapes we did not foresee, so callers need one ``except`` clause only."""
    try:
        return parse(obj)
    except PolymarketParseError:
        raise
    except _UNFORESEEN as exc:
        raise _fail(f"{what}: {exc.__class__.__name__}: {exc}"[:200]) from exc


def parse_book_snapshot(obj: object) -> BookSnapshot:
    """REST ``/book`` or WebSocket ``book`` → ``BookSnapshot``.

    Levels are kept in the order sent (``book.py`` sorts); ``tick_size``,
    ``min_order_size``, ``neg_risk``, ``last_trade_price`` are optional.
    Raises ``PolymarketParseError`` if the shape is wrong, nothing else."""
    return _guarded(_parse_book_snapshot, obj, "book")


def parse_trade(obj: object) -> Trade:
    """REST ``/data/trades`` row or user-channel ``trade`` → ``Trade``.

    Raises ``PolymarketParseError`` if the shape is wrong, nothing else."""
    return _guarded(_parse_trade, obj, "trade")


def parse_open_order(obj: object) -> OpenOrder:
    """REST ``/data/orders`` row or user-channel ``order`` → ``OpenOrder``.

    Raises ``PolymarketParseError`` if the shape is wrong, nothing else."""
    return _guarded(_parse_open_order, obj, "order")


# --- market channel ---------------------------------------------------------------


def _parse_book_event(obj: Mapping[str, Any]) -> BookEvent:
    return BookEvent(snapshot=_parse_book_snapshot(obj))


def _parse_price_change(
    change: Mapping[str, Any], *, asset_id: str = "", hash_: str = ""
) -> PriceChange:
    return PriceChange(
        # Old-schema changes inherit the event's asset; new ones carry their own.
        asset_id=_str(change, "asset_id", default=asset_id or None),
        price=_price(change, "price"),
        size=_size(change, "size"),
        side=_side(change, "side"),
        hash=_str(change, "hash", default=hash_),
        best_bid=_opt_price(change, "best_bid"),
        best_ask=_opt_price(change, "best_ask"),
    )


def _parse_price_change_event(obj: Mapping[str, Any]) -> PriceChangeEvent:
    # One bad change invalidates the whole event: applying half of it would
    # leave a book silently wrong, while skipping it shows up in the counters
    # and in the next best_bid/best_ask check.
    if "price_changes" in obj:
        raw = _list(obj, "price_changes")
        changes = tuple(
            _parse_price_change(_mapping(c, f"price_changes[{i}]"))
            for i, c in enumerate(raw)
        )
    else:
        # The pre-2025-09-15 schema: one asset per event, no venue top of book.
        asset_id = _str(obj, "asset_id")
        hash_ = _str(obj, "hash", default="")
        changes = tuple(
            _parse_price_change(
                _mapping(c, f"changes[{i}]"), asset_id=asset_id, hash_=hash_
            )
            for i, c in enumerate(_list(obj, "changes"))
        )
    return PriceChangeEvent(
        market=_str(obj, "market", default=""),
        changes=changes,
        timestamp=_time(obj, "timestamp"),
    )


def _parse_tick_size_change(obj: Mapping[str, Any]) -> TickSizeChangeEvent:
    return TickSizeChangeEvent(
        asset_id=_str(obj, "asset_id"),
        market=_str(obj, "market", default=""),
        old_tick_size=_dec(obj, "old_tick_size"),
        new_tick_size=_dec(obj, "new_tick_size"),
        timestamp=_time(obj, "timestamp"),
    )


def _parse_last_trade_price(obj: Mapping[str, Any]) -> LastTradePriceEvent:
    return LastTradePriceEvent(
        asset_id=_str(obj, "asset_id"),
        market=_str(obj, "market", default=""),
        price=_price(obj, "price"),
        side=_opt_side(obj, "side"),
        size=_size(obj, "size"),
        fee_rate_bps=_opt_dec(obj, "fee_rate_bps") or Decimal(0),
        timestamp=_time(obj, "timestamp"),
        transaction_hash=_str(obj, "transaction_hash", default=""),
    )


def _parse_best_bid_ask(obj: Mapping[str, Any]) -> BestBidAskEvent:
    return BestBidAskEvent(
        asset_id=_str(obj, "asset_id"),
        market=_str(obj, "market", default=""),
        best_bid=_opt_price(obj, "best_bid"),
        best_ask=_opt_price(obj, "best_ask"),
        spread=_opt_dec(obj, "spread"),
        timestamp=_time(obj, "timestamp"),
    )


def _parse_event_message(obj: Mapping[str, Any]) -> EventMessage | None:
    raw = _get(obj, "event_message", default=None)
    if raw is None:
        return None
    event = _mapping(raw, "event_message")
    return EventMessage(
        id=_str(event, "id", default=""),
        ticker=_str(event, "ticker", default=""),
        slug=_str(event, "slug", default=""),
        title=_str(event, "title", default=""),
        description=_str(event, "description", default=""),
    )


def _asset_ids(obj: Mapping[str, Any]) -> tuple[str, ...]:
    # The docs write "assets_ids"; the SDK model also knows "asset_ids" and
    # "clob_token_ids".
    return _str_tuple(obj, "assets_ids", "asset_ids", "clob_token_ids")


def _tags(obj: Mapping[str, Any]) -> tuple[str, ...]:
    tags: list[str] = []
    for tag in _list(obj, "tags", required=False):
        if isinstance(tag, str):
            tags.append(tag)
        elif isinstance(tag, Mapping):
            # Gamma-shaped tags are objects; their label is what people read.
            tags.append(_str(tag, "label", "slug", default=""))
    return tuple(t for t in tags if t)


def _parse_new_market(obj: Mapping[str, Any]) -> NewMarketEvent:
    return NewMarketEvent(
        id=_str(obj, "id"),
        question=_str(obj, "question", default=""),
        market=_str(obj, "market"),
        slug=_str(obj, "slug", default=""),
        description=_str(obj, "description", default=""),
        asset_ids=_asset_ids(obj),
        outcomes=_str_tuple(obj, "outcomes"),
        event=_parse_event_message(obj),
        timestamp=_time(obj, "timestamp"),
        tick_size=_opt_dec(obj, "order_price_min_tick_size", "tick_size"),
        tags=_tags(obj),
    )


def _parse_market_resolved(obj: Mapping[str, Any]) -> MarketResolvedEvent:
    return MarketResolvedEvent(
        id=_str(obj, "id"),
        question=_str(obj, "question", default=""),
        market=_str(obj, "market"),
        slug=_str(obj, "slug", default=""),
        asset_ids=_asset_ids(obj),
        outcomes=_str_tuple(obj, "outcomes"),
        winning_asset_id=_str(obj, "winning_asset_id"),
        winning_outcome=_str(obj, "winning_outcome", default=""),
        event=_parse_event_message(obj),
        timestamp=_time(obj, "timestamp"),
    )


# --- the hot path ------------------------------------------------------------------
# Nearly every market-channel frame is a well-formed price_change, book or
# last_trade_price. msgspec decodes those into the frames below, which keep
# the venue's text; ``vet`` then checks every value the validated path would
# (prices in [0, 1], sizes, sides, times), and only a frame that passes is
# used: ``event()`` builds the typed event, and the stream applies the frame
# to its books with no event at all (``BookRegistry.apply_frame``), which is
# what makes it fast. The path is strictly narrower than the validated one:
# prices and sizes as text only (sizes of plain digits), upper-case sides,
# every documented field of a change present, no field it does not name.
# Anything else (an odd shape, a doubtful value, an unknown field or event
# type, a keepalive, garbage) sends the whole frame to the validated path,
# which decides and reports exactly as before.

_ZERO, _ONE = Decimal(0), Decimal(1)
# Above this, a unix time is milliseconds (see parse_timestamp).
_MS_ABOVE = 100_000_000_000
# The last millisecond parse_timestamp accepts: 9999-12-31T23:59:59.000Z.
_MAX_UNIX_MS = 253402300799 * 1000
# Building a timedelta costs several times adding one: whole seconds come
# from a small cache (a stream's times are close together), milliseconds
# from this table.
_MILLISECONDS = tuple(timedelta(milliseconds=ms) for ms in range(1000))
_UTC_SECONDS: dict[int, datetime] = {}
_UTC_SECONDS_MAX = 4096
# Sizes of at most this many integer digits (below _MAX_SIZE) and this many
# decimals are vetted here; others go to the validated path, which decides.
# 15 + 12 digits stay inside Decimal's 28-digit context, so a size kept as
# text and one added up as a Decimal (a repeated price in a snapshot) are
# exact either way.
_SIZE_DIGITS = len(str(int(_MAX_SIZE))) - 1
_SIZE_DECIMALS = 12
_SIDES = {"BUY": Side.BUY, "SELL": Side.SELL}


def _utc_second(seconds: int) -> datetime:
    moment = _UTC_SECONDS.get(seconds)
    if moment is None:
        if len(_UTC_SECONDS) >= _UTC_SECONDS_MAX:
            _UTC_SECONDS.clear()
        moment = _UTC_SECONDS[seconds] = _EPOCH + timedelta(seconds=seconds)
    return moment


def _fast_timestamp(value: str | int) -> datetime:
    """``parse_timestamp`` for the venue's usual whole milliseconds (or
    seconds), as text or integer, without the Decimal round trip; anything
    else goes to it. ``int()`` reads exactly the integer texts ``Decimal``
    reads (signs, spaces, underscores), so both give the same time."""
    try:
        number = int(value)
    except (ValueError, TypeError):
        return parse_timestamp(value)
    if _MS_ABOVE < number <= _MAX_UNIX_MS:
        seconds, milliseconds = divmod(number, 1000)
        return _utc_second(seconds) + _MILLISECONDS[milliseconds]
    if 0 <= number <= _MS_ABOVE:
        return _utc_second(number)
    return parse_timestamp(value)


def frame_timestamp(value: str | int) -> datetime:
    """The time a vetted frame carries (``MarketFrame.vet`` checked it)."""
    return _fast_timestamp(value)


def _timestamp_ok(value: str | int) -> bool:
    # The venue's usual form first: up to 13 ASCII digits is a time in
    # seconds or milliseconds that _fast_timestamp reads without fail.
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 13:
        return True
    try:
        _fast_timestamp(value)
    except PolymarketParseError:
        return False
    return True


class _DecimalCache:
    """Venue texts that name few distinct values (prices, tick sizes, fee
    rates) → their ``Decimal``, kept once read and vetted. The texts are
    the keys, so "0.50" and "0.5" stay apart, as the validated path keeps
    them. Full, it stops keeping new texts but still answers; long texts
    (a valid price may be written with any number of zeros) are never kept."""

    __slots__ = ("_accept", "values")
    MAX = 65536
    MAX_TEXT = 24

    def __init__(self, accept: Callable[[Decimal], bool]) -> None:
        self.values: dict[str, Decimal] = {}
        self._accept = accept

    def get(self, text: str) -> Decimal | None:
        """The value of ``text``, or None if it is not an acceptable number."""
        value = self.values.get(text)
        if value is not None:
            return value
        try:
            value = Decimal(text.strip())
            if not value.is_finite() or not self._accept(value):
                return None
        except (InvalidOperation, TypeError, AttributeError):
            return None
        if len(self.values) < self.MAX and len(text) <= self.MAX_TEXT:
            self.values[text] = value
        return value


# Prices in [0, 1]; other numbers only finite.
PRICES = _DecimalCache(lambda value: _ZERO <= value <= _ONE)
_NUMBERS = _DecimalCache(lambda value: True)
# The hot loop's prices are the ones vetted here.
bookcore.configure(PRICES.values, PRICES.get, _ZERO, _ONE)
_vet_changes = bookcore.vet_changes  # one global lookup per message, not two


def _price_ok(text: str | None) -> bool:
    return text is None or PRICES.get(text) is not None


def text_price(text: str | None) -> Decimal | None:
    return None if text is None else PRICES.get(text)


def _text_number(text: str | None) -> Decimal | None:
    return None if text is None else _NUMBERS.get(text)


def plain_size(text: str) -> bool:
    """A size as the venue writes it: ASCII digits and at most one dot,
    below ``_MAX_SIZE``, with at most ``_SIZE_DECIMALS`` decimals. Vetted
    so, it is zero exactly when nothing but zeros and the dot remain (what
    the book tests)."""
    if not text.isascii():  # O(1): CPython flags ASCII strings
        return False
    if text.isdigit():
        return len(text) <= _SIZE_DIGITS
    whole, _, decimals = text.partition(".")
    return (
        text.replace(".", "", 1).isdigit()
        and len(whole) <= _SIZE_DIGITS
        and len(decimals) <= _SIZE_DECIMALS
    )


class RawLevel(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    price: str
    size: str


class RawChange(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One change of a ``price_change`` frame, as text (see ``PriceChange``)."""

    asset_id: str
    price: str
    size: str
    side: Literal["BUY", "SELL"]  # checked by msgspec as it decodes
    hash: str
    best_bid: str | None
    best_ask: str | None


class MarketFrame(
    msgspec.Struct, tag_field="event_type", forbid_unknown_fields=True, gc=False
):
    """One market-channel object as the fast path decodes it: the venue's
    text, used only once ``vet`` passed. Not tracked by the garbage
    collector: a frame holds only immutable values and can never be part of
    a reference cycle.

    A field the fast path does not know sends the frame to the validated
    path (which ignores it): skipping it here would mean walking nested data
    nobody vetted, and the validated path's depth guard exists for exactly
    that. The venue's documented frames carry nothing else."""

    # The interface every frame below implements (the decoder only ever
    # builds those subclasses, so these bodies never run).

    def vet(self) -> bool:
        """Whether every value is one the validated path would accept."""
        raise NotImplementedError

    def event(self) -> MarketEvent:
        """The typed event; only for a frame that passed ``vet``."""
        raise NotImplementedError


class PriceChangeFrame(MarketFrame, tag="price_change", kw_only=True):
    market: str = ""
    # Only the 2025-09 schema; the old one (top-level asset_id and changes)
    # lacks this field and takes the validated path.
    price_changes: tuple[RawChange, ...]
    timestamp: str | int

    def vet(self) -> bool:
        # The compiled check accepts nearly every frame; the rest (a price
        # seen for the first time, an integer time) are checked here.
        return bookcore.vet_changes(self.price_changes, self.timestamp) or (
            self._vet_fully()
        )

    def _vet_fully(self) -> bool:
        for change in self.price_changes:
            bid, ask = change.best_bid, change.best_ask
            if not (
                _price_ok(change.price)
                and _price_ok(bid)
                and _price_ok(ask)
                and plain_size(change.size)
            ):
                return False
        return _timestamp_ok(self.timestamp)

    def event(self) -> PriceChangeEvent:
        changes = tuple(
            PriceChange(
                c.asset_id,
                PRICES.get(c.price),
                Decimal(c.size),
                _SIDES[c.side],
                c.hash,
                text_price(c.best_bid),
                text_price(c.best_ask),
            )  # fmt: skip
            for c in self.price_changes
        )
        return PriceChangeEvent(self.market, changes, _fast_timestamp(self.timestamp))  # type: ignore[arg-type]


class BookFrame(MarketFrame, tag="book", kw_only=True):
    asset_id: str
    market: str = ""
    bids: tuple[RawLevel, ...] = ()
    asks: tuple[RawLevel, ...] = ()
    timestamp: str | int
    hash: str = ""
    # The validated path reads the first of each pair that is not null.
    tick_size: str | None = None
    minimum_tick_size: str | None = None
    min_order_size: str | None = None
    minimum_order_size: str | None = None
    neg_risk: bool | None = None
    last_trade_price: str | None = None

    @property
    def tick(self) -> str | None:
        return self.tick_size if self.tick_size is not None else self.minimum_tick_size

    @property
    def min_size(self) -> str | None:
        size = self.min_order_size
        return size if size is not None else self.minimum_order_size

    def vet(self) -> bool:
        for levels in (self.bids, self.asks):
            # As in PriceChangeFrame.vet: the compiled check first.
            if not bookcore.vet_levels(levels) and not all(
                _price_ok(level.price) and plain_size(level.size) for level in levels
            ):
                return False
        tick, min_size = self.tick, self.min_size
        return (
            (tick is None or _text_number(tick) is not None)
            and (min_size is None or _text_number(min_size) is not None)
            and _price_ok(self.last_trade_price)
            and _timestamp_ok(self.timestamp)
        )

    def values(self) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        """Its tick size, minimum order size and last trade price."""
        return (
            _text_number(self.tick),
            _text_number(self.min_size),
            text_price(self.last_trade_price),
        )

    def levels(self, side: tuple[RawLevel, ...]) -> tuple[PriceLevel, ...]:
        return tuple(PriceLevel(PRICES.get(l.price), Decimal(l.size)) for l in side)  # type: ignore[arg-type]  # noqa: E741

    def event(self) -> BookEvent:
        tick, min_size, last_trade = self.values()
        snapshot = BookSnapshot(
            self.asset_id, self.market, self.levels(self.bids), self.levels(self.asks),
            _fast_timestamp(self.timestamp), self.hash, tick, min_size, self.neg_risk,
            last_trade,
        )  # fmt: skip
        return BookEvent(snapshot)


class LastTradePriceFrame(MarketFrame, tag="last_trade_price", kw_only=True):
    asset_id: str
    market: str = ""
    price: str
    side: str | None = None
    size: str
    fee_rate_bps: str | None = None
    timestamp: str | int
    transaction_hash: str = ""

    def vet(self) -> bool:
        price, size, timestamp, fee = (
            self.price, self.size, self.timestamp, self.fee_rate_bps
        )  # fmt: skip
        return (
            # The compiled check first, as for a price change.
            (
                bookcore.vet_trade(price, size, timestamp)
                or (_price_ok(price) and plain_size(size) and _timestamp_ok(timestamp))
            )
            and (self.side is None or self.side in _SIDES)
            and (fee is None or fee in _NUMBERS.values or _text_number(fee) is not None)
        )

    def event(self) -> LastTradePriceEvent:
        side = None if self.side is None else _SIDES[self.side]
        return LastTradePriceEvent(
            self.asset_id, self.market, PRICES.get(self.price), side,  # type: ignore[arg-type]
            Decimal(self.size), _text_number(self.fee_rate_bps) or _ZERO,
            _fast_timestamp(self.timestamp), self.transaction_hash,
        )  # fmt: skip


class BestBidAskFrame(MarketFrame, tag="best_bid_ask", kw_only=True):
    asset_id: str
    market: str = ""
    best_bid: str | None = None
    best_ask: str | None = None
    spread: str | None = None
    timestamp: str | int

    def vet(self) -> bool:
        return (
            _price_ok(self.best_bid)
            and _price_ok(self.best_ask)
            and (self.spread is None or _text_number(self.spread) is not None)
            and _timestamp_ok(self.timestamp)
        )

    def event(self) -> BestBidAskEvent:
        return BestBidAskEvent(
            self.asset_id, self.market, text_price(self.best_bid), text_price(self.best_ask),
            _text_number(self.spread), _fast_timestamp(self.timestamp),
        )  # fmt: skip


class TickSizeChangeFrame(MarketFrame, tag="tick_size_change", kw_only=True):
    asset_id: str
    market: str = ""
    old_tick_size: str
    new_tick_size: str
    timestamp: str | int

    def vet(self) -> bool:
        return (
            _text_number(self.old_tick_size) is not None
            and _text_number(self.new_tick_size) is not None
            and _timestamp_ok(self.timestamp)
        )

    def event(self) -> TickSizeChangeEvent:
        return TickSizeChangeEvent(
            self.asset_id, self.market, _text_number(self.old_tick_size),  # type: ignore[arg-type]
            _text_number(self.new_tick_size), _fast_timestamp(self.timestamp),  # type: ignore[arg-type]
        )  # fmt: skip


_AnyFrame = (
    PriceChangeFrame
    | BookFrame
    | LastTradePriceFrame
    | BestBidAskFrame
    | TickSizeChangeFrame
)
_FAST_ONE = msgspec.json.Decoder(_AnyFrame)
# The venue writes a price change's event_type last, where the union decoder
# has to look ahead for it (about 40 % slower); the frame's own decoder reads
# it in place. That decoder would also take a frame with no event_type at
# all, so it is used only when the text ends with the event named as the
# venue writes it (one comparison of the last characters); anything else
# takes the union decoder, which finds the tag wherever it is.
_PRICE_CHANGE_ONE = msgspec.json.Decoder(PriceChangeFrame)
_PRICE_CHANGE_ENDS = ('"event_type":"price_change"}', '"event_type": "price_change"}')
# For the compiled path that takes a price change's or a last trade's text
# whole (BookRegistry.text_ingester), which checks those ends (and the last
# trade's tag) itself, and the fee texts already vetted.
PRICE_CHANGE_DECODE = _PRICE_CHANGE_ONE.decode
FRAME_DECODE = _FAST_ONE.decode
VETTED_NUMBERS = _NUMBERS.values


def _decoder_for(raw: str) -> msgspec.json.Decoder[Any]:
    return _PRICE_CHANGE_ONE if raw.endswith(_PRICE_CHANGE_ENDS) else _FAST_ONE


_FAST_MANY = msgspec.json.Decoder(list[_AnyFrame])
# What decoding raises for a frame it cannot vouch for: a msgspec error for
# any shape or type it does not expect.
_DEFER = (msgspec.MsgspecError, ValueError, TypeError, RecursionError)


def market_frames(raw: str | bytes | bytearray) -> list[MarketFrame] | None:
    """The frame's objects, vetted, through the fast path; ``None`` to send
    the frame to the validated path (``parse_market_message``)."""
    if type(raw) is not str:
        if not isinstance(raw, bytes | bytearray):
            return None
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            return None
    # No depth guard needed: every field is known (forbid_unknown_fields) and
    # none nests, so msgspec fails at the first bracket the schema does not
    # expect instead of recursing into it.
    try:
        if raw[:1] != "[":
            frame = _decoder_for(raw).decode(raw)
            # A price change, most of the stream, vetted without the call.
            if type(frame) is PriceChangeFrame and bookcore.vet_changes(
                frame.price_changes, frame.timestamp
            ):
                return [frame]
            return [frame] if frame.vet() else None
        frames: list[MarketFrame] = _FAST_MANY.decode(raw)
    except _DEFER:
        return None
    for frame in frames:
        if not frame.vet():
            return None
    return frames


def _fast_market_events(raw: str | bytes | bytearray) -> list[MarketEvent] | None:
    """The frame's typed events through the fast path, or ``None``."""
    frames = market_frames(raw)
    return None if frames is None else [frame.event() for frame in frames]


_MARKET_PARSERS: dict[str, Callable[[Mapping[str, Any]], MarketEvent]] = {
    "book": _parse_book_event,
    "price_change": _parse_price_change_event,
    "tick_size_change": _parse_tick_size_change,
    "last_trade_price": _parse_last_trade_price,
    "best_bid_ask": _parse_best_bid_ask,
    "new_market": _parse_new_market,
    "market_resolved": _parse_market_resolved,
}


# --- user channel -----------------------------------------------------------------


def _parse_user_trade(obj: Mapping[str, Any]) -> UserTradeEvent:
    trade = _parse_trade(obj)
    # The event time is "timestamp"; fall back to the match time rather than
    # dropping a fill, which would be far worse than a slightly wrong clock.
    timestamp = _opt_time(obj, "timestamp") or trade.match_time or trade.last_update
    if timestamp is None:
        raise _fail("missing field 'timestamp'")
    return UserTradeEvent(trade=trade, timestamp=timestamp)


def _parse_user_order(obj: Mapping[str, Any]) -> UserOrderEvent:
    order = _parse_open_order(obj)
    timestamp = _opt_time(obj, "timestamp") or order.created_at
    if timestamp is None:
        raise _fail("missing field 'timestamp'")
    return UserOrderEvent(
        type=_str(obj, "type", default="").upper(), order=order, timestamp=timestamp
    )


_USER_PARSERS: dict[str, Callable[[Mapping[str, Any]], UserEvent]] = {
    "trade": _parse_user_trade,
    "order": _parse_user_order,
}


# --- frames -----------------------------------------------------------------------


def _decode_frame(raw: str | bytes | bytearray) -> list[Any]:
    """Raw frame → list of JSON values; ``[]`` for keepalive text frames."""
    if isinstance(raw, bytes | bytearray):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise _fail("frame is not UTF-8") from None
    elif isinstance(raw, str):
        text = raw
    else:
        raise _fail(f"frame: expected str or bytes, got {type(raw).__name__}")
    if text.strip() in _KEEPALIVE_FRAMES:
        return []
    _check_nesting(text)
    try:
        # parse_float=Decimal: a JSON number like 0.48 never becomes a float.
        value = _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        raise _fail(
            f"frame is not JSON: {text[:60]!r} ({exc.__class__.__name__})"
        ) from None
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return value
    raise _fail(f"frame: expected an object or an array, got {type(value).__name__}")


# Venue frames nest four levels deep at most (array > event > changes > level).
_MAX_NESTING = 32


def _check_nesting(text: str) -> None:
    if nesting_exceeds(text, _MAX_NESTING):
        raise _fail(f"frame nests deeper than {_MAX_NESTING} levels")


def _reject_constant(name: str) -> Any:
    # NaN / Infinity are not JSON and never a valid price.
    raise ValueError(f"non-finite constant {name}")


# One decoder for every frame: json.loads with keyword arguments builds a new
# JSONDecoder per call, which costs as much as decoding a small frame.
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)


def _note_error(stats: ParseStats, message: str) -> None:
    stats.errors.append(message[:200])
    if len(stats.errors) > _MAX_ERRORS:
        del stats.errors[: len(stats.errors) - _MAX_ERRORS]


def _parse_frame(
    raw: str | bytes | bytearray,
    stats: ParseStats | None,
    parsers: Mapping[str, Callable[[Mapping[str, Any]], _T]],
) -> list[_T]:
    stats = stats if stats is not None else ParseStats()
    events: list[_T] = []
    for index, item in enumerate(_decode_frame(raw)):
        if not isinstance(item, dict):
            stats.skipped_malformed += 1
            _note_error(
                stats, f"[{index}] expected an object, got {type(item).__name__}"
            )
            continue
        event_type = item.get("event_type")
        parser = parsers.get(event_type) if isinstance(event_type, str) else None
        if parser is None:
            stats.skipped_unknown += 1
            continue
        try:
            events.append(parser(item))
        except PolymarketParseError as exc:
            stats.skipped_malformed += 1
            _note_error(stats, f"[{index}] {event_type}: {exc.message}")
        except _UNFORESEEN as exc:
            # Defensive: the helpers raise PolymarketParseError, but a shape we
            # did not foresee must still cost one object, never the connection.
            stats.skipped_malformed += 1
            _note_error(
                stats, f"[{index}] {event_type}: {exc.__class__.__name__}: {exc}"
            )
    stats.parsed += len(events)
    return events


def parse_market_message(
    raw: str | bytes, stats: ParseStats | None = None
) -> list[MarketEvent]:
    """One market-channel frame → its events, in order.

    A frame is one object or an array of objects; ``PING``/``PONG`` give
    ``[]``. Unknown event types and malformed objects are skipped and counted
    in ``stats``. Raises ``PolymarketParseError`` only when the frame itself is
    not JSON (or not an object/array)."""
    events = _fast_market_events(raw)
    if events is None:
        return _parse_frame(raw, stats, _MARKET_PARSERS)
    if stats is not None:
        stats.parsed += len(events)
    return events


def parse_market_items(
    raw: str | bytes, stats: ParseStats | None = None
) -> list[MarketFrame | MarketEvent]:
    """``parse_market_message`` for the stream's hot loop: the fast path's
    vetted frames as they are (``BookRegistry.apply_frame`` applies one to
    the books, ``frame.event()`` types it for whoever needs the event), the
    validated path's events for every other frame. Same rules otherwise."""
    if type(raw) is str and raw[:1] == "{":
        # The venue's usual frame, one object, as market_frames takes it but
        # without the call: this runs for every message of the stream.
        try:
            # _decoder_for, inlined: this runs for every message.
            decoder = (
                _PRICE_CHANGE_ONE if raw.endswith(_PRICE_CHANGE_ENDS) else _FAST_ONE
            )
            frame = decoder.decode(raw)
            vetted = (
                type(frame) is PriceChangeFrame
                and _vet_changes(frame.price_changes, frame.timestamp)
            ) or frame.vet()
        except _DEFER:  # as in market_frames: the validated path decides
            vetted = False
        if vetted:
            if stats is not None:
                stats.parsed += 1
            return [frame]
        return list(_parse_frame(raw, stats, _MARKET_PARSERS))
    frames = market_frames(raw)
    if frames is None:
        return list(_parse_frame(raw, stats, _MARKET_PARSERS))
    if stats is not None:
        stats.parsed += len(frames)
    return frames  # type: ignore[return-value]


def parse_user_message(
    raw: str | bytes, stats: ParseStats | None = None
) -> list[UserEvent]:
    """One user-channel frame → its ``trade``/``order`` events; same rules as
    ``parse_market_message``."""
    return _parse_frame(raw, stats, _USER_PARSERS)
