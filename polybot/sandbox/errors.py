"""The venue's refusals: an HTTP status plus the ``{"error": ...}`` body."""

from __future__ import annotations

# Messages as the real venue words them (fixtures/clob-post-order-responses.json,
# API.md §5.1, §9 and issue reports quoted there).
INVALID_API_KEY = "Invalid API key"
INVALID_SIGNATURE = "invalid signature"
INVALID_PAYLOAD = "Invalid order payload"
NOT_ENOUGH_BALANCE = "not enough balance / allowance"
FOK_NOT_FILLED = (
    "order couldn't be fully filled. FOK orders are fully filled or killed."
)
FAK_NO_MATCH = (
    "no orders found to match with FAK order. "
    "FAK orders are partially filled or killed if no match is found."
)
OWNER_MISMATCH = "the order owner has to be the owner of the API KEY"
SIGNER_MISMATCH = "the order signer address has to be the address of the API KEY"
MARKET_NOT_READY = "the market is not yet ready to process new orders"
MARKET_CLOSED = "the market is closed, no new orders are accepted"
POST_ONLY_TYPE = "invalid post-only order: only GTC and GTD orders can be post-only"
COULD_NOT_CREATE_KEY = "Could not create api key"
TOO_MANY_ORDERS = "too many orders in the batch, max is 15"


def tick_error(order_id: str, price: str, tick: str) -> str:
    return f"order {order_id} is invalid. Price ({price}) breaks minimum tick size rule: {tick}"


def min_size_error(order_id: str, size: str, minimum: str) -> str:
    return (
        f"order {order_id} is invalid. Size ({size}) lower than the minimum: {minimum}"
    )


def min_amount_error(side: str, amount: str) -> str:
    return f"invalid amount for a marketable {side} order (${amount}), min size: $1"


def duplicated_error(order_id: str) -> str:
    return f"order {order_id} is invalid. Duplicated."


def crosses_error(order_id: str) -> str:
    return f"order {order_id} crosses the book"


def expiration_error(order_id: str) -> str:
    return (
        f"order {order_id} is invalid. Expiration must be at least one minute "
        "in the future (GTD) or 0 (other order types)"
    )


class VenueError(Exception):
    """A refusal the HTTP layer turns into ``status`` + ``{"error": message}``."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
