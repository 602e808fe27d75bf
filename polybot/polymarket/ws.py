"""CLOB WebSocket clients: the market channel and the user channel (API.md §8).

Both clients deliver typed events to one async callback, ``on_event``, awaited
in order for each connection. Use them like this::

    async def on_event(event: MarketEvent | StreamReconnected) -> None: ...

    stream = MarketStream(config, token_ids, on_event=on_event)
    task = asyncio.create_task(stream.run())  # runs until stop()
    await stream.subscribe(["<token id>"])  # no reconnect needed
    await stream.stop()  # closes every socket; run() returns

What they guarantee:

* The first frame on every connection is the documented subscribe message; the
  text keepalive ``PING`` is only sent after it (a PING first gets the socket
  closed with 1008, nautilus_trader#4864).
* A connection that receives nothing (no ``PONG``, no data) for
  ``StreamSettings.stale_after`` is replaced: the venue is known to stop
  streaming with the socket still open (API.md §9 item 9).
* Lost connections are reopened with jittered exponential backoff and
  resubscribed with their full set. After every reconnect, and before any
  event from the new connection, ``on_event`` receives a ``StreamReconnected``
  naming what that connection carries: books of those assets are untrusted
  until their next ``book`` snapshot, and user-channel consumers must
  backfill orders and trades over REST (the channel does not replay). The
  first connection of a shard is not a reconnect and emits nothing: the caller
  does its initial sync itself.
* A frame that does not parse is counted (``stats``, ``counters``) and logged;
  it never ends the loop. An exception raised by ``on_event`` does: ``run()``
  closes every socket and re-raises it, because a consumer that missed an event
  has a wrong book and must start over from snapshots.
* ``stop()`` (or cancelling ``run()``) closes every socket. ``on_event`` may be
  cancelled mid-call when that happens.
* ``on_raw``, when given, is called synchronously with every data frame's text
  (keepalives excluded) before it is parsed, so a recorder sees frames exactly
  as received, malformed ones included. It must be cheap; an exception from it
  is logged and counted (``counters.raw_hook_errors``), never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from polybot.polymarket.config import VenueConfig
from polybot.polymarket.models import (
    ApiCredentials,
    MarketEvent,
    ParseStats,
    StreamReconnected,
    UserEvent,
)
from polybot.polymarket.parsing import (
    MarketFrame,
    parse_market_items,
    parse_market_message,
    parse_user_message,
)

logger = logging.getLogger(__name__)

#: The documented per-connection ceiling we keep to; more assets open more shards.
MAX_ASSETS_PER_CONNECTION = 200

MarketHandler = Callable[[MarketEvent | StreamReconnected], Awaitable[None]]
RawHandler = Callable[[str], None]
FrameHandler = Callable[[MarketFrame], None]
# Takes a whole frame's text first: True when it handled it, False to have
# it parsed (the stream's compiled path for price changes and last trades,
# BookRegistry.text_ingester).
TextHandler = Callable[[str | bytes], bool]
UserHandler = Callable[[UserEvent | StreamReconnected], Awaitable[None]]

_E = TypeVar("_E")

_MAX_AGE = "max connection age reached"


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """Timing knobs. The defaults are the venue's (API.md §8); tests shrink them."""

    ping_interval: float = 10.0
    stale_after: float = 30.0
    reconnect_base: float = 0.5
    reconnect_max: float = 30.0
    # Replace even a healthy connection this often (None: never). The venue has
    # silently stopped streams that still answered PONG (API.md §9 item 9).
    max_connection_age: float | None = None
    max_assets_per_connection: int = MAX_ASSETS_PER_CONNECTION
    # An initial dump of 200 books arrives as one array frame: well above the
    # library's 1 MiB default.
    max_message_size: int = 16 * 2**20
    close_timeout: float = 2.0

    def __post_init__(self) -> None:
        if self.ping_interval <= 0 or self.stale_after <= 0:
            raise ValueError("ping_interval and stale_after must be positive")
        if self.max_assets_per_connection < 1:
            raise ValueError("max_assets_per_connection must be at least 1")


