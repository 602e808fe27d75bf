"""What the engine tells the outside world (websocket hubs) after each operation.

The engine batches the events of one operation and publishes them together,
so a websocket connection can receive them as one array frame."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from polybot.sandbox.book import LevelChange
from polybot.sandbox.models import Market, Order, Side, Trade, TradeStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PriceChanged:
    market: Market
    changes: tuple[LevelChange, ...]
    timestamp_ms: int


@dataclass(frozen=True)
class BookChanged:
    """After trades the venue re-sends the whole book of both tokens."""

    market: Market
    timestamp_ms: int


@dataclass(frozen=True)
class LastTrade:
    market: Market
    yes_price: Decimal
    yes_side: Side  # the taker's side in YES space
    size: Decimal
    fee_rate_bps: int
    transaction_hash: str
    timestamp_ms: int


@dataclass(frozen=True)
class TopChanged:
    market: Market
    best_bid: Decimal | None
    best_ask: Decimal | None
    timestamp_ms: int


@dataclass(frozen=True)
class TickSizeChanged:
    market: Market
    old: Decimal
    new: Decimal
    timestamp_ms: int


@dataclass(frozen=True)
class MarketListed:
    market: Market
    timestamp_ms: int


@dataclass(frozen=True)
class MarketResolved:
    market: Market
    winner_token: str
    timestamp_ms: int


@dataclass(frozen=True)
class OrderChanged:
    order: Order
    kind: str  # PLACEMENT | UPDATE | CANCELLATION
    timestamp_ms: int


@dataclass(frozen=True)
class TradeChanged:
    trade: Trade
    status: TradeStatus  # the status at emission (the trade object moves on)
    timestamp_ms: int


VenueEvent = (
    PriceChanged
    | BookChanged
    | LastTrade
    | TopChanged
    | TickSizeChanged
    | MarketListed
    | MarketResolved
    | OrderChanged
    | TradeChanged
)
Listener = Callable[[list[VenueEvent]], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def publish(self, events: list[VenueEvent]) -> None:
        if not events:
            return
        for listener in self._listeners:
            try:
                listener(events)
            except Exception:  # a broken listener must never undo a match
                log.exception("sandbox: event listener failed")
