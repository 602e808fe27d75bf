"""Paper orders through the services, the submission task and the paper
gateway, against a live book in Redis: hand-computed fills, fees and cash."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import Order, OrderStatus
from orders.services import OrderRequest, order_place
from portfolio.cash import paper_cash_balance
from portfolio.models import Position
from tests.orders.conftest import set_book

D = Decimal
pytestmark = pytest.mark.django_db


def buy(market, outcome, price, size, order_type="GTC", **kw) -> OrderRequest:
    return OrderRequest(
        market_id=market.pk,
        token_id=outcome.token_id,
        side="BUY",
        price=D(price),
        size=D(size),
        order_type=order_type,
        **kw,
    )


def test_marketable_buy_walks_three_levels(trader, market, yes, run_commits) -> None:
    set_book(
        yes.token_id,
        bids=[("0.48", "100")],
        asks=[("0.50", "10"), ("0.52", "20"), ("0.55", "30")],
    )
    order = run_commits(lambda: order_place(user=trader, request=buy(market, yes, "0.55", "50")))
    order.refresh_from_db()
    # 10 @ 0.50 + 20 @ 0.52 + 20 @ 0.55 = 5.00 + 10.40 + 11.00 = 26.40 for 50
    assert order.status == OrderStatus.FILLED
    assert order.filled_size == D("50")
    assert order.average_fill_price == D("0.528")
    # fee per level: q * 0.02 * p(1-p): 10*.02*.25=0.05, 20*.02*.2496=0.09984,
    # 20*.02*.2475=0.099 → 0.24884
    assert order.fees_paid == D("0.24884")
    assert paper_cash_balance(trader) == D("1000") - D("26.40") - D("0.24884")
    position = Position.objects.get(user=trader, outcome=yes)
    assert position.size == D("50")
    assert position.cost_basis == D("26.40")
    assert position.average_entry_price == D("0.528")
    assert position.fees_paid == D("0.24884")


def test_resting_buy_below_the_bid_rests_with_queue_ahead(trader, market, yes, run_commits) -> None:
    set_book(yes.token_id, bids=[("0.45", "120")], asks=[("0.50", "10")])
    order = run_commits(lambda: order_place(user=trader, request=buy(market, yes, "0.45", "10")))
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    assert order.paper_queue_ahead == D("120")
    assert order.filled_size == 0
    assert Order.objects.get(pk=order.pk).fills.count() == 0
