"""The local L2 order book, one per token, fed by the market channel (DESIGN §2).

A book starts *untrusted* and becomes trusted with a full snapshot (WS
``book`` or REST ``/book``). ``price_change`` messages then set the aggregate
size of single levels (size 0 removes a level). Since the 2025-09 schema each
change also carries the venue's own best bid and ask after the change, and we
hold the book to them after every message:

* our levels *better* than the venue's top cannot exist on the venue any more
  (typically levels a crossing order just consumed, whose removals have not
  reached us yet), so they are removed: this is what keeps a book right
  through a crossing burst;
* if our top is still not the venue's top after that (the venue has a level
  we do not know, or says a side is empty that we cannot empty) the book is
  marked untrusted until the next snapshot. It keeps applying updates so it
  is as good as possible, but callers must not trade on it.

The venue writes ``best_bid`` "0" for an empty bid side and ``best_ask`` "1"
for an empty ask side.

Sides: ``levels``, ``depth``, ``best_bid``/``best_ask`` speak of *book* sides
(``Side.BUY`` = the bids, as in the venue's ``price_change.side``), while
``walk`` takes the side of the *order* being sent (a BUY walks the asks).

Each side is a dict by price with its best price kept up to date; the
prices in order are sorted only when something reads the whole side (see
``_BookSide``). The stream's fast path applies its vetted text frames
straight to the books (``BookRegistry.apply_frame``), with no typed event in
between; both paths leave a book in exactly the same state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from operator import attrgetter

from polybot.polymarket import bookcore
from polybot.polymarket.models import (
    BestBidAskEvent,
    BookEvent,
    BookSnapshot,
    LastTradePriceEvent,
    MarketEvent,
    MarketResolvedEvent,
    NewMarketEvent,
    PriceChange,
    PriceChangeEvent,
    PriceLevel,
    Side,
    StreamReconnected,
    TickSizeChangeEvent,
)
from polybot.polymarket.parsing import (
    FRAME_DECODE,
    PRICE_CHANGE_DECODE,
    PRICES,
    VETTED_NUMBERS,
    BookFrame,
    LastTradePriceFrame,
    MarketFrame,
    PriceChangeFrame,
    RawChange,
    RawLevel,
    frame_timestamp,
    text_price,
)

__all__ = ["BookRegistry", "OrderBook", "WalkResult"]

ZERO = Decimal(0)
ONE = Decimal(1)
NO_SNAPSHOT = "no snapshot yet"
_PRICE_OF = attrgetter("price")
_BUY = Side.BUY  # a module constant: enum member lookups are slow on 3.11
_apply_price_change = bookcore.apply_price_change  # one lookup per message
_VETTED_PRICES = PRICES.values  # text → Decimal, for prices already vetted


@dataclass(frozen=True, slots=True)
class WalkResult:
    """What a marketable order would take from the book, level by level.

    ``levels_used`` holds the size taken at each price (not the level's size).
    ``average_price`` is ``notional / filled_size``, ``None`` if nothing fills."""

    filled_size: Decimal
    average_price: Decimal | None
    notional: Decimal
    levels_used: list[PriceLevel] = field(default_factory=list)
    fully_filled: bool = False


class _BookSide:
    """One side: the size resting at each price, and the best price.

    A dict by price, not a sorted list: the stream sets a level for nearly
    every message and reads the whole side only when it publishes, a few
    times a second. So a change is a dict assignment (and a comparison with
    the best price); the prices in order are sorted only when asked for, and
    kept until a level comes or goes.

    Sizes are ``Decimal``, or the venue's text where the stream's fast path
    stored it (``OrderBook.apply_frame_changes``: plain digits, already
    vetted); reads turn text into ``Decimal`` and keep it."""

    __slots__ = ("_ascending", "best", "is_bid", "levels")

    def __init__(self, *, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[Decimal, Decimal | str] = {}
        self.best: Decimal | None = None
        # The prices in ascending order; None until asked for again after a
        # level came or went.
        self._ascending: list[Decimal] | None = []

    def set(self, price: Decimal, size: Decimal) -> None:
        if size > ZERO:
            self.put(price, size)
        else:
            self.drop(price)

    def put(self, price: Decimal, size: Decimal | str) -> None:
        """Set a level's size (not zero). A level keeps the price object it
        was created with ("0.50" stays "0.50" when "0.5" updates it): a dict
        keeps its first key."""
        levels = self.levels
        if price not in levels:
            self._ascending = None
            best = self.best
            if best is None or (price > best if self.is_bid else price < best):
                self.best = price
        levels[price] = size

    def drop(self, price: Decimal) -> None:
        levels = self.levels
        if price in levels:
            del levels[price]
            self._ascending = None
            if price == self.best:
                self.best = self._extreme()

    def _extreme(self) -> Decimal | None:
        if not self.levels:
            return None
        return max(self.levels) if self.is_bid else min(self.levels)

    def load(self, levels: Iterable[PriceLevel]) -> None:
        """Replace every level. Repeated prices are added up, in the order
        sent, and levels that end at zero are dropped."""
        prices: list[Decimal] = []
        sizes: list[Decimal] = []
        # A stable sort keeps repeats in the order sent, so the sums (and the
        # price object a level keeps) do not depend on how the venue sorted.
        for level in sorted(levels, key=_PRICE_OF):
            if prices and prices[-1] == level.price:
                sizes[-1] += level.size
            else:
                prices.append(level.price)
                sizes.append(ZERO + level.size)
        self._replace(prices, sizes)

    def load_text(self, levels: tuple[RawLevel, ...]) -> None:
        """``load`` for the fast path's vetted text levels: sizes stay text
        unless a price repeats (then they are added up as ``load`` does)."""
        if bookcore.load_levels(self, levels, self.is_bid):
            return
        # A price repeats (rare): add them up as load does.
        found: dict[Decimal, Decimal | str] = {}
        for level in levels:
            price = PRICES.get(level.price)
            if price in found:
                found[price] = Decimal(found[price]) + Decimal(level.size)
            else:
                found[price] = level.size
        self.levels = {
            p: size
            for p, size in found.items()
            # Text (zero when only zeros and the dot remain, see
            # parsing.plain_size), or a Decimal where the price repeated.
            if (size.strip("0.") if type(size) is str else size > ZERO)
        }
        # Sorted only when read: a snapshot is often followed by changes
        # that add levels before anything reads the whole side.
        self._ascending = None
        self.best = self._extreme()

    def _replace(self, prices: list[Decimal], sizes: list[Decimal]) -> None:
        """Every level at once, from prices in ascending order (no repeats)."""
        self.levels = {p: s for p, s in zip(prices, sizes, strict=True) if s > ZERO}
        self._ascending = list(self.levels)
        ascending = self._ascending
        self.best = (
            (ascending[-1] if self.is_bid else ascending[0]) if ascending else None
        )

    def clear(self) -> int:
        count = len(self.levels)
        self.levels = {}
        self._ascending = []
        self.best = None
        return count

    def ascending(self) -> list[Decimal]:
        if self._ascending is None:
            self._ascending = sorted(self.levels)
        return self._ascending

    def size_at(self, price: Decimal) -> Decimal:
        size = self.levels[price]
        if type(size) is not Decimal:
            size = self.levels[price] = Decimal(size)
        return size

    def best_level(self) -> PriceLevel | None:
        best = self.best
        return None if best is None else PriceLevel(price=best, size=self.size_at(best))

    def best_first(self) -> Iterator[tuple[Decimal, Decimal]]:
        """(price, size) pairs, best first."""
        ascending = self.ascending()
        prices = reversed(ascending) if self.is_bid else iter(ascending)
        return ((price, self.size_at(price)) for price in prices)

    def top(self, n: int | None) -> list[tuple[Decimal, Decimal]]:
        """The best ``n`` (all if ``None``) (price, size) pairs, best first."""
        ascending = self.ascending()
        if n is None:
            chosen = ascending[::-1] if self.is_bid else ascending
        elif n <= 0:
            return []
        else:
            chosen = ascending[: -n - 1 : -1] if self.is_bid else ascending[:n]
        return [(price, self.size_at(price)) for price in chosen]

    def remove_better_than(self, price: Decimal) -> int:
        """Drop every level strictly better than ``price``; return how many."""
        gone = [p for p in self.levels if self.is_better(p, price)]
        for p in gone:
            del self.levels[p]
        if gone:
            self._ascending = None
            self.best = self._extreme()
        return len(gone)

    def is_better(self, price: Decimal, than: Decimal) -> bool:
        return price > than if self.is_bid else price < than


class OrderBook:
    """The L2 book of one token. Not thread-safe: one owner applies messages
    and reads it (reads write too: a side keeps its sorted prices and the
    Decimal of a size once read).

    Queries answer from whatever the book holds; check ``trusted`` before
    trading on the answer."""

    # Slots: the compiled core (bookcore) reads and writes these at their
    # offsets for every price change, not through an instance dict.
    __slots__ = (
        "_asks", "_bids", "_untrusted_reason", "_updated_at", "_updated_raw",
        "asset_id", "hash", "last_trade_price", "market", "min_order_size",
        "neg_risk", "reconciled_levels", "tick_size",
    )  # fmt: skip

    def __init__(self, asset_id: str, market: str = "") -> None:
        self.asset_id = asset_id
        self.market = market
        self._bids = _BookSide(is_bid=True)
        self._asks = _BookSide(is_bid=False)
        self._untrusted_reason = NO_SNAPSHOT
        self.tick_size: Decimal | None = None
        self.min_order_size: Decimal | None = None
        self.neg_risk: bool | None = None
        self.last_trade_price: Decimal | None = None
        self._updated_at: datetime | None = None
        # The venue's time of the last frame applied as text, read into
        # ``updated_at`` only if someone asks (most are never read).
        self._updated_raw: str | int | None = None
        self.hash = ""
        # Levels dropped because the venue's top said they were gone; a
        # steadily rising count means we keep missing removals.
        self.reconciled_levels = 0

    def __repr__(self) -> str:
        return (
            f"OrderBook({self.asset_id[:12]}…, bid={self.best_bid}, "
            f"ask={self.best_ask}, trusted={self.trusted})"
        )

    @property
    def updated_at(self) -> datetime | None:
        if self._updated_raw is not None:
            self._updated_at = frame_timestamp(self._updated_raw)
            self._updated_raw = None
        return self._updated_at

    @updated_at.setter
    def updated_at(self, value: datetime | None) -> None:
        self._updated_at, self._updated_raw = value, None

    # --- trust ------------------------------------------------------------------

    @property
    def trusted(self) -> bool:
        return not self._untrusted_reason

    @property
    def untrusted_reason(self) -> str:
        return self._untrusted_reason

    def mark_untrusted(self, reason: str) -> None:
        """Untrusted until the next snapshot. The first reason is kept: it is
        the cause, later ones are consequences."""
        if self.trusted:
            self._untrusted_reason = reason or "untrusted"

    # --- applying messages ------------------------------------------------------

    def apply_snapshot(self, snapshot: BookSnapshot) -> None:
        """Replace every level and trust the book again.

        Input order does not matter; repeated prices are added up, zero-size
        levels are dropped. A crossed snapshot leaves the book untrusted."""
        if snapshot.asset_id != self.asset_id:
            raise ValueError(
                f"snapshot for {snapshot.asset_id} applied to {self.asset_id}"
            )
        # Adding repeats (instead of last-one-wins) keeps the result
        # independent of the order the venue listed the levels in.
        self._bids.load(snapshot.bids)
        self._asks.load(snapshot.asks)
        self._snapshot_taken(
            snapshot.market, snapshot.tick_size, snapshot.min_order_size,
            snapshot.neg_risk, snapshot.last_trade_price, snapshot.hash,
        )  # fmt: skip
        self.updated_at = snapshot.timestamp

    def apply_book_frame(self, frame: BookFrame) -> None:
        """``apply_snapshot`` for the fast path's vetted text (``BookFrame``):
        the same book, without a typed snapshot in between."""
        self._bids.load_text(frame.bids)
        self._asks.load_text(frame.asks)
        tick, min_size, last_trade = frame.values()
        self._snapshot_taken(
            frame.market, tick, min_size, frame.neg_risk, last_trade, frame.hash
        )
        self._updated_raw = frame.timestamp

    def _snapshot_taken(
        self,
        market: str,
        tick_size: Decimal | None,
        min_order_size: Decimal | None,
        neg_risk: bool | None,
        last_trade_price: Decimal | None,
        hash_: str,
    ) -> None:
        if market:
            self.market = market
        if tick_size is not None:
            self.tick_size = tick_size
        if min_order_size is not None:
            self.min_order_size = min_order_size
        if neg_risk is not None:
            self.neg_risk = neg_risk
        if last_trade_price is not None:
            self.last_trade_price = last_trade_price
        self.hash = hash_
        self._untrusted_reason = ""
        self._check_not_crossed("snapshot")

    def apply_price_change(
        self, change: PriceChange, timestamp: datetime | None = None
    ) -> bool:
        """Set one level, then hold the book to the venue's top carried in
        the change. Returns ``trusted`` afterwards."""
        return self.apply_price_changes((change,), timestamp)

    def apply_price_changes(
        self, changes: Sequence[PriceChange], timestamp: datetime | None = None
    ) -> bool:
        """Apply the changes of one ``price_change`` event for this token,
        then reconcile against the venue's top of the *last* change.

        Checking only after the whole batch matters when several changes for
        one token arrive together: the venue may report its top after the
        batch, and a half-applied batch would disagree for no reason."""
        asset_id = self.asset_id
        for change in changes:
            if change.asset_id != asset_id:
                raise ValueError(f"change for {change.asset_id} applied to {asset_id}")
        return self._apply_own_changes(changes, timestamp)

    def _apply_own_changes(
        self, changes: Sequence[PriceChange], timestamp: datetime | None
    ) -> bool:
        """``apply_price_changes`` for changes known to be this token's."""
        if not changes:
            return self.trusted
        bids, asks = self._bids, self._asks
        for change in changes:
            (bids if change.side == _BUY else asks).set(change.price, change.size)
        last = changes[-1]
        if last.hash:
            self.hash = last.hash
        if timestamp is not None:
            self.updated_at = timestamp
        self._reconcile(last.best_bid, last.best_ask, "price_change")
        return self.trusted

    def apply_frame_changes(
        self, changes: tuple[RawChange, ...], timestamp: str | int
    ) -> bool:
        """``apply_price_changes`` for the fast path's text: changes all of
        this token, vetted (``PriceChangeFrame.vet``). Sizes stay text until
        read. Returns ``trusted`` afterwards. (``bookcore.apply_price_change``
        does the same for a book that has its market.)"""
        last = changes[-1]
        if last.hash:
            self.hash = last.hash
        self._updated_raw = timestamp
        if not bookcore.apply_changes(changes, self._bids, self._asks):
            self._venue_top_differs(last)
        return self.trusted

    def _venue_top_differs(self, last: RawChange) -> None:
        """After the fast path applied a price change (``bookcore``) and
        found the venue's top (of the last change) not ours, or the book
        crossed."""
        self._reconcile(
            text_price(last.best_bid), text_price(last.best_ask), "price_change"
        )

    def apply_best_bid_ask(self, event: BestBidAskEvent) -> bool:
        """The venue's top of book on its own: the same agreement rule as for
        a price change. Returns ``trusted`` afterwards."""
        self._reconcile(event.best_bid, event.best_ask, "best_bid_ask")
        return self.trusted

    def apply_tick_size_change(self, event: TickSizeChangeEvent) -> None:
        # Resting levels keep their prices; only new orders use the new tick.
        self.tick_size = event.new_tick_size
        self.updated_at = event.timestamp

    def apply_last_trade(self, event: LastTradePriceEvent) -> None:
        self.last_trade_price = event.price

    def _reconcile(
        self, venue_bid: Decimal | None, venue_ask: Decimal | None, source: str
    ) -> None:
        # None means the message did not say (old schema): nothing to check
        # on that side. 0 / 1 are the venue's words for an empty side.
        # Agreement is by far the common case, so it is checked here first.
        bids, asks = self._bids, self._asks
        if venue_bid is not None:
            top = None if venue_bid <= ZERO else venue_bid
            if bids.best != top:
                self._reconcile_side(bids, top, source)
        if venue_ask is not None:
            top = None if venue_ask >= ONE else venue_ask
            if asks.best != top:
                self._reconcile_side(asks, top, source)
        bid, ask = bids.best, asks.best
        if bid is not None and ask is not None and bid >= ask:
            self._check_not_crossed(source)

    def _reconcile_side(
        self, side: _BookSide, venue_top: Decimal | None, source: str
    ) -> None:
        name = "bid" if side.is_bid else "ask"
        ours = side.best
        if ours == venue_top:
            return
        if venue_top is None:
            # The venue says the side is empty: everything we hold there is gone.
            self.reconciled_levels += side.clear()
            return
        if ours is not None and side.is_better(ours, venue_top):
            self.reconciled_levels += side.remove_better_than(venue_top)
            ours = side.best
        if ours != venue_top:
            # The venue has a level we never heard of (or lost one we cannot
            # tell the size of): only a snapshot can fix that.
            self.mark_untrusted(f"{source}: venue best {name} {venue_top}, ours {ours}")

    def _check_not_crossed(self, source: str) -> None:
        bid, ask = self._bids.best, self._asks.best
        if bid is not None and ask is not None and bid >= ask:
            self.mark_untrusted(f"{source}: crossed book, bid {bid} >= ask {ask}")

    # --- queries ------------------------------------------------------------------

    def _side(self, side: Side) -> _BookSide:
        return self._bids if side == _BUY else self._asks

    @property
    def best_bid(self) -> PriceLevel | None:
        return self._bids.best_level()

    @property
    def best_ask(self) -> PriceLevel | None:
        return self._asks.best_level()

    @property
    def midpoint(self) -> Decimal | None:
        bid, ask = self._bids.best, self._asks.best
        if bid is None or ask is None:
            return None
        return (bid + ask) / 2

    @property
    def microprice(self) -> Decimal | None:
        """Size-weighted mid: leans towards the side with less size, which is
        the side more likely to be taken out next."""
        bid, ask = self.best_bid, self.best_ask
        if bid is None or ask is None:
            return None
        return (bid.price * ask.size + ask.price * bid.size) / (bid.size + ask.size)

    @property
    def spread(self) -> Decimal | None:
        bid, ask = self._bids.best, self._asks.best
        if bid is None or ask is None:
            return None
        return ask - bid

    def levels(self, side: Side, n: int | None = None) -> list[PriceLevel]:
        """The top ``n`` (all if ``None``) levels of a book side, best first.
        ``Side.BUY`` = bids (highest first), ``Side.SELL`` = asks (lowest first)."""
        return [
            PriceLevel(price=price, size=size)
            for price, size in self._side(side).top(n)
        ]

    def top(self, side: Side, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """``levels`` as plain (price, size) pairs: the same levels, without
        building a ``PriceLevel`` for each (the publisher asks for every
        changed book several times a second)."""
        return self._side(side).top(n)

    def depth(self, side: Side, to_price: Decimal | None = None) -> Decimal:
        """Shares resting on a book side at ``to_price`` or better (all if
        ``None``): ``Side.BUY`` = bids at or above, ``Side.SELL`` = asks at or
        below ``to_price``."""
        book_side = self._side(side)
        total = ZERO
        for price, size in book_side.best_first():
            if to_price is not None and book_side.is_better(to_price, price):
                break
            total += size
        return total

    def walk(
        self,
        side: Side,
        size: Decimal | None = None,
        notional: Decimal | None = None,
        limit_price: Decimal | None = None,
    ) -> WalkResult:
        """What a marketable order of ``side`` would fill against this book.

        A BUY walks the asks upwards, a SELL the bids downwards, never past
        ``limit_price``. Give ``size`` (shares) or ``notional`` (cash spent on
        a BUY, received on a SELL), or neither to take everything up to the
        limit (then ``fully_filled`` is True). Fees are not included.
        Raises ``ValueError`` for both targets or a negative one."""
        if size is not None and notional is not None:
            raise ValueError("walk takes size or notional, not both")
        target = size if size is not None else notional
        if target is not None and target < ZERO:
            raise ValueError("walk target must not be negative")
        book_side = self._asks if side == Side.BUY else self._bids
        remaining = target
        filled = ZERO
        spent = ZERO
        used: list[PriceLevel] = []
        for price, available in book_side.best_first():
            if remaining is not None and remaining <= ZERO:
                break
            if limit_price is not None and book_side.is_better(limit_price, price):
                break
            if remaining is None:
                take, cost = available, price * available
            elif size is not None:
                take = min(available, remaining)
                cost = price * take
                remaining -= take
            elif price * available <= remaining or price <= ZERO:
                take, cost = available, price * available
                remaining -= cost
            else:
                # The cash runs out inside this level: spend exactly what is
                # left, so the notional is exact and only the share count
                # carries the division's rounding.
                take, cost = remaining / price, remaining
                remaining = ZERO
            filled += take
            spent += cost
            used.append(PriceLevel(price=price, size=take))
        return WalkResult(
            filled_size=filled,
            average_price=spent / filled if filled > ZERO else None,
            notional=spent,
            levels_used=used,
            fully_filled=remaining is None or remaining <= ZERO,
        )


class BookRegistry:
    """All books of one market-channel consumer, by asset (token) id."""

    def __init__(self) -> None:
        self._books: dict[str, OrderBook] = {}

    def __contains__(self, asset_id: object) -> bool:
        return asset_id in self._books

    def __getitem__(self, asset_id: str) -> OrderBook:
        return self._books[asset_id]

    def __len__(self) -> int:
        return len(self._books)

    def __iter__(self) -> Iterator[OrderBook]:
        return iter(list(self._books.values()))

    def asset_ids(self) -> list[str]:
        return sorted(self._books)

    def get(self, asset_id: str) -> OrderBook | None:
        return self._books.get(asset_id)

    def book(self, asset_id: str, market: str = "") -> OrderBook:
        """The book of ``asset_id``, created (untrusted) if new."""
        existing = self._books.get(asset_id)
        if existing is None:
            existing = self._books[asset_id] = OrderBook(asset_id, market)
        elif market and not existing.market:
            existing.market = market
        return existing

    def text_ingester(
        self,
        dirty: set[str],
        watched: Mapping[str, object],
        trade: Callable[[str, LastTradePriceFrame], object],
    ) -> Callable[[str | bytes], bool]:
        """The stream's whole path for most of its messages, in one compiled
        call (``bookcore.ingest_text``). A price change's text is decoded,
        vetted and applied as ``apply_frame`` applies its frame; a last
        trade's is decoded, vetted, handed to ``trade(asset_id, frame)`` (the
        publisher's queue) and set as its book's last price. Either way its
        tokens are added to ``dirty``. It returns False, with nothing done,
        for every other text, and for a token in ``watched`` (resting paper
        orders, which take the event before the book changes) or without its
        book: those are parsed the usual way. ``dirty`` and ``watched`` are
        held, so they must be changed in place, never replaced."""
        return partial(
            bookcore.ingest_text,
            PRICE_CHANGE_DECODE,
            FRAME_DECODE,
            LastTradePriceFrame,
            VETTED_NUMBERS,
            self._books,
            dirty,
            watched,
            trade,
        )

    def discard(self, asset_id: str) -> None:
        """Forget a book, e.g. after unsubscribing from its token."""
        self._books.pop(asset_id, None)

    def mark_all_untrusted(self, asset_ids: Iterable[str] | None, reason: str) -> None:
        """Untrust the books of ``asset_ids`` (every book if ``None``), e.g.
        after a reconnect. Unknown ids get an untrusted book, so a later
        ``price_change`` cannot make them look valid."""
        for asset_id in self.asset_ids() if asset_ids is None else asset_ids:
            self.book(asset_id).mark_untrusted(reason)

    def _only_book(
        self, changes: Sequence[PriceChange], market: str
    ) -> OrderBook | None:
        """The book of a price change's changes when they are all of one
        token (most of the stream: then there is nothing to group), else
        None."""
        asset_id = bookcore.one_asset(tuple(changes))
        if asset_id is None:
            return None
        book = self._books.get(asset_id)
        if book is None or not book.market:
            book = self.book(asset_id, market)
        return book

    def apply_frame(self, frame: MarketFrame) -> tuple[str, ...]:
        """Apply one of the fast path's vetted frames (``parse_market_items``)
        as ``apply`` applies its event, without building the event for the
        kinds that make up the stream: price changes, snapshots and last
        trades. Returns the asset ids it touched."""
        if type(frame) is PriceChangeFrame:
            changes = frame.price_changes
            # Most of the stream: each token's changes applied as a batch by
            # the compiled core (a frame usually carries both of a market's).
            done = _apply_price_change(self._books, changes, frame.timestamp)
            if type(done) is tuple:
                return done
            if done is None:  # a token without a book (or market) yet
                return self._apply_frame_changes_by_token(frame)
            # Applied, but some books' venue tops differ: the ids, then each
            # such book and the change that carried its venue top.
            ids, *differs = done
            for book, last in zip(differs[::2], differs[1::2], strict=True):
                book._venue_top_differs(last)
            return ids
        elif type(frame) is LastTradePriceFrame:  # the next commonest
            asset_id = frame.asset_id
            book = self._books.get(asset_id)
            if book is None or not book.market:
                book = self.book(asset_id, frame.market)
            price = frame.price
            book.last_trade_price = _VETTED_PRICES.get(price) or PRICES.get(price)
            return (asset_id,)
        elif type(frame) is BookFrame:
            self.book(frame.asset_id, frame.market).apply_book_frame(frame)
            return (frame.asset_id,)
        return self.apply(frame.event())

    def _apply_frame_changes_by_token(self, frame: PriceChangeFrame) -> tuple[str, ...]:
        """``apply_frame`` for a price change the compiled core left: the
        books are created (and given their market) first, as ``apply`` does."""
        by_token: dict[str, list[RawChange]] = {}
        for change in frame.price_changes:
            by_token.setdefault(change.asset_id, []).append(change)
        for asset_id, changes in by_token.items():
            book = self.book(asset_id, frame.market)
            book.apply_frame_changes(tuple(changes), frame.timestamp)
        return tuple(by_token)

    def apply(self, event: MarketEvent | StreamReconnected) -> tuple[str, ...]:
        """Route one event to its books; return the asset ids it touched."""
        if type(event) is PriceChangeEvent:
            book = self._only_book(event.changes, event.market)
            if book is not None:
                book._apply_own_changes(event.changes, event.timestamp)
                return (book.asset_id,)
        if isinstance(event, BookEvent):
            snapshot = event.snapshot
            self.book(snapshot.asset_id, snapshot.market).apply_snapshot(snapshot)
            return (snapshot.asset_id,)
        if isinstance(event, PriceChangeEvent):
            # One event may carry changes for both tokens of a market; each
            # token's changes are applied as a batch (see apply_price_changes).
            by_asset: dict[str, list[PriceChange]] = {}
            for change in event.changes:
                by_asset.setdefault(change.asset_id, []).append(change)
            for asset_id, changes in by_asset.items():
                self.book(asset_id, event.market).apply_price_changes(
                    changes, event.timestamp
                )
            return tuple(by_asset)
        if isinstance(event, TickSizeChangeEvent):
            self.book(event.asset_id, event.market).apply_tick_size_change(event)
            return (event.asset_id,)
        if isinstance(event, LastTradePriceEvent):
            self.book(event.asset_id, event.market).apply_last_trade(event)
            return (event.asset_id,)
        if isinstance(event, BestBidAskEvent):
            self.book(event.asset_id, event.market).apply_best_bid_ask(event)
            return (event.asset_id,)
        if isinstance(event, MarketResolvedEvent):
            # A resolved market's book no longer prices anything tradable.
            known = [a for a in event.asset_ids if a in self._books]
            for asset_id in known:
                self._books[asset_id].mark_untrusted("market resolved")
            return tuple(known)
        if isinstance(event, StreamReconnected):
            if event.channel != "market":
                return ()
            ids = event.asset_ids or tuple(self.asset_ids())
            self.mark_all_untrusted(
                ids, f"reconnected: {event.reason or 'stream replaced'}"
            )
            return tuple(ids)
        if isinstance(event, NewMarketEvent):
            return ()
        return ()
