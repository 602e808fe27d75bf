"""One incoming paper order against the current book (DESIGN §4 "Paper matching").

Pure: the caller passes the book (its live L2 levels), the liquidity earlier
paper orders already took from this book version, and the market's fee curve.

* A marketable order walks the opposite side best-first (a BUY the asks priced
  at or below its limit, a SELL the bids at or above it) and executes at each
  level's own price, one ``Execution`` per level, partial fills across levels.
* Liquidity a paper order took is not taken again until the book updates: the
  caller keeps ``taken`` (price -> shares consumed) for the book version, adds
  each result's ``taken`` to it, and clears it when the book changes. One map
  per token is enough, since bid and ask prices never coincide in one book.
* FOK fills completely or not at all, FAK fills what it can and kills the rest,
  GTC/GTD fill what crosses and rest the remainder at the back of the queue.
* A post-only order that could execute at all is rejected, as is a post-only
  FOK/FAK (the venue accepts post-only only on GTC/GTD).

Killing is not rejecting: a killed FOK or FAK is an accepted order that ended
with (some) size unfilled, so ``rejected`` stays None and ``kill_reason`` says
why. The venue itself answers an unfillable FOK, and a FAK that matches
nothing, with an error; the gateway decides how to present those two.

Sizes are never rounded: an execution takes whatever the book offers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from orders.paper.fees import taker_fee
from polybot.lib.types import Side

ZERO = Decimal("0")

GTC, GTD, FOK, FAK = "GTC", "GTD", "FOK", "FAK"
RESTING_TYPES = frozenset({GTC, GTD})
ORDER_TYPES = frozenset({GTC, GTD, FOK, FAK})

# ``MatchResult.rejected``: the order is refused and nothing happens.
POST_ONLY_WOULD_CROSS = "POST_ONLY_WOULD_CROSS"
POST_ONLY_NOT_RESTING = "POST_ONLY_NOT_RESTING"  # post-only on a FOK/FAK
# ``MatchResult.kill_reason``: the order was accepted but size was killed.
FOK_NOT_FILLABLE = "FOK_NOT_FILLABLE"  # the whole FOK, nothing executed
FAK_NO_MATCH = "FAK_NO_MATCH"  # the whole FAK, nothing to match
FAK_REMAINDER = "FAK_REMAINDER"  # the part of a FAK the book could not fill


class PriceSize(Protocol):
    """Anything with a price and a size: ``Level`` or the stream book's
    ``PriceLevel`` can be passed as they are."""

    @property
    def price(self) -> Decimal: ...

    @property
    def size(self) -> Decimal: ...


@dataclass(frozen=True)
class Level:
    price: Decimal
    size: Decimal


@dataclass(frozen=True)
class IncomingOrder:
    side: str  # "BUY" | "SELL"
    order_type: str  # "GTC" | "GTD" | "FOK" | "FAK"
    price: Decimal  # limit: the worst price the order accepts
    size: Decimal  # shares
    post_only: bool = False


@dataclass(frozen=True)
class Execution:
    """A taker execution at one price level (makers' price), fee included."""

    price: Decimal
    size: Decimal
    fee: Decimal


@dataclass(frozen=True)
class MatchResult:
    executions: tuple[Execution, ...]  # best price first
    resting_size: Decimal  # GTC/GTD remainder that rests on the book
    killed_size: Decimal  # FOK/FAK size that will never fill
    rejected: str | None  # reason code when refused; then nothing else happened
    taken: tuple[Level, ...]  # this order's consumption per opposite price level
    queue_ahead: Decimal  # venue size ahead of the resting remainder, else 0
    kill_reason: str | None = None  # why killed_size is not 0

    @property
    def filled_size(self) -> Decimal:
        return sum((e.size for e in self.executions), ZERO)

    @property
    def notional(self) -> Decimal:
        return sum((e.price * e.size for e in self.executions), ZERO)

    @property
    def total_fee(self) -> Decimal:
        return sum((e.fee for e in self.executions), ZERO)

    @property
    def average_price(self) -> Decimal | None:
        """Size-weighted price (full context precision, not rounded)."""
        filled = self.filled_size
        return self.notional / filled if filled else None


def match_incoming(
    order: IncomingOrder,
    *,
    bids: Sequence[PriceSize],
    asks: Sequence[PriceSize],
    taken: Mapping[Decimal, Decimal],
    fee_rate: Decimal,
    fee_exponent: Decimal,
) -> MatchResult:
    """Match ``order`` against the book; see the module docstring for the rules."""
    _validate(order)
    if order.post_only and order.order_type not in RESTING_TYPES:
        return _rejected(POST_ONLY_NOT_RESTING)
    buying = order.side == Side.BUY
    available = _available(asks if buying else bids, order, taken)
    if order.post_only and available:
        return _rejected(POST_ONLY_WOULD_CROSS)
    consumed = _walk(available, order.size)
    filled = sum((level.size for level in consumed), ZERO)
    remainder = order.size - filled
    if order.order_type == FOK and remainder > 0:
        return MatchResult(
            executions=(),
            resting_size=ZERO,
            killed_size=order.size,
            rejected=None,
            taken=(),
            queue_ahead=ZERO,
            kill_reason=FOK_NOT_FILLABLE,
        )
    executions = tuple(
        Execution(
            price=level.price,
            size=level.size,
            fee=taker_fee(
                shares=level.size,
                price=level.price,
                rate=fee_rate,
                exponent=fee_exponent,
            ),
        )
        for level in consumed
    )
    if order.order_type in RESTING_TYPES:
        ahead = (
            _level_size(bids if buying else asks, order.price) if remainder else ZERO
        )
        return MatchResult(
            executions=executions,
            resting_size=remainder,
            killed_size=ZERO,
            rejected=None,
            taken=consumed,
            queue_ahead=ahead,
        )
    return MatchResult(
        executions=executions,
        resting_size=ZERO,
        killed_size=remainder,
        rejected=None,
        taken=consumed,
        queue_ahead=ZERO,
        kill_reason=_fak_kill_reason(filled, remainder),
    )


def merge_taken(
    taken: Mapping[Decimal, Decimal], consumed: Iterable[PriceSize]
) -> dict[Decimal, Decimal]:
    """``taken`` plus one result's ``taken``: the map for the next paper order."""
    merged = dict(taken)
    for level in consumed:
        merged[level.price] = merged.get(level.price, ZERO) + level.size
    return merged


def _validate(order: IncomingOrder) -> None:
    if order.side not in (Side.BUY, Side.SELL):
        raise ValueError(f"unknown side {order.side!r}")
    if order.order_type not in ORDER_TYPES:
        raise ValueError(f"unknown order type {order.order_type!r}")
    if order.size <= 0:
        raise ValueError("order size must be positive")


def _rejected(reason: str) -> MatchResult:
    return MatchResult(
        executions=(),
        resting_size=ZERO,
        killed_size=ZERO,
        rejected=reason,
        taken=(),
        queue_ahead=ZERO,
    )


def _available(
    opposite: Sequence[PriceSize],
    order: IncomingOrder,
    taken: Mapping[Decimal, Decimal],
) -> list[Level]:
    """The opposite levels the order may take, best first, net of ``taken``.

    Levels are merged by price and sorted here: the caller's order is not
    trusted (the venue's own snapshots are not consistently sorted)."""
    buying = order.side == Side.BUY
    sizes = _by_price(opposite)
    crossing = [p for p in sizes if (p <= order.price if buying else p >= order.price)]
    levels = []
    for price in sorted(crossing, reverse=not buying):
        left = sizes[price] - taken.get(price, ZERO)
        if left > 0:
            levels.append(Level(price=price, size=left))
    return levels


def _walk(available: list[Level], size: Decimal) -> tuple[Level, ...]:
    consumed = []
    left = size
    for level in available:
        if left <= 0:
            break
        take = min(left, level.size)
        consumed.append(Level(price=level.price, size=take))
        left -= take
    return tuple(consumed)


def _level_size(levels: Sequence[PriceSize], price: Decimal) -> Decimal:
    return _by_price(levels).get(price, ZERO)


def _by_price(levels: Sequence[PriceSize]) -> dict[Decimal, Decimal]:
    sizes: dict[Decimal, Decimal] = {}
    for level in levels:
        if level.size > 0:
            sizes[level.price] = sizes.get(level.price, ZERO) + level.size
    return sizes


def _fak_kill_reason(filled: Decimal, remainder: Decimal) -> str | None:
    if remainder == 0:
        return None
    return FAK_NO_MATCH if filled == 0 else FAK_REMAINDER
