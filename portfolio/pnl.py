"""Average-cost position accounting (DESIGN §4 "Positions and P&L"), pure.

Long-only per outcome token. The cost basis is kept exactly and the average
entry price derived from it, so a long run of fills never drifts by the
rounding of an average:

* BUY ``q`` at ``p``: ``cost += q·p``, ``size += q``
  (equivalently ``avg ← (size·avg + q·p)/(size+q)``).
* SELL ``q`` at ``p``: the shares sold carry ``cost·q/size`` of the basis;
  ``realized += q·p − that``, ``size −= q``.
* Fees are kept apart: ``net realized = realized − fees``.
* Unrealized ``= size·mark − cost`` (= ``size·(mark − avg)``).
* Resolution pays 1 per winning share and 0 per losing one into realized.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal

ZERO = Decimal("0")
ONE = Decimal("1")
_MICRO = Decimal("0.000001")


def micro(amount: Decimal) -> Decimal:
    """pUSD has 6 decimals on chain; money columns keep the same."""
    return amount.quantize(_MICRO, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class PositionBook:
    size: Decimal = ZERO
    cost: Decimal = ZERO
    realized: Decimal = ZERO
    fees: Decimal = ZERO

    @property
    def average_price(self) -> Decimal:
        if self.size == ZERO:
            return ZERO
        return micro(self.cost / self.size)

    @property
    def net_realized(self) -> Decimal:
        return self.realized - self.fees

    def unrealized(self, mark: Decimal | None) -> Decimal | None:
        if mark is None:
            return None
        return micro(self.size * mark - self.cost)


class OversoldError(ValueError):
    """A sell of more shares than are held: the ledger is out of step."""


def apply_buy(
    book: PositionBook, *, size: Decimal, price: Decimal, fee: Decimal
) -> PositionBook:
    return replace(
        book,
        size=book.size + size,
        cost=micro(book.cost + size * price),
        fees=book.fees + fee,
    )


def apply_sell(
    book: PositionBook, *, size: Decimal, price: Decimal, fee: Decimal
) -> PositionBook:
    if size > book.size:
        raise OversoldError(f"selling {size} of {book.size} held")
    released = book.cost if size == book.size else micro(book.cost * size / book.size)
    return replace(
        book,
        size=book.size - size,
        cost=book.cost - released,
        realized=micro(book.realized + size * price - released),
        fees=book.fees + fee,
    )


def apply_settlement(
    book: PositionBook, *, payout_per_share: Decimal
) -> tuple[PositionBook, Decimal]:
    """Settle at 1 (won) or 0 (lost); returns the book and the payout."""
    payout = micro(book.size * payout_per_share)
    settled = replace(
        book, size=ZERO, cost=ZERO, realized=book.realized + payout - book.cost
    )
    return settled, payout
