"""Simulated traders that keep the books populated and prices moving.

Each step, every open market's fair value takes an Ornstein-Uhlenbeck step in
logit space (a random walk pulled back to its anchor). A market maker
re-quotes a ladder around it on both sides (bids as BUY of the first outcome,
asks as SELL of it or BUY of the complement, so both tokens' books fill), and
a noise taker sometimes crosses the spread with a FAK order. Everything draws
from one seeded ``random.Random``: the same seed and the same sequence of
steps give the same market place.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from eth_utils import keccak

from polybot.sandbox.catalog import SimParams
from polybot.sandbox.engine import Engine
from polybot.sandbox.errors import VenueError
from polybot.sandbox.history import PriceHistory, clamp, logit, ou_step, sigmoid
from polybot.sandbox.models import Market, OrderType, Side
from polybot.sandbox.orders import OrderRequest, amounts_for

# Simulated time runs faster than the clock so a demo sees prices move.
TIME_ACCELERATION = 120
LEVELS = 4
SIM_BALANCE = Decimal(1_000_000_000)
MM_OWNER = "5a4d0000-0000-4000-8000-00000000a001"
TAKER_OWNER = "5a4d0000-0000-4000-8000-00000000a002"


def _address(name: str, seed: int) -> str:
    return "0x" + keccak(text=f"sim-wallet:{name}:{seed}").hex()[-40:]


@dataclass
class MarketSim:
    z: float  # fair value in logit space
    anchor: float
    vol: float
    quoted_at: float | None = None
    quotes: list[str] = field(default_factory=list)

    @property
    def fair(self) -> float:
        return clamp(sigmoid(self.z))


class Simulator:
    def __init__(
        self,
        engine: Engine,
        history: PriceHistory,
        params: dict[str, SimParams],
        seed: int,
    ) -> None:
        self.engine = engine
        self.history = history
        self.seed = seed
        self.rng = random.Random(f"sim:{seed}")
        self.mm = _address("market-maker", seed)
        self.taker = _address("noise-taker", seed)
        self._counter = 0
        self.state: dict[str, MarketSim] = {}
        for condition_id, p in params.items():
            self.state[condition_id] = MarketSim(z=logit(clamp(p.anchor)), anchor=p.anchor,
                                                 vol=p.vol)  # fmt: skip
        for wallet in (self.mm, self.taker):
            engine.fund(wallet, SIM_BALANCE)

    def start_from(self, condition_id: str, price: float) -> None:
        """Continue from the last generated history point."""
        self.state[condition_id].z = logit(clamp(price))

    def step(self, interval: float = 1.0) -> None:
        dt_days = interval * TIME_ACCELERATION / 86400
        with self.engine.batch():
            for condition_id, sim in self.state.items():
                market = self.engine.markets[condition_id]
                if market.closed:
                    continue
                sim.z = ou_step(sim.z, sim.anchor, sim.vol, dt_days, self.rng)
                self._requote(market, sim)
                if self.rng.random() < 0.15:
                    self._take(market, sim)
                book = self.engine.book_for(market)
                mid = book.midpoint()
                price = float(mid) if mid is not None else sim.fair
                self.history.record(market, int(self.engine.clock()), price)

    # --- the market maker --------------------------------------------------------

    def _requote(self, market: Market, sim: MarketSim) -> None:
        tick = float(market.tick_size)
        moved = sim.quoted_at is None or abs(sim.fair - sim.quoted_at) >= tick
        if not moved and self.rng.random() > 0.1:
            return
        self.engine.cancel(MM_OWNER, sim.quotes)
        sim.quotes = []
        sim.quoted_at = sim.fair
        t = market.tick_size
        half = Decimal(str(max(tick, round(self.rng.uniform(0.005, 0.015), 3))))
        fair = Decimal(str(round(sim.fair, 4)))
        bid = ((fair - half) / t).to_integral_value(rounding=ROUND_FLOOR) * t
        ask = ((fair + half) / t).to_integral_value(rounding=ROUND_CEILING) * t
        for level in range(LEVELS):
            self._quote(market, sim, Side.BUY, bid - t * level)
            self._quote(market, sim, Side.SELL, ask + t * level)

    def _quote(
        self, market: Market, sim: MarketSim, yes_side: Side, yes_price: Decimal
    ) -> None:
        t = market.tick_size
        if not t <= yes_price <= 1 - t:
            return
        size = Decimal(self.rng.choice((10, 25, 40, 60, 100, 150, 250, 400)))
        token, side, price = market.yes.token_id, yes_side, yes_price
        wallet = self.engine.ledger.wallet(self.mm)
        if yes_side is Side.SELL and wallet.available_tokens(token) < size:
            # No inventory: offer the complement instead (a mint when matched).
            token, side, price = market.no.token_id, Side.BUY, 1 - yes_price
        order_id = self._place(
            market, token, side, price, size, OrderType.GTC, MM_OWNER, self.mm
        )
        if order_id:
            sim.quotes.append(order_id)

    # --- the noise taker -------------------------------------------------------------

    def _take(self, market: Market, sim: MarketSim) -> None:
        book = self.engine.book_for(market)
        mid = book.midpoint()
        if mid is None:
            return
        lean = sim.fair - float(mid)
        buy_yes = self.rng.random() < 0.5 + max(min(lean * 20, 0.4), -0.4)
        if buy_yes:
            best = book.best_ask()
            token, price = market.yes.token_id, best
        else:
            best = book.best_bid()
            token, price = market.no.token_id, None if best is None else 1 - best
        if price is None:
            return
        shares = Decimal(self.rng.choice((5, 8, 12, 20, 35, 50)))
        shares = max(shares, Decimal(math.ceil(1 / float(price))) + 1)
        self._place(
            market,
            token,
            Side.BUY,
            price,
            shares,
            OrderType.FAK,
            TAKER_OWNER,
            self.taker,
        )

    # --- plumbing ------------------------------------------------------------------------

    def _place(self, market: Market, token: str, side: Side, price: Decimal, size: Decimal,
               order_type: OrderType, owner: str, wallet: str) -> str | None:  # fmt: skip
        self._counter += 1
        order_id = "0x" + keccak(text=f"sim-order:{self.seed}:{self._counter}").hex()
        maker_amount, taker_amount = amounts_for(side, price, size)
        req = OrderRequest(
            id=order_id, owner=owner, signer=wallet, maker=wallet, token_id=token, side=side,
            maker_amount=maker_amount, taker_amount=taker_amount, order_type=order_type,
            simulated=True,
        )  # fmt: skip
        if self.engine.ledger.wallet(wallet).available_collateral < SIM_BALANCE / 10:
            self.engine.fund(wallet, SIM_BALANCE)
        try:
            self.engine.place(req)
        except VenueError:
            return None  # e.g. the market closed this step: skip the quote
        return order_id
