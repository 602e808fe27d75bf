"""One URL split by method between a ViewSet and a command APIView."""

from __future__ import annotations

import pytest

from accounts.api.views import ApiKeyViewSet, SessionApi
from polybot.api.routing import by_method


def test_by_method_refuses_two_views_for_one_method():
    with pytest.raises(ValueError, match="two views answer GET"):
        by_method(ApiKeyViewSet.as_view({"get": "list"}), SessionApi.as_view())


def test_by_method_refuses_what_is_not_a_drf_view():
    with pytest.raises(TypeError, match="is not a DRF view"):
        by_method(lambda request: None)