@dataclass(slots=True)
class StreamCounters:
    """Totals over every connection of one stream, for health reporting."""

    connects: int = 0
    reconnects: int = 0
    stale_detections: int = 0
    messages: int = 0  # data frames, keepalives excluded
    pongs: int = 0
    parse_errors: int = 0  # frames rejected whole (not JSON, not object/array)
    raw_hook_errors: int = 0  # frames on_raw raised on


def reconnect_delay(
    attempt: int, *, base: float, maximum: float, rand: Callable[[], float]
) -> float:
    """Seconds to wait before reconnect attempt ``attempt`` (0 = the first).

    "Full jitter": uniform in ``[0, min(maximum, base * 2**attempt)]``, so a
    fleet of shards dropped together does not reconnect in lockstep."""
    ceiling = min(maximum, base * (2 ** min(attempt, 32)))
    return max(0.0, rand() * ceiling)


class _NoFrameDebug(logging.LoggerAdapter[logging.Logger]):
    """Hides websockets' per-frame DEBUG logging, which would print the user
    channel's subscribe frame, L2 secret included, whenever DEBUG is on."""

    def isEnabledFor(self, level: int) -> bool:
        return level > logging.DEBUG and self.logger.isEnabledFor(level)


class _Stream(ABC, Generic[_E]):
    """Shared machinery: shards, lifecycle, counters. Subclasses define the wire format."""

    channel: Literal["market", "user"]
    _key_field: str  # "assets_ids" or "markets"

    def __init__(
        self,
        url: str,
        config: VenueConfig,
        on_event: Callable[[_E | StreamReconnected], Awaitable[None]],
        settings: StreamSettings,
        rand: Callable[[], float],
        on_raw: RawHandler | None = None,
    ) -> None:
        self.url = url
        self.settings = settings
        self.stats = ParseStats()
        self.counters = StreamCounters()
        self._config = config
        self._on_event = on_event
        self._on_raw = on_raw
        # The market stream's handlers of fast-path frames (MarketStream).
        self._on_frame: FrameHandler | None = None
        self._on_text: TextHandler | None = None
        self._rand = rand
        self._shards: list[_Shard[_E]] = []
        self._shard_ids = itertools.count()
        self._started = False
        self._running = False
        self._stop_requested = asyncio.Event()
        self._stopped = asyncio.Event()
        self._failure: BaseException | None = None

    # --- lifecycle ---------------------------------------------------------------

    async def run(self) -> None:
        """Connect every shard and keep them connected until ``stop()``.

        Returns after ``stop()`` with every socket closed. Raises what
        ``on_event`` raised, or a permanent connect error (a malformed URL),
        after closing every socket. One call per instance."""
        if self._started:
            raise RuntimeError("a stream runs once; create a new one")
        self._started = True
        self._running = True
        try:
            if not self._stop_requested.is_set():
                for shard in self._shards:
                    shard.start()
                await self._stop_requested.wait()
        finally:
            self._running = False
            await asyncio.gather(
                *(shard.stop() for shard in self._shards), return_exceptions=True
            )
            self._stopped.set()
        if self._failure is not None:
            raise self._failure

    async def stop(self) -> None:
        """Ask ``run()`` to finish and wait until every socket is closed."""
        self._stop_requested.set()
        if self._started:
            await self._stopped.wait()

    def connected(self) -> int:
        """How many connections are open and subscribed right now."""
        return sum(1 for shard in self._shards if shard.is_connected)

    def shard_keys(self) -> list[tuple[str, ...]]:
        """What each connection is subscribed to (asset ids or condition ids)."""
        return [tuple(shard.desired) for shard in self._shards]

    def _fail(self, exc: BaseException) -> None:
        if self._failure is None:
            self._failure = exc
        self._stop_requested.set()

    def _add_shard(self, keys: Iterable[str]) -> _Shard[_E]:
        shard = _Shard(self, next(self._shard_ids), keys)
        self._shards.append(shard)
        if self._running:
            shard.start()
        return shard

    # --- wire format -------------------------------------------------------------

    @abstractmethod
    def _subscribe_frame(self, keys: list[str]) -> dict[str, Any]:
        """Each channel's own wire format."""

    def _update_frame(
        self, operation: Literal["subscribe", "unsubscribe"], keys: list[str]
    ) -> dict[str, Any]:
        frame: dict[str, Any] = {"operation": operation, self._key_field: keys}
        return frame

    @abstractmethod
    def _parse(self, raw: str | bytes) -> list[_E]:
        """Each channel's own wire format."""

    @abstractmethod
    def _reconnected(self, keys: tuple[str, ...], reason: str) -> StreamReconnected:
        """Each channel's own wire format."""

    def _connect_kwargs(self) -> dict[str, Any]:
        return {}


