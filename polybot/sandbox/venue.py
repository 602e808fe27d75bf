"""Everything one running sandbox holds, built from a config and a seed."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from aiohttp import web

from polybot.sandbox.auth import ApiKeyStore
from polybot.sandbox.catalog import Catalog, build_catalog
from polybot.sandbox.config import SandboxConfig
from polybot.sandbox.engine import Engine
from polybot.sandbox.faults import Faults
from polybot.sandbox.history import PriceHistory
from polybot.sandbox.simulator import Simulator
from polybot.sandbox.ws_hub import WsHub


@dataclass
class Urls:
    clob: str = ""
    gamma: str = ""
    data: str = ""
    ws: str = ""
    control: str = ""

    @classmethod
    def for_base(cls, base: str) -> Urls:
        ws = base.replace("http://", "ws://", 1)
        return cls(f"{base}/clob", f"{base}/gamma", f"{base}/data-api", f"{ws}/ws",
                   f"{base}/control")  # fmt: skip


@dataclass
class Venue:
    config: SandboxConfig
    clock: Callable[[], float]
    catalog: Catalog
    engine: Engine
    keys: ApiKeyStore
    history: PriceHistory
    simulator: Simulator
    faults: Faults
    hub: WsHub
    started_at: float
    simulator_running: bool
    # Funder (maker) address last used by each API key: balance-allowance for
    # proxy/safe/deposit-wallet signature types reports the funder's balance.
    funders: dict[str, str] = field(default_factory=dict)
    # Allowances a test has set (/control/allowances), by lower-case owner
    # address then spender, in base units; everyone else has approved all.
    allowances: dict[str, dict[str, str]] = field(default_factory=dict)
    urls: Urls = field(default_factory=Urls)


VENUE = web.AppKey("venue", Venue)


def _on_tick(price: float, tick: Decimal) -> Decimal:
    return (Decimal(str(price)) / tick).to_integral_value(
        rounding=ROUND_HALF_EVEN
    ) * tick


def build_venue(config: SandboxConfig, clock: Callable[[], float] = time.time) -> Venue:
    start = clock()
    catalog = build_catalog(
        config.seed, datetime.fromtimestamp(start, UTC), config.resolve_after
    )
    engine = Engine(config, catalog.markets, catalog.events, clock=clock)
    history = PriceHistory()
    simulator = Simulator(engine, history, catalog.params, config.seed)
    rng = random.Random(f"history:{config.seed}")
    for market in catalog.markets:
        params = catalog.params[market.condition_id]
        last = history.generate(market, params.anchor, params.vol, int(start),
                                config.history_days, rng)  # fmt: skip
        simulator.start_from(market.condition_id, last)
        market.last_trade_price = _on_tick(last, market.tick_size)
        day_ago = history.query(market, market.yes.token_id, int(start) - 86400,
                                int(start) - 86400 + 600, 10)  # fmt: skip
        market.reference_price = Decimal(str(day_ago[0][1])) if day_ago else None
        market.updated_at = datetime.fromtimestamp(start, UTC)
    if catalog.resolves_soon is not None and config.resolve_after is not None:
        engine.scheduled_resolutions[catalog.resolves_soon] = (
            start + config.resolve_after
        )
    hub = WsHub(engine)
    faults = Faults.from_config(config.faults, seed=config.seed)
    venue = Venue(
        config=config,
        clock=clock,
        catalog=catalog,
        engine=engine,
        keys=ApiKeyStore(config.seed),
        history=history,
        simulator=simulator,
        faults=faults,
        hub=hub,
        started_at=start,
        simulator_running=config.simulator_enabled,
    )
    if config.simulator_enabled:
        simulator.step(0)  # books are populated before the first request
    return venue
