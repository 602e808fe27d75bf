"""Paper orders through the services, the submission task and the paper
gateway, against a live book in Redis: hand-computed fills, fees and cash."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.models import AuditAction, AuditLog
from orders import risk, validation
from orders.errors import OrderNotCancellableError, OrderRejectedError
from orders.models import Fill, Order, OrderStatus
from orders.services import (
    OrderRequest,
    order_cancel,
    order_cancel_all,
    order_place,
    order_place_batch,
)
from orders.tasks import orders_submit, orders_sweep
from polybot.lib.time import utc_now
from portfolio.cash import paper_cash_balance, paper_cash_reserved
from portfolio.models import Position
from tests.factories.markets import OutcomeFactory
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
    order = run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.55", "50"))
    )
    order.refresh_from_db()
    # 10 @ 0.50 + 20 @ 0.52 + 20 @ 0.55 = 5.00 + 10.40 + 11.00 = 26.40 for 50
    assert order.status == OrderStatus.FILLED
    assert order.submitted_at is not None
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


def test_resting_buy_below_the_bid_rests_with_queue_ahead(
    trader, market, yes, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.45", "120")], asks=[("0.50", "10")])
    order = run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.45", "10"))
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    assert order.paper_queue_ahead == D("120")
    assert order.filled_size == 0
    assert Order.objects.get(pk=order.pk).fills.count() == 0


# --- helpers -------------------------------------------------------------------------


def sell(market, outcome, price, size, order_type="GTC", **kw) -> OrderRequest:
    return OrderRequest(
        market_id=market.pk,
        token_id=outcome.token_id,
        side="SELL",
        price=D(price),
        size=D(size),
        order_type=order_type,
        **kw,
    )


def _reload(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


# --- fill-or-kill, fill-and-kill, post-only -------------------------------------------


def test_a_fok_that_cannot_fill_is_rejected_and_touches_nothing(
    trader, market, yes, run_commits
) -> None:
    set_book(
        yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10"), ("0.52", "20")]
    )
    # 50 wanted at ≤ 0.55 but only 10 + 20 = 30 offered: all or nothing → nothing.
    order = run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.55", "50", "FOK"))
    )
    order = _reload(order)
    assert order.status == OrderStatus.REJECTED
    assert order.error_code == "fok_not_fillable"
    assert order.error_message == (
        "Not enough liquidity to fill the whole fill-or-kill order."
    )
    assert order.filled_size == 0
    assert order.fees_paid == 0
    assert Fill.objects.count() == 0
    assert not Position.objects.exists()
    assert paper_cash_balance(trader) == D("1000")
    assert paper_cash_reserved(trader) == 0


def test_a_fak_fills_what_it_can_and_cancels_the_rest(
    trader, market, yes, run_commits
) -> None:
    set_book(
        yes.token_id,
        bids=[("0.48", "100")],
        asks=[("0.50", "10"), ("0.52", "20"), ("0.55", "30")],
    )
    order = run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.52", "50", "FAK"))
    )
    order = _reload(order)
    # 10 @ 0.50 + 20 @ 0.52 = 5.00 + 10.40 = 15.40 for 30; the 0.55 level is
    # beyond the limit, so 20 are killed.
    assert order.status == OrderStatus.CANCELLED
    assert order.error_code == "fak_remainder"
    assert order.filled_size == D("30")
    assert order.average_fill_price == D("0.513333")  # 15.40 / 30
    # fees: 10·0.02·0.25 = 0.05; 20·0.02·(0.52·0.48 = 0.2496) = 0.09984
    assert order.fees_paid == D("0.14984")
    assert paper_cash_balance(trader) == D("1000") - D("15.40") - D("0.14984")
    # Nothing rests, so nothing stays reserved.
    assert paper_cash_reserved(trader) == 0
    assert Position.objects.get(user=trader, outcome=yes).size == D("30")


def test_a_post_only_that_would_cross_is_rejected_with_its_reason(
    trader, market, yes, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    order = run_commits(
        lambda: order_place(
            user=trader, request=buy(market, yes, "0.50", "10", post_only=True)
        )
    )
    order = _reload(order)
    assert order.status == OrderStatus.REJECTED
    assert order.error_code == "post_only_would_cross"
    assert order.error_message == (
        "Post-only order would cross the book; it was not placed."
    )
    assert Fill.objects.count() == 0
    assert paper_cash_balance(trader) == D("1000")


def test_a_post_only_below_the_ask_rests_behind_the_bid(
    trader, market, yes, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    order = run_commits(
        lambda: order_place(
            user=trader, request=buy(market, yes, "0.48", "10", post_only=True)
        )
    )
    order = _reload(order)
    assert order.status == OrderStatus.OPEN
    assert order.post_only is True
    assert order.paper_queue_ahead == D("100")  # the whole 0.48 bid is ahead
    # A resting buy reserves remaining × limit: 10 · 0.48 = 4.80.
    assert paper_cash_reserved(trader) == D("4.80")
    assert paper_cash_balance(trader) == D("1000")


# --- resting limits and shared liquidity ----------------------------------------------


def test_a_limit_buy_takes_what_crosses_and_rests_the_rest(
    trader, market, yes, run_commits
) -> None:
    set_book(
        yes.token_id,
        bids=[("0.48", "100")],
        asks=[("0.50", "10"), ("0.52", "20"), ("0.55", "30")],
    )
    order = run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.52", "50"))
    )
    order = _reload(order)
    # Takes 10 @ 0.50 + 20 @ 0.52 = 15.40 for 30; 20 rest at 0.52.
    assert order.status == OrderStatus.PARTIAL
    assert order.filled_size == D("30")
    assert order.remaining_size == D("20")
    # Nobody bids at 0.52 (the bids stop at 0.48): the rest is first in line.
    assert order.paper_queue_ahead == D("0")
    assert order.fees_paid == D("0.14984")  # 0.05 + 0.09984 as in the FAK test
    assert paper_cash_balance(trader) == D("984.45016")  # 1000 − 15.40 − 0.14984
    assert paper_cash_reserved(trader) == D("10.40")  # 20 · 0.52
    position = Position.objects.get(user=trader, outcome=yes)
    assert position.size == D("30")
    assert position.cost_basis == D("15.40")


def test_two_paper_orders_on_one_book_do_not_share_liquidity(
    trader, market, yes, run_commits
) -> None:
    set_book(
        yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10"), ("0.52", "20")]
    )
    first = run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.52", "10", "FAK"))
    )
    second = run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.52", "10", "FAK"))
    )
    first, second = _reload(first), _reload(second)
    # The first took the 10 at 0.50; on the same book version the second
    # cannot take them again and gets the next level.
    assert first.average_fill_price == D("0.50")
    assert second.average_fill_price == D("0.52")
    assert first.fees_paid == D("0.05")  # 10·0.02·0.25
    assert second.fees_paid == D("0.04992")  # 10·0.02·0.2496
    # A new book version has fresh liquidity: 0.50 is available again.
    set_book(
        yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10"), ("0.52", "20")]
    )
    third = run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.52", "10", "FAK"))
    )
    assert _reload(third).average_fill_price == D("0.50")


def test_a_sell_walks_the_bids_and_realizes_against_the_average_cost(
    trader, market, yes, run_commits
) -> None:
    set_book(
        yes.token_id,
        bids=[("0.48", "100")],
        asks=[("0.50", "10"), ("0.52", "20"), ("0.55", "30")],
    )
    # Bought 50 for 26.40 (avg 0.528), fees 0.24884 (see the three-level test).
    run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.55", "50"))
    )
    set_book(
        yes.token_id,
        bids=[("0.60", "20"), ("0.58", "20"), ("0.50", "100")],
        asks=[("0.62", "50")],
    )
    order = run_commits(
        lambda: order_place(user=trader, request=sell(market, yes, "0.58", "40"))
    )
    order = _reload(order)
    # 20 @ 0.60 + 20 @ 0.58 = 12.00 + 11.60 = 23.60
    assert order.status == OrderStatus.FILLED
    assert order.average_fill_price == D("0.59")
    # fees: 20·0.02·0.24 = 0.096; 20·0.02·(0.58·0.42 = 0.2436) = 0.09744
    assert order.fees_paid == D("0.19344")
    position = Position.objects.get(user=trader, outcome=yes)
    # The 40 sold carry 26.40 · 40/50 = 21.12 of the cost: realized 23.60 − 21.12.
    assert position.realized_pnl == D("2.48")
    assert position.size == D("10")
    assert position.cost_basis == D("5.28")
    assert position.average_entry_price == D("0.528")
    assert position.fees_paid == D("0.44228")  # 0.24884 + 0.19344
    assert position.net_realized_pnl == D("2.03772")
    # 1000 − 26.40 − 0.24884 + 23.60 − 0.19344
    assert paper_cash_balance(trader) == D("996.75772")


# --- expiry and cancelling -----------------------------------------------------------


def test_the_sweep_expires_a_paper_gtd_once_its_time_has_passed(
    trader, market, yes, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    expiry = utc_now() + timedelta(minutes=10)
    order = run_commits(
        lambda: order_place(
            user=trader,
            request=buy(market, yes, "0.45", "10", "GTD", expiration=expiry),
        )
    )
    assert _reload(order).status == OrderStatus.OPEN
    assert orders_sweep() == {"requeued": 0, "expired": 0}
    # Ten minutes on: the expiry is now in the past.
    Order.objects.filter(pk=order.pk).update(
        expiration=utc_now() - timedelta(seconds=1)
    )

    assert orders_sweep() == {"requeued": 0, "expired": 1}
    order = _reload(order)
    assert order.status == OrderStatus.EXPIRED
    assert order.closed_at is not None
    assert paper_cash_reserved(trader) == 0  # 10 · 0.45 = 4.50 released


def test_cancelling_a_resting_order(trader, market, yes, run_commits) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    # The caller still holds the object order_place returned (status
    # pending); the submission has since made it open.
    order = run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.45", "10"))
    )
    assert paper_cash_reserved(trader) == D("4.50")

    cancelled = order_cancel(user=trader, order=order)

    assert cancelled.status == OrderStatus.CANCELLED
    assert _reload(order).status == OrderStatus.CANCELLED
    assert paper_cash_reserved(trader) == 0
    cancels = AuditLog.objects.filter(
        action=AuditAction.ORDER_CANCEL, object_id=str(order.pk)
    )
    assert cancels.count() == 1
    # Cancelling it again (a double click, a race with cancel-all) is a no-op.
    assert order_cancel(user=trader, order=order).status == OrderStatus.CANCELLED
    assert cancels.count() == 1


def test_a_filled_order_cannot_be_cancelled(trader, market, yes, run_commits) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    order = run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.50", "10", "FOK"))
    )
    with pytest.raises(OrderNotCancellableError) as caught:
        order_cancel(user=trader, order=order)
    assert str(caught.value) == "This order is filled; there is nothing to cancel."
    assert _reload(order).status == OrderStatus.FILLED


def test_another_users_order_cannot_be_cancelled(
    trader, other_user, market, yes, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    order = run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.45", "10"))
    )
    with pytest.raises(OrderNotCancellableError):
        order_cancel(user=other_user, order=order)
    assert _reload(order).status == OrderStatus.OPEN


def test_cancel_all_cancels_every_open_order_and_counts_them(
    trader, market, yes, no, run_commits
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    set_book(no.token_id, bids=[("0.48", "100")], asks=[("0.52", "100")])
    run_commits(
        lambda: order_place_batch(
            user=trader,
            requests=[
                buy(market, yes, "0.45", "10"),
                buy(market, yes, "0.44", "10"),
                buy(market, no, "0.40", "10"),
            ],
        )
    )
    filled = run_commits(
        lambda: order_place(user=trader, request=buy(market, yes, "0.50", "10", "FOK"))
    )
    assert _reload(filled).status == OrderStatus.FILLED

    assert order_cancel_all(user=trader) == 3

    assert set(Order.objects.values_list("status", flat=True)) == {
        OrderStatus.CANCELLED,
        OrderStatus.FILLED,
    }
    assert order_cancel_all(user=trader) == 0


def test_a_pending_order_cancelled_before_submission_is_never_sent(
    trader, market, yes
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    # Not run_commits: the submission has not happened yet.
    order = order_place(user=trader, request=buy(market, yes, "0.50", "10", "FOK"))
    assert order.status == OrderStatus.PENDING

    order_cancel(user=trader, order=order)
    orders_submit([order.pk])  # the queued submission arrives late

    order = _reload(order)
    assert order.status == OrderStatus.CANCELLED
    assert order.submitted_at is None
    assert Fill.objects.count() == 0
    assert paper_cash_balance(trader) == D("1000")


# --- batches --------------------------------------------------------------------------


def test_a_batch_of_fifteen_is_placed(trader, market, yes, run_commits) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    requests = [buy(market, yes, f"0.{30 + i}", "5") for i in range(15)]
    orders = run_commits(lambda: order_place_batch(user=trader, requests=requests))
    assert len(orders) == 15
    assert Order.objects.filter(status=OrderStatus.OPEN).count() == 15
    # 5 · (0.30 + 0.31 + … + 0.44) = 5 · 5.55 = 27.75 reserved
    assert paper_cash_reserved(trader) == D("27.75")


def test_a_batch_of_sixteen_is_rejected_whole(trader, market, yes) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    requests = [buy(market, yes, "0.40", "5") for _ in range(16)]
    with pytest.raises(OrderRejectedError) as caught:
        order_place_batch(user=trader, requests=requests)
    assert [v.code for v in caught.value.violations] == ["batch_too_large"]
    assert Order.objects.count() == 0
    assert AuditLog.objects.filter(action=AuditAction.ORDER_REJECT).count() == 1


def test_one_bad_order_rejects_the_whole_batch(trader, market, yes) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    requests = [buy(market, yes, "0.40", "5"), buy(market, yes, "0.405", "5")]
    with pytest.raises(OrderRejectedError) as caught:
        order_place_batch(user=trader, requests=requests)
    (violation,) = caught.value.violations
    assert violation.code == risk.OFF_TICK
    assert violation.message == "Order 2: " + risk.RISK_OFF_TICK.format(tick="0.01")
    assert Order.objects.count() == 0


# --- validation ----------------------------------------------------------------------


def _gtd(minutes: float):
    return lambda market, yes: buy(
        market,
        yes,
        "0.45",
        "10",
        "GTD",
        expiration=utc_now() + timedelta(minutes=minutes),
    )


BOUNDS = risk.RISK_PRICE_BOUNDS.format(low="0.01", high="0.99")


@pytest.mark.parametrize(
    ("make", "code", "field", "message"),
    [
        pytest.param(lambda m, o: buy(m, o, "0", "10"), risk.PRICE_BOUNDS, "price", BOUNDS, id="price-0"),
        pytest.param(lambda m, o: buy(m, o, "1", "10"), risk.PRICE_BOUNDS, "price", BOUNDS, id="price-1"),
        pytest.param(
            lambda m, o: buy(m, o, "0.455", "10"), risk.OFF_TICK, "price",
            "Price must be a multiple of the tick size 0.01.", id="off-tick",
        ),
        pytest.param(
            lambda m, o: buy(m, o, "0.45", "-10"), risk.SIZE_NOT_POSITIVE, "size",
            risk.RISK_SIZE_NOT_POSITIVE, id="negative-size",
        ),
        pytest.param(
            lambda m, o: buy(m, o, "0.45", "10.125"), validation.SIZE_PRECISION, "size",
            validation.MSG_SIZE_PRECISION, id="size-3-decimals",
        ),
        pytest.param(
            lambda m, o: buy(m, o, "0.45", "4.99"), risk.MIN_SIZE, "size",
            "Size must be at least 5 shares in this market.", id="below-min-size",
        ),
        pytest.param(
            lambda m, o: buy(m, o, "NaN", "10"), validation.PRICE_NOT_A_NUMBER, "price",
            validation.MSG_PRICE_NOT_A_NUMBER, id="price-not-a-number",
        ),
        pytest.param(
            lambda m, o: buy(m, o, "0.50", "Infinity", "FOK"), validation.SIZE_NOT_A_NUMBER, "size",
            validation.MSG_SIZE_NOT_A_NUMBER, id="size-infinite",
        ),
        pytest.param(
            lambda m, o: replace(buy(m, o, "0.45", "10"), price=None), validation.PRICE_REQUIRED, "price",
            validation.MSG_PRICE_REQUIRED, id="no-price",
        ),
        pytest.param(
            lambda m, o: replace(buy(m, o, "0.45", "10"), side="HOLD"), validation.BAD_SIDE, "side",
            validation.MSG_BAD_SIDE, id="unknown-side",
        ),
        pytest.param(
            lambda m, o: buy(m, o, "0.45", "10", "IOC"), validation.BAD_TYPE, "order_type",
            validation.MSG_BAD_TYPE, id="unknown-order-type",
        ),
        pytest.param(
            lambda m, o: buy(m, o, "0.50", "10", "FOK", post_only=True), validation.POST_ONLY_TYPE, "post_only",
            validation.MSG_POST_ONLY_TYPE, id="post-only-fok",
        ),
        pytest.param(
            lambda m, o: buy(m, o, "0.45", "10", "GTD"), validation.EXPIRATION_REQUIRED, "expiration",
            validation.MSG_EXPIRATION_REQUIRED, id="gtd-without-expiry",
        ),
        pytest.param(
            lambda m, o: buy(m, o, "0.45", "10", expiration=utc_now() + timedelta(hours=1)),
            validation.EXPIRATION_NOT_ALLOWED, "expiration", validation.MSG_EXPIRATION_NOT_ALLOWED,
            id="gtc-with-expiry",
        ),
        pytest.param(
            _gtd(-1), validation.EXPIRATION_TOO_SOON, "expiration",
            validation.MSG_EXPIRATION_TOO_SOON, id="gtd-in-the-past",
        ),
        pytest.param(
            _gtd(2), validation.EXPIRATION_TOO_SOON, "expiration",
            validation.MSG_EXPIRATION_TOO_SOON, id="gtd-too-soon",
        ),
        pytest.param(
            lambda m, o: OrderRequest(market_id=m.pk + 1000, token_id=o.token_id, side="BUY", price=D("0.45"), size=D("10")),
            validation.UNKNOWN_MARKET, "market", validation.MSG_UNKNOWN_MARKET, id="unknown-market",
        ),
        pytest.param(
            lambda m, o: OrderRequest(market_id=m.pk, token_id=OutcomeFactory().token_id, side="BUY", price=D("0.45"), size=D("10")),
            validation.UNKNOWN_OUTCOME, "outcome", validation.MSG_UNKNOWN_OUTCOME, id="outcome-of-another-market",
        ),
    ],
)  # fmt: skip
def test_an_invalid_order_is_rejected_clearly_and_not_persisted(
    trader, market, yes, make, code, field, message
) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    request = make(market, yes)

    with pytest.raises(OrderRejectedError) as caught:
        order_place(user=trader, request=request)

    assert caught.value.violations == (risk.RiskViolation(code, message, field),)
    assert caught.value.details == [{"code": code, "message": message, "field": field}]
    assert str(caught.value) == f"The order was rejected: {message}"
    assert Order.objects.count() == 0
    audit = AuditLog.objects.get(action=AuditAction.ORDER_REJECT)
    assert audit.data["codes"] == [code]
    assert audit.message == message


def test_a_client_order_id_is_used_once(trader, market, yes) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    request = buy(market, yes, "0.45", "10", client_order_id="strategy-7-tick-42")
    first = order_place(user=trader, request=request)

    # A retry with the same id is refused cleanly (the unique key, not a crash).
    with pytest.raises(OrderRejectedError) as caught:
        order_place(user=trader, request=request)

    assert caught.value.violations == (
        risk.RiskViolation(
            "client_order_id_taken",
            "This client order id is already in use.",
            "client_order_id",
        ),
    )
    assert list(Order.objects.values_list("pk", flat=True)) == [first.pk]
    # The same inside one batch: the whole batch is refused.
    twice = buy(market, yes, "0.45", "10", client_order_id="dup")
    with pytest.raises(OrderRejectedError):
        order_place_batch(user=trader, requests=[twice, twice])
    assert Order.objects.count() == 1


def test_the_sweep_queues_a_pending_order_nobody_queued(trader, market, yes) -> None:
    set_book(yes.token_id, bids=[("0.48", "100")], asks=[("0.50", "10")])
    # Placed, but its submission never got queued (the broker was down).
    order = order_place(user=trader, request=buy(market, yes, "0.50", "10", "FOK"))
    assert orders_sweep() == {"requeued": 0, "expired": 0}  # too young to tell
    Order.objects.filter(pk=order.pk).update(
        created_at=utc_now() - timedelta(seconds=20)
    )

    assert orders_sweep() == {"requeued": 1, "expired": 0}

    order = _reload(order)
    assert order.status == OrderStatus.FILLED  # 10 @ 0.50
    assert paper_cash_balance(trader) == D("994.95")  # 1000 − 5.00 − 0.05 fee
