"""Shared fixtures: a small named cast (STYLE R33)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from tests.factories.accounts import UserFactory


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # The cache is the real Redis (with a test prefix): start every test empty.
    cache.clear()


@pytest.fixture
def user(db: None) -> User:
    return UserFactory(username="alice")


@pytest.fixture
def other_user(db: None) -> User:
    return UserFactory(username="mallory")


@pytest.fixture
def client_logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client
