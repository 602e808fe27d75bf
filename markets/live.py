"""Live book tops and last prices shared between the stream and the web.

The stream process writes each token's book view here (Redis, short TTL);
pages and the API read it. A missing key means no fresh data: the caller
shows the book as stale instead of showing old numbers as current.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import msgspec
from django.core.cache import cache

# Longer than the stream's publish interval, short enough that a dead stream
# shows as stale within seconds.
BOOK_TTL_SECONDS = 15
DEPTH_LEVELS = 10
_KEY = "live:book:{}"


@dataclass(frozen=True)
class BookView:
    token_id: str
    bids: list[tuple[Decimal, Decimal]]  # best first, at most DEPTH_LEVELS
    asks: list[tuple[Decimal, Decimal]]
    best_bid: Decimal | None
    best_ask: Decimal | None
    midpoint: Decimal | None
    spread: Decimal | None
    last_trade_price: Decimal | None
    tick_size: Decimal | None
    trusted: bool  # False while the stream waits for a fresh snapshot
    updated_at: str  # ISO-8601 UTC

    def to_json(self) -> str:
        # msgspec writes a dataclass field by field, each Decimal as its text
        # (the same as str()) and the level pairs as arrays; dataclasses.asdict
        # plus json.dumps took ~170 µs a view, a hand-built dict ~15 µs.
        return msgspec.json.encode(self).decode()

    @classmethod
    def from_json(cls, raw: str) -> BookView:
        data: dict[str, Any] = json.loads(raw)
        dec = _decimal_or_none
        return cls(
            token_id=data["token_id"],
            bids=[(Decimal(p), Decimal(s)) for p, s in data["bids"]],
            asks=[(Decimal(p), Decimal(s)) for p, s in data["asks"]],
            best_bid=dec(data["best_bid"]),
            best_ask=dec(data["best_ask"]),
            midpoint=dec(data["midpoint"]),
            spread=dec(data["spread"]),
            last_trade_price=dec(data["last_trade_price"]),
            tick_size=dec(data["tick_size"]),
            trusted=bool(data["trusted"]),
            updated_at=data["updated_at"],
        )


def _decimal_or_none(value: Any) -> Decimal | None:
    return None if value in (None, "None") else Decimal(str(value))


def book_view_key(token_id: str) -> str:
    return _KEY.format(token_id)


def book_view_set(view: BookView) -> None:
    cache.set(book_view_key(view.token_id), view.to_json(), timeout=BOOK_TTL_SECONDS)


def book_view_get(token_id: str) -> BookView | None:
    raw = cache.get(book_view_key(token_id))
    return BookView.from_json(raw) if raw else None


def book_views_get(token_ids: list[str]) -> dict[str, BookView]:
    raw = cache.get_many([book_view_key(t) for t in token_ids])
    return {
        key.removeprefix("live:book:"): BookView.from_json(value)
        for key, value in raw.items()
    }


# --- recent trades ------------------------------------------------------------------

RECENT_TRADES_KEEP = 50
_TRADES_KEY = "polybot:live:trades:{}"


@dataclass(frozen=True)
class RecentTrade:
    price: Decimal
    size: Decimal
    side: str  # the taker's side: BUY lifted the ask, SELL hit the bid
    at: str  # ISO-8601 UTC


def recent_trade_add(token_id: str, trade: RecentTrade) -> None:
    """Newest first, capped; written by the stream from ``last_trade_price``."""
    from polybot.lib.redis import redis_client

    key = _TRADES_KEY.format(token_id)
    pipe = redis_client().pipeline()
    pipe.lpush(key, json.dumps(asdict(trade), default=str))
    pipe.ltrim(key, 0, RECENT_TRADES_KEEP - 1)
    pipe.expire(key, 24 * 3600)
    pipe.execute()


def recent_trades_get(token_id: str, limit: int = 20) -> list[RecentTrade]:
    from polybot.lib.redis import redis_client

    rows = redis_client().lrange(_TRADES_KEY.format(token_id), 0, limit - 1)
    trades = []
    for raw in rows:
        data = json.loads(raw)
        trades.append(
            RecentTrade(
                Decimal(data["price"]), Decimal(data["size"]), data["side"], data["at"]
            )
        )
    return trades
