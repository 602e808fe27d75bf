"""Pre-trade risk checks (DESIGN §4, STYLE R8/R9): pure functions over plain data.

``check_order`` returns every rule the order breaks, each with its own reason
code, a user-facing message and the form field it concerns (so a ticket can
show it next to that field). An empty list means the order may go to a
gateway. Nothing here reads the database, the clock or settings: callers
(the order services) gather the state, which keeps every rule unit-testable
and identical for manual, API and strategy orders, paper and live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from polybot.lib.money import is_on_tick, price_in_bounds

ZERO = Decimal("0")
# The venue refuses marketable orders under $1 notional (API.md §5.1).
MIN_MARKETABLE_NOTIONAL = Decimal("1")
# Market orders: sized to take liquidity now, they need only the $1 notional.
# Every other type is a limit order and needs the market's min size too, even
# when it happens to cross the book (API.md §5.1).
MARKET_ORDER_TYPES = frozenset({"FOK", "FAK"})

# Reason codes and messages, one per rule (tests assert on these constants).
KILL_SWITCH = "kill_switch"
RISK_KILL_SWITCH = "Trading is halted by the kill switch. Re-arm it to place orders."
DAILY_LOSS_HALT = "daily_loss_halt"
RISK_DAILY_LOSS_HALT = (
    "Trading is halted: today's loss reached the {limit} limit. Re-arm to continue."
)
DAILY_LOSS = "daily_loss"
RISK_DAILY_LOSS = "Today's loss of {loss} has reached the daily limit of {limit}."
LIVE_DISABLED = "live_disabled"
RISK_LIVE_DISABLED = "Live trading is not enabled for this account on this server."
MARKET_NOT_ACTIVE = "market_not_active"
RISK_MARKET_NOT_ACTIVE = "This market is {status}; it takes no new orders."
NOT_ACCEPTING = "not_accepting_orders"
RISK_NOT_ACCEPTING = "This market is not accepting orders right now."
NEAR_END = "near_end_date"
RISK_NEAR_END = "No new exposure within {hours} hours of the market's end date."
PRICE_BOUNDS = "price_out_of_bounds"
RISK_PRICE_BOUNDS = "Price must be between {low} and {high}."
OFF_TICK = "off_tick"
RISK_OFF_TICK = "Price must be a multiple of the tick size {tick}."
SIZE_NOT_POSITIVE = "size_not_positive"
RISK_SIZE_NOT_POSITIVE = "Size must be greater than zero."
MIN_SIZE = "below_min_size"
RISK_MIN_SIZE = "Size must be at least {min_size} shares in this market."
MIN_NOTIONAL = "below_min_notional"
RISK_MIN_NOTIONAL = "Orders that take liquidity must be worth at least ${minimum}."
MAX_NOTIONAL = "over_max_notional"
RISK_MAX_NOTIONAL = (
    "This order is worth {notional}, over your limit of {limit} per order."
)
MAX_POSITION = "over_max_position"
RISK_MAX_POSITION = "This order would take your position in this market to {total}, over the limit of {limit}."
MAX_OPEN_POSITIONS = "over_max_open_positions"
RISK_MAX_OPEN_POSITIONS = (
    "You already hold {count} open positions, the most your settings allow."
)
BALANCE = "insufficient_balance"
RISK_BALANCE = (
    "This order needs {needed} but only {available} is available after open orders."
)
SELL_MORE_THAN_HELD = "sell_more_than_held"
RISK_SELL_MORE_THAN_HELD = (
    "You can sell at most {held} shares (after your other open sells)."
)
BOOK_UNTRUSTED = "book_untrusted"
RISK_BOOK_UNTRUSTED = (
    "The live order book is not trustworthy right now; marketable orders are paused."
)
BOOK_STALE = "book_stale"
RISK_BOOK_STALE = (
    "The order book is {age} seconds old; marketable orders need a fresh book."
)
RATE_LIMIT = "order_rate_limit"
RISK_RATE_LIMIT = "Too many orders: at most {limit} a minute."


@dataclass(frozen=True)
class RiskViolation:
    code: str
    message: str
    field: str = ""  # the ticket field it concerns ("" = the order as a whole)


@dataclass(frozen=True)
class OrderProposal:
    side: str  # "BUY" | "SELL"
    order_type: str  # "GTC" | "GTD" | "FOK" | "FAK"
    price: Decimal
    size: Decimal
    marketable: bool  # would take liquidity now (FOK/FAK, or a crossing limit)
    live: bool
    fee: Decimal = (
        ZERO  # taker fee estimate from the market's fee curve (makers pay none)
    )


@dataclass(frozen=True)
class MarketState:
    status: str  # active | closed | resolved
    accepting_orders: bool
    tick_size: Decimal
    min_order_size: Decimal
    end_date: datetime | None


@dataclass(frozen=True)
class BookState:
    trusted: bool
    age_seconds: float | None  # None: no book at all


@dataclass(frozen=True)
class AccountState:
    now: datetime
    kill_switch: bool
    daily_loss_halted: bool
    live_allowed: bool
    cash_available: Decimal  # after reservations of open buys
    shares_available: Decimal  # held in this token, after open sells
    position_cost_in_market: Decimal  # cost of what is held in this market
    open_positions: int
    holds_position_in_token: bool
    daily_pnl: Decimal  # realized + unrealized change since 00:00 UTC
    orders_last_minute: int


@dataclass(frozen=True)
class RiskLimits:
    max_order_notional: Decimal
    max_position_per_market: Decimal
    max_open_positions: int
    max_daily_loss: Decimal
    no_new_exposure_hours: int
    max_book_age_seconds: float
    max_orders_per_minute: int


def check_order(
    order: OrderProposal,
    *,
    market: MarketState,
    book: BookState,
    account: AccountState,
    limits: RiskLimits,
) -> list[RiskViolation]:
    """Every rule the order breaks, account-wide halts first. Sells that
    reduce a position are not new exposure: exposure limits apply to buys."""
    halts = _halts(order, account, limits)
    if halts:
        # A halted account hears only why it is halted, not twenty side issues.
        return halts
    violations = [
        *_market_rules(order, market, account, limits),
        *_shape_rules(order, market),
        *_book_rules(order, book, limits),
        *_exposure_rules(order, account, limits),
    ]
    if account.orders_last_minute >= limits.max_orders_per_minute:
        violations.append(
            RiskViolation(
                RATE_LIMIT, RISK_RATE_LIMIT.format(limit=limits.max_orders_per_minute)
            )
        )
    return violations


def daily_loss_breached(*, daily_pnl: Decimal, max_daily_loss: Decimal) -> bool:
    """The daily-loss halt trips when the day's loss reaches the limit."""
    return max_daily_loss > ZERO and -daily_pnl >= max_daily_loss


