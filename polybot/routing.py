from __future__ import annotations

from django.urls import path

from portfolio.consumers import AccountConsumer

websocket_urlpatterns = [
    path("ws/account/", AccountConsumer.as_asgi()),
]
