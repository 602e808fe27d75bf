"""What the positions page shows for each position (issue 6): the mark and
unrealized P&L, what selling everything into the current bids would raise
after fees, and how much of the position still waits for on-chain
settlement. Rows are built in bulk: one query for the fills, one cache read
for the books and one for the marks, whatever the number of positions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Count, Q, Sum

from markets.live import book_views_get
from markets.models import Market, Outcome
from orders.book_walk import book_walk
from orders.models import Fill, SettlementStatus
from orders.paper.fees import FeeCurve, market_fee_curve
from polybot.lib.types import Side
from portfolio.marks import marks_for
from portfolio.models import Position
from portfolio.pnl import micro

ZERO = Decimal("0")
HUNDRED = Decimal("100")
_PERCENT_PLACES = Decimal("0.01")

# Matched on the venue but not final on chain yet: such a fill can still
# fail and be reversed out of the position (DESIGN §4 "Fills ledger").
PROVISIONAL_SETTLEMENT = (
    SettlementStatus.MATCHED,
    SettlementStatus.MINED,
    SettlementStatus.RETRYING,
)


@dataclass(frozen=True)
class Liquidation:
    """Selling the position into the bids of the live book, best first."""

    size: Decimal  # shares the bids absorb; less than held when they run out
    proceeds: Decimal  # before fees
    fee: Decimal  # the taker fee, charged per price level like a real walk
    held: Decimal

    @property
    def value(self) -> Decimal:
        return self.proceeds - self.fee

    @property
    def complete(self) -> bool:
        return self.size == self.held


def liquidation_walk(
    bids: list[tuple[Decimal, Decimal]], *, size: Decimal, curve: FeeCurve
) -> Liquidation:
    """Sell ``size`` shares into ``bids`` (best first), as a marketable sell
    would: each level pays its own price and its own taker fee."""
    walk = book_walk(bids, side=Side.SELL, size=size, curve=curve)
    return Liquidation(
        size=walk.size, proceeds=micro(walk.notional), fee=walk.fee, held=size
    )


@dataclass(frozen=True)
class SettlingFills:
    """The position's fills not final on chain yet."""

    count: int
    size: Decimal
    retrying: int  # the venue is retrying their settlement


@dataclass(frozen=True)
class PositionRow:
    position: Position
    mark: Decimal | None  # midpoint, else the last synced price
    liquidation: Liquidation | None  # None without a live book
    book_trusted: bool
    settling: SettlingFills | None  # None when every fill is final

    @property
    def pk(self) -> int:
        return self.position.pk

    @property
    def market(self) -> Market:
        return self.position.market

    @property
    def outcome(self) -> Outcome:
        return self.position.outcome

    @property
    def size(self) -> Decimal:
        return self.position.size

    @property
    def average_entry_price(self) -> Decimal:
        return self.position.average_entry_price

    @property
    def cost_basis(self) -> Decimal:
        return self.position.cost_basis

    @property
    def realized_pnl(self) -> Decimal:
        return self.position.realized_pnl

    @property
    def fees_paid(self) -> Decimal:
        return self.position.fees_paid

    @property
    def net_realized_pnl(self) -> Decimal:
        return self.position.net_realized_pnl

    @property
    def value(self) -> Decimal | None:
        return None if self.mark is None else micro(self.size * self.mark)

    @property
    def unrealized_pnl(self) -> Decimal | None:
        unrealized = self.position.unrealized_pnl(self.mark)
        return None if unrealized is None else micro(unrealized)

    @property
    def unrealized_percent(self) -> Decimal | None:
        """Unrealized P&L as a percentage of what the shares cost."""
        return percent_of(self.unrealized_pnl, self.cost_basis)

    @property
    def liquidation_value(self) -> Decimal | None:
        return None if self.liquidation is None else self.liquidation.value


def percent_of(part: Decimal | None, whole: Decimal) -> Decimal | None:
    if part is None or whole == ZERO:
        return None
    return (part * HUNDRED / whole).quantize(_PERCENT_PLACES, ROUND_HALF_EVEN)


