"""Live-mode accounts against a running sandbox venue, shared by the live
trading and exactly-once end-to-end tests.

A live user here is what production has: a wallet with its private key
stored encrypted, ``trading_mode = "live"`` behind ``LIVE_TRADING_ENABLED``,
and the adapter pointed at the venue's URLs through settings. Orders go
through ``orders.services`` and the real submission and gateway code, over
real HTTP to the sandbox, which verifies every signature.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from eth_account import Account

from accounts.models import User, Wallet
from accounts.services import credential_store, user_set_trading_mode
from markets.catalogue import markets_upsert
from markets.live import BookView, book_view_set
from markets.models import Market, Outcome
from markets.stream.publisher import book_view_of
from orders.exchange.venue_client import trading_client_for
from orders.models import Order
from orders.services import OrderRequest
from polybot.lib.types import TradingMode
from polybot.polymarket.book import OrderBook
from polybot.polymarket.clob import ClobPublicClient
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.gamma import GammaClient
from polybot.polymarket.models import (
    ApiCredentials,
    OrderType,
    PostOrderResult,
    Side,
    StreamReconnected,
    Trade,
    UserEvent,
    UserTradeEvent,
)
from polybot.polymarket.trading import TradingClient
from polybot.polymarket.ws import StreamSettings, UserStream
from polybot.sandbox.data_api import Position as VenuePosition
from polybot.sandbox.data_api import positions_of
from polybot.sandbox.server import SandboxThread
from tests.factories.accounts import UserFactory

D = Decimal
# Fee-charging binary markets of the sandbox catalogue (rate 0.04, exponent 1).
FEE_MARKET = "Will Bitcoin reach a new all-time high"
OTHER_MARKET = "Will Ethereum be above $5,000"


class WorkerDied(BaseException):
    """A crash at a submission checkpoint. Not an ``Exception``: nothing on
    the way may catch it, as nothing catches a killed process."""


def die_at(checkpoint: str) -> Callable[[str, int], None]:
    """A ``CHECKPOINT_HOOKS`` hook: the worker dies at ``checkpoint``."""

    def hook(name: str, order_id: int) -> None:
        if name == checkpoint:
            raise WorkerDied(f"worker died at {checkpoint!r} with order {order_id}")

    return hook


def request(
    market: Market, outcome: Outcome, side: str, price: str, size: str, **kw: Any
) -> OrderRequest:
    return OrderRequest(
        market_id=market.pk,
        token_id=outcome.token_id,
        side=side,
        price=D(price),
        size=D(size),
        **kw,
    )


def live_settings(settings: Any, sandbox: SandboxThread) -> None:
    """Point the adapter at the sandbox and allow live trading."""
    urls = sandbox.urls
    settings.LIVE_TRADING_ENABLED = True
    settings.POLYMARKET_CLOB_URL = urls.clob
    settings.POLYMARKET_GAMMA_URL = urls.gamma
    settings.POLYMARKET_DATA_URL = urls.data
    settings.POLYMARKET_WS_URL = urls.ws


def market_synced(config: VenueConfig, question_prefix: str) -> Market:
    """One sandbox market in our catalogue, as the Gamma sync writes it."""
    gamma = GammaClient(config)
    listed = next(
        m
        for m in gamma.markets(active=True, closed=False)
        if m.question.startswith(question_prefix)
    )
    markets_upsert(markets=[listed])
    return Market.objects.get(condition_id=listed.condition_id)


def outcomes(market: Market) -> tuple[Outcome, Outcome]:
    yes, no = market.outcomes.order_by("index")
    return yes, no


def live_user(username: str) -> User:
    """A user trading live through a fresh EOA wallet (the sandbox credits
    every new wallet with its starting balance of pUSD)."""
    account = Account.create()
    user = UserFactory(username=username)
    wallet = Wallet.objects.create(user=user, address=account.address)
    credential_store(wallet=wallet, private_key=account.key.hex())
    return user_set_trading_mode(user=user, mode=TradingMode.LIVE)


def venue_client(user: User) -> TradingClient:
    """The user's own venue client (the one the live gateway uses)."""
    return trading_client_for(user)


def counterparty(config: VenueConfig) -> TradingClient:
    """Another trader at the venue, outside polybot."""
    client = TradingClient(config, private_key=Account.create().key.hex())
    client.create_or_derive_credentials()
    return client


def counterparty_order(
    client: TradingClient,
    market: Market,
    outcome: Outcome,
    side: Side,
    price: str,
    size: str,
    order_type: OrderType = OrderType.GTC,
) -> PostOrderResult:
    signed = client.sign_order(
        token_id=outcome.token_id,
        side=side,
        price=D(price),
        size=D(size),
        tick_size=market.tick_size,
        neg_risk=market.neg_risk,
        order_type=order_type,
    )
    return client.post_order(signed)


def book_publish(config: VenueConfig, outcome: Outcome) -> BookView:
    """The venue's current book of ``outcome`` in the live-book cache, the
    way the stream publishes it (risk needs a fresh, trusted book for
    marketable orders; marks read its midpoint)."""
    snapshot = ClobPublicClient(config).book(outcome.token_id)
    book = OrderBook(outcome.token_id, snapshot.market)
    book.apply_snapshot(snapshot)
    view = book_view_of(book)
    book_view_set(view)
    return view


def venue_positions(sandbox: SandboxThread, address: str) -> dict[str, VenuePosition]:
    """The venue's own positions of a wallet (from its fills and balances)."""
    engine = sandbox.venue.engine
    return {p.token_id: p for p in sandbox.call(lambda: positions_of(engine, address))}


def venue_collateral(sandbox: SandboxThread, address: str) -> Decimal:
    engine = sandbox.venue.engine
    return sandbox.call(lambda: engine.ledger.wallet(address).collateral)


def venue_order_ids(sandbox: SandboxThread, client: TradingClient) -> list[str]:
    """Every order the venue ever accepted from this account, open or not,
    in the order it accepted them."""
    engine = sandbox.venue.engine
    assert client.credentials is not None
    api_key = client.credentials.api_key
    return sandbox.call(lambda: [o.id for o in engine.orders_by_owner.get(api_key, [])])


def venue_trade_fee(sandbox: SandboxThread, trade_id: str) -> Decimal:
    engine = sandbox.venue.engine
    return sandbox.call(lambda: engine.trades[trade_id].fee)


def wallet_address(user: User) -> str:
    return Wallet.objects.get(user=user).address


def refreshed(order: Order) -> Order:
    order.refresh_from_db()
    return order


def eventually(predicate: Callable[[], object], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


class UserChannel:
    """Our ``UserStream`` on its own event loop, handing trades to the test."""

    def __init__(
        self, config: VenueConfig, creds: ApiCredentials, markets: list[str]
    ) -> None:
        self.events: queue.Queue[UserEvent | StreamReconnected] = queue.Queue()
        self.loop = asyncio.new_event_loop()
        settings = StreamSettings(
            ping_interval=0.5, stale_after=5.0, reconnect_base=0.05, reconnect_max=0.5
        )
        self.stream = UserStream(
            config, creds, markets, on_event=self._on_event, settings=settings
        )
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _on_event(self, event: UserEvent | StreamReconnected) -> None:
        self.events.put(event)

    def __enter__(self) -> UserChannel:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.stream.run(), self.loop)
        assert eventually(lambda: self.stream.counters.connects >= 1)
        return self

    def next_trade(self, timeout: float = 10.0) -> Trade:
        while True:
            event = self.events.get(timeout=timeout)
            if isinstance(event, UserTradeEvent):
                return event.trade

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self.stream.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
