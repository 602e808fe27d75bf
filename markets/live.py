"""Live book tops and last prices shared between the stream and the web.

The stream process writes each token's book view here (Redis, short TTL);
pages and the API read it. A missing key means no fresh data: the caller
shows the book as stale instead of showing old numbers as current.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec
import redis.asyncio
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache, RedisSerializer
from django.core.exceptions import ImproperlyConfigured

from polybot.polymarket.parsing import frame_timestamp

logger = logging.getLogger(__name__)

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


# Each key set with its expiry, as cache.set does, all in one command:
# ARGV[1] is the TTL, ARGV[i + 1] the value of KEYS[i].
_SET_EACH_WITH_TTL = """
for i, key in ipairs(KEYS) do
    redis.call('SET', key, ARGV[i + 1], 'EX', ARGV[1])
end
"""


# Each token's new trades pushed onto its list, newest at the head, and the
# list trimmed and kept alive (the one place that does): ARGV[1] is how many
# to keep, ARGV[2] the TTL, ARGV[i + 2] the entries for KEYS[i], oldest first,
# joined by newlines. The push is a pcall: with call, one key that cannot
# take it (another type) would end the script for the keys after it, and
# Redis keeps what the keys before it got, so a retry would push those
# twice. Returns the keys that failed, each as {key, error}.
_PUSH_TRADES = """
local keep = tonumber(ARGV[1])
local failed = {}
for i, key in ipairs(KEYS) do
    local entries = {}
    for entry in string.gmatch(ARGV[i + 2], "[^\\n]+") do
        entries[#entries + 1] = entry
    end
    if #entries > 0 then
        local pushed = redis.pcall('LPUSH', key, unpack(entries))
        if type(pushed) == 'table' and pushed.err then
            failed[#failed + 1] = {key, pushed.err}
        else
            redis.call('LTRIM', key, 0, keep - 1)
            redis.call('EXPIRE', key, ARGV[2])
        end
    end
end
return failed
"""


class LiveWriter:
    """The stream's writes, awaited on its event loop: ``book_view_set``
    for many views at once (every changed book, a few times a second), and
    the recent trades of many tokens (``add_trades``).

    It stores exactly what ``cache.set`` would (the cache's key, Django's
    pickled value, ``BOOK_TTL_SECONDS``), so every reader of the cache reads
    it unchanged. Django's cache client is synchronous: through it, a flush
    of 200 views cost a thread hop and ~4 ms of CPU (key validation, an MSET
    and an EXPIRE per key, each packed and answered one by one); as one
    script call on the loop they cost ~1.3 ms.

    The connection belongs to the event loop that writes first; ``aclose``
    it on that loop."""

    def __init__(self, alias: str = DEFAULT_CACHE_ALIAS) -> None:
        self._cache = caches[alias]
        # A timeout, as polybot.lib.redis has: a hung Redis then fails the
        # write (the publisher logs it and retries) instead of stalling it.
        self._client = redis.asyncio.Redis.from_url(
            _cache_write_server(alias), socket_timeout=5
        )
        self._set_each = self._client.register_script(_SET_EACH_WITH_TTL)
        self._push_trades = self._client.register_script(_PUSH_TRADES)
        self._dumps = RedisSerializer().dumps

    async def set_many(self, views: Sequence[BookView]) -> None:
        if not views:
            return
        # make_key without make_and_validate_key: our keys are ours (a prefix
        # and a token id), and the validation walks every character.
        make_key, dumps = self._cache.make_key, self._dumps
        await self._set_each(
            keys=[make_key(book_view_key(view.token_id)) for view in views],
            args=[BOOK_TTL_SECONDS, *(dumps(view.to_json()) for view in views)],
        )

    async def add_trades(self, trades: Mapping[str, Sequence[bytes]]) -> list[str]:
        """``recent_trade_add`` for every token's new trades (``trade_entry``,
        oldest first), in one command: a flush carries thousands of trades,
        and redis-py packs every argument of a command in Python.

        A key that cannot take its trades (it holds another type) does not
        stop the others: its trades are dropped with a warning, and its
        token id returned. Trying them again would fail the same way.
        Raises what the command raised (then nothing was written, or, on a
        timeout, possibly everything)."""
        if not trades:
            return []
        failed = await self._push_trades(
            keys=[_TRADES_KEY.format(token_id) for token_id in trades],
            # An entry is JSON: a newline in it would be escaped.
            args=[RECENT_TRADES_KEEP, _TRADES_TTL, *map(b"\n".join, trades.values())],
        )
        if not failed:
            return []
        logger.warning(
            "recent trades not written to %s",
            ", ".join(f"{key.decode()} ({error.decode()})" for key, error in failed),
        )
        prefix = _TRADES_KEY.format("")
        return [key.decode().removeprefix(prefix) for key, _ in failed]

    async def aclose(self) -> None:
        await self._client.aclose()


def _cache_write_server(alias: str) -> str:
    """The Redis server Django's cache writes to (the first of LOCATION),
    provided the cache stores values as ``LiveWriter`` does."""
    config = settings.CACHES[alias]
    if not isinstance(caches[alias], RedisCache) or config.get("OPTIONS"):
        # Another backend, serializer or client would read what we write
        # differently.
        raise ImproperlyConfigured(
            f"LiveWriter needs cache {alias!r} to be Django's RedisCache "
            "without OPTIONS"
        )
    location = config["LOCATION"]
    servers = re.split("[;,]", location) if isinstance(location, str) else location
    return servers[0]


# --- recent trades ------------------------------------------------------------------

RECENT_TRADES_KEEP = 50
_TRADES_KEY = "polybot:live:trades:{}"
_TRADES_TTL = 24 * 3600
_encode_entry = msgspec.json.Encoder().encode


@dataclass(frozen=True)
class RecentTrade:
    price: Decimal
    size: Decimal
    side: str  # the taker's side: BUY lifted the ask, SELL hit the bid
    at: str  # ISO-8601 UTC


def trade_entry(price: str, size: str, side: str, at: str | int) -> bytes:
    """One entry of a recent-trades list: ``[price, size, side, at]`` as
    text, where ``at`` is ISO-8601 or the venue's own time (digits, read as
    ``frame_timestamp`` reads it). The stream stores the venue's texts as
    they came: a trade costs no Decimal or datetime until someone reads it."""
    return _encode_entry((price, size, side, at))


def recent_trade_add(token_id: str, trade: RecentTrade) -> None:
    """Newest first, capped, through the same script as the stream's
    ``LiveWriter.add_trades`` (which writes many tokens' trades at a flush)."""
    from polybot.lib.redis import redis_client

    entry = trade_entry(str(trade.price), str(trade.size), trade.side, trade.at)
    push_trades = redis_client().register_script(_PUSH_TRADES)
    push_trades(
        keys=[_TRADES_KEY.format(token_id)],
        args=[RECENT_TRADES_KEEP, _TRADES_TTL, entry],
    )


def recent_trades_get(token_id: str, limit: int = 20) -> list[RecentTrade]:
    from polybot.lib.redis import redis_client

    rows = redis_client().lrange(_TRADES_KEY.format(token_id), 0, limit - 1)
    return [_recent_trade(json.loads(raw)) for raw in rows]


def _recent_trade(data: list[Any] | dict[str, Any]) -> RecentTrade:
    if isinstance(data, dict):  # written before entries were lists (kept 24 h)
        return RecentTrade(
            Decimal(data["price"]), Decimal(data["size"]), data["side"], data["at"]
        )
    price, size, side, at = data
    if type(at) is int or at.isdigit():
        at = frame_timestamp(at).isoformat()
    return RecentTrade(Decimal(price), Decimal(size), side, at)
