"""The fills ledger as CSV, for tax and accounting.

One row per fill, amounts as exact decimal strings, and the cash each fill
moved computed the way the paper ledger books it (``orders.fills``): the
notional rounded to pUSD's 6 decimals, a BUY pays notional plus fee, a SELL
receives notional minus fee.

The rows are produced by an async generator that reads the ledger in keyset
batches, so the server (ASGI) sends a long ledger as it reads it instead of
building the whole file in memory.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

from asgiref.sync import sync_to_async
from django.db.models import Q, QuerySet

from orders.models import Fill
from polybot.lib.types import Side
from portfolio.pnl import micro

HEADER = [
    "matched_at",
    "mode",
    "market_question",
    "condition_id",
    "outcome",
    "token_id",
    "side",
    "price",
    "size",
    "notional",
    "fee",
    "net_cash_flow",
    "role",
    "settlement_status",
    "venue_trade_id",
    "tx_hash",
    "order_id",
]
BATCH_SIZE = 500
# A spreadsheet reads a cell starting with one of these as a formula
# (OWASP "CSV injection"); market questions come from the venue.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def fill_cash_flow(fill: Fill) -> tuple[Decimal, Decimal]:
    """(notional, net cash flow) of one fill, as the paper ledger books it.
    A reversed fill (its settlement failed) moved no cash: summing the
    column gives what really changed hands."""
    notional = micro(fill.price * fill.size)
    if fill.reversed_at is not None:
        return notional, Decimal("0.000000")
    net = -(notional + fill.fee) if fill.side == Side.BUY else notional - fill.fee
    return notional, net


def fill_csv_row(fill: Fill) -> list[str]:
    notional, net = fill_cash_flow(fill)
    return [
        _utc_iso(fill.matched_at),
        fill.mode,
        _text(fill.market.question),
        _text(fill.market.condition_id),
        _text(fill.outcome.label),
        _text(fill.outcome.token_id),
        fill.side,
        _decimal(fill.price),
        _decimal(fill.size),
        _decimal(notional),
        _decimal(fill.fee),
        _decimal(net),
        fill.role,
        fill.settlement_status,
        _text(fill.venue_trade_id),
        _text(fill.tx_hash),
        str(fill.order_id) if fill.order_id is not None else "",
    ]


async def fill_csv_stream(fills: QuerySet[Fill]) -> AsyncIterator[str]:
    """The header, then the fills of ``fills`` newest first, a batch at a
    time."""
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    after: tuple[datetime, int] | None = None
    while True:
        batch = await sync_to_async(_batch)(fills, after)
        if batch:
            yield "".join(writer.writerow(fill_csv_row(fill)) for fill in batch)
        if len(batch) < BATCH_SIZE:
            return
        after = (batch[-1].matched_at, batch[-1].pk)


def _batch(fills: QuerySet[Fill], after: tuple[datetime, int] | None) -> list[Fill]:
    if after is not None:
        matched_at, pk = after
        fills = fills.filter(
            Q(matched_at__lt=matched_at) | Q(matched_at=matched_at, pk__lt=pk)
        )
    return list(fills.order_by("-matched_at", "-id")[:BATCH_SIZE])


class _Echo:
    """A file-like object whose write returns what it was given, so
    ``csv.writer`` formats rows without buffering them."""

    def write(self, value: str) -> str:
        return value


def _decimal(value: Decimal) -> str:
    # Fixed-point, never scientific ("0E-6"), and never "-0".
    return f"{value:f}" if value else f"{abs(value):f}"


def _text(value: str) -> str:
    if value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