def settling_fills(position_ids: list[int]) -> dict[int, SettlingFills]:
    """Provisional fills per position, in one grouped query."""
    if not position_ids:
        return {}
    groups = (
        Fill.objects.filter(
            position_id__in=position_ids,
            settlement_status__in=PROVISIONAL_SETTLEMENT,
            reversed_at__isnull=True,
        )
        .values("position_id")
        .annotate(
            count=Count("id"),
            size=Sum("size"),
            retrying=Count("id", filter=Q(settlement_status=SettlementStatus.RETRYING)),
        )
        .order_by()
    )
    return {
        group["position_id"]: SettlingFills(
            count=group["count"], size=group["size"], retrying=group["retrying"]
        )
        for group in groups
    }


def position_rows(positions: list[Position]) -> list[PositionRow]:
    """Rows for open positions (loaded with ``market`` and ``outcome``)."""
    marks = marks_for(positions)
    books = book_views_get([p.outcome.token_id for p in positions])
    settling = settling_fills([p.pk for p in positions])
    rows = []
    for position in positions:
        book = books.get(position.outcome.token_id)
        liquidation = None
        if book is not None:
            liquidation = liquidation_walk(
                book.bids,
                size=position.size,
                curve=market_fee_curve(position.market),
            )
        rows.append(
            PositionRow(
                position=position,
                mark=marks.get(position.outcome_id),
                liquidation=liquidation,
                book_trusted=book is not None and book.trusted,
                settling=settling.get(position.pk),
            )
        )
    return rows


@dataclass(frozen=True)
class PositionTotals:
    """Sums over the open positions, and the account figures the API's
    ``PositionsSummary`` reports (``realized``, ``fees``, ``net_pnl``,
    ``value``, ``unrealized`` equal its totals)."""

    open_positions: int
    # At mark; a position without a mark counts at cost, as in the API.
    value: Decimal
    cost: Decimal
    unrealized: Decimal  # over the positions with a mark
    unmarked: int
    open_realized: Decimal
    open_fees: Decimal
    liquidation_value: Decimal  # over the positions with a live book
    # Positions the bids cannot take whole, or that have no live book.
    liquidation_short: int
    settling_fills: int
    # Every position of the mode, open or closed (the API's realized and fees).
    realized: Decimal
    fees: Decimal
    cash: Decimal | None  # paper only: live cash is on chain
    cash_reserved: Decimal | None

    @property
    def unrealized_percent(self) -> Decimal | None:
        return percent_of(self.unrealized, self.cost)

    @property
    def open_net_realized(self) -> Decimal:
        return self.open_realized - self.open_fees

    @property
    def net_pnl(self) -> Decimal:
        """Realized minus fees plus unrealized: the API's ``net_pnl``."""
        return self.realized - self.fees + self.unrealized

    @property
    def equity(self) -> Decimal | None:
        return None if self.cash is None else self.cash + self.value


def position_totals(
    rows: list[PositionRow],
    *,
    realized: Decimal,
    fees: Decimal,
    cash: Decimal | None = None,
    cash_reserved: Decimal | None = None,
) -> PositionTotals:
    value = cost = unrealized = open_realized = open_fees = liquidation = ZERO
    unmarked = short = settling = 0
    for row in rows:
        cost += row.cost_basis
        open_realized += row.realized_pnl
        open_fees += row.fees_paid
        if row.mark is None:
            unmarked += 1
            value += row.cost_basis
        else:
            value += row.size * row.mark
            unrealized += row.size * row.mark - row.cost_basis
        if row.liquidation is None or not row.liquidation.complete:
            short += 1
        if row.liquidation is not None:
            liquidation += row.liquidation.value
        if row.settling is not None:
            settling += row.settling.count
    return PositionTotals(
        open_positions=len(rows),
        value=micro(value),
        cost=cost,
        unrealized=micro(unrealized),
        unmarked=unmarked,
        open_realized=open_realized,
        open_fees=open_fees,
        liquidation_value=liquidation,
        liquidation_short=short,
        settling_fills=settling,
        realized=realized,
        fees=fees,
        cash=cash,
        cash_reserved=cash_reserved,
    )


@dataclass(frozen=True)
class ClosedPositionRow:
    position: Position
    settling: SettlingFills | None  # a sell still settling can reopen it

    @property
    def won(self) -> bool | None:
        """Whether the held outcome won its market; None until it resolved."""
        winner = self.position.market.winning_outcome_id
        return None if winner is None else winner == self.position.outcome_id


def closed_position_rows(positions: list[Position]) -> list[ClosedPositionRow]:
    settling = settling_fills([p.pk for p in positions])
    return [ClosedPositionRow(p, settling.get(p.pk)) for p in positions]
