"""Resetting the paper account's cash to its starting balance.

Open paper buys reserve cash (``portfolio.cash``): a reset under them could
leave less cash than they may still spend, and a later fill would then
drive the balance below zero. So the reset cancels the open paper orders
first, and refuses if any is still open. Paper positions are kept: they are
holdings, not cash, and selling them later credits the new balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import AuditAction, User
from accounts.services import audit_log_record
from orders.locks import user_trading_lock
from orders.models import ACTIVE_ORDER_STATUSES, Order
from orders.services import order_cancel_all
from polybot.exceptions import ConflictError
from polybot.lib.types import TradingMode
from portfolio.cash import paper_cash_reset

PAPER_ORDERS_STILL_OPEN = (
    "{count} paper order{s} could not be cancelled, so the balance was not "
    "reset. Try again in a moment."
)


@dataclass(frozen=True)
class PaperReset:
    balance: Decimal
    cancelled_orders: int


def paper_balance_reset(*, user: User) -> PaperReset:
    """Cancel the open paper orders, then set paper cash to the user's
    ``paper_starting_balance``. Raises ``ConflictError`` (nothing reset)
    when an order could not be cancelled. Never touches live orders."""
    cancelled = order_cancel_all(user=user, mode=TradingMode.PAPER)
    with transaction.atomic():
        # Under the trading lock no new order or fill can land between the
        # check and the reset.
        bot = user_trading_lock(user)
        still_open = Order.objects.filter(
            user=user, mode=TradingMode.PAPER, status__in=ACTIVE_ORDER_STATUSES
        ).count()
        if still_open:
            raise ConflictError(
                PAPER_ORDERS_STILL_OPEN.format(
                    count=still_open, s="" if still_open == 1 else "s"
                ),
                code="paper_orders_open",
            )
        entry = paper_cash_reset(user, balance=bot.paper_starting_balance)
        audit_log_record(
            user=user,
            action=AuditAction.SETTINGS_CHANGE,
            obj=entry,
            message=f"Paper balance reset to {_plain(entry.balance_after)}",
            data={
                "paper_balance_reset": _plain(entry.balance_after),
                "previous_balance": _plain(entry.balance_after - entry.amount),
                "cancelled_orders": cancelled,
            },
        )
    return PaperReset(balance=entry.balance_after, cancelled_orders=cancelled)


def _plain(amount: Decimal) -> str:
    """2500.000000 → "2500", 750.250000 → "750.25"."""
    return format(amount.normalize(), "f")
