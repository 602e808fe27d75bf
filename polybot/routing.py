from __future__ import annotations

from django.urls import path

from markets.consumers import MarketConsumer
from portfolio.consumers import AccountConsumer

websocket_urlpatterns = [
    path("ws/account/", AccountConsumer.as_asgi()),
    path("ws/markets/<int:market_id>/", MarketConsumer.as_asgi()),
]
