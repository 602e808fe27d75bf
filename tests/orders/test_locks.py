"""The per-user trading lock (orders.locks)."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.models import BotSettings
from orders.locks import user_trading_lock
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def test_it_locks_an_existing_settings_row_in_one_query(
    django_assert_num_queries,  # noqa: ANN001
) -> None:
    user = UserFactory()
    existing, _ = BotSettings.objects.get_or_create(user=user)

    with transaction.atomic(), django_assert_num_queries(1):
        locked = user_trading_lock(user)

    assert locked.pk == existing.pk


def test_it_creates_the_settings_row_of_a_user_who_never_traded() -> None:
    user = UserFactory()
    BotSettings.objects.filter(user=user).delete()

    with transaction.atomic():
        locked = user_trading_lock(user.pk)

    assert BotSettings.objects.get(user=user).pk == locked.pk
