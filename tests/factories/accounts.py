from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.models import BotSettings, User, Wallet


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"trader{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    display_name = factory.LazyAttribute(lambda u: u.username.title())
    password = factory.django.Password("correct-horse-battery")


class WalletFactory(DjangoModelFactory[Wallet]):
    class Meta:
        model = Wallet

    user = factory.SubFactory(UserFactory)
    address = factory.Sequence(lambda n: "0x" + f"{n + 1:040x}")
    chain_id = 137
    signature_type = 0


class BotSettingsFactory(DjangoModelFactory[BotSettings]):
    class Meta:
        model = BotSettings
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
