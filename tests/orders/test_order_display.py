"""How an order reads in one line (orders.display.order_summary): side,
shares and price formatted as everywhere else on the site (the ``shares``
and ``cents`` filters), outcome and order type."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.display import order_summary
from tests.factories.orders import OrderFactory

D = Decimal
pytestmark = pytest.mark.django_db


def test_an_order_reads_side_shares_outcome_price_and_type(yes) -> None:
    order = OrderFactory(outcome=yes, side="BUY", size=D("10.000000"), price=D("0.520000"))  # fmt: skip

    assert order_summary(order) == "Buy 10 Yes at 52¢ (GTC)"


def test_large_sizes_are_grouped_and_fine_prices_keep_their_tenths(yes) -> None:
    order = OrderFactory(outcome=yes, side="SELL", size=D("1200.5"), price=D("0.525"),
                         order_type="FAK")  # fmt: skip

    assert order_summary(order) == "Sell 1,200.5 Yes at 52.5¢ (FAK)"
