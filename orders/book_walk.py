"""Taking liquidity from one side of a visible order book, best level first,
as a marketable order would: each level fills at its own price and charges
its own taker fee (the venue charges per trade, one trade per level).

Used by the ticket's preview (what a marketable order would fill now) and
the positions page (what selling a position into the bids would raise), so
both read a book the same way. Pure: no ORM, no cache. The paper matcher
(``orders.paper.matching``) walks on its own because it must also skip the
liquidity earlier paper orders took.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from orders.paper.fees import FeeCurve
from polybot.lib.types import Side

ZERO = Decimal("0")


@dataclass(frozen=True)
class BookWalk:
    """``size`` shares filled for ``notional`` (level prices, not rounded)
    and ``fee`` (each level's fee, rounded as the venue rounds it)."""

    size: Decimal
    notional: Decimal
    fee: Decimal

    @property
    def average_price(self) -> Decimal | None:
        """Size-weighted price (full precision); None when nothing fills."""
        return self.notional / self.size if self.size > ZERO else None


def book_walk(
    levels: Iterable[tuple[Decimal, Decimal]],
    *,
    side: str,
    size: Decimal,
    curve: FeeCurve,
    limit: Decimal | None = None,
) -> BookWalk:
    """Fill up to ``size`` shares from ``levels`` (the side a ``side`` order
    takes from: asks for a buy, bids for a sell; best first), stopping at
    the first level beyond ``limit`` (no limit: as deep as the book goes)."""
    filled = notional = fee = ZERO
    for price, available in levels:
        if filled >= size or (limit is not None and not _crosses(side, price, limit)):
            break
        taken = min(available, size - filled)
        if taken <= ZERO:
            continue  # an empty level charges no fee
        filled += taken
        notional += taken * price
        fee += curve.fee(shares=taken, price=price)
    return BookWalk(size=filled, notional=notional, fee=fee)


def _crosses(side: str, price: Decimal, limit: Decimal) -> bool:
    return price <= limit if side == Side.BUY else price >= limit
