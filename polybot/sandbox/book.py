"""The unified order book of one binary market.

Polymarket keeps one book per market: a BUY of the complement at ``q`` is the
same liquidity as a SELL of the first outcome at ``1 - q`` (matched by minting
or merging a full set). Everything here is in "YES space" (outcome 0); the
payloads for the complement token are mirrored when written.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from polybot.sandbox.models import Market, Order, Side

ONE = Decimal(1)


def yes_view(
    market: Market, token_id: str, side: Side, price: Decimal
) -> tuple[Side, Decimal]:
    """Where an order on ``token_id`` sits in the unified book."""
    if market.is_yes(token_id):
        return side, price
    return side.opposite, ONE - price


def own_price(market: Market, token_id: str, yes_price: Decimal) -> Decimal:
    return yes_price if market.is_yes(token_id) else ONE - yes_price


@dataclass(frozen=True)
class LevelChange:
    """A level's new aggregate size in YES space and the top of book right after.

    ``by_trade`` marks a change a match caused (a maker filled): the venue
    sends those as the ``book`` it re-sends after trades, not as a
    ``price_change`` (API.md §8)."""

    side: Side
    price: Decimal
    size: Decimal
    best_bid: Decimal | None
    best_ask: Decimal | None
    by_trade: bool = False


@dataclass(frozen=True)
class PlannedFill:
    maker: Order
    size: Decimal
    yes_price: Decimal


class UnifiedBook:
    def __init__(self, market: Market) -> None:
        self.market = market
        self._levels: dict[Side, dict[Decimal, deque[Order]]] = {
            Side.BUY: {},
            Side.SELL: {},
        }
        self._where: dict[str, tuple[Side, Decimal]] = {}
        # Level changes since the engine last drained them (for ``price_change``).
        self.changes: list[LevelChange] = []

    # --- reads -------------------------------------------------------------

    def best(self, side: Side) -> Decimal | None:
        prices = self._levels[side]
        if not prices:
            return None
        return max(prices) if side is Side.BUY else min(prices)

    def best_bid(self) -> Decimal | None:
        return self.best(Side.BUY)

    def best_ask(self) -> Decimal | None:
        return self.best(Side.SELL)

    def level_size(self, side: Side, price: Decimal) -> Decimal:
        return sum((o.remaining for o in self._levels[side].get(price, ())), Decimal(0))

    def levels(self, side: Side) -> list[tuple[Decimal, Decimal]]:
        """Aggregated levels, best first."""
        prices = sorted(self._levels[side], reverse=side is Side.BUY)
        return [(p, self.level_size(side, p)) for p in prices]

    def orders(self) -> Iterator[Order]:
        for side in (Side.BUY, Side.SELL):
            for queue in self._levels[side].values():
                yield from queue

    def __contains__(self, order_id: str) -> bool:
        return order_id in self._where

    def midpoint(self) -> Decimal | None:
        bid, ask = self.best_bid(), self.best_ask()
        if bid is None or ask is None:
            return None
        return (bid + ask) / 2

    # --- matching ------------------------------------------------------------

    def plan(self, side: Side, limit: Decimal, size: Decimal) -> list[PlannedFill]:
        """Fills a taker on ``side`` up to ``limit`` would get now, price-time priority.

        Pure: the book is not touched, so callers can refuse FOK, post-only and
        balance failures before anything happens."""
        opposite = self._levels[side.opposite]
        prices = sorted(opposite, reverse=side is Side.SELL)
        fills: list[PlannedFill] = []
        left = size
        for price in prices:
            crosses = price <= limit if side is Side.BUY else price >= limit
            if not crosses or left <= 0:
                break
            for maker in opposite[price]:
                if left <= 0:
                    break
                take = min(left, maker.remaining)
                fills.append(PlannedFill(maker=maker, size=take, yes_price=price))
                left -= take
        return fills

    def crosses(self, side: Side, limit: Decimal) -> bool:
        best = self.best(side.opposite)
        if best is None:
            return False
        return best <= limit if side is Side.BUY else best >= limit

    # --- writes ------------------------------------------------------------

    def add(self, order: Order, side: Side, price: Decimal) -> None:
        self._levels[side].setdefault(price, deque()).append(order)
        self._where[order.id] = (side, price)
        self._record(side, price)

    def remove(self, order: Order, *, by_trade: bool = False) -> None:
        side, price = self._where.pop(order.id)
        queue = self._levels[side][price]
        queue.remove(order)
        if not queue:
            del self._levels[side][price]
        self._record(side, price, by_trade=by_trade)

    def filled(self, order: Order) -> None:
        """A resting order's remaining size changed; drop it when nothing is left."""
        side, price = self._where[order.id]
        if order.remaining <= 0:
            self.remove(order, by_trade=True)
        else:
            self._record(side, price, by_trade=True)

    def clear(self) -> list[Order]:
        removed = list(self.orders())
        for order in removed:
            self.remove(order)
        return removed

    def _record(self, side: Side, price: Decimal, *, by_trade: bool = False) -> None:
        self.changes.append(
            LevelChange(
                side,
                price,
                self.level_size(side, price),
                self.best_bid(),
                self.best_ask(),
                by_trade,
            )
        )

    def drain_changes(self) -> list[LevelChange]:
        changes, self.changes = self.changes, []
        return changes
