"""Every pre-trade rule (DESIGN §4 "Risk engine", ``orders.risk``) reached
through ``order_place`` with the state the services read: the paper ledger,
positions, open orders, the live book in Redis, the market row and settings.
Each rule has one order just inside its limit (accepted) and one just outside
(rejected with its code, nothing persisted)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache

from accounts.models import AuditAction, AuditLog
from accounts.selectors import bot_settings_get
from accounts.services import credential_store, user_set_trading_mode
from markets.live import book_view_set
from orders import risk
from orders.errors import OrderRejectedError
from orders.fills import FillReport, fill_apply
from orders.models import Order, OrderStatus
from orders.services import (
    OrderRequest,
    kill_switch_engage,
    order_place,
    trading_rearm,
)
from polybot.lib.time import utc_now
from portfolio.tasks import portfolio_day_start_snapshots
from tests.factories.accounts import WalletFactory
from tests.factories.markets import MarketFactory, OutcomeFactory
from tests.orders.conftest import set_book

D = Decimal
pytestmark = pytest.mark.django_db


def order(market, outcome, side, price, size, order_type="GTC", **kw) -> OrderRequest:
    return OrderRequest(
        market_id=market.pk,
        token_id=outcome.token_id,
        side=side,
        price=D(price),
        size=D(size),
        order_type=order_type,
        **kw,
    )


def place(user, request, run_commits=None) -> Order:
    if run_commits is None:
        return order_place(user=user, request=request)
    placed = run_commits(lambda: order_place(user=user, request=request))
    return Order.objects.get(pk=placed.pk)


def rejected(user, request) -> list[risk.RiskViolation]:
    """The violations of a rejected order; checks nothing was persisted."""
    before = Order.objects.count()
    with pytest.raises(OrderRejectedError) as caught:
        order_place(user=user, request=request)
    assert Order.objects.count() == before
    return list(caught.value.violations)


def codes(violations: list[risk.RiskViolation]) -> list[str]:
    return [v.code for v in violations]


def settings_update(user, **values) -> None:
    bot = bot_settings_get(user=user)
    for name, value in values.items():
        setattr(bot, name, value)
    bot.save()


@pytest.fixture
def book(yes, no):
    """Both tokens quoted 0.48 / 0.50, deep enough for every test."""
    set_book(yes.token_id, bids=[("0.48", "5000")], asks=[("0.50", "5000")])
    set_book(no.token_id, bids=[("0.48", "5000")], asks=[("0.50", "5000")])


# --- exposure ------------------------------------------------------------------------


def test_max_order_notional(trader, market, yes, book) -> None:
    # Limit $500 (the trader fixture). 0.40 · 1251 = 500.40 is over it.
    violations = rejected(trader, order(market, yes, "BUY", "0.40", "1251"))
    assert violations == [
        risk.RiskViolation(
            risk.MAX_NOTIONAL,
            "This order is worth $500.40, over your limit of $500.00 per order.",
            "size",
        )
    ]
    # 0.40 · 1250 = 500.00 is exactly the limit.
    assert place(trader, order(market, yes, "BUY", "0.40", "1250")).pk


def test_max_position_per_market_counts_holdings_and_open_buys(
    trader, market, yes, no, book, run_commits
) -> None:
    settings_update(trader, paper_starting_balance=D("5000"))
    # Held: 200 @ 0.50 = 100.00 of cost; resting: 0.40 · 1250 = 500.00.
    place(trader, order(market, yes, "BUY", "0.50", "200", "FOK"), run_commits)
    place(trader, order(market, no, "BUY", "0.40", "1250"), run_commits)
    # 600 + 0.40 · 500 = 800.00: exactly the limit (the trader fixture's).
    assert place(trader, order(market, yes, "BUY", "0.40", "500")).pk
    # 800 + 0.01 · 5 = 800.05, over it.
    violations = rejected(trader, order(market, no, "BUY", "0.01", "5"))
    assert violations == [
        risk.RiskViolation(
            risk.MAX_POSITION,
            "This order would take your position in this market to $800.05, "
            "over the limit of $800.00.",
            "size",
        )
    ]
    # Another market is another limit.
    other = MarketFactory(tick_size=D("0.01"), min_order_size=D("5"))
    other_yes = OutcomeFactory(market=other, token_id="2001")
    assert place(trader, order(other, other_yes, "BUY", "0.40", "5")).pk


def test_max_open_positions_counts_held_tokens_and_tokens_being_bought(
    trader, market, yes, no, book, run_commits
) -> None:
    settings_update(trader, max_open_positions=2)
    other = MarketFactory(tick_size=D("0.01"), min_order_size=D("5"))
    other_yes = OutcomeFactory(market=other, token_id="2001")
    place(trader, order(market, yes, "BUY", "0.50", "10", "FOK"), run_commits)
    # One held (YES); a resting buy of NO would make the second.
    assert place(trader, order(market, no, "BUY", "0.40", "10"), run_commits).pk
    # A third token would be one too many once that buy fills.
    violations = rejected(trader, order(other, other_yes, "BUY", "0.40", "10"))
    assert violations == [
        risk.RiskViolation(
            risk.MAX_OPEN_POSITIONS,
            risk.RISK_MAX_OPEN_POSITIONS.format(count=2),
        )
    ]
    # Adding to a token already held or being bought opens nothing new.
    assert place(trader, order(market, yes, "BUY", "0.40", "10")).pk
    assert place(trader, order(market, no, "BUY", "0.40", "10")).pk


def test_available_balance_counts_open_buy_reservations(
    trader, market, yes, no, book, run_commits
) -> None:
    settings_update(trader, max_position_per_market=D("5000"))
    # Reserved: 0.40 · 1250 = 500.00 and 0.40 · 1237 = 494.80 → 5.20 left of 1000.
    place(trader, order(market, yes, "BUY", "0.40", "1250"), run_commits)
    place(trader, order(market, no, "BUY", "0.40", "1237"), run_commits)
    # 0.41 · 13 = 5.33 > 5.20
    violations = rejected(trader, order(market, yes, "BUY", "0.41", "13"))
    assert violations == [
        risk.RiskViolation(
            risk.BALANCE,
            "This order needs $5.33 but only $5.20 is available after open orders.",
            "size",
        )
    ]
    # 0.40 · 13 = 5.20: all that is left.
    assert place(trader, order(market, yes, "BUY", "0.40", "13")).pk
    assert codes(rejected(trader, order(market, yes, "BUY", "0.01", "5"))) == [
        risk.BALANCE
    ]


def test_a_marketable_buy_must_also_cover_its_taker_fee(
    trader, market, yes, book, run_commits
) -> None:
    settings_update(trader, paper_starting_balance=D("10"))
    # 20 @ 0.50 = 10.00, fee 20 · 0.02 · 0.25 = 0.10: needs 10.10 of 10.00.
    violations = rejected(trader, order(market, yes, "BUY", "0.50", "20", "FOK"))
    assert codes(violations) == [risk.BALANCE]
    assert violations[0].message == (
        "This order needs $10.10 but only $10.00 is available after open orders."
    )
    # 19.8 @ 0.50 = 9.90, fee 19.8 · 0.005 = 0.099: 9.999 fits.
    filled = place(
        trader, order(market, yes, "BUY", "0.50", "19.8", "FOK"), run_commits
    )
    assert filled.status == OrderStatus.FILLED
    assert filled.fees_paid == D("0.099")


def test_a_sell_cannot_exceed_what_is_held_after_other_open_sells(
    trader, market, yes, book, run_commits
) -> None:
    place(trader, order(market, yes, "BUY", "0.50", "100", "FOK"), run_commits)
    resting = place(trader, order(market, yes, "SELL", "0.70", "60"), run_commits)
    assert resting.status == OrderStatus.OPEN
    # 100 held − 60 already offered = 40 left to sell.
    violations = rejected(trader, order(market, yes, "SELL", "0.70", "41"))
    assert violations == [
        risk.RiskViolation(
            risk.SELL_MORE_THAN_HELD,
            "You can sell at most 40 shares (after your other open sells).",
            "size",
        )
    ]
    assert place(trader, order(market, yes, "SELL", "0.70", "40")).pk


def test_a_sell_of_a_token_never_held_is_refused(trader, market, yes, book) -> None:
    violations = rejected(trader, order(market, yes, "SELL", "0.70", "5"))
    assert violations == [
        risk.RiskViolation(
            risk.SELL_MORE_THAN_HELD,
            "You can sell at most 0 shares (after your other open sells).",
            "size",
        )
    ]


# --- the order's shape ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "code"),
    [
        ("0.01", None),  # the lowest price on a 0.01 tick
        ("0.005", risk.PRICE_BOUNDS),
        ("0.45", None),
        ("0.451", risk.OFF_TICK),
    ],
)
def test_price_bounds_and_tick(trader, market, yes, book, price, code) -> None:
    request = order(market, yes, "BUY", price, "10")
    if code is None:
        assert place(trader, request).price == D(price)
    else:
        assert [(v.code, v.field) for v in rejected(trader, request)] == [
            (code, "price")
        ]


def test_min_size_for_a_resting_order(trader, market, yes, book) -> None:
    violations = rejected(trader, order(market, yes, "BUY", "0.45", "4.99"))
    assert violations == [
        risk.RiskViolation(
            risk.MIN_SIZE, "Size must be at least 5 shares in this market.", "size"
        )
    ]
    assert place(trader, order(market, yes, "BUY", "0.45", "5")).size == D("5")


def test_a_crossing_gtc_below_min_size_is_rejected(trader, market, yes, book) -> None:
    # 0.50 crosses the 0.50 ask; 0.50 · 4.99 = 2.495 is worth a dollar, but a
    # limit order that happens to be marketable still needs 5 shares.
    violations = rejected(trader, order(market, yes, "BUY", "0.50", "4.99"))
    assert violations == [
        risk.RiskViolation(
            risk.MIN_SIZE, "Size must be at least 5 shares in this market.", "size"
        )
    ]


def test_a_crossing_gtc_below_min_size_and_a_dollar_is_rejected_for_both(
    trader, market, yes, book
) -> None:
    # 0.50 · 1.98 = 0.99
    violations = rejected(trader, order(market, yes, "BUY", "0.50", "1.98"))
    assert violations == [
        risk.RiskViolation(
            risk.MIN_SIZE, "Size must be at least 5 shares in this market.", "size"
        ),
        risk.RiskViolation(
            risk.MIN_NOTIONAL,
            "Orders that take liquidity must be worth at least $1.",
            "size",
        ),
    ]


def test_a_fok_below_min_size_worth_a_dollar_fills(
    trader, market, yes, book, run_commits
) -> None:
    # 0.50 · 2 = 1.00: under the 5-share minimum, which market orders skip.
    filled = place(trader, order(market, yes, "BUY", "0.50", "2", "FOK"), run_commits)
    assert (filled.status, filled.size) == (OrderStatus.FILLED, D("2"))


def test_a_marketable_order_must_be_worth_a_dollar(
    trader, market, yes, book, run_commits
) -> None:
    # 1.98 · 0.50 = 0.99
    violations = rejected(trader, order(market, yes, "BUY", "0.50", "1.98", "FOK"))
    assert violations == [
        risk.RiskViolation(
            risk.MIN_NOTIONAL,
            "Orders that take liquidity must be worth at least $1.",
            "size",
        )
    ]
    # 2 · 0.50 = 1.00
    filled = place(trader, order(market, yes, "BUY", "0.50", "2", "FOK"), run_commits)
    assert filled.status == OrderStatus.FILLED


# --- the market ----------------------------------------------------------------------


def test_a_market_that_is_not_active_takes_no_orders(trader, market, yes, book) -> None:
    market.status = "closed"
    market.save()
    assert rejected(trader, order(market, yes, "BUY", "0.45", "10")) == [
        risk.RiskViolation(
            risk.MARKET_NOT_ACTIVE, "This market is closed; it takes no new orders."
        )
    ]


def test_a_market_not_accepting_orders_takes_none(trader, market, yes, book) -> None:
    market.accepting_orders = False
    market.save()
    assert codes(rejected(trader, order(market, yes, "BUY", "0.45", "10"))) == [
        risk.NOT_ACCEPTING
    ]
    market.accepting_orders = True
    market.save()
    assert place(trader, order(market, yes, "BUY", "0.45", "10")).pk


def test_no_new_exposure_near_the_end_date(
    trader, market, yes, book, run_commits
) -> None:
    # POLYBOT_RISK_NO_NEW_EXPOSURE_HOURS is 1.
    market.end_date = utc_now() + timedelta(hours=1, minutes=1)
    market.save()
    place(trader, order(market, yes, "BUY", "0.50", "10", "FOK"), run_commits)

    market.end_date = utc_now() + timedelta(minutes=59)
    market.save()
    assert rejected(trader, order(market, yes, "BUY", "0.45", "10")) == [
        risk.RiskViolation(
            risk.NEAR_END, "No new exposure within 1 hours of the market's end date."
        )
    ]
    # Reducing exposure is still allowed.
    assert place(trader, order(market, yes, "SELL", "0.70", "10")).pk


# --- the book ------------------------------------------------------------------------


def test_marketable_orders_need_a_trusted_book(
    trader, market, yes, run_commits
) -> None:
    set_book(
        yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")], trusted=False
    )
    assert rejected(trader, order(market, yes, "BUY", "0.50", "10", "FOK")) == [
        risk.RiskViolation(risk.BOOK_UNTRUSTED, risk.RISK_BOOK_UNTRUSTED)
    ]
    # A resting order does not rely on the book.
    assert place(trader, order(market, yes, "BUY", "0.45", "10")).pk
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    filled = place(trader, order(market, yes, "BUY", "0.50", "10", "FOK"), run_commits)
    assert filled.status == OrderStatus.FILLED


def test_marketable_orders_need_a_book_at_all(trader, market, yes) -> None:
    assert codes(rejected(trader, order(market, yes, "BUY", "0.50", "10", "FAK"))) == [
        risk.BOOK_UNTRUSTED
    ]


def test_marketable_orders_need_a_fresh_book(trader, market, yes) -> None:
    # POLYBOT_RISK_MAX_BOOK_AGE_SECONDS is 30.
    view = set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    old = (utc_now() - timedelta(seconds=31)).isoformat()
    book_view_set(replace(view, updated_at=old))
    assert rejected(trader, order(market, yes, "BUY", "0.50", "10", "FOK")) == [
        risk.RiskViolation(
            risk.BOOK_STALE,
            "The order book is 31 seconds old; marketable orders need a fresh book.",
        )
    ]
    recent = (utc_now() - timedelta(seconds=28)).isoformat()
    book_view_set(replace(view, updated_at=recent))
    assert place(trader, order(market, yes, "BUY", "0.50", "10", "FOK")).pk


# --- halts ---------------------------------------------------------------------------


def test_the_daily_loss_halts_buying_until_re_armed(
    trader, market, yes, run_commits
) -> None:
    settings_update(trader, max_daily_loss=D("10"))
    set_book(yes.token_id, bids=[("0.48", "1000")], asks=[("0.50", "1000")])
    # The day's first check takes the day-start snapshot (nothing held: 0).
    # 100 @ 0.50 = 50.00, fee 100 · 0.02 · 0.25 = 0.50.
    place(trader, order(market, yes, "BUY", "0.50", "100", "FOK"), run_commits)

    # Mid 0.41: unrealized 100 · 0.41 − 50 = −9.00; with the fee −9.50 > −10.
    set_book(yes.token_id, bids=[("0.40", "1000")], asks=[("0.42", "1000")])
    assert place(trader, order(market, yes, "BUY", "0.30", "5")).pk

    # Mid 0.405: unrealized 40.50 − 50 = −9.50; with the fee −10.00: the limit.
    set_book(yes.token_id, bids=[("0.40", "1000")], asks=[("0.41", "1000")])
    assert rejected(trader, order(market, yes, "BUY", "0.30", "5")) == [
        risk.RiskViolation(
            risk.DAILY_LOSS,
            "Today's loss of $10.00 has reached the daily limit of $10.00.",
        )
    ]
    bot = bot_settings_get(user=trader)
    assert (bot.trading_halted, bot.halt_reason) == (True, "daily_loss")
    # Halted: not even a sell goes through until re-armed.
    assert rejected(trader, order(market, yes, "SELL", "0.45", "10")) == [
        risk.RiskViolation(
            risk.DAILY_LOSS_HALT,
            "Trading is halted: today's loss reached the $10.00 limit. "
            "Re-arm to continue.",
        )
    ]

    trading_rearm(user=trader)

    assert bot_settings_get(user=trader).trading_halted is False
    assert AuditLog.objects.filter(action=AuditAction.REARM).count() == 1
    # Re-armed: reducing exposure works; new buying still breaches, and halts again.
    assert place(trader, order(market, yes, "SELL", "0.45", "10")).pk
    assert codes(rejected(trader, order(market, yes, "BUY", "0.30", "5"))) == [
        risk.DAILY_LOSS
    ]
    assert bot_settings_get(user=trader).trading_halted is True


def test_the_daily_loss_counts_from_the_day_start_snapshot_not_the_first_order(
    trader, market, yes
) -> None:
    settings_update(trader, max_daily_loss=D("10"))
    # Held since yesterday: 100 @ 0.50 = 50.00 (a maker fill: no fee).
    fill_apply(
        FillReport(
            venue_trade_id="overnight-1",
            user_id=trader.pk,
            mode="paper",
            outcome=yes,
            side="BUY",
            price=D("0.50"),
            size=D("100"),
            fee=D("0"),
            role="maker",
            matched_at=utc_now(),
        )
    )
    # 00:00: the scheduled task records the baseline at mid 0.50 (P&L 0).
    set_book(yes.token_id, bids=[("0.49", "1000")], asks=[("0.51", "1000")])
    assert portfolio_day_start_snapshots() == 1
    assert portfolio_day_start_snapshots() == 0  # once a day
    # Overnight the mid falls to 0.39: 100 · 0.39 − 50 = −11.00.
    set_book(yes.token_id, bids=[("0.38", "1000")], asks=[("0.40", "1000")])

    # The day's first order already sees the loss.
    assert codes(rejected(trader, order(market, yes, "BUY", "0.30", "5"))) == [
        risk.DAILY_LOSS
    ]


def test_the_kill_switch_blocks_every_order_until_re_armed(
    trader, market, yes, book
) -> None:
    kill_switch_engage(user=trader)
    assert rejected(trader, order(market, yes, "BUY", "0.45", "10")) == [
        risk.RiskViolation(risk.KILL_SWITCH, risk.RISK_KILL_SWITCH)
    ]
    trading_rearm(user=trader)
    assert place(trader, order(market, yes, "BUY", "0.45", "10")).pk


def test_the_order_rate_limit(trader, market, yes, book, settings) -> None:
    settings.POLYBOT_RISK_MAX_ORDERS_PER_MINUTE = 3
    for _ in range(3):
        place(trader, order(market, yes, "BUY", "0.45", "5"))
    assert rejected(trader, order(market, yes, "BUY", "0.45", "5")) == [
        risk.RiskViolation(risk.RATE_LIMIT, "Too many orders: at most 3 a minute.")
    ]


# --- the live-mode gate --------------------------------------------------------------


@pytest.fixture
def live_trader(trader, settings):
    settings.LIVE_TRADING_ENABLED = True
    wallet = WalletFactory(user=trader)
    credential_store(wallet=wallet, private_key="0x" + "11" * 32)
    user_set_trading_mode(user=trader, mode="live")
    return trader


def test_a_live_order_passes_the_gate_when_everything_is_in_place(
    live_trader, market, yes, book
) -> None:
    # The venue's balance as the live gateway last read it (it caches it).
    cache.set(f"polybot:live:cash:{live_trader.pk}", "100", timeout=60)
    placed = place(live_trader, order(market, yes, "BUY", "0.45", "10"))
    assert (placed.mode, placed.status) == ("live", OrderStatus.PENDING)


def test_a_live_order_is_refused_when_the_server_turns_live_off(
    live_trader, market, yes, book, settings
) -> None:
    settings.LIVE_TRADING_ENABLED = False
    # Refused by the gate, without asking the venue for a balance first.
    assert rejected(live_trader, order(market, yes, "BUY", "0.45", "10")) == [
        risk.RiskViolation(risk.LIVE_DISABLED, risk.RISK_LIVE_DISABLED)
    ]


def test_a_live_order_is_refused_without_an_active_wallet(
    live_trader, market, yes, book
) -> None:
    live_trader.wallets.update(is_active=False)
    assert codes(rejected(live_trader, order(market, yes, "BUY", "0.45", "10"))) == [
        risk.LIVE_DISABLED
    ]
