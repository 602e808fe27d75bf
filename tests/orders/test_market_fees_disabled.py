"""A market whose fees are off but whose stored rate is not 0 (the venue
keeps the curve of a market that stopped charging): the preview, a paper
fill and the liquidation value all charge nothing, because all three read
the fee through ``orders.paper.fees.market_fee_curve``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import User
from markets.models import Market, Outcome
from orders.models import Fill
from orders.preview import order_preview
from orders.services import OrderRequest, order_place
from portfolio import selectors
from tests.orders.conftest import set_book

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def fee_free(market: Market) -> Market:
    market.fees_enabled = False  # fee_rate stays 0.02
    market.save()
    return market


def test_a_market_with_fees_off_charges_no_fee_anywhere(
    trader: User, fee_free: Market, yes: Outcome, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.50", "100")], asks=[("0.52", "100")])
    buy = OrderRequest(market_id=fee_free.pk, token_id=yes.token_id, side="BUY",
                       price=D("0.52"), size=D("10"), order_type="FAK")  # fmt: skip

    preview = order_preview(user=trader, request=buy)
    run_commits(lambda: order_place(user=trader, request=buy))
    [row] = selectors.open_position_rows(user=trader, mode="paper")

    assert (preview.marketable, preview.fee, preview.cost) == (True, D("0"), D("5.20"))
    fill = Fill.objects.get()
    assert (fill.price, fill.size, fill.fee) == (D("0.52"), D("10"), D("0"))
    assert row.liquidation is not None
    assert (row.liquidation.fee, row.liquidation_value) == (D("0"), D("5.00"))
