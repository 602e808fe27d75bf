"""The pure-Python twin of ``_bookcore.c``: the reference for what each
function does, and the implementation used when the C module was not built.
``tests/polymarket/test_bookcore.py`` holds the two to the same answers.

The vetting functions accept early only: ``False`` means "not sure" and the
caller runs the full check (``parsing``). Applying trusts what was vetted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

# Must match parsing._SIZE_DIGITS / _SIZE_DECIMALS (a test checks).
SIZE_DIGITS = 15
SIZE_DECIMALS = 12
_TIME_DIGITS = 13

_prices: dict[str, Decimal] = {}
_price_of: Callable[[str], Decimal | None] = _prices.get
_zero = Decimal(0)
_one = Decimal(1)


def configure(
    prices: dict[str, Decimal],
    price_of: Callable[[str], Decimal | None],
    zero: Decimal,
    one: Decimal,
) -> None:
    """The vetted-price cache (text → Decimal), the function that vets and
    caches a price text (None when invalid), and Decimal 0 and 1."""
    global _prices, _price_of, _zero, _one
    _prices, _price_of, _zero, _one = prices, price_of, zero, one


def _plain_size(text: object) -> bool:
    if type(text) is not str or not text.isascii():
        return False
    whole, dot, decimals = text.partition(".")
    digits = whole + decimals
    return (
        (digits.isdigit() if digits else False)
        and "." not in decimals
        and len(whole) <= SIZE_DIGITS
        and len(decimals) <= SIZE_DECIMALS
    )


def _known(text: object) -> bool:
    return type(text) is str and text in _prices


def _plain_time(timestamp: object) -> bool:
    return (
        type(timestamp) is str
        and timestamp.isascii()
        and timestamp.isdigit()
        and len(timestamp) <= _TIME_DIGITS
    )


def vet_trade(price: object, size: object, timestamp: object) -> bool:
    return _known(price) and _plain_size(size) and _plain_time(timestamp)


def vet_changes(changes: tuple[Any, ...], timestamp: object) -> bool:
    if not _plain_time(timestamp):
        return False
    for change in changes:
        bid, ask = change.best_bid, change.best_ask
        if not (
            _known(change.price)
            and (bid is None or _known(bid))
            and (ask is None or _known(ask))
            and _plain_size(change.size)
        ):
            return False
    return True


def vet_levels(levels: tuple[Any, ...]) -> bool:
    return all(_known(level.price) and _plain_size(level.size) for level in levels)


def _price_value(text: str) -> Decimal:
    price = _prices.get(text)
    if price is None:  # vetted, but beyond what the cache keeps
        price = _price_of(text)
        if price is None:
            raise ValueError(f"unvetted price {text!r}")
    return price


def _is_zero(size: str) -> bool:
    # Vetted: plain digits and a dot, zero when nothing else remains.
    return not size.strip("0.")


def apply_changes(changes: tuple[Any, ...], bids: Any, asks: Any) -> bool:
    for change in changes:
        side = bids if change.side == "BUY" else asks
        price, size = _price_value(change.price), change.size
        if _is_zero(size):
            side.drop(price)
        else:
            side.put(price, size)
    last = changes[-1]
    bid = None if last.best_bid is None else _price_value(last.best_bid)
    ask = None if last.best_ask is None else _price_value(last.best_ask)
    ours_bid, ours_ask = bids.best, asks.best
    return (
        (bid is None or (ours_bid == bid if bid > _zero else ours_bid is None))
        and (ask is None or (ours_ask == ask if ask < _one else ours_ask is None))
        and (ours_bid is None or ours_ask is None or ours_bid < ours_ask)
    )


_MAX_TOKENS = 8


def apply_price_change(
    books: dict[str, Any], changes: tuple[Any, ...], timestamp: object
) -> tuple[str, ...] | list[Any] | None:
    by_token: dict[str, list[Any]] = {}
    for change in changes:
        by_token.setdefault(change.asset_id, []).append(change)
    if not by_token or len(by_token) > _MAX_TOKENS:
        return None
    found = [books.get(asset_id) for asset_id in by_token]
    if any(book is None or not book.market for book in found):
        return None
    differs: list[Any] = []
    for book, group in zip(found, by_token.values(), strict=True):
        last = group[-1]
        if last.hash:
            book.hash = last.hash
        book._updated_raw = timestamp
        if not apply_changes(tuple(group), book._bids, book._asks):
            differs += (book, last)
    ids = tuple(by_token)
    return [ids, *differs] if differs else ids


# How the venue ends a price change (parsing._PRICE_CHANGE_ENDS).
_TAG_ENDS = ('"event_type":"price_change"}', '"event_type": "price_change"}')


def _ingest_price_change(
    decode: Callable[[str], Any],
    books: dict[str, Any],
    dirty: set[str],
    watched: Mapping[str, object],
    raw: object,
) -> bool:
    if type(raw) is not str or not raw.endswith(_TAG_ENDS):
        return False
    try:
        frame = decode(raw)
    except Exception:  # the general path decides, and counts it
        return False
    changes, timestamp = frame.price_changes, frame.timestamp
    if type(changes) is not tuple or not changes:
        return False
    if not vet_changes(changes, timestamp):
        return False
    if watched and any(change.asset_id in watched for change in changes):
        return False
    done = apply_price_change(books, changes, timestamp)
    if done is None:
        return False
    ids = done
    if type(done) is list:
        ids, *differs = done
        for book, last in zip(differs[::2], differs[1::2], strict=True):
            book._venue_top_differs(last)
    dirty.update(ids)
    return True


# A last trade's tag as the venue writes it, anywhere in its text.
_TRADE_TAGS = ('"event_type":"last_trade_price"', '"event_type": "last_trade_price"')


def ingest_text(
    price_change_decode: Callable[[str], Any],
    frame_decode: Callable[[str], Any],
    trade_type: type,
    numbers: Mapping[str, object],
    books: dict[str, Any],
    dirty: set[str],
    watched: Mapping[str, object],
    trade: Callable[[str, Any], object],
    raw: object,
) -> bool:
    if type(raw) is not str:
        return False
    if raw.endswith(_TAG_ENDS):
        return _ingest_price_change(price_change_decode, books, dirty, watched, raw)
    if _TRADE_TAGS[0] not in raw and _TRADE_TAGS[1] not in raw:
        return False
    try:
        frame = frame_decode(raw)
    except Exception:  # the general path decides, and counts it
        return False
    if type(frame) is not trade_type:
        return False
    asset_id, price, side, fee = (
        frame.asset_id,
        frame.price,
        frame.side,
        frame.fee_rate_bps,
    )
    if not (
        _known(price)
        and _plain_size(frame.size)
        and _plain_time(frame.timestamp)
        and side in (None, "BUY", "SELL")
        and (fee is None or (type(fee) is str and fee in numbers))
    ):
        return False
    if watched and asset_id in watched:
        return False
    book = books.get(asset_id)
    if book is None or not book.market:
        return False
    trade(asset_id, frame)
    book.last_trade_price = _price_value(price)
    dirty.add(asset_id)
    return True


def load_levels(side: Any, levels: tuple[Any, ...], is_bid: bool) -> bool:
    found: dict[Decimal, str] = {}
    for level in levels:
        price = _price_value(level.price)
        if price in found:
            return False  # a repeat: the caller adds them up
        found[price] = level.size
    side.levels = {p: size for p, size in found.items() if not _is_zero(size)}
    side._ascending = None
    side.best = (max if is_bid else min)(side.levels, default=None)
    return True


def one_asset(changes: tuple[Any, ...]) -> str | None:
    if not changes:
        return None
    asset_id = changes[0].asset_id
    for change in changes:
        if change.asset_id != asset_id:
            return None
    return asset_id
