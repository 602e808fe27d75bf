"""Fixtures for the sandbox venue: an in-process engine on a hand-driven clock,
and a real sandbox server on a free port in a background thread."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from polybot.sandbox.catalog import build_catalog
from polybot.sandbox.config import SandboxConfig
from polybot.sandbox.engine import Engine
from polybot.sandbox.events import VenueEvent
from polybot.sandbox.models import Market, OrderType, Side
from polybot.sandbox.orders import OrderRequest, amounts_for

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
