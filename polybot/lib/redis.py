"""A raw Redis client on the cache's server, for structures the cache API
lacks (sorted sets). Keys are namespaced by the caller."""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)


def redis_client() -> redis.Redis:
    return _client(settings.CACHES["default"]["LOCATION"])
