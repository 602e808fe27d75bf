"""Typed models of everything the venue sends (STYLE R13).

Prices and sizes are ``Decimal``, times are aware UTC ``datetime``. Nothing
outside ``polybot/polymarket/`` ever sees a raw venue dict: parsers in
``parsing.py`` turn JSON into these, or raise ``PolymarketParseError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

import msgspec


class _StreamValue(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    """Base of the models the market stream builds for every message.

    Frozen like the dataclasses here, but a msgspec ``Struct``: building one
    costs a tenth of a frozen dataclass (which sets each field through
    ``object.__setattr__``), and the stream builds several per message.
    Untracked by the garbage collector: the values are immutable and can
    never form a reference cycle. The parser's fast path decodes into text
    frames and builds these from them when an event is wanted (see
    ``parsing.MarketFrame``)."""


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    GTC = "GTC"
    GTD = "GTD"
    FOK = "FOK"
    FAK = "FAK"


class TradeStatus(StrEnum):
    """Settlement of a match (API.md §5): final only at CONFIRMED."""

    MATCHED = "MATCHED"
    MINED = "MINED"
    CONFIRMED = "CONFIRMED"
    RETRYING = "RETRYING"
    FAILED = "FAILED"


class PriceLevel(_StreamValue):
    price: Decimal
    size: Decimal


@dataclass(frozen=True, slots=True)
class FeeCurve:
    """Taker fee per share = ``rate * (p * (1 - p)) ** exponent``; makers pay none."""

    rate: Decimal = Decimal("0")
    exponent: Decimal = Decimal("1")
    taker_only: bool = True


# --- Gamma ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GammaOutcome:
    label: str
    token_id: str
    price: Decimal | None


@dataclass(frozen=True, slots=True)
class GammaMarket:
    id: str
    condition_id: str
    question_id: str
    slug: str
    question: str
    description: str
    category: str
    outcomes: tuple[GammaOutcome, ...]  # in the order of ``outcomes``
    active: bool
    closed: bool
    archived: bool
    accepting_orders: bool
    enable_order_book: bool
    neg_risk: bool
    neg_risk_market_id: str
    neg_risk_other: bool
    tick_size: Decimal
    min_order_size: Decimal
    volume: Decimal
    volume_24h: Decimal
    liquidity: Decimal
    best_bid: Decimal | None
    best_ask: Decimal | None
    last_trade_price: Decimal | None
    one_day_price_change: Decimal | None
    start_date: datetime | None
    end_date: datetime | None
    closed_time: datetime | None
    resolution_source: str
    image: str
    icon: str
    fees_enabled: bool
    fee_curve: FeeCurve
    seconds_delay: int
    tags: tuple[str, ...]
    event_ids: tuple[str, ...]
    # "v1" markets trade clobTokenIds; "v2" (Protocol V2) ones trade positionIds.
    version: str
    position_ids: tuple[str, ...]
    uma_resolution_status: str
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class GammaEvent:
    id: str
    slug: str
    ticker: str
    title: str
    description: str
    category: str
    active: bool
    closed: bool
    archived: bool
    neg_risk: bool
    neg_risk_augmented: bool
    neg_risk_market_id: str
    start_date: datetime | None
    end_date: datetime | None
    volume: Decimal
    liquidity: Decimal
    image: str
    tags: tuple[str, ...]
    markets: tuple[GammaMarket, ...]


# --- CLOB public ----------------------------------------------------------------


class BookSnapshot(_StreamValue):
    """A full L2 book: REST ``/book`` or the WebSocket ``book`` event.

    Levels are kept as the venue sent them; ``book.py`` sorts them."""

    asset_id: str
    market: str
    bids: tuple[PriceLevel, ...]
    asks: tuple[PriceLevel, ...]
    timestamp: datetime
    hash: str = ""
    tick_size: Decimal | None = None
    min_order_size: Decimal | None = None
    neg_risk: bool | None = None
    last_trade_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PricePoint:
    t: datetime
    p: Decimal


@dataclass(frozen=True, slots=True)
class ClobToken:
    token_id: str
    outcome: str


@dataclass(frozen=True, slots=True)
class ClobMarketInfo:
    """``GET /clob-markets/{condition_id}``: what signing and fees need."""

    condition_id: str
    tokens: tuple[ClobToken, ...]
    tick_size: Decimal
    min_order_size: Decimal
    neg_risk: bool
    fee_curve: FeeCurve
    maker_base_fee_bps: int
    taker_base_fee_bps: int
    taker_delay: bool


@dataclass(frozen=True, slots=True)
class LastTradePrice:
    token_id: str
    price: Decimal | None
    side: Side | None


# --- CLOB trading ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApiCredentials:
    api_key: str
    secret: str
    passphrase: str

    def __repr__(self) -> str:  # never print secrets, even in a traceback
        return f"ApiCredentials(api_key={self.api_key[:8]}…)"


@dataclass(frozen=True, slots=True)
class SignedOrder:
    """A V2 order signed locally. ``order_hash`` is the venue's order id,
    known before posting; ``payload`` is the exact JSON body to POST."""

    order_hash: str
    payload: dict[str, object]
    token_id: str
    side: Side
    price: Decimal
    size: Decimal
    order_type: OrderType
    post_only: bool
    expiration: datetime | None


@dataclass(frozen=True, slots=True)
class PostOrderResult:
    success: bool
    order_id: str
    status: str  # live | matched | delayed | unmatched (lower case, as sent)
    making_amount: Decimal
    taking_amount: Decimal
    trade_ids: tuple[str, ...]
    transaction_hashes: tuple[str, ...]
    error_msg: str


@dataclass(frozen=True, slots=True)
class CancelResult:
    canceled: tuple[str, ...]
    not_canceled: dict[str, str]


@dataclass(frozen=True, slots=True)
class OpenOrder:
    id: str
    status: str
    owner: str
    maker_address: str
    market: str
    asset_id: str
    side: Side
    original_size: Decimal
    size_matched: Decimal
    price: Decimal
    associate_trades: tuple[str, ...]
    outcome: str
    created_at: datetime | None
    expiration: datetime | None
    order_type: str


@dataclass(frozen=True, slots=True)
class MakerOrderFill:
    order_id: str
    owner: str
    maker_address: str
    matched_amount: Decimal
    price: Decimal
    fee_rate_bps: Decimal
    asset_id: str
    outcome: str
    side: Side | None


@dataclass(frozen=True, slots=True)
class Trade:
    """One match, from ``/data/trades`` or the user channel's ``trade`` event."""

    id: str
    taker_order_id: str
    market: str
    asset_id: str
    side: Side
    size: Decimal
    price: Decimal
    fee_rate_bps: Decimal
    status: TradeStatus
    match_time: datetime | None
    last_update: datetime | None
    outcome: str
    owner: str
    maker_address: str
    transaction_hash: str
    trader_side: str  # TAKER | MAKER
    bucket_index: int | None
    maker_orders: tuple[MakerOrderFill, ...]


