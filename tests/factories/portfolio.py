from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from portfolio.models import CashLedgerEntry, Position
from tests.factories.accounts import UserFactory
from tests.factories.markets import OutcomeFactory


class PositionFactory(DjangoModelFactory[Position]):
    class Meta:
        model = Position

    user = factory.SubFactory(UserFactory)
    mode = "paper"
    outcome = factory.SubFactory(OutcomeFactory)
    market = factory.LazyAttribute(lambda p: p.outcome.market)
    size = Decimal("10")
    average_entry_price = Decimal("0.40")
    cost_basis = factory.LazyAttribute(lambda p: p.size * p.average_entry_price)


class CashLedgerEntryFactory(DjangoModelFactory[CashLedgerEntry]):
    class Meta:
        model = CashLedgerEntry

    user = factory.SubFactory(UserFactory)
    kind = "deposit"
    amount = Decimal("1000")
    balance_after = Decimal("1000")
