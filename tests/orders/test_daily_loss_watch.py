"""The daily-loss watcher: the halt trips when the loss reaches the limit,
whatever the account is doing, not only when a buy is checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AuditAction, AuditLog
from accounts.selectors import bot_settings_get
from alerts.models import Notification
from orders.daily_loss import daily_loss_watch
from orders.models import Order
from orders.services import OrderRequest, order_place, trading_rearm
from orders.tasks import orders_daily_loss_watch
from polybot.lib.time import utc_now
from tests.orders.conftest import set_book

D = Decimal
pytestmark = pytest.mark.django_db


def limit_loss(user, limit: str) -> None:
    bot = bot_settings_get(user=user)
    bot.max_daily_loss = D(limit)
    bot.save()


def buy_then_fall(user, market, yes, run_commits) -> None:
    """100 Yes bought at 0.50 (50.00 and a 0.50 fee); the book then falls
    to a 0.405 mid: −9.50 unrealized, −10.00 with the fee."""
    set_book(yes.token_id, bids=[("0.48", "1000")], asks=[("0.50", "1000")])
    request = OrderRequest(
        market_id=market.pk, token_id=yes.token_id, side="BUY", price=D("0.50"),
        size=D("100"), order_type="FOK",
    )  # fmt: skip
    run_commits(lambda: order_place(user=user, request=request))
    set_book(yes.token_id, bids=[("0.40", "1000")], asks=[("0.41", "1000")])


def test_it_halts_an_account_whose_loss_reached_the_limit_without_an_order(
    trader, market, yes, run_commits
) -> None:
    limit_loss(trader, "10")
    buy_then_fall(trader, market, yes, run_commits)
    orders = Order.objects.count()

    assert daily_loss_watch(now=utc_now()) == [trader.pk]

    bot = bot_settings_get(user=trader)
    assert (bot.trading_halted, bot.halt_reason) == (True, "daily_loss")
    assert Order.objects.count() == orders  # nothing was placed to find out
    audit = AuditLog.objects.get(action=AuditAction.TRADING_HALT)
    assert audit.message == (
        "Daily loss $10.00 reached the $10.00 limit: trading halted"
    )
    note = Notification.objects.get(user=trader)
    assert (note.title, note.level) == (
        "Trading halted: daily loss limit reached",
        "warning",
    )
    assert note.body == (
        "Today's paper loss of $10.00 reached your $10.00 limit. New orders are"
        " refused until you re-arm trading; open orders keep working."
    )
    # Already halted: the next run does nothing more.
    assert daily_loss_watch(now=utc_now()) == []
    assert Notification.objects.filter(user=trader).count() == 1


def test_it_leaves_an_account_under_its_limit_trading(
    trader, market, yes, run_commits
) -> None:
    limit_loss(trader, "10.01")
    buy_then_fall(trader, market, yes, run_commits)

    assert orders_daily_loss_watch() == 0

    assert bot_settings_get(user=trader).trading_halted is False
    assert not Notification.objects.filter(user=trader).exists()


def test_it_leaves_an_account_without_a_limit_trading(
    trader, market, yes, run_commits
) -> None:
    limit_loss(trader, "0")
    buy_then_fall(trader, market, yes, run_commits)

    assert daily_loss_watch(now=utc_now()) == []


def test_a_trader_who_re_armed_today_is_not_halted_again_by_the_watcher(
    trader, market, yes, run_commits
) -> None:
    limit_loss(trader, "10")
    buy_then_fall(trader, market, yes, run_commits)
    assert daily_loss_watch(now=utc_now()) == [trader.pk]

    trading_rearm(user=trader)

    # Re-armed to sell down: the watcher respects it for the rest of the day.
    assert daily_loss_watch(now=utc_now()) == []
    assert bot_settings_get(user=trader).trading_halted is False