class _Shard(Generic[_E]):
    """One connection and the keys it carries, reconnected until stopped."""

    def __init__(self, stream: _Stream[_E], shard_id: int, keys: Iterable[str]) -> None:
        self.stream = stream
        self.shard_id = shard_id
        # Ordered sets (dicts): frames list keys in the order they were added.
        self.desired: dict[str, None] = dict.fromkeys(keys)
        self._subscribed: dict[str, None] = {}
        self._ws: ClientConnection | None = None
        # Serialises the initial subscribe with dynamic updates, so an update
        # can neither precede the subscribe frame nor be lost between building
        # the subscribe frame and the connection becoming usable.
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        # Why the previous connection ended, until a new one has told
        # on_event. Every opened connection counts, even one that delivered
        # nothing: the user channel does not replay, so a backfill is only
        # complete if it runs after the last gap.
        self._unannounced_loss: str | None = None

    def __repr__(self) -> str:
        return (
            f"<{self.stream.channel} shard {self.shard_id}: {len(self.desired)} keys>"
        )

    @property
    def is_connected(self) -> bool:
        return self._ws is not None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(
                self._main(),
                name=f"polymarket-ws-{self.stream.channel}-{self.shard_id}",
            )

    async def stop(self) -> None:
        task = self._task
        if task is None or task.done():
            return
        task.cancel()
        if task is asyncio.current_task():
            # on_event emptied its own shard: the cancellation lands at its
            # next await, and the task cannot wait for itself.
            return
        # The task closes its socket in a finally block; wait for that.
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def send_update(
        self, operation: Literal["subscribe", "unsubscribe"], keys: list[str]
    ) -> None:
        """Tell the live connection about keys already added to / removed from
        ``desired``. Without a live connection this is a no-op: the next
        connection subscribes to ``desired`` as a whole."""
        async with self._lock:
            ws = self._ws
            if ws is None:
                return
            if operation == "subscribe":
                todo = [
                    k for k in keys if k in self.desired and k not in self._subscribed
                ]
            else:
                todo = [
                    k for k in keys if k not in self.desired and k in self._subscribed
                ]
            if not todo:
                return
            try:
                await ws.send(json.dumps(self.stream._update_frame(operation, todo)))
            except ConnectionClosed:
                # The session loop sees the closure and resubscribes `desired`.
                return
            for k in todo:
                if operation == "subscribe":
                    self._subscribed[k] = None
                else:
                    self._subscribed.pop(k, None)

    async def _main(self) -> None:
        try:
            await self._connection_loop()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.stream._fail(exc)

    async def _connection_loop(self) -> None:
        stream = self.stream
        settings = stream.settings
        failures = 0  # consecutive attempts that never got a frame through
        while True:
            if failures:
                delay = reconnect_delay(
                    failures - 1,
                    base=settings.reconnect_base,
                    maximum=settings.reconnect_max,
                    rand=stream._rand,
                )
                await asyncio.sleep(delay)
            try:
                ws = await connect(
                    stream.url,
                    open_timeout=stream._config.connect_timeout,
                    # The venue's keepalive is the text PING below; protocol
                    # pings would keep a silently dead stream looking alive.
                    ping_interval=None,
                    close_timeout=settings.close_timeout,
                    max_size=settings.max_message_size,
                    **stream._connect_kwargs(),
                )
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                failures += 1
                logger.warning(
                    "%s ws shard %s: connect failed (%s), attempt %d",
                    stream.channel, self.shard_id, exc.__class__.__name__, failures,
                )  # fmt: skip
                continue
            stream.counters.connects += 1
            try:
                reason, healthy = await self._session(ws)
            finally:
                self._ws = None
                self._subscribed = {}
                await ws.close()
            self._unannounced_loss = reason
            # Backoff restarts once a connection proved usable; a venue that
            # accepts and immediately closes us keeps growing the delay.
            failures = 1 if healthy else failures + 1
            logger.log(
                logging.INFO if reason == _MAX_AGE else logging.WARNING,
                "%s ws shard %s: connection lost (%s), reconnecting",
                stream.channel, self.shard_id, reason,
            )  # fmt: skip

    async def _session(self, ws: ClientConnection) -> tuple[str, bool]:
        """Subscribe, then read until the connection ends or goes stale.

        Returns why it ended and whether any frame was received."""
        stream = self.stream
        settings = stream.settings
        loop = asyncio.get_running_loop()
        async with self._lock:
            keys = list(self.desired)
            try:
                await ws.send(json.dumps(stream._subscribe_frame(keys)))
            except ConnectionClosed as exc:
                return f"closed during subscribe: {_close_reason(exc)}", False
            self._subscribed = dict.fromkeys(keys)
            self._ws = ws
        if self._unannounced_loss is not None:
            reason, self._unannounced_loss = self._unannounced_loss, None
            stream.counters.reconnects += 1
            # Before reading anything from the new connection, so the caller
            # distrusts these books before the fresh snapshots arrive.
            await stream._on_event(stream._reconnected(tuple(keys), reason))

        opened = idle_since = loop.time()
        next_ping = opened + settings.ping_interval
        expires = (
            opened + settings.max_connection_age
            if settings.max_connection_age is not None
            else float("inf")
        )
        healthy = False
        while True:
            now = loop.time()
            if now >= expires:
                return _MAX_AGE, healthy
            stale_at = idle_since + settings.stale_after
            if now >= stale_at:
                stream.counters.stale_detections += 1
                return f"stale: nothing received for {settings.stale_after:g}s", healthy
            try:
                if now >= next_ping:
                    next_ping = now + settings.ping_interval
                    # Bounded: a peer that stopped reading must not block the
                    # staleness check behind a full send buffer.
                    async with asyncio.timeout_at(stale_at):
                        await ws.send("PING")
                async with asyncio.timeout_at(min(next_ping, stale_at, expires)):
                    raw = await ws.recv()
            except TimeoutError:
                continue
            except ConnectionClosed as exc:
                return f"closed: {_close_reason(exc)}", healthy
            healthy = True
            idle_since = loop.time()
            if _is_pong(raw):
                stream.counters.pongs += 1
                continue
            stream.counters.messages += 1
            if stream._on_raw is not None:
                self._call_on_raw(stream._on_raw, raw)
            on_text = stream._on_text
            if on_text is not None and on_text(raw):
                stream.stats.parsed += 1
                continue
            on_frame = stream._on_frame
            for event in self._parse(raw):
                if on_frame is not None and isinstance(event, MarketFrame):
                    on_frame(event)
                else:
                    await stream._on_event(event)
            # Time spent in on_event is not venue silence: frames may be
            # queued behind it, and they must not be mistaken for staleness.
            idle_since = loop.time()

    def _call_on_raw(self, hook: RawHandler, raw: str | bytes) -> None:
        stream = self.stream
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            hook(text)
        except Exception:
            # Losing a recorded frame is not worth losing the live books over.
            # Log the first failure and then every thousandth, not a flood.
            stream.counters.raw_hook_errors += 1
            if stream.counters.raw_hook_errors % 1000 == 1:
                logger.exception(
                    "%s ws shard %s: on_raw failed (%d so far)",
                    stream.channel, self.shard_id, stream.counters.raw_hook_errors,
                )  # fmt: skip

    def _parse(self, raw: str | bytes) -> list[_E]:
        stream = self.stream
        try:
            return stream._parse(raw)
        except Exception as exc:
            # PolymarketParseError for a frame that is not JSON at all; anything
            # else is a parser bug. Neither may cost the connection.
            stream.counters.parse_errors += 1
            # User-channel frames carry account data (the API key as
            # "owner"): only the market channel's content goes to the log.
            sample = (
                f"{raw!r:.200}" if stream.channel == "market" else f"{len(raw)} bytes"
            )
            logger.warning(
                "%s ws shard %s: unparseable frame skipped (%s): %s",
                stream.channel, self.shard_id, exc, sample,
            )  # fmt: skip
            return []


