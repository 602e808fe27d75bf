"""The API's URLs (STYLE R21): the router for read-only resources, command
views beside it. Mounted at /api/v1/ and, as an alias, at /api/."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from accounts.api.views import (
    ApiKeyCreateApi,
    ApiKeyRevokeApi,
    ApiKeyViewSet,
    SessionApi,
    WalletConnectApi,
)
from alerts.api.views import NotificationReadApi, NotificationViewSet
from markets.api.views import MarketViewSet
from orders.api.views import (
    OrderBatchApi,
    OrderCancelAllApi,
    OrderCreateApi,
    OrderDetailApi,
    OrderListApi,
)
from polybot.api.docs import ApiDocsView
from polybot.api.routing import by_method
from portfolio.api.views import PositionsApi, TradeListApi

router = DefaultRouter()
# DRF's constructor only takes "/" or "": the optional slash is set after.
router.trailing_slash = "/?"
# No format suffixes (/notifications.json): JSON is the only format.
router.include_format_suffixes = False
router.register("notifications", NotificationViewSet, basename="notification")
router.register("markets", MarketViewSet, basename="market")


def _route(regex: str, view: Any, name: str) -> URLPattern:
    """A command's URL, with the optional trailing slash the router's have."""
    return re_path(rf"^{regex}/?$", view, name=name)


urlpatterns = [
    _route("auth/session", SessionApi.as_view(), name="auth-session"),
    _route("auth/connect-wallet", WalletConnectApi.as_view(), name="wallet-connect"),
    # Listing keys is a ViewSet's job, creating and revoking are commands:
    # one URL each, split by method.
    _route(
        "auth/api-keys",
        by_method(ApiKeyViewSet.as_view({"get": "list"}), ApiKeyCreateApi.as_view()),
        name="api-key-list",
    ),
    _route(
        r"auth/api-keys/(?P<pk>[0-9]+)",
        by_method(
            ApiKeyViewSet.as_view({"get": "retrieve"}), ApiKeyRevokeApi.as_view()
        ),
        name="api-key-detail",
    ),
    _route(
        r"notifications/(?P<notification_id>[0-9]+)/read",
        NotificationReadApi.as_view(),
        name="notification-read",
    ),
    _route(
        "orders",
        by_method(OrderListApi.as_view(), OrderCreateApi.as_view()),
        name="order-list",
    ),
    _route("orders/batch", OrderBatchApi.as_view(), name="order-batch"),
    _route("orders/cancel-all", OrderCancelAllApi.as_view(), name="order-cancel-all"),
    _route(
        r"orders/(?P<order_id>[0-9]{1,12})",
        OrderDetailApi.as_view(),
        name="order-detail",
    ),
    _route("positions", PositionsApi.as_view(), name="positions"),
    _route("trades", TradeListApi.as_view(), name="trade-list"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
