"""Which tokens the stream subscribes to (issue 4).

A token matters when a user has an open order, an open position, an active
alert or a running strategy on its market, or when someone is looking at it
right now: pages and API subscribers register interest with a TTL, and
interest that is not renewed expires. Both tokens of a market are watched,
since a NO book is the mirror of the YES book.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.conf import settings

from alerts.models import Alert
from markets.models import Market, MarketStatus, Outcome
from orders.models import ACTIVE_ORDER_STATUSES, Order
from polybot.lib.redis import redis_client
from portfolio.models import Position, PositionStatus
from strategies.models import StrategyMarket, StrategyStatus

VIEWED_KEY = "polybot:interest:viewed"
DEFAULT_TTL_SECONDS = 60


def interest_register(
    token_ids: Iterable[str], *, ttl: int = DEFAULT_TTL_SECONDS
) -> None:
    """Someone is watching these tokens for the next ``ttl`` seconds."""
    expires = time.time() + ttl
    mapping = dict.fromkeys(token_ids, expires)
    if mapping:
        redis_client().zadd(VIEWED_KEY, mapping)


def viewed_tokens() -> set[str]:
    client = redis_client()
    client.zremrangebyscore(VIEWED_KEY, "-inf", time.time())
    return set(client.zrange(VIEWED_KEY, 0, -1))


def traded_market_ids() -> set[int]:
    """Markets with open orders, open positions, active alerts or running strategies."""
    ids: set[int] = set()
    ids.update(
        Order.objects.filter(status__in=ACTIVE_ORDER_STATUSES).values_list(
            "market_id", flat=True
        )
    )
    ids.update(
        Position.objects.filter(status=PositionStatus.OPEN).values_list(
            "market_id", flat=True
        )
    )
    ids.update(
        Alert.objects.filter(is_active=True, market__isnull=False).values_list(
            "market_id", flat=True
        )
    )
    ids.update(
        Alert.objects.filter(is_active=True, outcome__isnull=False).values_list(
            "outcome__market_id", flat=True
        )
    )
    ids.update(
        StrategyMarket.objects.filter(
            strategy__status=StrategyStatus.RUNNING
        ).values_list("market_id", flat=True)
    )
    return ids


def tokens_of_interest() -> set[str]:
    market_ids = traded_market_ids()
    watch_all = settings.POLYBOT_STREAM_WATCH_ALL_UP_TO
    if watch_all:
        # Small catalogues (the demo, a focused deployment) are watched whole.
        active = Market.objects.filter(status=MarketStatus.ACTIVE).order_by("-volume")
        market_ids.update(active.values_list("id", flat=True)[:watch_all])
    tokens = set(
        Outcome.objects.filter(market_id__in=market_ids).values_list(
            "token_id", flat=True
        )
    )
    viewed = viewed_tokens()
    if viewed:
        # A viewed NO token brings its YES sibling, and vice versa.
        viewed_markets = Outcome.objects.filter(token_id__in=viewed).values_list(
            "market_id", flat=True
        )
        tokens.update(
            Outcome.objects.filter(market_id__in=viewed_markets).values_list(
                "token_id", flat=True
            )
        )
    return tokens