def _is_pong(raw: str | bytes) -> bool:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return text.strip() == "PONG"


def _close_reason(exc: ConnectionClosed) -> str:
    received = exc.rcvd
    if received is None:
        return "no close frame (connection dropped)"
    return f"code {received.code} {received.reason!r}".rstrip()


class MarketStream(_Stream[MarketEvent]):
    """The public market channel (``{ws_url}/market``), by token (asset) id.

    Assets are spread over connections of at most
    ``settings.max_assets_per_connection``: new assets fill the first shard
    with room (a dynamic subscribe on that connection), and only when every
    shard is full does a new connection open. Assets never move between
    shards, so changing the subscription never interrupts another shard; a
    shard left empty is closed.

    ``on_event`` receives market events and ``StreamReconnected(channel=
    "market", asset_ids=<the reconnected shard's assets>)``. ``stats`` counts
    parsed/skipped objects, ``counters`` connections and frames. ``rand``
    (uniform in [0, 1)) jitters the reconnect backoff. ``on_raw`` sees every
    data frame's text before parsing (see the module docstring). With
    ``on_frame``, what the parser's fast path takes arrives there as vetted
    ``MarketFrame`` objects instead of events (``parse_market_items``), for a
    consumer that applies them to its books as they are (the stream process);
    it is called, not awaited, so the bulk of the stream costs no coroutine.
    ``on_text`` (with ``on_frame``) is offered each frame's text before it is
    parsed, and handles what it can whole (most of the stream: one call per
    price change or last trade, ``BookRegistry.text_ingester``); it returns
    False for the rest, which is parsed as above.
    """

    channel = "market"
    _key_field = "assets_ids"

    def __init__(
        self,
        config: VenueConfig,
        asset_ids: Iterable[str] = (),
        *,
        on_event: MarketHandler,
        settings: StreamSettings | None = None,
        rand: Callable[[], float] = random.random,
        on_raw: RawHandler | None = None,
        on_frame: FrameHandler | None = None,
        on_text: TextHandler | None = None,
    ) -> None:
        super().__init__(f"{config.ws_url.rstrip('/')}/market", config, on_event,
                         settings or StreamSettings(), rand, on_raw)  # fmt: skip
        self._on_frame = on_frame
        self._on_text = on_text if on_frame is not None else None
        self._owner: dict[str, _Shard[MarketEvent]] = {}
        self._assign(list(dict.fromkeys(asset_ids)))

    @property
    def asset_ids(self) -> tuple[str, ...]:
        return tuple(self._owner)

    async def subscribe(self, asset_ids: Iterable[str]) -> None:
        """Add assets without reconnecting anything. Already subscribed ones are
        ignored. Returns once the live connections were told (if any)."""
        new = [a for a in dict.fromkeys(asset_ids) if a not in self._owner]
        if not new:
            return
        # Assignment is synchronous, so concurrent calls cannot double-book.
        touched = self._assign(new)
        for shard, keys in touched.items():
            await shard.send_update("subscribe", keys)

    async def unsubscribe(self, asset_ids: Iterable[str]) -> None:
        """Drop assets without reconnecting other shards; a shard left with
        nothing is closed. Unknown ids are ignored."""
        touched: dict[_Shard[MarketEvent], list[str]] = {}
        for asset_id in dict.fromkeys(asset_ids):
            shard = self._owner.pop(asset_id, None)
            if shard is None:
                continue
            del shard.desired[asset_id]
            touched.setdefault(shard, []).append(asset_id)
        for shard, keys in touched.items():
            if shard.desired:
                await shard.send_update("unsubscribe", keys)
            else:
                self._shards.remove(shard)
                await shard.stop()

    def _assign(self, new: list[str]) -> dict[_Shard[MarketEvent], list[str]]:
        """Place ``new`` assets; returns the existing shards that grew."""
        cap = self.settings.max_assets_per_connection
        touched: dict[_Shard[MarketEvent], list[str]] = {}
        for shard in self._shards:
            if not new:
                break
            room = cap - len(shard.desired)
            if room <= 0:
                continue
            take, new = new[:room], new[room:]
            shard.desired.update(dict.fromkeys(take))
            for asset_id in take:
                self._owner[asset_id] = shard
            touched[shard] = take
        while new:
            take, new = new[:cap], new[cap:]
            shard = self._add_shard(take)
            for asset_id in take:
                self._owner[asset_id] = shard
        return touched

    def _subscribe_frame(self, keys: list[str]) -> dict[str, Any]:
        # custom_feature_enabled turns on best_bid_ask, new_market and
        # market_resolved.
        return {"assets_ids": keys, "type": "market", "custom_feature_enabled": True}

    def _update_frame(
        self, operation: Literal["subscribe", "unsubscribe"], keys: list[str]
    ) -> dict[str, Any]:
        frame = super()._update_frame(operation, keys)
        if operation == "subscribe":
            frame["custom_feature_enabled"] = True
        return frame

    def _parse(self, raw: str | bytes) -> list[MarketEvent]:
        if self._on_frame is not None:
            return parse_market_items(raw, self.stats)  # type: ignore[return-value]
        return parse_market_message(raw, self.stats)

    def _reconnected(self, keys: tuple[str, ...], reason: str) -> StreamReconnected:
        return StreamReconnected(channel="market", asset_ids=keys, reason=reason)


