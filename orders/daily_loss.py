"""The daily-loss halt, tripped by watching the accounts (DESIGN §4: a loss
reaching the limit "halts new orders until re-armed").

The risk rules trip it too, but only when a buy is checked: an account that
only sells, or whose strategies only rest orders that then fill against it,
would keep trading past its limit with nobody told. Every account that holds
positions or has open orders is checked here, so the halt and its
notification arrive within one run of the loss.

A trader who re-arms after a daily-loss halt has chosen to go on today (to
sell down, say): the watcher leaves that account alone until the next UTC
day. A buy that breaches the limit still halts it again, as before.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from accounts.models import AuditAction, AuditLog, BotSettings
from accounts.services import audit_log_record
from alerts.models import NotificationLevel
from alerts.services import notification_create
from orders.locks import user_trading_lock
from orders.risk import daily_loss_breached
from orders.risk_inputs import HALT_DAILY_LOSS
from orders.services import trading_halt
from polybot.lib.time import start_of_utc_day
from portfolio.marks import active_accounts, daily_pnl
from portfolio.pnl import micro

logger = logging.getLogger(__name__)


def daily_loss_watch(*, now: datetime) -> list[int]:
    """Halt every watched account whose loss today reached its limit;
    returns the ids of the users halted by this run."""
    accounts = active_accounts()
    limited = set(
        BotSettings.objects.filter(
            user_id__in={user_id for user_id, _ in accounts},
            max_daily_loss__gt=0,
            trading_halted=False,
        ).values_list("user_id", flat=True)
    )
    rearmed = set(
        AuditLog.objects.filter(
            user_id__in=limited,
            action=AuditAction.REARM,
            created_at__gte=start_of_utc_day(now),
            data__was=HALT_DAILY_LOSS,
        ).values_list("user_id", flat=True)
    )
    watched = limited - rearmed
    halted: list[int] = []
    for user_id, mode in sorted(accounts):
        if user_id not in watched or user_id in halted:
            continue
        try:
            if _check(user_id, mode, now=now):
                halted.append(user_id)
        except Exception:
            # One account's marks (a missing book, a database blip) must not
            # keep the others from being checked.
            logger.exception("daily-loss check of user %s (%s) failed", user_id, mode)
    return halted


def _check(user_id: int, mode: str, *, now: datetime) -> bool:
    with transaction.atomic():
        # Under the trading lock, like an order's check: the figures are
        # read between fills, and the halt lands before the next order.
        bot = user_trading_lock(user_id)
        if bot.trading_halted or bot.max_daily_loss <= 0:
            return False
        pnl = daily_pnl(bot.user, mode, now=now)
        if not daily_loss_breached(daily_pnl=pnl, max_daily_loss=bot.max_daily_loss):
            return False
        trading_halt(bot, HALT_DAILY_LOSS)
        loss, limit = micro(-pnl), bot.max_daily_loss
        audit_log_record(
            user=bot.user,
            action=AuditAction.TRADING_HALT,
            obj=bot,
            message=f"Daily loss ${loss:,.2f} reached the ${limit:,.2f} limit:"
            " trading halted",
            data={"reason": HALT_DAILY_LOSS, "mode": mode, "loss": str(loss)},
        )
        notification_create(
            user_id=user_id,
            title="Trading halted: daily loss limit reached",
            body=(
                f"Today's {mode} loss of ${loss:,.2f} reached your ${limit:,.2f}"
                " limit. New orders are refused until you re-arm trading;"
                " open orders keep working."
            ),
            level=NotificationLevel.WARNING,
            link="/orders",
        )
    return True
