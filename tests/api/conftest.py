from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts.models import User
from accounts.services import api_key_create


@pytest.fixture
def make_api_key(user: User) -> Callable[..., str]:
    """Create a key (for ``user`` unless told otherwise) and return it raw."""

    def make(*, scopes: tuple[str, ...] = ("read",), owner: User | None = None) -> str:
        created = api_key_create(user=owner or user, name="script", scopes=list(scopes))
        return created.raw_key

    return make


def bearer(raw_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw_key}"}