def _halts(
    order: OrderProposal, account: AccountState, limits: RiskLimits
) -> list[RiskViolation]:
    if account.kill_switch:
        return [RiskViolation(KILL_SWITCH, RISK_KILL_SWITCH)]
    if account.daily_loss_halted:
        return [
            RiskViolation(
                DAILY_LOSS_HALT,
                RISK_DAILY_LOSS_HALT.format(limit=_usd(limits.max_daily_loss)),
            )
        ]
    if order.live and not account.live_allowed:
        return [RiskViolation(LIVE_DISABLED, RISK_LIVE_DISABLED)]
    if order.side == "BUY" and daily_loss_breached(
        daily_pnl=account.daily_pnl, max_daily_loss=limits.max_daily_loss
    ):
        loss = _usd(-account.daily_pnl)
        return [
            RiskViolation(
                DAILY_LOSS,
                RISK_DAILY_LOSS.format(loss=loss, limit=_usd(limits.max_daily_loss)),
            )
        ]
    return []


def _market_rules(
    order: OrderProposal, market: MarketState, account: AccountState, limits: RiskLimits
) -> list[RiskViolation]:
    if market.status != "active":
        return [
            RiskViolation(
                MARKET_NOT_ACTIVE, RISK_MARKET_NOT_ACTIVE.format(status=market.status)
            )
        ]
    violations = []
    if not market.accepting_orders:
        violations.append(RiskViolation(NOT_ACCEPTING, RISK_NOT_ACCEPTING))
    near_end = (
        market.end_date is not None
        and market.end_date - account.now
        < timedelta(hours=limits.no_new_exposure_hours)
    )
    if order.side == "BUY" and near_end:
        violations.append(
            RiskViolation(
                NEAR_END, RISK_NEAR_END.format(hours=limits.no_new_exposure_hours)
            )
        )
    return violations


