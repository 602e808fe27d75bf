"""Gathering what the pure risk rules need (``orders.risk``) from the
database, the live books in Redis and settings. Called under the user's
trading lock, so the state read here is the state the order is placed on."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum

from accounts.models import BotSettings, User
from markets.live import BookView, book_view_get
from markets.models import Market, Outcome
from orders.models import ACTIVE_ORDER_STATUSES, Order
from orders.risk import AccountState, BookState, MarketState, RiskLimits
from polybot.lib.types import Side, TradingMode
from portfolio.cash import open_buy_reservation, paper_cash_balance
from portfolio.marks import daily_pnl
from portfolio.models import Position, PositionStatus

ZERO = Decimal("0")
HALT_KILL_SWITCH = "kill_switch"
HALT_DAILY_LOSS = "daily_loss"


def risk_limits(bot: BotSettings) -> RiskLimits:
    return RiskLimits(
        max_order_notional=bot.max_bet_amount,
        max_position_per_market=bot.max_position_per_market,
        max_open_positions=bot.max_open_positions,
        max_daily_loss=bot.max_daily_loss,
        no_new_exposure_hours=settings.POLYBOT_RISK_NO_NEW_EXPOSURE_HOURS,
        max_book_age_seconds=settings.POLYBOT_RISK_MAX_BOOK_AGE_SECONDS,
        max_orders_per_minute=settings.POLYBOT_RISK_MAX_ORDERS_PER_MINUTE,
    )


def market_state(market: Market) -> MarketState:
    return MarketState(
        status=market.status,
        accepting_orders=market.accepting_orders,
        # Columns come back with 6 places; the rules quote these numbers to
        # the user ("a multiple of the tick size 0.01", not 0.010000).
        tick_size=_plain(market.tick_size),
        min_order_size=_plain(market.min_order_size),
        end_date=market.end_date,
    )


def book_state(view: BookView | None, *, now: datetime) -> BookState:
    if view is None:
        return BookState(trusted=False, age_seconds=None)
    updated = datetime.fromisoformat(view.updated_at)
    return BookState(
        trusted=view.trusted, age_seconds=max(0.0, (now - updated).total_seconds())
    )


def account_state(
    *,
    user: User,
    bot: BotSettings,
    mode: str,
    market: Market,
    outcome: Outcome,
    now: datetime,
    live_cash: Decimal | None = None,
) -> AccountState:
    """``live_cash`` is the venue's pUSD balance for live accounts (the
    gateway reads it); paper cash comes from the ledger."""
    positions = Position.objects.filter(
        user=user, mode=mode, status=PositionStatus.OPEN
    )
    held = (
        positions.filter(outcome=outcome).values_list("size", flat=True).first() or ZERO
    )
    selling = (
        Order.objects.filter(
            user=user,
            mode=mode,
            outcome=outcome,
            side=Side.SELL,
            status__in=ACTIVE_ORDER_STATUSES,
        ).aggregate(total=Sum("size") - Sum("filled_size"))["total"]
        or ZERO
    )
    cost_in_market = (
        positions.filter(market=market).aggregate(total=Sum("cost_basis"))["total"]
        or ZERO
    )
    reserved_in_market = open_buy_reservation(user, mode, market_id=market.pk)
    # A resting buy in a new token is a position once it fills: count the
    # tokens held and the tokens being bought, or resting buys could open
    # any number of positions past the limit.
    tokens = set(positions.values_list("outcome_id", flat=True)) | set(
        Order.objects.filter(
            user=user, mode=mode, side=Side.BUY, status__in=ACTIVE_ORDER_STATUSES
        ).values_list("outcome_id", flat=True)
    )
    balance = (
        paper_cash_balance(user) if mode == TradingMode.PAPER else (live_cash or ZERO)
    )
    return AccountState(
        now=now,
        kill_switch=bot.trading_halted and bot.halt_reason == HALT_KILL_SWITCH,
        daily_loss_halted=bot.trading_halted and bot.halt_reason == HALT_DAILY_LOSS,
        live_allowed=live_trading_allowed(user),
        cash_available=balance - open_buy_reservation(user, mode),
        shares_available=_plain(max(ZERO, held - selling)),
        position_cost_in_market=cost_in_market + reserved_in_market,
        open_positions=len(tokens),
        holds_position_in_token=outcome.pk in tokens,
        daily_pnl=daily_pnl(user, mode, now=now),
        orders_last_minute=Order.objects.filter(
            user=user, created_at__gte=now - timedelta(minutes=1)
        ).count(),
    )


def _plain(value: Decimal) -> Decimal:
    """The same number without trailing zeros (5.000000 → 5, 0.010000 →
    0.01), never in exponent form (100, not 1E+2)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def book_view_for(outcome: Outcome) -> BookView | None:
    return book_view_get(outcome.token_id)


def live_trading_allowed(user: User) -> bool:
    """The server enables live trading and the user has an active wallet
    that can sign (DESIGN §4 "Modes")."""
    if not settings.LIVE_TRADING_ENABLED:
        return False
    return user.wallets.filter(
        is_active=True, credential__private_key_encrypted__gt=""
    ).exists()
