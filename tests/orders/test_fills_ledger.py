"""The fills ledger through ``fill_apply`` and the services around it:
positions and P&L to the cent, paper cash, idempotence, settlement status,
FAILED reversals, resolution, and the kill switch."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AuditAction, AuditLog
from accounts.selectors import bot_settings_get
from markets.models import Market, Outcome
from orders.exchange.paper import PaperGateway
from orders.fills import LANDED_LATE, LANDED_LATE_MESSAGE, FillReport, fill_apply
from orders.models import Fill, Order, OrderStatus
from orders.services import (
    OrderRequest,
    kill_switch_engage,
    market_settle,
    order_place,
    trading_rearm,
)
from orders.tasks import orders_submit, portfolio_settle_resolved
from orders.transitions import order_transition
from polybot.lib.time import utc_now
from portfolio.cash import paper_cash_balance, paper_cash_reserved
from portfolio.marks import portfolio_figures
from portfolio.models import Position, PositionStatus
from strategies.models import StrategyStatus
from tests.factories.orders import OrderFactory
from tests.factories.strategies import StrategyFactory
from tests.orders.conftest import set_book

D = Decimal
pytestmark = pytest.mark.django_db


def trade(
    user,
    outcome: Outcome,
    trade_id: str,
    side: str,
    size: str,
    price: str,
    fee: str = "0",
    *,
    mode: str = "paper",
    status: str = "MATCHED",
    order: Order | None = None,
):
    """Apply one trade as the venue (or the paper matcher) reports it."""
    return fill_apply(
        FillReport(
            venue_trade_id=trade_id,
            user_id=user.pk,
            mode=mode,
            outcome=outcome,
            side=side,
            price=D(price),
            size=D(size),
            fee=D(fee),
            role="taker" if D(fee) else "maker",
            matched_at=utc_now(),
            order_id=order.pk if order is not None else None,
            settlement_status=status,
        )
    )


def resolve(market: Market, winner: Outcome) -> None:
    market.status = "resolved"
    market.winning_outcome = winner
    market.resolved_at = utc_now()
    market.save()


def rest(user, market, outcome, side, price, size, run_commits) -> Order:
    placed = run_commits(
        lambda: order_place(
            user=user,
            request=OrderRequest(
                market_id=market.pk,
                token_id=outcome.token_id,
                side=side,
                price=D(price),
                size=D(size),
            ),
        )
    )
    return Order.objects.get(pk=placed.pk)


# --- P&L -----------------------------------------------------------------------------


def test_pnl_through_buys_a_partial_sell_marks_and_both_resolutions(
    trader, market, yes, no, run_commits
) -> None:
    # YES: 10 @ 0.40 (fee 10·0.02·0.24 = 0.048), 20 @ 0.55 (20·0.02·0.2475
    # = 0.099), 30 @ 0.45 as maker (no fee): 60 for 28.50, avg 0.475.
    trade(trader, yes, "t1", "BUY", "10", "0.40", "0.048")
    trade(trader, yes, "t2", "BUY", "20", "0.55", "0.099")
    trade(trader, yes, "t3", "BUY", "30", "0.45")
    position = Position.objects.get(user=trader, outcome=yes)
    assert (position.size, position.cost_basis) == (D("60"), D("28.50"))
    assert position.average_entry_price == D("0.475")
    # Sell 15 @ 0.60 (fee 15·0.02·0.24 = 0.072): realized 9.00 − 28.50·15/60.
    trade(trader, yes, "t4", "SELL", "15", "0.60", "0.072")
    position.refresh_from_db()
    assert position.realized_pnl == D("1.875")  # 9.00 − 7.125
    assert (position.size, position.cost_basis) == (D("45"), D("21.375"))
    assert position.fees_paid == D("0.219")
    # NO: 40 @ 0.50 (fee 40·0.02·0.25 = 0.20).
    trade(trader, no, "t5", "BUY", "40", "0.50", "0.20")

    # Marks at the midpoints: YES (0.50 + 0.54)/2 = 0.52, NO (0.44 + 0.46)/2 = 0.45.
    set_book(yes.token_id, bids=[("0.50", "100")], asks=[("0.54", "100")])
    set_book(no.token_id, bids=[("0.44", "100")], asks=[("0.46", "100")])
    figures = portfolio_figures(trader, "paper")
    assert figures.realized == D("1.875")
    assert figures.fees == D("0.419")  # 0.219 + 0.20
    # 45·0.52 − 21.375 = 2.025 and 40·0.45 − 20.00 = −2.00
    assert figures.unrealized == D("0.025")
    assert figures.positions_value == D("41.40")  # 23.40 + 18.00
    assert figures.total_pnl == D("1.481")  # 1.875 − 0.419 + 0.025
    # Cash: 1000 − 28.50 − 0.147 + 9.00 − 0.072 − 20.00 − 0.20
    assert paper_cash_balance(trader) == D("960.081")
    # A resting paper order in the market is cancelled when it resolves.
    resting = rest(trader, market, no, "BUY", "0.30", "10", run_commits)
    assert resting.status == OrderStatus.OPEN

    resolve(market, yes)
    assert market_settle(market=market) == 2

    won = Position.objects.get(user=trader, outcome=yes)
    lost = Position.objects.get(user=trader, outcome=no)
    # YES pays 45 · 1: realized 1.875 + 45 − 21.375 = 25.50 (= 9 + 45 − 28.50).
    assert (won.status, won.size, won.cost_basis) == ("resolved", 0, 0)
    assert won.realized_pnl == D("25.50")
    # NO pays 0: realized −20.00.
    assert (lost.status, lost.realized_pnl) == ("resolved", D("-20.00"))
    figures = portfolio_figures(trader, "paper")
    assert (figures.realized, figures.fees, figures.unrealized) == (
        D("5.50"),
        D("0.419"),
        D("0"),
    )
    assert figures.total_pnl == D("5.081")
    # 960.081 + 45: the cash gained is exactly the net P&L.
    assert paper_cash_balance(trader) == D("1005.081")
    resting.refresh_from_db()
    assert (resting.status, resting.error_code) == ("cancelled", "market_resolved")
    assert paper_cash_reserved(trader) == 0
    # Settling again changes nothing.
    assert market_settle(market=market) == 0
    assert paper_cash_balance(trader) == D("1005.081")


def test_live_positions_become_redeemable_for_their_payout(
    trader, market, yes, no
) -> None:
    trade(trader, yes, "L1", "BUY", "10", "0.40", "0.048", mode="live")
    trade(trader, yes, "L2", "BUY", "10", "0.50", mode="live")
    trade(trader, no, "L3", "BUY", "5", "0.30", mode="live")

    resolve(market, yes)
    assert market_settle(market=market) == 2

    won = Position.objects.get(user=trader, outcome=yes, mode="live")
    lost = Position.objects.get(user=trader, outcome=no, mode="live")
    # 20 winning shares are owed 20 · 1 = 20.00 until redeemed on chain;
    # realized 20 − (4.00 + 5.00) = 11.00.
    assert (won.status, won.redeemable_amount) == ("redeemable", D("20"))
    assert won.realized_pnl == D("11.00")
    assert won.net_realized_pnl == D("10.952")  # 11.00 − 0.048
    assert (lost.status, lost.redeemable_amount) == ("redeemable", D("0"))
    assert lost.realized_pnl == D("-1.50")  # 5 · 0.30 lost
    # Live money is on chain: no paper cash moves.
    assert not trader.cash_entries.exists()


# --- idempotence and settlement status -----------------------------------------------


def test_the_same_trade_applied_twice_counts_once(
    trader, market, yes, run_commits
) -> None:
    order = rest(trader, market, yes, "BUY", "0.45", "20", run_commits)
    first = trade(trader, yes, "T-1", "BUY", "10", "0.45", order=order)
    again = trade(trader, yes, "T-1", "BUY", "10", "0.45", order=order)

    assert (first.created, again.created) == (True, False)
    assert again.fill.pk == first.fill.pk
    assert Fill.objects.count() == 1
    order.refresh_from_db()
    assert (order.status, order.filled_size) == ("partial", D("10"))
    assert Position.objects.get(user=trader, outcome=yes).size == D("10")
    assert paper_cash_balance(trader) == D("995.50")  # 1000 − 10 · 0.45
    assert AuditLog.objects.filter(action=AuditAction.FILL).count() == 1


def test_settlement_moves_forward_only(trader, market, yes) -> None:
    trade(trader, yes, "S-1", "BUY", "10", "0.40", mode="live")

    def status_after(status: str) -> str:
        trade(trader, yes, "S-1", "BUY", "10", "0.40", mode="live", status=status)
        return Fill.objects.get(venue_trade_id="S-1").settlement_status

    assert status_after("MINED") == "MINED"
    assert status_after("MATCHED") == "MINED"  # no regression
    # A reorg: the venue retries the mined transaction, then it lands.
    assert status_after("RETRYING") == "RETRYING"
    assert status_after("MINED") == "MINED"
    assert status_after("CONFIRMED") == "CONFIRMED"
    assert status_after("MINED") == "CONFIRMED"  # final
    assert status_after("FAILED") == "CONFIRMED"  # final, nothing reversed
    assert Position.objects.get(user=trader, outcome=yes).size == D("10")


def test_a_failed_fill_is_reversed_out_of_order_position_and_cash(
    trader, market, yes, run_commits
) -> None:
    order = rest(trader, market, yes, "BUY", "0.45", "20", run_commits)
    trade(trader, yes, "F-1", "BUY", "10", "0.45", order=order)
    trade(trader, yes, "F-2", "BUY", "5", "0.45", order=order)
    assert paper_cash_balance(trader) == D("993.25")  # 1000 − 15 · 0.45

    result = trade(
        trader, yes, "F-1", "BUY", "10", "0.45", order=order, status="FAILED"
    )

    assert result.reversed
    fill = Fill.objects.get(venue_trade_id="F-1")
    assert fill.settlement_status == "FAILED"
    assert fill.reversed_at is not None
    order.refresh_from_db()
    assert (order.status, order.filled_size) == ("partial", D("5"))
    assert order.average_fill_price == D("0.45")
    position = Position.objects.get(user=trader, outcome=yes)
    assert (position.size, position.cost_basis) == (D("5"), D("2.25"))
    assert paper_cash_balance(trader) == D("997.75")  # 993.25 + 4.50 back
    # The reservation is back for the 15 not filled: 15 · 0.45.
    assert paper_cash_reserved(trader) == D("6.75")
    # A second FAILED report changes nothing more.
    again = trade(trader, yes, "F-1", "BUY", "10", "0.45", order=order, status="FAILED")
    assert not again.reversed
    assert paper_cash_balance(trader) == D("997.75")


def test_a_failed_taker_sell_gives_back_the_shares_and_the_fee(
    trader, market, yes
) -> None:
    trade(trader, yes, "B-1", "BUY", "20", "0.40", "0.096")  # 20·0.02·0.24
    trade(trader, yes, "S-1", "SELL", "20", "0.60", "0.096")  # closes it
    position = Position.objects.get(user=trader, outcome=yes)
    assert (position.status, position.realized_pnl) == ("closed", D("4.00"))
    # 1000 − 8.00 − 0.096 + 12.00 − 0.096
    assert paper_cash_balance(trader) == D("1003.808")

    trade(trader, yes, "S-1", "SELL", "20", "0.60", "0.096", status="FAILED")

    position.refresh_from_db()
    assert (position.status, position.size, position.cost_basis) == (
        "open",
        D("20"),
        D("8.00"),
    )
    assert (position.realized_pnl, position.fees_paid) == (D("0"), D("0.096"))
    assert paper_cash_balance(trader) == D("991.904")  # 1000 − 8.00 − 0.096


def test_a_failed_first_trade_is_recorded_already_reversed(trader, market, yes) -> None:
    result = trade(trader, yes, "X-1", "BUY", "10", "0.40", status="FAILED")
    assert (result.created, result.reversed) == (True, True)
    position = Position.objects.get(user=trader, outcome=yes)
    assert (position.size, position.status) == (D("0"), "closed")
    assert paper_cash_balance(trader) == D("1000")


# --- the kill switch -----------------------------------------------------------------


def test_the_kill_switch_cancels_stops_and_blocks_until_re_armed(
    trader, market, yes, no, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    set_book(no.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    rest(trader, market, yes, "BUY", "0.45", "10", run_commits)
    rest(trader, market, no, "BUY", "0.40", "10", run_commits)
    # One still pending: its submission has not run yet.
    pending = order_place(
        user=trader,
        request=OrderRequest(
            market_id=market.pk,
            token_id=yes.token_id,
            side="BUY",
            price=D("0.44"),
            size=D("10"),
        ),
    )
    running = StrategyFactory(user=trader, status=StrategyStatus.RUNNING)
    paused = StrategyFactory(user=trader, status=StrategyStatus.PAUSED)
    bot = bot_settings_get(user=trader)
    bot.auto_trade_enabled = True
    bot.save()

    result = kill_switch_engage(user=trader)

    assert (result.cancelled, result.strategies_stopped) == (3, 1)
    assert set(Order.objects.values_list("status", flat=True)) == {"cancelled"}
    assert paper_cash_reserved(trader) == 0
    running.refresh_from_db()
    paused.refresh_from_db()
    assert (running.status, paused.status) == ("stopped", "paused")
    bot.refresh_from_db()
    assert (bot.trading_halted, bot.halt_reason) == (True, "kill_switch")
    assert bot.auto_trade_enabled is False
    assert AuditLog.objects.get(action=AuditAction.KILL_SWITCH).data == {
        "cancelled": 3,
        "strategies_stopped": 1,
    }
    # The pending order's submission arrives after the kill: nothing is sent.
    orders_submit([pending.pk])
    assert Order.objects.get(pk=pending.pk).status == OrderStatus.CANCELLED

    trading_rearm(user=trader)

    bot.refresh_from_db()
    assert (bot.trading_halted, bot.halt_reason, bot.halted_at) == (False, "", None)
    assert rest(trader, market, yes, "BUY", "0.45", "10", run_commits).status == "open"


def test_a_failed_sell_after_the_token_was_bought_again_restores_the_shares(
    trader, market, yes
) -> None:
    trade(trader, yes, "B-1", "BUY", "10", "0.40")
    trade(trader, yes, "S-1", "SELL", "10", "0.60")  # closes the first position
    trade(trader, yes, "B-2", "BUY", "5", "0.50")  # opens a new one

    trade(trader, yes, "S-1", "SELL", "10", "0.60", status="FAILED")

    # The sell never happened: all 15 shares are held, in one open position.
    (position,) = Position.objects.filter(
        user=trader, outcome=yes, status=PositionStatus.OPEN
    )
    assert (position.size, position.cost_basis) == (D("15"), D("6.50"))  # 4.00 + 2.50
    assert position.realized_pnl == D("0")
    assert paper_cash_balance(trader) == D("993.50")  # 1000 − 4.00 − 2.50


def test_the_kill_switch_also_stops_a_paper_order_caught_mid_submission(
    trader, market, yes
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "100")])
    order = order_place(
        user=trader,
        request=OrderRequest(
            market_id=market.pk,
            token_id=yes.token_id,
            side="BUY",
            price=D("0.50"),
            size=D("10"),
            order_type="FOK",
        ),
    )
    # The submission task has claimed it but not matched it yet.
    assert order_transition(order.pk, from_states=["pending"], to="submitting")

    assert kill_switch_engage(user=trader).cancelled == 1
    PaperGateway().submit(order.pk)  # the submission carries on

    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert Fill.objects.count() == 0
    assert paper_cash_balance(trader) == D("1000")


def test_the_settle_task_settles_resolved_markets_with_open_positions(
    trader, market, yes, no
) -> None:
    trade(trader, no, "N-1", "BUY", "10", "0.30")
    resolve(market, no)

    assert portfolio_settle_resolved() == 1
    assert portfolio_settle_resolved() == 0

    position = Position.objects.get(user=trader, outcome=no)
    assert (position.status, position.realized_pnl) == ("resolved", D("7.00"))
    assert paper_cash_balance(trader) == D("1007.00")  # 1000 − 3.00 + 10


def test_a_failed_fill_of_a_fully_matched_live_order_closes_it_unfilled(
    trader, market, yes
) -> None:
    order = OrderFactory(
        user=trader, mode="live", market=market, outcome=yes, price=D("0.40"),
        size=D("10"), status=OrderStatus.OPEN,
    )  # fmt: skip
    trade(trader, yes, "LF-1", "BUY", "10", "0.40", mode="live", order=order)
    order.refresh_from_db()
    assert (order.status, order.filled_size) == ("filled", D("10"))

    trade(
        trader,
        yes,
        "LF-1",
        "BUY",
        "10",
        "0.40",
        mode="live",
        order=order,
        status="FAILED",
    )

    order.refresh_from_db()
    # The venue is done with the order; the match that failed never happened.
    assert (order.status, order.filled_size, order.average_fill_price) == (
        "cancelled",
        D("0"),
        None,
    )
    position = Position.objects.get(user=trader, outcome=yes, mode="live")
    assert (position.size, position.cost_basis, position.status) == (0, 0, "closed")


# --- a failed fill after the market settled ------------------------------------------


def test_a_failed_live_buy_after_settlement_lowers_the_redeemable_payout(
    trader, market, yes
) -> None:
    trade(trader, yes, "RS-1", "BUY", "10", "0.40", mode="live")
    trade(trader, yes, "RS-2", "BUY", "10", "0.50", mode="live")
    resolve(market, yes)
    assert market_settle(market=market) == 1

    trade(trader, yes, "RS-2", "BUY", "10", "0.50", mode="live", status="FAILED")

    position = Position.objects.get(user=trader, outcome=yes, mode="live")
    # Only RS-1's 10 shares were ever held: owed 10, realized 10 − 4.00.
    assert (position.status, position.size, position.cost_basis) == (
        "redeemable",
        D("0"),
        D("0"),
    )
    assert (position.redeemable_amount, position.realized_pnl) == (D("10"), D("6.00"))
    assert Position.objects.filter(user=trader, outcome=yes).count() == 1


def test_a_failed_paper_buy_after_settlement_takes_back_its_payout(
    trader, market, yes
) -> None:
    trade(trader, yes, "PS-1", "BUY", "10", "0.40")
    trade(trader, yes, "PS-2", "BUY", "10", "0.50")
    resolve(market, yes)
    assert market_settle(market=market) == 1
    assert paper_cash_balance(trader) == D("1011.00")  # 1000 − 4 − 5 + 20

    trade(trader, yes, "PS-2", "BUY", "10", "0.50", status="FAILED")

    position = Position.objects.get(user=trader, outcome=yes)
    assert (position.status, position.size, position.realized_pnl) == (
        "resolved",
        D("0"),
        D("6.00"),
    )
    # 5.00 paid for PS-2 comes back, its 10.00 of payout goes: 1000 − 4 + 10.
    assert paper_cash_balance(trader) == D("1006.00")
    kinds = list(trader.cash_entries.order_by("id").values_list("kind", "amount"))[-2:]
    assert kinds == [("reversal", D("5.00")), ("settlement", D("-10.00"))]


def test_a_failed_sell_of_a_losing_settled_position_loses_the_shares_it_kept(
    trader, market, yes, no
) -> None:
    trade(trader, yes, "LS-1", "BUY", "20", "0.40")
    trade(trader, yes, "LS-2", "SELL", "10", "0.60")  # realized +2.00
    resolve(market, no)
    assert market_settle(market=market) == 1
    position = Position.objects.get(user=trader, outcome=yes)
    assert position.realized_pnl == D("-2.00")  # 2.00 − the 4.00 left at 0

    trade(trader, yes, "LS-2", "SELL", "10", "0.60", status="FAILED")

    position.refresh_from_db()
    # All 20 shares were held to the end and paid nothing.
    assert (position.status, position.size, position.realized_pnl) == (
        "resolved",
        D("0"),
        D("-8.00"),
    )
    assert paper_cash_balance(trader) == D("992.00")  # 1000 − 8, the 6 given back


# --- fills of an order given up as never received ------------------------------------


def given_up_order(trader, market, yes) -> Order:
    return OrderFactory(
        user=trader, mode="live", market=market, outcome=yes, price=D("0.40"),
        size=D("10"), status=OrderStatus.REJECTED, error_code="never_received",
        error_message="The venue never received this order.", closed_at=utc_now(),
    )  # fmt: skip


def test_a_late_partial_fill_of_a_given_up_order_cancels_the_rest(
    trader, market, yes
) -> None:
    order = given_up_order(trader, market, yes)

    trade(trader, yes, "LL-1", "BUY", "4", "0.40", mode="live", order=order)

    order.refresh_from_db()
    assert (order.status, order.filled_size, order.average_fill_price) == (
        "cancelled",
        D("4"),
        D("0.400000"),
    )
    assert (order.error_code, order.error_message) == (
        LANDED_LATE,
        LANDED_LATE_MESSAGE,
    )
    assert Position.objects.get(user=trader, outcome=yes, mode="live").size == D("4")


def test_a_late_full_fill_of_a_given_up_order_marks_it_filled(
    trader, market, yes
) -> None:
    order = given_up_order(trader, market, yes)

    trade(trader, yes, "LL-2", "BUY", "10", "0.40", mode="live", order=order)

    order.refresh_from_db()
    assert (order.status, order.filled_size, order.error_code) == (
        "filled",
        D("10"),
        LANDED_LATE,
    )
