"""Fixtures for the sandbox venue: an in-process engine on a hand-driven clock,
and a real sandbox server on a free port in a background thread."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from eth_account import Account
from py_clob_client_v2 import ClobClient

from polybot.sandbox.catalog import build_catalog
from polybot.sandbox.config import SandboxConfig
from polybot.sandbox.engine import Engine
from polybot.sandbox.events import VenueEvent
from polybot.sandbox.models import Market, OrderType, Side
from polybot.sandbox.orders import OrderRequest, amounts_for
from polybot.sandbox.server import SandboxThread

START = 1_800_000_000.0
ALICE = "0x" + "a1" * 20
BOB = "0x" + "b0" * 20


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class EngineHarness:
    """An engine with no simulator, a settable clock and a log of published batches."""

    def __init__(self, config: SandboxConfig) -> None:
        self.clock = Clock()
        catalog = build_catalog(config.seed, datetime.fromtimestamp(START, UTC), None)
        self.engine = Engine(config, catalog.markets, catalog.events, clock=self.clock)
        self.batches: list[list[VenueEvent]] = []
        self.engine.bus.subscribe(self.batches.append)
        self._ids = 0

    def market(self, slug: str) -> Market:
        return next(m for m in self.engine.markets.values() if m.slug == slug)

    def order(
        self,
        wallet: str,
        token: str,
        side: Side,
        price: str,
        size: str,
        order_type: OrderType = OrderType.GTC,
        *,
        owner: str | None = None,
        post_only: bool = False,
        expiration: int = 0,
        order_id: str | None = None,
    ) -> OrderRequest:
        self._ids += 1
        maker_amount, taker_amount = amounts_for(side, Decimal(price), Decimal(size))
        return OrderRequest(
            id=order_id or f"0x{self._ids:064x}",
            owner=owner or f"key-{wallet[-4:]}",
            signer=wallet,
            maker=wallet,
            token_id=token,
            side=side,
            maker_amount=maker_amount,
            taker_amount=taker_amount,
            order_type=order_type,
            post_only=post_only,
            expiration=expiration,
        )

    def events(self, kind: type) -> list:
        return [e for batch in self.batches for e in batch if isinstance(e, kind)]


@pytest.fixture
def harness() -> Iterator[EngineHarness]:
    yield EngineHarness(
        SandboxConfig(
            simulator_enabled=False, resolve_after=None, gtd_security_seconds=60
        )
    )


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # The sandbox keeps no state in Django's cache: skip the project-wide
    # Redis flush so these tests need no Redis at all.
    return None


# --- a real sandbox over real sockets ---------------------------------------------

FAST = SandboxConfig(
    simulator_enabled=False,
    resolve_after=None,
    mined_after=0.2,
    confirmed_after=0.4,
    heartbeat_timeout=1.0,
    gtd_security_seconds=1.0,
    history_days=2,
    orders_page_size=2,
    trades_page_size=2,
)


def wait_until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxThread]:
    thread = SandboxThread(FAST).start()
    yield thread
    thread.stop()


@pytest.fixture
def control(sandbox: SandboxThread) -> Iterator[httpx.Client]:
    """The control endpoint; faults are switched off again after each test."""
    with httpx.Client(base_url=sandbox.urls.control, timeout=10) as client:
        yield client
        client.delete("/faults")


def market_tokens(sandbox: SandboxThread, slug: str) -> tuple[str, str, str]:
    """(condition id, first token, second token) of a market, read from Gamma."""
    market = httpx.get(f"{sandbox.urls.gamma}/markets/slug/{slug}", timeout=10).json()
    first, second = json.loads(market["clobTokenIds"])
    return market["conditionId"], first, second


class Trader:
    """A throwaway wallet with API credentials, driving the real v2 client."""

    def __init__(self, sandbox: SandboxThread) -> None:
        self.account = Account.create()
        self.key = self.account.key.hex()
        l1 = ClobClient(sandbox.urls.clob, chain_id=137, key=self.key)
        self.creds = l1.create_or_derive_api_key()
        self.client = ClobClient(
            sandbox.urls.clob, chain_id=137, key=self.key, creds=self.creds
        )

    @property
    def address(self) -> str:
        return str(self.account.address)


@pytest.fixture
def make_trader(sandbox: SandboxThread) -> Callable[[], Trader]:
    return lambda: Trader(sandbox)