class UserStream(_Stream[UserEvent]):
    """The authenticated user channel (``{ws_url}/user``), by condition id.

    ``markets=None`` (or empty) subscribes to every market of the API key's
    account: the venue treats a missing ``markets`` as "all". In that mode
    ``subscribe``/``unsubscribe`` are no-ops. One connection carries it all.

    ``on_event`` receives ``trade``/``order`` events and
    ``StreamReconnected(channel="user", markets=<condition ids, () for all>)``,
    after which the caller must backfill open orders and trades over REST.
    The credentials are sent in the first frame and nowhere else; they are
    never logged.
    """

    channel = "user"
    _key_field = "markets"

    def __init__(
        self,
        config: VenueConfig,
        creds: ApiCredentials,
        markets: Iterable[str] | None = None,
        *,
        on_event: UserHandler,
        settings: StreamSettings | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(f"{config.ws_url.rstrip('/')}/user", config, on_event,
                         settings or StreamSettings(), rand)  # fmt: skip
        self._creds = creds
        self.all_markets = markets is None
        self._shard = self._add_shard(() if markets is None else markets)

    @property
    def markets(self) -> tuple[str, ...]:
        return tuple(self._shard.desired)

    async def subscribe(self, markets: Iterable[str]) -> None:
        """Add condition ids without reconnecting (no-op for all markets)."""
        if self.all_markets:
            return
        new = [m for m in dict.fromkeys(markets) if m not in self._shard.desired]
        self._shard.desired.update(dict.fromkeys(new))
        await self._shard.send_update("subscribe", new)

    async def unsubscribe(self, markets: Iterable[str]) -> None:
        """Drop condition ids without reconnecting (no-op for all markets)."""
        if self.all_markets:
            return
        gone = [m for m in dict.fromkeys(markets) if m in self._shard.desired]
        for market in gone:
            del self._shard.desired[market]
        await self._shard.send_update("unsubscribe", gone)

    def _subscribe_frame(self, keys: list[str]) -> dict[str, Any]:
        creds = self._creds
        frame: dict[str, Any] = {
            "auth": {
                "apiKey": creds.api_key,
                "secret": creds.secret,
                "passphrase": creds.passphrase,
            }
        }
        if keys:
            frame["markets"] = keys
        frame["type"] = "user"
        return frame

    def _parse(self, raw: str | bytes) -> list[UserEvent]:
        return parse_user_message(raw, self.stats)

    def _reconnected(self, keys: tuple[str, ...], reason: str) -> StreamReconnected:
        return StreamReconnected(channel="user", markets=keys, reason=reason)

    def _connect_kwargs(self) -> dict[str, Any]:
        return {"logger": _NoFrameDebug(logging.getLogger("websockets.client"), {})}