@dataclass(frozen=True, slots=True)
class BalanceAllowance:
    """Amounts in base units converted to Decimal pUSD/shares (6 decimals)."""

    balance: Decimal
    allowances: dict[str, Decimal]

    def allowance_for(self, spender: str) -> Decimal:
        """What ``spender`` may move (addresses compared case-insensitively).
        The V1 answer's one unnamed allowance stands for every spender; a
        spender the answer does not name has none."""
        for address, amount in self.allowances.items():
            if address.lower() == spender.lower():
                return amount
        return self.allowances.get("", Decimal(0))


@dataclass(frozen=True, slots=True)
class SpenderAllowance:
    """One exchange contract's allowance over the funder's pUSD."""

    name: str  # exchange | neg_risk_exchange | neg_risk_adapter
    address: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CollateralStatus:
    """The funder's pUSD and what each contract that settles orders may move."""

    balance: Decimal
    allowances: tuple[SpenderAllowance, ...]


# --- Data API --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DataPosition:
    proxy_wallet: str
    token_id: str
    condition_id: str
    size: Decimal
    avg_price: Decimal
    current_price: Decimal | None
    current_value: Decimal | None
    realized_pnl: Decimal | None
    unrealized_pnl: Decimal | None
    redeemable: bool
    mergeable: bool
    negative_risk: bool
    outcome: str
    outcome_index: int | None
    title: str
    slug: str
    end_date: datetime | None
    status: str


@dataclass(frozen=True, slots=True)
class DataTrade:
    proxy_wallet: str
    side: Side
    token_id: str
    condition_id: str
    size: Decimal
    price: Decimal
    timestamp: datetime
    transaction_hash: str
    outcome: str
    title: str


