"""Paper cash (DESIGN §4): a ledger whose running balance never goes below
zero, with open buys reserving what they may spend.

Live cash is on chain (pUSD); the venue reports it, we never book it here.
Callers hold the user's trading lock (``orders.locks.user_trading_lock``)
so two writers cannot both read the same balance and append after it.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Sum

from accounts.models import User
from orders.models import ACTIVE_ORDER_STATUSES, Order
from polybot.lib.types import Side, TradingMode
from portfolio.models import CashEntryKind, CashLedgerEntry
from portfolio.pnl import micro

ZERO = Decimal("0")


def paper_cash_balance(user: User) -> Decimal:
    """The paper balance; an account that never traded starts funded with
    its configured starting balance (booked on first use)."""
    last = (
        CashLedgerEntry.objects.filter(user=user, mode=TradingMode.PAPER)
        # Ids follow insertion, and inserts are serialised by the lock.
        .order_by("-id")
        .values_list("balance_after", flat=True)
        .first()
    )
    if last is None:
        return _fund(user).balance_after
    return last


def paper_cash_reserved(user: User) -> Decimal:
    """What open paper buys may still spend: remaining size × limit price."""
    return open_buy_reservation(user, TradingMode.PAPER)


def open_buy_reservation(
    user: User, mode: str, *, market_id: int | None = None
) -> Decimal:
    orders = Order.objects.filter(
        user=user, mode=mode, side=Side.BUY, status__in=ACTIVE_ORDER_STATUSES
    )
    if market_id is not None:
        orders = orders.filter(market_id=market_id)
    total = orders.aggregate(
        total=Sum(
            ExpressionWrapper(
                (F("size") - F("filled_size")) * F("price"),
                output_field=DecimalField(max_digits=30, decimal_places=12),
            )
        )
    )["total"]
    return micro(total or ZERO)


def paper_cash_post(
    user: User,
    *,
    kind: str,
    amount: Decimal,
    order: Order | None = None,
    fill_id: int | None = None,
    memo: str = "",
) -> CashLedgerEntry:
    """Append one movement; the database refuses a negative balance."""
    balance = paper_cash_balance(user)
    return CashLedgerEntry.objects.create(
        user=user,
        mode=TradingMode.PAPER,
        kind=kind,
        amount=micro(amount),
        balance_after=micro(balance + amount),
        order=order,
        fill_id=fill_id,
        memo=memo[:255],
    )


def paper_cash_reset(user: User, *, balance: Decimal) -> CashLedgerEntry:
    """Set the paper balance to ``balance`` (the user's starting balance)."""
    current = paper_cash_balance(user)
    return CashLedgerEntry.objects.create(
        user=user,
        mode=TradingMode.PAPER,
        kind=CashEntryKind.RESET,
        amount=micro(balance - current),
        balance_after=micro(balance),
        memo="Paper balance reset",
    )


def _fund(user: User) -> CashLedgerEntry:
    from accounts.selectors import bot_settings_get

    starting = bot_settings_get(user=user).paper_starting_balance
    return CashLedgerEntry.objects.create(
        user=user,
        mode=TradingMode.PAPER,
        kind=CashEntryKind.DEPOSIT,
        amount=starting,
        balance_after=starting,
        memo="Starting paper balance",
    )
