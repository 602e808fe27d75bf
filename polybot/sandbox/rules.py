"""Order admission rules: tick, size, expiry and type checks, with the venue's messages."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from polybot.sandbox import errors
from polybot.sandbox.errors import VenueError
from polybot.sandbox.models import Market, OrderType
from polybot.sandbox.numbers import fmt
from polybot.sandbox.orders import OrderRequest

RESTING_TYPES = (OrderType.GTC, OrderType.GTD)
MIN_MARKETABLE_NOTIONAL = Decimal(1)


def _shown(price: Decimal) -> str:
    return fmt(price.quantize(Decimal("0.000001")))


def limit_price(market: Market, req: OrderRequest) -> Decimal:
    """The order's limit on its own token, checked against the market's tick.

    Limit orders must sit exactly on the tick. FOK/FAK ("market") orders are
    built from a dollar amount, so their implied price is only near a tick
    (the SDK rounds the share amount); the exact ratio is kept as the limit."""
    tick = market.tick_size
    price = req.price
    if req.order_type in RESTING_TYPES:
        on_tick = price % tick == 0
        nearest = price
    else:
        nearest = (price / tick).to_integral_value(rounding=ROUND_HALF_EVEN) * tick
        on_tick = abs(price - nearest) <= tick / 100
    if not on_tick or not tick <= nearest <= 1 - tick:
        raise VenueError(errors.tick_error(req.id, _shown(price), fmt(tick)))
    return price


def check_size(market: Market, req: OrderRequest) -> None:
    """Limit orders need ``orderMinSize`` shares; marketable FOK/FAK orders $1."""
    if req.order_type in RESTING_TYPES:
        if req.size < market.min_order_size:
            raise VenueError(
                errors.min_size_error(req.id, fmt(req.size), fmt(market.min_order_size))
            )
    elif req.collateral < MIN_MARKETABLE_NOTIONAL:
        raise VenueError(errors.min_amount_error(req.side.value, fmt(req.collateral)))
    if req.size <= 0:
        raise VenueError(errors.INVALID_PAYLOAD)


def check_type(req: OrderRequest, now: float, gtd_security_seconds: float) -> None:
    if req.post_only and req.order_type not in RESTING_TYPES:
        raise VenueError(errors.POST_ONLY_TYPE)
    if req.order_type is OrderType.GTD:
        # The venue keeps a security margin: a GTD order lives until
        # ``expiration - margin``, and one that would already be dead is refused.
        if req.expiration - gtd_security_seconds <= now:
            raise VenueError(errors.expiration_error(req.id))
    elif req.expiration != 0:
        raise VenueError(errors.expiration_error(req.id))