@dataclass(frozen=True, slots=True)
class DataActivity:
    proxy_wallet: str
    type: str  # TRADE, SPLIT, MERGE, REDEEM, REWARD, CONVERSION
    timestamp: datetime
    condition_id: str
    token_id: str
    size: Decimal | None
    usdc_size: Decimal | None
    price: Decimal | None
    side: Side | None
    transaction_hash: str


@dataclass(frozen=True, slots=True)
class DataValue:
    user: str
    value: Decimal


# --- WebSocket events ------------------------------------------------------------


class BookEvent(_StreamValue):
    snapshot: BookSnapshot
    event_type: Literal["book"] = "book"


class PriceChange(_StreamValue):
    asset_id: str
    price: Decimal
    size: Decimal  # the level's new aggregate size; 0 removes the level
    side: Side
    hash: str
    best_bid: Decimal | None  # the venue's top after this change (0 / 1 = empty side)
    best_ask: Decimal | None


class PriceChangeEvent(_StreamValue):
    market: str
    changes: tuple[PriceChange, ...]
    timestamp: datetime
    event_type: Literal["price_change"] = "price_change"


class TickSizeChangeEvent(_StreamValue):
    asset_id: str
    market: str
    old_tick_size: Decimal
    new_tick_size: Decimal
    timestamp: datetime
    event_type: Literal["tick_size_change"] = "tick_size_change"


class LastTradePriceEvent(_StreamValue):
    asset_id: str
    market: str
    price: Decimal
    side: Side | None
    size: Decimal
    fee_rate_bps: Decimal
    timestamp: datetime
    transaction_hash: str = ""
    event_type: Literal["last_trade_price"] = "last_trade_price"


class BestBidAskEvent(_StreamValue):
    asset_id: str
    market: str
    best_bid: Decimal | None
    best_ask: Decimal | None
    spread: Decimal | None
    timestamp: datetime
    event_type: Literal["best_bid_ask"] = "best_bid_ask"


@dataclass(frozen=True, slots=True)
class EventMessage:
    id: str
    ticker: str
    slug: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class NewMarketEvent:
    id: str
    question: str
    market: str  # condition id
    slug: str
    description: str
    asset_ids: tuple[str, ...]
    outcomes: tuple[str, ...]
    event: EventMessage | None
    timestamp: datetime
    tick_size: Decimal | None = None
    tags: tuple[str, ...] = ()
    event_type: Literal["new_market"] = "new_market"


@dataclass(frozen=True, slots=True)
class MarketResolvedEvent:
    id: str
    question: str
    market: str
    slug: str
    asset_ids: tuple[str, ...]
    outcomes: tuple[str, ...]
    winning_asset_id: str
    winning_outcome: str
    event: EventMessage | None
    timestamp: datetime
    event_type: Literal["market_resolved"] = "market_resolved"


@dataclass(frozen=True, slots=True)
class UserTradeEvent:
    trade: Trade
    timestamp: datetime
    event_type: Literal["trade"] = "trade"


@dataclass(frozen=True, slots=True)
class UserOrderEvent:
    type: str  # PLACEMENT | UPDATE | CANCELLATION
    order: OpenOrder
    timestamp: datetime
    event_type: Literal["order"] = "order"


@dataclass(frozen=True, slots=True)
class StreamReconnected:
    """Emitted by the WebSocket clients after a connection was replaced.

    Books of ``asset_ids`` are untrusted until their next snapshot; a user
    channel reconnect (``markets``) means trades may have been missed and the
    caller must backfill over REST."""

    channel: Literal["market", "user"]
    asset_ids: tuple[str, ...] = ()
    markets: tuple[str, ...] = ()
    reason: str = ""
    event_type: Literal["reconnected"] = "reconnected"


MarketEvent = (
    BookEvent
    | PriceChangeEvent
    | TickSizeChangeEvent
    | LastTradePriceEvent
    | BestBidAskEvent
    | NewMarketEvent
    | MarketResolvedEvent
)
UserEvent = UserTradeEvent | UserOrderEvent


@dataclass(slots=True)
class ParseStats:
    """Counts of what a parser skipped, so a connection loop can report them."""

    parsed: int = 0
    skipped_unknown: int = 0
    skipped_malformed: int = 0
    errors: list[str] = field(default_factory=list)
