from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from strategies.models import Strategy, StrategyRun
from tests.factories.accounts import UserFactory


class StrategyFactory(DjangoModelFactory[Strategy]):
    class Meta:
        model = Strategy

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Strategy {n}")
    kind = "momentum"


class StrategyRunFactory(DjangoModelFactory[StrategyRun]):
    class Meta:
        model = StrategyRun

    strategy = factory.SubFactory(StrategyFactory)
