"""``order_apply_update``: what the venue says about a live order moves its
lifecycle forward, never back, and never out of a final state."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AuditAction, AuditLog
from orders.models import Order, OrderStatus
from orders.services import order_apply_update
from tests.factories.orders import OrderFactory

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def live_order(trader, market, yes) -> Order:
    return OrderFactory(
        user=trader,
        mode="live",
        market=market,
        outcome=yes,
        size=D("10"),
        status=OrderStatus.SUBMITTING,
        venue_order_hash="0x" + "ab" * 32,
    )


def status(order: Order) -> str:
    return Order.objects.get(pk=order.pk).status


def test_a_live_ack_opens_the_order(live_order) -> None:
    assert order_apply_update(order=live_order, venue_status="live") is True
    assert status(live_order) == OrderStatus.OPEN
    # Said again: nothing to change.
    live_order.refresh_from_db()
    assert order_apply_update(order=live_order, venue_status="LIVE") is False


def test_a_live_status_does_not_undo_a_partial_fill(live_order) -> None:
    stale = Order.objects.get(pk=live_order.pk)  # read before the fill landed
    Order.objects.filter(pk=live_order.pk).update(
        status=OrderStatus.PARTIAL, filled_size=D("4")
    )
    order_apply_update(order=stale, venue_status="LIVE")
    assert status(live_order) == OrderStatus.PARTIAL


def test_a_cancelled_order_stays_cancelled(live_order) -> None:
    assert order_apply_update(order=live_order, venue_status="CANCELED") is True
    assert status(live_order) == OrderStatus.CANCELLED
    live_order.refresh_from_db()
    assert order_apply_update(order=live_order, venue_status="LIVE") is False
    assert status(live_order) == OrderStatus.CANCELLED
    assert AuditLog.objects.filter(action=AuditAction.ORDER_PLACE).count() == 1


def test_matched_waits_for_the_trades(live_order) -> None:
    order_apply_update(order=live_order, venue_status="LIVE")
    live_order.refresh_from_db()
    # Fully matched at the venue, but no fill has arrived yet.
    assert order_apply_update(order=live_order, venue_status="MATCHED") is False
    assert status(live_order) == OrderStatus.OPEN


def test_an_expired_gtd_is_expired(live_order) -> None:
    order_apply_update(order=live_order, venue_status="CANCELED_EXPIRED_ORDER")
    assert status(live_order) == OrderStatus.EXPIRED
