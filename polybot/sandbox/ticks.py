"""Dynamic tick size: the venue refines the tick near the extremes (API.md §5.1)."""

from __future__ import annotations

from decimal import Decimal

from polybot.sandbox.constants import FINE_TICK_ABOVE, FINE_TICK_BELOW
from polybot.sandbox.models import Market

FINE_TICK = Decimal("0.001")
# Going back to the coarse tick needs the price well inside the band, so a
# market hovering at the threshold does not flip on every quote.
COARSE_BAND = (Decimal("0.05"), Decimal("0.95"))


def tick_rule(market: Market, mid: Decimal | None) -> Decimal | None:
    """The new tick if the mid calls for a change, else None."""
    if mid is None or market.base_tick_size <= FINE_TICK or market.closed:
        return None
    extreme = mid > FINE_TICK_ABOVE or mid < FINE_TICK_BELOW
    if extreme and market.tick_size != FINE_TICK:
        return FINE_TICK
    inside = COARSE_BAND[0] <= mid <= COARSE_BAND[1]
    if inside and market.tick_size != market.base_tick_size:
        return market.base_tick_size
    return None
