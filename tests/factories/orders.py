from __future__ import annotations

import uuid
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from orders.models import Fill, Order
from polybot.lib.time import utc_now
from tests.factories.accounts import UserFactory
from tests.factories.markets import OutcomeFactory


class OrderFactory(DjangoModelFactory[Order]):
    class Meta:
        model = Order

    user = factory.SubFactory(UserFactory)
    mode = "paper"
    client_order_id = factory.LazyFunction(lambda: uuid.uuid4().hex)
    outcome = factory.SubFactory(OutcomeFactory)
    market = factory.LazyAttribute(lambda o: o.outcome.market)
    side = "BUY"
    order_type = "GTC"
    price = Decimal("0.40")
    size = Decimal("10")


class FillFactory(DjangoModelFactory[Fill]):
    class Meta:
        model = Fill

    order = factory.SubFactory(OrderFactory)
    user = factory.LazyAttribute(lambda f: f.order.user)
    mode = factory.LazyAttribute(lambda f: f.order.mode)
    market = factory.LazyAttribute(lambda f: f.order.market)
    outcome = factory.LazyAttribute(lambda f: f.order.outcome)
    venue_trade_id = factory.Sequence(lambda n: f"trade-{n}")
    side = "BUY"
    price = Decimal("0.40")
    size = Decimal("10")
    fee = Decimal("0")
    role = "maker"
    matched_at = factory.LazyFunction(utc_now)
