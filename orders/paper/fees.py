"""The taker fee a paper execution pays (DESIGN §4 "Fees").

Kept equal, to the micro-dollar, to the sandbox venue's fee
(``polybot/sandbox/fees.py``): the same curve, charged per trade (one price
level of a walk), rounded half-even to the 6 decimals that exist on chain.
Makers pay nothing, so only taker executions call this.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

ZERO = Decimal("0")
MICRO = Decimal("0.000001")


def taker_fee(
    *, shares: Decimal, price: Decimal, rate: Decimal, exponent: Decimal
) -> Decimal:
    """``shares * rate * (price * (1 - price)) ** exponent``, in pUSD.

    ``p * (1 - p)`` is symmetric, so the YES and NO legs of one match pay the
    same fee. A zero rate (fee-free market) is 0 without touching the curve.
    """
    if rate == ZERO:
        return ZERO
    fee = shares * rate * (price * (1 - price)) ** exponent
    return fee.quantize(MICRO, rounding=ROUND_HALF_EVEN)
