"""Where the venue is and how hard we may hit it. Built from Django settings by
callers (``VenueConfig.from_settings``), so the adapter itself stays Django-free."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PRODUCTION_CLOB = "https://clob.polymarket.com"
PRODUCTION_GAMMA = "https://gamma-api.polymarket.com"
PRODUCTION_DATA = "https://data-api.polymarket.com"
PRODUCTION_WS = "wss://ws-subscriptions-clob.polymarket.com/ws"


@dataclass(frozen=True)
class VenueConfig:
    clob_url: str = PRODUCTION_CLOB
    gamma_url: str = PRODUCTION_GAMMA
    data_url: str = PRODUCTION_DATA
    ws_url: str = PRODUCTION_WS  # /market and /user are appended
    chain_id: int = 137
    # Every request has a timeout: connect, and the whole read.
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    # Share of each documented rate limit the client-side buckets allow.
    rate_limit_fraction: float = 0.5
    read_retries: int = 3

    @classmethod
    def from_settings(cls, settings: Any) -> VenueConfig:
        return cls(
            clob_url=settings.POLYMARKET_CLOB_URL.rstrip("/"),
            gamma_url=settings.POLYMARKET_GAMMA_URL.rstrip("/"),
            data_url=settings.POLYMARKET_DATA_URL.rstrip("/"),
            ws_url=settings.POLYMARKET_WS_URL.rstrip("/"),
            chain_id=settings.POLYMARKET_CHAIN_ID,
            rate_limit_fraction=getattr(
                settings, "POLYMARKET_RATE_LIMIT_FRACTION", 0.5
            ),
        )
