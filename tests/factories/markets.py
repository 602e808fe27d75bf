from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from markets.models import Event, Market, Outcome


class EventFactory(DjangoModelFactory[Event]):
    class Meta:
        model = Event

    gamma_id = factory.Sequence(lambda n: str(50000 + n))
    slug = factory.Sequence(lambda n: f"event-{n}")
    title = factory.Sequence(lambda n: f"Event {n}")


class MarketFactory(DjangoModelFactory[Market]):
    class Meta:
        model = Market

    condition_id = factory.Sequence(lambda n: "0x" + f"{n + 1:064x}")
    gamma_id = factory.Sequence(lambda n: str(10000 + n))
    slug = factory.Sequence(lambda n: f"market-{n}")
    question = factory.Sequence(lambda n: f"Will thing {n} happen?")
    category = "Politics"
    tick_size = Decimal("0.01")
    min_order_size = Decimal("5")


class OutcomeFactory(DjangoModelFactory[Outcome]):
    class Meta:
        model = Outcome

    market = factory.SubFactory(MarketFactory)
    token_id = factory.Sequence(lambda n: f"{7100000000 + n}")
    label = "Yes"
    index = 0
    price = Decimal("0.5")
