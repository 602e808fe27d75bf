"""The positions page's rows and totals (portfolio.positions, portfolio
.selectors): positions built through real paper orders and venue fills, and
every figure computed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from markets.live import book_view_key
from orders.fills import FillReport, fill_apply
from orders.paper.fees import FeeCurve
from orders.services import OrderRequest, market_settle, order_place
from polybot.lib.time import utc_now
from portfolio import selectors
from portfolio.marks import portfolio_figures
from portfolio.models import Position, PositionStatus
from portfolio.positions import closed_position_rows, liquidation_walk
from tests.factories.markets import MarketFactory, OutcomeFactory
from tests.orders.conftest import (  # noqa: F401 (fixtures)
    market,
    no,
    run_commits,
    set_book,
    trader,
    yes,
)

D = Decimal
pytestmark = pytest.mark.django_db


def buy(user, in_market, outcome, price: str, size: str, commits) -> None:
    """A marketable paper buy, filled by the submission task after commit."""
    commits(
        lambda: order_place(
            user=user,
            request=OrderRequest(
                market_id=in_market.pk,
                token_id=outcome.token_id,
                side="BUY",
                price=D(price),
                size=D(size),
                order_type="FAK",
            ),
        )
    )


def trade(user, outcome, trade_id, side, size, price, *, status, mode="paper"):
    """A trade as the venue reports it, with its settlement status."""
    return fill_apply(
        FillReport(
            venue_trade_id=trade_id,
            user_id=user.pk,
            mode=mode,
            outcome=outcome,
            side=side,
            price=D(price),
            size=D(size),
            fee=D("0"),
            role="maker",
            matched_at=utc_now(),
            settlement_status=status,
        )
    )


@pytest.fixture
def ten_yes_at_52(trader, market, yes, run_commits) -> Position:  # noqa: F811
    """10 YES bought at 0.52 (cost 5.20), then the book moves to bids
    0.50×4 and 0.48×100 against an ask of 0.56: mid 0.53."""
    set_book(yes.token_id, bids=[("0.50", "100")], asks=[("0.52", "100")])
    buy(trader, market, yes, "0.52", "10", run_commits)
    set_book(yes.token_id, bids=[("0.50", "4"), ("0.48", "100")], asks=[("0.56", "50")])
    return Position.objects.get(user=trader, outcome=yes)


def test_it_marks_at_the_mid_and_liquidates_into_the_bids_after_fees(
    trader,  # noqa: F811
    ten_yes_at_52,
) -> None:
    [row] = selectors.open_position_rows(user=trader, mode="paper")

    assert row.position == ten_yes_at_52
    assert row.size == D("10")
    assert row.average_entry_price == D("0.52")
    assert row.cost_basis == D("5.20")
    assert row.mark == D("0.53")  # (0.50 + 0.56) / 2
    assert row.value == D("5.30")
    assert row.unrealized_pnl == D("0.10")  # 10 × 0.53 − 5.20
    assert row.unrealized_percent == D("1.92")  # 0.10 / 5.20 = 1.923 %
    assert row.realized_pnl == D("0")
    # The buy paid the taker fee 10 × 0.02 × (0.52 × 0.48) = 0.04992.
    assert row.fees_paid == D("0.04992")
    assert row.net_realized_pnl == D("-0.04992")
    # 4 at 0.50 (fee 4 × 0.02 × 0.25 = 0.02) and 6 at 0.48
    # (fee 6 × 0.02 × 0.2496 = 0.029952): 2.00 + 2.88 − 0.049952.
    assert row.liquidation is not None
    assert row.liquidation.size == D("10")
    assert row.liquidation.proceeds == D("4.88")
    assert row.liquidation.fee == D("0.049952")
    assert row.liquidation_value == D("4.830048")
    assert row.liquidation.complete
    assert row.book_trusted
    assert row.settling is None  # paper fills are final at once


def test_bids_that_do_not_cover_the_size_liquidate_only_part(
    trader,  # noqa: F811
    yes,  # noqa: F811
    ten_yes_at_52,
) -> None:
    set_book(yes.token_id, bids=[("0.50", "4")], asks=[("0.56", "50")])

    [row] = selectors.open_position_rows(user=trader, mode="paper")

    assert row.liquidation is not None
    assert row.liquidation.size == D("4")
    assert row.liquidation_value == D("1.98")  # 2.00 − 0.02
    assert not row.liquidation.complete


def test_without_a_live_book_the_mark_is_the_last_price_and_no_liquidation(
    trader,  # noqa: F811
    yes,  # noqa: F811
    ten_yes_at_52,
) -> None:
    cache.delete(book_view_key(yes.token_id))
    yes.price = D("0.47")
    yes.save()

    [row] = selectors.open_position_rows(user=trader, mode="paper")

    assert row.mark == D("0.47")
    assert row.unrealized_pnl == D("-0.50")  # 4.70 − 5.20
    assert row.unrealized_percent == D("-9.62")  # −0.50 / 5.20 = −9.615 %
    assert row.liquidation is None
    assert not row.book_trusted


def test_without_any_price_unrealized_is_unknown_not_zero(
    trader,  # noqa: F811
    yes,  # noqa: F811
    ten_yes_at_52,
) -> None:
    cache.delete(book_view_key(yes.token_id))
    yes.price = None
    yes.save()

    [row] = selectors.open_position_rows(user=trader, mode="paper")

    assert row.mark is None
    assert row.value is None
    assert row.unrealized_pnl is None
    assert row.unrealized_percent is None


def test_a_fee_free_market_liquidates_without_a_fee() -> None:
    walk = liquidation_walk(
        [(D("0.50"), D("4")), (D("0.48"), D("100"))],
        size=D("10"),
        curve=FeeCurve(rate=D("0"), exponent=D("1")),
    )

    assert (walk.size, walk.proceeds, walk.fee, walk.value) == (
        D("10"),
        D("4.88"),
        D("0"),
        D("4.88"),
    )


def test_it_counts_fills_not_final_on_chain(trader, market, yes) -> None:  # noqa: F811
    trade(trader, yes, "L-1", "BUY", "10", "0.40", status="MATCHED", mode="live")
    trade(trader, yes, "L-2", "BUY", "5", "0.42", status="MINED", mode="live")
    trade(trader, yes, "L-3", "BUY", "3", "0.44", status="RETRYING", mode="live")
    trade(trader, yes, "L-4", "BUY", "7", "0.45", status="CONFIRMED", mode="live")
    # A failed fill is reversed out of the position: not settling, not held.
    trade(trader, yes, "L-5", "BUY", "9", "0.46", status="MATCHED", mode="live")
    trade(trader, yes, "L-5", "BUY", "9", "0.46", status="FAILED", mode="live")

    [row] = selectors.open_position_rows(user=trader, mode="live")

    assert row.size == D("25")  # 10 + 5 + 3 + 7
    assert row.settling is not None
    assert row.settling.count == 3
    assert row.settling.size == D("18")  # 10 + 5 + 3
    assert row.settling.retrying == 1

    trade(trader, yes, "L-1", "BUY", "10", "0.40", status="CONFIRMED", mode="live")
    [row] = selectors.open_position_rows(user=trader, mode="live")
    assert row.settling is not None
    assert (row.settling.count, row.settling.size) == (2, D("8"))


def test_totals_add_up_and_match_the_api_figures(
    trader,  # noqa: F811
    market,  # noqa: F811
    yes,  # noqa: F811
    no,  # noqa: F811
    run_commits,  # noqa: F811
) -> None:
    # YES: 10 at 0.52 (fee 0.04992); NO: 20 at 0.45 (fee 20 × 0.02 × 0.2475
    # = 0.099), then 5 sold at 0.50 as a maker: realized 5 × (0.50 − 0.45).
    set_book(yes.token_id, bids=[("0.50", "100")], asks=[("0.52", "100")])
    buy(trader, market, yes, "0.52", "10", run_commits)
    set_book(no.token_id, bids=[("0.43", "100")], asks=[("0.45", "100")])
    buy(trader, market, no, "0.45", "20", run_commits)
    trade(trader, no, "N-SELL", "SELL", "5", "0.50", status="CONFIRMED")
    # A closed position's realized P&L counts in the account's, not the rows'.
    other = OutcomeFactory(market=MarketFactory(), token_id="2001")
    trade(trader, other, "C-BUY", "BUY", "10", "0.30", status="CONFIRMED")
    trade(trader, other, "C-SELL", "SELL", "10", "0.40", status="CONFIRMED")
    set_book(yes.token_id, bids=[("0.50", "4"), ("0.48", "100")], asks=[("0.56", "50")])
    set_book(no.token_id, bids=[("0.40", "100")], asks=[("0.44", "100")])

    panel = selectors.open_positions_panel(user=trader)
    totals = panel["totals"]

    assert panel["mode"] == "paper"
    assert [row.outcome for row in panel["rows"]] == [no, yes]  # newest first
    assert totals.open_positions == 2
    assert totals.cost == D("11.95")  # 5.20 + 15 × 0.45
    assert totals.value == D("11.60")  # 10 × 0.53 + 15 × 0.42
    assert totals.unrealized == D("-0.35")  # 0.10 + (6.30 − 6.75)
    assert totals.unrealized_percent == D("-2.93")  # −0.35 / 11.95 = −2.929 %
    assert totals.open_realized == D("0.25")  # 5 × (0.50 − 0.45)
    assert totals.open_fees == D("0.14892")  # 0.04992 + 0.099
    # YES 4.830048; NO 15 at 0.40, fee 15 × 0.02 × 0.24 = 0.072: 5.928.
    assert totals.liquidation_value == D("10.758048")
    assert totals.liquidation_short == 0
    assert totals.realized == D("1.25")  # 0.25 + 10 × (0.40 − 0.30)
    assert totals.fees == D("0.14892")
    assert totals.net_pnl == D("0.75108")  # 1.25 − 0.14892 − 0.35
    # Cash: 1000 − 5.20 − 0.04992 − 9.00 − 0.099 + 2.50 − 3.00 + 4.00
    assert totals.cash == D("989.15108")
    assert totals.cash_reserved == D("0")
    assert totals.equity == D("1000.75108")  # cash + 11.60

    # The API's PositionsSummary totals come from portfolio_figures.
    figures = portfolio_figures(trader, "paper")
    assert figures.positions_value == totals.value
    assert figures.unrealized == totals.unrealized
    assert figures.realized == totals.realized
    assert figures.fees == totals.fees
    assert figures.total_pnl == totals.net_pnl
    assert figures.open_positions == totals.open_positions


def test_a_position_without_a_live_book_counts_as_not_liquidatable(
    trader,  # noqa: F811
    yes,  # noqa: F811
    ten_yes_at_52,
) -> None:
    cache.delete(book_view_key(yes.token_id))

    totals = selectors.open_positions_panel(user=trader)["totals"]

    assert totals.liquidation_value == D("0")
    assert totals.liquidation_short == 1


def test_an_account_that_never_traded_shows_its_starting_cash_without_booking_it(
    trader,  # noqa: F811
) -> None:
    panel = selectors.open_positions_panel(user=trader)

    assert panel["rows"] == []
    assert panel["totals"].cash == D("1000")
    assert panel["totals"].value == D("0")
    assert not trader.cash_entries.exists()  # a page view books nothing


def test_live_mode_shows_no_paper_cash(trader, market, yes) -> None:  # noqa: F811
    trader.trading_mode = "live"
    trader.save()
    trade(trader, yes, "L-1", "BUY", "10", "0.40", status="MATCHED", mode="live")

    panel = selectors.open_positions_panel(user=trader)

    assert panel["mode"] == "live"
    assert [row.size for row in panel["rows"]] == [D("10")]
    assert panel["totals"].cash is None
    assert panel["totals"].equity is None
    assert panel["totals"].settling_fills == 1


def test_a_sold_out_position_is_closed_not_open(trader, market, yes) -> None:  # noqa: F811
    trade(trader, yes, "B-1", "BUY", "10", "0.40", status="CONFIRMED")
    trade(trader, yes, "S-1", "SELL", "10", "0.55", status="MATCHED")

    assert selectors.open_position_rows(user=trader, mode="paper") == []
    closed = list(selectors.closed_position_list(user=trader, mode="paper"))
    [row] = closed_position_rows(closed)
    assert row.position.status == PositionStatus.CLOSED
    assert row.position.realized_pnl == D("1.50")  # 10 × (0.55 − 0.40)
    assert row.won is None  # the market has not resolved
    # The sell is matched, not final: if it fails the position reopens.
    assert row.settling is not None
    assert (row.settling.count, row.settling.size) == (1, D("10"))


def test_resolution_settles_winners_at_one_and_losers_at_zero(
    trader,  # noqa: F811
    market,  # noqa: F811
    yes,  # noqa: F811
    no,  # noqa: F811
) -> None:
    trade(trader, yes, "Y-1", "BUY", "10", "0.40", status="CONFIRMED")
    trade(trader, no, "N-1", "BUY", "20", "0.55", status="CONFIRMED")
    market.status = "resolved"
    market.winning_outcome = yes
    market.resolved_at = utc_now()
    market.save()
    market_settle(market=market)

    closed = list(selectors.closed_position_list(user=trader, mode="paper"))
    rows = {row.position.outcome_id: row for row in closed_position_rows(closed)}

    assert selectors.open_position_rows(user=trader, mode="paper") == []
    assert rows[yes.pk].won is True
    assert rows[yes.pk].position.status == PositionStatus.RESOLVED
    assert rows[yes.pk].position.realized_pnl == D("6.00")  # 10 × 1 − 4.00
    assert rows[no.pk].won is False
    assert rows[no.pk].position.realized_pnl == D("-11.00")  # 20 × 0 − 11.00


def test_it_never_returns_another_users_positions(
    trader,  # noqa: F811
    other_user,
    market,  # noqa: F811
    yes,  # noqa: F811
) -> None:
    trade(other_user, yes, "M-1", "BUY", "10", "0.40", status="MATCHED")
    trade(other_user, yes, "M-2", "BUY", "5", "0.40", status="CONFIRMED")
    other_position = Position.objects.get(user=other_user)
    other_position.status = PositionStatus.CLOSED
    other_position.save()

    panel = selectors.open_positions_panel(user=trader)

    assert panel["rows"] == []
    assert panel["totals"].realized == D("0")
    assert list(selectors.closed_position_list(user=trader, mode="paper")) == []


def test_rows_cost_the_same_queries_for_one_position_or_many(
    trader,  # noqa: F811
) -> None:
    def queries_for_panel() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.open_positions_panel(user=trader)
        return len(captured)

    outcome = OutcomeFactory()
    trade(trader, outcome, "Q-0", "BUY", "10", "0.40", status="MATCHED")
    one = queries_for_panel()
    for n in range(1, 5):
        outcome = OutcomeFactory()
        trade(trader, outcome, f"Q-{n}", "BUY", "10", "0.40", status="MATCHED")
    assert queries_for_panel() == one
