"""Where resting paper orders stand in the venue's queue, on one token
(DESIGN §4 "Paper matching").

A paper order is not on the venue, so it never trades against anyone: it is a
phantom placed behind the venue size that was at its price when it was
placed (``queue_ahead``). Market events move it forward and fill it:

* A trade at its price first consumes the queue ahead; the volume beyond it
  fills the order (at its price). Paper orders at one price share a trade in
  time priority: volume that filled an earlier paper order is gone for a later
  one, and the rest also consumes the later one's queue ahead.
* A trade through its price (below a BUY's limit, above a SELL's) means the
  whole level was swept: the order fills completely at its own price.
* A level that shrinks is first explained by the trades seen at that price
  since the level's last update (their volume already left the queue); only
  the rest is cancellation, which is spread evenly over the level, so the
  queue ahead shrinks in proportion. A level that grows moves nobody: new
  orders join behind. The queue ahead stays within [0, level size].
* A level on the opposite side that crosses a resting order's price (an ask
  at or below a BUY's limit, a bid at or above a SELL's) without trading it
  is an incoming order that, on the venue, would have hit ours: its size
  fills the order at the order's own price (``crossing_fills``), whatever
  the queue ahead says (no venue order can rest where that level crosses
  it). Paper orders take crossing size best price first, then in time
  priority. Crossing size that has filled a paper order, or that was
  already there when the order joined (the paper gateway matched against
  it, or it is stale), is used up: only new size at that level fills again.
  A trade at a level that crosses an order is a taker taking that level,
  not a sweep of ours: it neither fills the order nor moves its queue.

Maker fills pay no fee.

Known approximation: events are attributed by arrival order only. If the
venue reports a level's decrease before the trade that caused it, the
decrease counts as cancellation and the trade then consumes the queue again,
so fills come early (optimistic); the trade's volume then waits to explain
the level's next decrease, which shrinks the queue too little there.

Sizes are exact Decimals; the proportional shrink divides, so it carries the
context's 28 significant digits rather than a fixed number of places.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from orders.paper.matching import PriceSize
from polybot.lib.types import Side

ZERO = Decimal("0")

OrderId = int | str


@dataclass(frozen=True)
class RestingOrder:
    order_id: OrderId
    side: str  # "BUY" | "SELL"
    price: Decimal
    remaining: Decimal
    queue_ahead: Decimal


@dataclass(frozen=True)
class MakerFill:
    order_id: OrderId
    price: Decimal  # the resting order's own limit price
    size: Decimal


class RestingQueue:
    """The paper orders resting on one token, in time priority, plus the
    last-known venue level sizes and the trade volume not yet seen in them."""

    def __init__(self) -> None:
        # Insertion order is time priority; replacing a value keeps its place.
        self._orders: dict[OrderId, RestingOrder] = {}
        self._levels: dict[tuple[str, Decimal], Decimal] = {}
        # Per price: trade volume since that level's last update.
        self._traded: dict[Decimal, Decimal] = {}
        # Per level: size that crosses paper orders and is used up (it
        # filled them, or was there when they joined).
        self._used: dict[tuple[str, Decimal], Decimal] = {}

    # --- the orders ----------------------------------------------------------

    def add(
        self,
        order_id: OrderId,
        *,
        side: str,
        price: Decimal,
        remaining: Decimal,
        queue_ahead: Decimal,
    ) -> RestingOrder:
        """Rest an order at the back of its price (``MatchResult.queue_ahead``).

        When this queue has no size for that level yet, the queue ahead is
        taken as the level's size: by definition it was, at placement.
        Opposite levels that cross the order now are used up for it (see the
        module docstring)."""
        side = Side(side).value  # one spelling, whether given "BUY" or Side.BUY
        if order_id in self._orders:
            raise ValueError(f"order {order_id!r} is already resting")
        if remaining <= 0 or queue_ahead < 0:
            raise ValueError("remaining must be positive and queue_ahead not negative")
        order = RestingOrder(
            order_id=order_id,
            side=side,
            price=price,
            remaining=remaining,
            queue_ahead=queue_ahead,
        )
        self._orders[order_id] = order
        if queue_ahead > 0:
            self._levels.setdefault((side, price), queue_ahead)
        for key in self._crossing_levels(order):
            self._used[key] = self._levels[key]
        return order

    def remove(self, order_id: OrderId) -> RestingOrder | None:
        """Forget an order (cancelled, expired); None if it is not here."""
        return self._orders.pop(order_id, None)

    def orders(self) -> tuple[RestingOrder, ...]:
        """The resting orders in time priority. Filled ones are gone."""
        return tuple(self._orders.values())

    def get(self, order_id: OrderId) -> RestingOrder | None:
        return self._orders.get(order_id)

    def level_size(self, side: str, price: Decimal) -> Decimal:
        """The last-known venue size at one level (0 if none)."""
        return self._levels.get((Side(side).value, price), ZERO)

    # --- market events -------------------------------------------------------

    def on_trade(self, *, price: Decimal, size: Decimal) -> list[MakerFill]:
        """A venue trade of ``size`` at ``price``: the maker fills it causes.

        Each side at ``price`` gets the trade's whole volume: only one of them
        can hold venue orders there, and that is the side the trade hit."""
        if size <= 0:
            return []
        self._traded[price] = self._traded.get(price, ZERO) + size
        pool = {Side.BUY.value: size, Side.SELL.value: size}
        fills = []
        for order in list(self._orders.values()):
            if self._took_crossing_level(order, price):
                continue
            if _traded_through(order, price):
                ahead, fill = order.queue_ahead, order.remaining
            elif order.price == price:
                volume = pool[order.side]
                consumed = min(order.queue_ahead, volume)
                ahead = order.queue_ahead - consumed
                fill = min(order.remaining, volume - consumed)
                pool[order.side] = volume - fill
            else:
                continue
            if fill > 0:
                fills.append(
                    MakerFill(order_id=order.order_id, price=order.price, size=fill)
                )
            self._update(order, remaining=order.remaining - fill, queue_ahead=ahead)
        return fills

    def on_level(self, *, side: str, price: Decimal, new_size: Decimal) -> None:
        """One level's new aggregate size (a ``price_change``; 0 = removed)."""
        side = Side(side).value
        old = self.level_size(side, price)
        self._apply_level(side, price, old, new_size, self._traded.pop(price, ZERO))
        self._store_level(side, price, new_size)

    def on_book(self, *, bids: Sequence[PriceSize], asks: Sequence[PriceSize]) -> None:
        """A full snapshot: every level it does not list has size 0."""
        new: dict[tuple[str, Decimal], Decimal] = {}
        for side, levels in ((Side.BUY.value, bids), (Side.SELL.value, asks)):
            for level in levels:
                key = (side, level.price)
                new[key] = new.get(key, ZERO) + level.size
        for key in set(self._levels) | set(new):
            side, price = key
            self._apply_level(
                side,
                price,
                self._levels.get(key, ZERO),
                new.get(key, ZERO),
                self._traded.get(price, ZERO),
            )
        self._traded.clear()
        self._levels = {key: size for key, size in new.items() if size > 0}
        self._used = {
            key: min(used, self._levels[key])
            for key, used in self._used.items()
            if key in self._levels
        }

    def crossing_fills(self) -> list[MakerFill]:
        """The maker fills that opposite levels crossing our orders cause
        now; call it after ``on_level`` / ``on_book``. Each crossing share
        fills once."""
        fills = []
        for side in (Side.BUY.value, Side.SELL.value):
            # A seller hits the highest bid first (a buyer the lowest ask);
            # the sort is stable, so time priority holds within a price.
            orders = sorted(
                (o for o in self._orders.values() if o.side == side),
                key=lambda o: -o.price if side == Side.BUY else o.price,
            )
            for order in orders:
                fill = ZERO
                # Levels only this order reaches first, so orders at worse
                # prices keep what they can reach.
                for key in self._crossing_levels(order):
                    free = self._levels[key] - self._used.get(key, ZERO)
                    take = min(free, order.remaining - fill)
                    if take > 0:
                        self._used[key] = self._used.get(key, ZERO) + take
                        fill += take
                if fill > 0:
                    fills.append(
                        MakerFill(order_id=order.order_id, price=order.price, size=fill)
                    )
                    self._update(
                        order,
                        remaining=order.remaining - fill,
                        queue_ahead=order.queue_ahead,
                    )
        return fills

    # --- internals -----------------------------------------------------------

    def _took_crossing_level(self, order: RestingOrder, price: Decimal) -> bool:
        """Whether a trade at ``price`` took an opposite level that crosses
        ``order`` (an ask at or below a BUY): a taker on our side of the
        book, which neither fills nor moves us."""
        if (_opposite(order.side), price) not in self._levels:
            return False
        if order.side == Side.BUY:
            return price <= order.price
        return price >= order.price

    def _crossing_levels(self, order: RestingOrder) -> list[tuple[str, Decimal]]:
        """Opposite levels that cross ``order``, nearest its price first."""
        if order.side == Side.BUY:
            keys = [
                (s, p) for s, p in self._levels if s == Side.SELL and p <= order.price
            ]
        else:
            keys = [
                (s, p) for s, p in self._levels if s == Side.BUY and p >= order.price
            ]
        return sorted(keys, key=lambda k: k[1], reverse=order.side == Side.BUY)

    def _apply_level(
        self, side: str, price: Decimal, old: Decimal, new: Decimal, traded: Decimal
    ) -> None:
        """Shrink the queue ahead of our orders at one level for its change.

        ``base`` is the level the trades left; the cancelled part of it is
        spread evenly, so an order keeps ``new / base`` of its queue ahead (an
        order at the back, whose queue ahead is the whole level, ends with
        exactly the new size ahead)."""
        explained = min(max(old - new, ZERO), traded)
        base = old - explained
        cancelled = base > new
        for order in list(self._orders.values()):
            if order.side != side or order.price != price:
                continue
            ahead = order.queue_ahead
            if cancelled and base > 0:
                ahead = ahead * new / base
            ahead = max(ZERO, min(ahead, new))
            if ahead != order.queue_ahead:
                self._update(order, remaining=order.remaining, queue_ahead=ahead)

    def _store_level(self, side: str, price: Decimal, size: Decimal) -> None:
        key = (side, price)
        if size > 0:
            self._levels[key] = size
            if key in self._used:
                # Shares that left are taken from the free part first (the
                # cautious reading): only growth past the used part is new.
                self._used[key] = min(self._used[key], size)
        else:
            self._levels.pop(key, None)
            self._used.pop(key, None)

    def _update(
        self, order: RestingOrder, *, remaining: Decimal, queue_ahead: Decimal
    ) -> None:
        if remaining <= 0:
            del self._orders[order.order_id]
        else:
            self._orders[order.order_id] = replace(
                order, remaining=remaining, queue_ahead=queue_ahead
            )


def _opposite(side: str) -> str:
    return Side.SELL.value if side == Side.BUY else Side.BUY.value


def _traded_through(order: RestingOrder, price: Decimal) -> bool:
    if order.side == Side.BUY:
        return price < order.price
    return price > order.price
