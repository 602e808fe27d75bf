"""What the engine needs to know about an order, however it arrived."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from polybot.sandbox.constants import BASE_UNITS
from polybot.sandbox.models import OrderType, Side


@dataclass(frozen=True)
class OrderRequest:
    id: str
    owner: str
    signer: str
    maker: str
    token_id: str
    side: Side
    # BUY: makerAmount is pUSD, takerAmount shares; SELL the other way round.
    maker_amount: int
    taker_amount: int
    order_type: OrderType = OrderType.GTC
    post_only: bool = False
    expiration: int = 0
    simulated: bool = False

    @property
    def size(self) -> Decimal:
        shares = self.taker_amount if self.side is Side.BUY else self.maker_amount
        return Decimal(shares) / BASE_UNITS

    @property
    def collateral(self) -> Decimal:
        cash = self.maker_amount if self.side is Side.BUY else self.taker_amount
        return Decimal(cash) / BASE_UNITS

    @property
    def price(self) -> Decimal:
        """The exact limit the signed amounts imply (may be off tick for market orders)."""
        shares = self.size
        return self.collateral / shares if shares else Decimal(0)


def amounts_for(side: Side, price: Decimal, size: Decimal) -> tuple[int, int]:
    """Signed amounts for a limit order, as the SDK computes them (exact on tick)."""
    shares = int(size * BASE_UNITS)
    cash = int(price * size * BASE_UNITS)
    return (cash, shares) if side is Side.BUY else (shares, cash)
