"""Gateways: where an order goes once the services have accepted it
(DESIGN §4). Only ``orders.services`` and ``orders.submission`` call them."""

from __future__ import annotations

from accounts.models import User
from orders.exchange.base import Gateway
from polybot.lib.types import TradingMode


def gateway_for(mode: str, user: User | int) -> Gateway:
    if mode == TradingMode.LIVE:
        from orders.exchange.live import LiveGateway

        return LiveGateway.for_user(user)
    from orders.exchange.paper import PaperGateway

    return PaperGateway()
