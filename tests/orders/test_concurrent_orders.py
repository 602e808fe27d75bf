"""Two orders placed at the same moment by one account, on real
connections: the per-user trading lock lets only one spend the balance."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.selectors import bot_settings_get
from orders.errors import OrderRejectedError
from orders.models import Order
from orders.services import OrderRequest, order_place
from tests.orders.conftest import set_book

D = Decimal


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_orders_cannot_both_spend_the_same_cash(
    trader, market, yes
) -> None:
    bot = bot_settings_get(user=trader)
    bot.max_bet_amount = D("1000")
    bot.max_position_per_market = D("5000")
    bot.save()
    set_book(yes.token_id, bids=[("0.30", "100")], asks=[("0.50", "100")])
    # Each needs 0.40 · 1500 = 600 of the 1000: only one can have it.
    request = OrderRequest(
        market_id=market.pk,
        token_id=yes.token_id,
        side="BUY",
        price=D("0.40"),
        size=D("1500"),
    )
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def place() -> None:
        try:
            start.wait()
            order_place(user=trader, request=request)
            outcomes.append("placed")
        except OrderRejectedError as exc:
            outcomes.append(exc.violations[0].code)
        finally:
            connection.close()

    threads = [threading.Thread(target=place) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["insufficient_balance", "placed"]
    assert Order.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_accounts_paper_orders_at_once_do_not_take_the_same_liquidity(
    trader, other_user, market, yes
) -> None:
    set_book(
        yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10"), ("0.52", "10")]
    )
    request = OrderRequest(
        market_id=market.pk,
        token_id=yes.token_id,
        side="BUY",
        price=D("0.52"),
        size=D("10"),
        order_type="FAK",
    )
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def place(user) -> None:
        try:
            start.wait()
            order_place(user=user, request=request)  # submitted on commit
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=place, args=(u,)) for u in (trader, other_user)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    # One got the 10 at 0.50, the other the 10 at 0.52, whichever came first.
    prices = sorted(Order.objects.values_list("average_fill_price", flat=True))
    assert prices == [D("0.50"), D("0.52")]