def _shape_rules(order: OrderProposal, market: MarketState) -> list[RiskViolation]:
    violations = []
    tick = market.tick_size
    if not price_in_bounds(order.price, tick):
        low, high = tick, Decimal(1) - tick
        violations.append(
            RiskViolation(
                PRICE_BOUNDS, RISK_PRICE_BOUNDS.format(low=low, high=high), "price"
            )
        )
    elif not is_on_tick(order.price, tick):
        violations.append(
            RiskViolation(OFF_TICK, RISK_OFF_TICK.format(tick=tick), "price")
        )
    if order.size <= ZERO:
        violations.append(
            RiskViolation(SIZE_NOT_POSITIVE, RISK_SIZE_NOT_POSITIVE, "size")
        )
        return violations
    # A limit order (GTC/GTD) needs the min size even when it crosses the
    # book; a market order (FOK/FAK) only the notional below.
    if (
        order.order_type not in MARKET_ORDER_TYPES
        and order.size < market.min_order_size
    ):
        violations.append(
            RiskViolation(
                MIN_SIZE, RISK_MIN_SIZE.format(min_size=market.min_order_size), "size"
            )
        )
    if order.marketable and order.price * order.size < MIN_MARKETABLE_NOTIONAL:
        minimum = MIN_MARKETABLE_NOTIONAL
        violations.append(
            RiskViolation(
                MIN_NOTIONAL, RISK_MIN_NOTIONAL.format(minimum=minimum), "size"
            )
        )
    return violations


def _book_rules(
    order: OrderProposal, book: BookState, limits: RiskLimits
) -> list[RiskViolation]:
    if not order.marketable:
        return []
    if book.age_seconds is None or not book.trusted:
        return [RiskViolation(BOOK_UNTRUSTED, RISK_BOOK_UNTRUSTED)]
    if book.age_seconds > limits.max_book_age_seconds:
        return [
            RiskViolation(
                BOOK_STALE, RISK_BOOK_STALE.format(age=round(book.age_seconds))
            )
        ]
    return []


def _exposure_rules(
    order: OrderProposal, account: AccountState, limits: RiskLimits
) -> list[RiskViolation]:
    if order.side == "SELL":
        if order.size > account.shares_available:
            return [
                RiskViolation(
                    SELL_MORE_THAN_HELD,
                    RISK_SELL_MORE_THAN_HELD.format(held=account.shares_available),
                    "size",
                )
            ]
        return []
    violations = []
    notional = order.price * order.size
    if notional > limits.max_order_notional:
        message = RISK_MAX_NOTIONAL.format(
            notional=_usd(notional), limit=_usd(limits.max_order_notional)
        )
        violations.append(RiskViolation(MAX_NOTIONAL, message, "size"))
    total = account.position_cost_in_market + notional
    if total > limits.max_position_per_market:
        message = RISK_MAX_POSITION.format(
            total=_usd(total), limit=_usd(limits.max_position_per_market)
        )
        violations.append(RiskViolation(MAX_POSITION, message, "size"))
    if (
        not account.holds_position_in_token
        and account.open_positions >= limits.max_open_positions
    ):
        message = RISK_MAX_OPEN_POSITIONS.format(count=account.open_positions)
        violations.append(RiskViolation(MAX_OPEN_POSITIONS, message))
    needed = notional + order.fee
    if needed > account.cash_available:
        message = RISK_BALANCE.format(
            needed=_usd(needed), available=_usd(account.cash_available)
        )
        violations.append(RiskViolation(BALANCE, message, "size"))
    return violations


def _usd(amount: Decimal) -> str:
    return f"${amount.quantize(Decimal('0.01')):,}"
