"""The pre-trade risk rules, one behaviour each, exact messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from orders import risk
from orders.risk import (
    AccountState,
    BookState,
    MarketState,
    OrderProposal,
    RiskLimits,
    RiskViolation,
    check_order,
)

D = Decimal
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ORDER = OrderProposal(
    side="BUY",
    order_type="GTC",
    price=D("0.40"),
    size=D("10"),
    marketable=False,
    live=False,
)
MARKET = MarketState(status="active", accepting_orders=True, tick_size=D("0.01"), min_order_size=D("5"),
                     end_date=NOW + timedelta(days=30))  # fmt: skip
BOOK = BookState(trusted=True, age_seconds=1.0)
ACCOUNT = AccountState(now=NOW, kill_switch=False, daily_loss_halted=False, live_allowed=False,
                       cash_available=D("1000"), shares_available=D("0"), position_cost_in_market=D("0"),
                       open_positions=0, holds_position_in_token=False, daily_pnl=D("0"), orders_last_minute=0)  # fmt: skip
LIMITS = RiskLimits(max_order_notional=D("100"), max_position_per_market=D("250"), max_open_positions=3,
                    max_daily_loss=D("200"), no_new_exposure_hours=2, max_book_age_seconds=10,
                    max_orders_per_minute=30)  # fmt: skip


def _check(order: OrderProposal = ORDER, **overrides: object) -> list[RiskViolation]:
    parts = {"market": MARKET, "book": BOOK, "account": ACCOUNT, "limits": LIMITS}
    for name, changes in overrides.items():
        parts[name] = replace(parts[name], **changes)  # type: ignore[arg-type]
    return check_order(order, **parts)  # type: ignore[arg-type]


def _codes(violations: list[RiskViolation]) -> list[str]:
    return [v.code for v in violations]


def test_it_passes_an_ordinary_resting_buy() -> None:
    assert _check() == []


def test_the_kill_switch_refuses_everything_and_says_only_that() -> None:
    order = replace(ORDER, price=D("0.403"), size=D("-1"))
    assert _check(order, account={"kill_switch": True}) == [
        RiskViolation(risk.KILL_SWITCH, risk.RISK_KILL_SWITCH)
    ]


def test_a_daily_loss_halt_holds_until_re_armed() -> None:
    assert _check(account={"daily_loss_halted": True}) == [
        RiskViolation(
            risk.DAILY_LOSS_HALT,
            "Trading is halted: today's loss reached the $200.00 limit. Re-arm to continue.",
        )
    ]


def test_it_refuses_new_buys_once_the_day_has_lost_the_limit() -> None:
    assert _check(account={"daily_pnl": D("-200")}) == [
        RiskViolation(
            risk.DAILY_LOSS,
            "Today's loss of $200.00 has reached the daily limit of $200.00.",
        )
    ]
    # Selling to cut losses is still allowed.
    sell = replace(ORDER, side="SELL", size=D("10"))
    assert (
        _check(sell, account={"daily_pnl": D("-250"), "shares_available": D("10")})
        == []
    )


def test_daily_loss_breach_is_exact_at_the_limit() -> None:
    assert (
        risk.daily_loss_breached(daily_pnl=D("-199.99"), max_daily_loss=D("200"))
        is False
    )
    assert (
        risk.daily_loss_breached(daily_pnl=D("-200"), max_daily_loss=D("200")) is True
    )
    assert (
        risk.daily_loss_breached(daily_pnl=D("-5000"), max_daily_loss=D("0")) is False
    )  # 0 = no limit


def test_live_orders_need_the_live_gate() -> None:
    assert _codes(_check(replace(ORDER, live=True))) == [risk.LIVE_DISABLED]
    assert _check(replace(ORDER, live=True), account={"live_allowed": True}) == []


@pytest.mark.parametrize("status", ["closed", "resolved"])
def test_it_refuses_orders_in_a_market_that_is_not_active(status: str) -> None:
    assert _check(market={"status": status}) == [
        RiskViolation(
            risk.MARKET_NOT_ACTIVE, f"This market is {status}; it takes no new orders."
        )
    ]


def test_it_refuses_orders_when_the_market_is_not_accepting_them() -> None:
    assert _codes(_check(market={"accepting_orders": False})) == [risk.NOT_ACCEPTING]


def test_it_refuses_new_exposure_near_the_end_date_but_lets_positions_close() -> None:
    near = {"end_date": NOW + timedelta(hours=1, minutes=59)}
    assert _check(market=near) == [
        RiskViolation(
            risk.NEAR_END, "No new exposure within 2 hours of the market's end date."
        )
    ]
    assert _check(market={"end_date": NOW + timedelta(hours=2)}) == []
    sell = replace(ORDER, side="SELL")
    assert _check(sell, market=near, account={"shares_available": D("10")}) == []


@pytest.mark.parametrize(("price", "code"), [("0", risk.PRICE_BOUNDS), ("1", risk.PRICE_BOUNDS), ("0.995", risk.PRICE_BOUNDS),
                                             ("0.405", risk.OFF_TICK)])  # fmt: skip
def test_it_refuses_prices_out_of_bounds_or_off_tick(price: str, code: str) -> None:
    violations = _check(replace(ORDER, price=D(price)))
    assert _codes(violations) == [code]
    assert violations[0].field == "price"


def test_the_bounds_message_names_the_markets_range() -> None:
    assert _check(replace(ORDER, price=D("0.0005")), market={"tick_size": D("0.001")})[
        0
    ].message == ("Price must be between 0.001 and 0.999.")


def test_it_refuses_a_resting_order_below_the_markets_min_size() -> None:
    assert _check(replace(ORDER, size=D("4.99"))) == [
        RiskViolation(
            risk.MIN_SIZE, "Size must be at least 5 shares in this market.", "size"
        )
    ]


def test_a_market_order_needs_one_dollar_not_the_min_size() -> None:
    tiny = replace(
        ORDER, order_type="FOK", price=D("0.40"), size=D("2.4"), marketable=True
    )
    assert _check(tiny) == [
        RiskViolation(
            risk.MIN_NOTIONAL,
            "Orders that take liquidity must be worth at least $1.",
            "size",
        )
    ]
    assert _check(replace(tiny, size=D("2.5"))) == []


@pytest.mark.parametrize("order_type", ["FOK", "FAK"])
def test_it_accepts_fok_below_min_size_above_one_dollar(order_type: str) -> None:
    # 0.40 · 2.5 = 1.00: worth a dollar, half the market's 5-share minimum.
    order = replace(
        ORDER, order_type=order_type, price=D("0.40"), size=D("2.5"), marketable=True
    )
    assert _check(order) == []


@pytest.mark.parametrize("order_type", ["GTC", "GTD"])
def test_it_rejects_crossing_gtc_below_min_size(order_type: str) -> None:
    # 0.40 · 4.99 = 1.996: worth a dollar, but a limit order still needs 5 shares.
    crossing = replace(ORDER, order_type=order_type, size=D("4.99"), marketable=True)
    assert _check(crossing) == [
        RiskViolation(
            risk.MIN_SIZE, "Size must be at least 5 shares in this market.", "size"
        )
    ]
    assert _check(replace(crossing, size=D("5"))) == []


def test_it_rejects_crossing_gtc_below_min_size_and_one_dollar_for_both() -> None:
    # 0.40 · 2 = 0.80: under the 5-share minimum and under $1.
    crossing = replace(ORDER, size=D("2"), marketable=True)
    assert _check(crossing) == [
        RiskViolation(
            risk.MIN_SIZE, "Size must be at least 5 shares in this market.", "size"
        ),
        RiskViolation(
            risk.MIN_NOTIONAL,
            "Orders that take liquidity must be worth at least $1.",
            "size",
        ),
    ]


def test_it_rejects_crossing_gtc_at_min_size_below_one_dollar() -> None:
    # 0.19 · 5 = 0.95 crosses for under $1; 0.20 · 5 = 1.00 is enough.
    crossing = replace(ORDER, price=D("0.19"), size=D("5"), marketable=True)
    assert _codes(_check(crossing)) == [risk.MIN_NOTIONAL]
    assert _check(replace(crossing, price=D("0.20"))) == []
    # Resting at 0.19 it takes no liquidity: 5 shares are enough.
    assert _check(replace(crossing, marketable=False)) == []


def test_it_refuses_zero_and_negative_sizes() -> None:
    assert _codes(_check(replace(ORDER, size=D("0")))) == [risk.SIZE_NOT_POSITIVE]


def test_it_rejects_order_over_max_notional() -> None:
    big = replace(ORDER, price=D("0.50"), size=D("201"))
    assert _check(big) == [
        RiskViolation(
            risk.MAX_NOTIONAL,
            "This order is worth $100.50, over your limit of $100.00 per order.",
            "size",
        )
    ]


def test_it_rejects_order_over_max_position() -> None:
    assert _check(account={"position_cost_in_market": D("247")}) == [
        RiskViolation(
            risk.MAX_POSITION,
            "This order would take your position in this market to $251.00, over the limit of $250.00.",
            "size",
        )  # fmt: skip
    ]


def test_it_refuses_a_new_position_beyond_the_open_positions_limit_but_not_adding_to_one() -> (
    None
):
    assert _codes(_check(account={"open_positions": 3})) == [risk.MAX_OPEN_POSITIONS]
    assert _check(account={"open_positions": 3, "holds_position_in_token": True}) == []


def test_it_counts_the_taker_fee_against_available_cash() -> None:
    order = replace(
        ORDER, price=D("0.50"), size=D("20"), marketable=True, fee=D("0.25")
    )
    assert _check(order, account={"cash_available": D("10.24")}) == [
        RiskViolation(
            risk.BALANCE,
            "This order needs $10.25 but only $10.24 is available after open orders.",
            "size",
        )
    ]
    assert _check(order, account={"cash_available": D("10.25")}) == []


def test_it_refuses_selling_more_than_is_held() -> None:
    sell = replace(ORDER, side="SELL", size=D("10"))
    assert _check(sell, account={"shares_available": D("9.5")}) == [
        RiskViolation(
            risk.SELL_MORE_THAN_HELD,
            "You can sell at most 9.5 shares (after your other open sells).",
            "size",
        )
    ]


def test_marketable_orders_need_a_trusted_fresh_book_resting_ones_do_not() -> None:
    taker = replace(ORDER, marketable=True)
    assert _codes(_check(taker, book={"trusted": False})) == [risk.BOOK_UNTRUSTED]
    assert _codes(_check(taker, book={"age_seconds": None})) == [risk.BOOK_UNTRUSTED]
    assert _check(taker, book={"age_seconds": 10.6}) == [
        RiskViolation(
            risk.BOOK_STALE,
            "The order book is 11 seconds old; marketable orders need a fresh book.",
        )
    ]
    assert _check(ORDER, book={"trusted": False, "age_seconds": None}) == []


def test_it_limits_the_order_rate() -> None:
    assert _check(account={"orders_last_minute": 30}) == [
        RiskViolation(risk.RATE_LIMIT, "Too many orders: at most 30 a minute.")
    ]


def test_it_reports_every_broken_rule_at_once() -> None:
    order = replace(ORDER, price=D("0.405"), size=D("700"))  # $283.50
    assert _codes(_check(order, account={"cash_available": D("50")})) == [
        risk.OFF_TICK, risk.MAX_NOTIONAL, risk.MAX_POSITION, risk.BALANCE,
    ]  # fmt: skip
