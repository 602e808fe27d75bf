"""The sandbox's own state objects (not the adapter's models: the sandbox is an
independent implementation of the venue and must not share its parser)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    GTC = "GTC"
    GTD = "GTD"
    FOK = "FOK"
    FAK = "FAK"


class OrderStatus(StrEnum):
    LIVE = "LIVE"
    MATCHED = "MATCHED"
    CANCELED = "CANCELED"
    CANCELED_EXPIRED = "CANCELED_EXPIRED_ORDER"
    CANCELED_MARKET_RESOLVED = "CANCELED_MARKET_RESOLVED"


class TradeStatus(StrEnum):
    MATCHED = "MATCHED"
    MINED = "MINED"
    CONFIRMED = "CONFIRMED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Tag:
    id: str
    label: str
    slug: str


@dataclass(frozen=True)
class FeeSchedule:
    """Taker fee per share = ``rate * (p * (1 - p)) ** exponent`` (API.md §5.2)."""

    rate: Decimal = Decimal("0")
    exponent: int = 1
    taker_only: bool = True

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    @property
    def base_fee_bps(self) -> int:
        return int(self.rate * 10_000)


@dataclass(frozen=True)
class Outcome:
    label: str
    token_id: str
    index: int


@dataclass
class Market:
    gamma_id: str
    condition_id: str
    question_id: str
    slug: str
    question: str
    description: str
    category: str
    tags: tuple[Tag, ...]
    event_id: str
    image: str
    resolution_source: str
    created_at: datetime
    start_date: datetime
    end_date: datetime
    # outcomes[0] is the "YES" side of the unified book; outcomes[1] its complement.
    outcomes: tuple[Outcome, Outcome]
    tick_size: Decimal
    base_tick_size: Decimal
    min_order_size: Decimal
    fee: FeeSchedule
    neg_risk: bool = False
    neg_risk_market_id: str = ""
    neg_risk_request_id: str = ""
    group_item_title: str = ""
    base_volume: Decimal = Decimal("0")
    base_volume_24h: Decimal = Decimal("0")
    traded_volume: Decimal = Decimal("0")
    active: bool = True
    closed: bool = False
    archived: bool = False
    accepting_orders: bool = True
    closed_time: datetime | None = None
    winner_token: str | None = None
    last_trade_price: Decimal | None = None
    last_trade_side: Side | None = None
    # The YES mid a day ago, for ``oneDayPriceChange``.
    reference_price: Decimal | None = None
    updated_at: datetime | None = None

    @property
    def yes(self) -> Outcome:
        return self.outcomes[0]

    @property
    def no(self) -> Outcome:
        return self.outcomes[1]

    @property
    def token_ids(self) -> tuple[str, str]:
        return (self.outcomes[0].token_id, self.outcomes[1].token_id)

    def outcome_of(self, token_id: str) -> Outcome:
        return (
            self.outcomes[0]
            if self.outcomes[0].token_id == token_id
            else self.outcomes[1]
        )

    def is_yes(self, token_id: str) -> bool:
        return self.outcomes[0].token_id == token_id

    def complement(self, token_id: str) -> str:
        return (
            self.outcomes[1].token_id
            if self.is_yes(token_id)
            else self.outcomes[0].token_id
        )


@dataclass
class Event:
    id: str
    slug: str
    ticker: str
    title: str
    description: str
    category: str
    tags: tuple[Tag, ...]
    condition_ids: list[str]
    created_at: datetime
    start_date: datetime
    end_date: datetime
    image: str
    neg_risk: bool = False
    neg_risk_market_id: str = ""
    neg_risk_augmented: bool = False
    comment_count: int = 0


@dataclass
class Order:
    id: str  # the EIP-712 order hash
    owner: str  # API key that posted it ("" for simulated traders)
    signer: str
    maker: str  # the funder: whose balances move
    market: str  # condition id
    asset_id: str
    outcome: str
    side: Side
    price: Decimal  # own limit price on its own token
    original_size: Decimal
    order_type: OrderType
    post_only: bool
    expiration: int
    created_at: int
    seq: int  # arrival number: time priority at equal price
    size_matched: Decimal = Decimal("0")
    status: OrderStatus = OrderStatus.LIVE
    associate_trades: list[str] = field(default_factory=list)
    simulated: bool = False

    @property
    def remaining(self) -> Decimal:
        return self.original_size - self.size_matched

    @property
    def is_open(self) -> bool:
        return self.status is OrderStatus.LIVE


@dataclass
class MakerFill:
    order_id: str
    owner: str
    maker_address: str
    matched_amount: Decimal
    price: Decimal  # the maker's own price on its own token
    asset_id: str
    outcome: str
    outcome_index: int
    side: Side


@dataclass
class Trade:
    """One match of a taker order against one price level (one ``bucket_index``).

    Top-level fields describe the taker, as on the venue; makers are in ``maker_fills``."""

    id: str
    taker_order_id: str
    market: str
    asset_id: str
    side: Side
    size: Decimal
    price: Decimal
    fee_rate_bps: int
    fee: Decimal
    status: TradeStatus
    match_time: int
    last_update: int
    outcome: str
    outcome_index: int
    taker_owner: str
    taker_address: str
    transaction_hash: str
    bucket_index: int
    maker_fills: list[MakerFill]
    # When MINED / CONFIRMED are due (monotonic server seconds).
    mined_at: float = 0.0
    confirmed_at: float = 0.0


@dataclass
class ApiKey:
    api_key: str
    secret: str
    passphrase: str
    address: str  # checksummed signer address
    nonce: int


@dataclass(frozen=True)
class WalletFill:
    """One wallet's side of a trade, for the Data API (positions, trades, activity)."""

    trade_id: str
    market: str
    token_id: str
    side: Side
    size: Decimal
    price: Decimal
    fee: Decimal
    timestamp: int
    role: str  # TAKER | MAKER
