"""One exception family for everything the venue can do to us (DESIGN §2).

Errors are classified where they arise:

* ``retryable``: the request did not take effect and may be tried again
  (429 with ``retry_after``, 5xx, timeouts and connection errors on reads);
* ``rejected``: the venue said no, with its code and message;
* ``unknown_outcome``: a write whose fate we do not know (timeout or connection
  loss after the request may have reached the venue). Never retry these
  blindly: resolve them by order hash.
"""

from __future__ import annotations

from enum import StrEnum


class RejectCode(StrEnum):
    """The venue's rejection reasons (API.md §5.1), normalised."""

    INVALID_TICK_SIZE = "INVALID_ORDER_MIN_TICK_SIZE"
    INVALID_MIN_SIZE = "INVALID_ORDER_MIN_SIZE"
    DUPLICATED = "INVALID_ORDER_DUPLICATED"
    NOT_ENOUGH_BALANCE = "INVALID_ORDER_NOT_ENOUGH_BALANCE"
    INVALID_EXPIRATION = "INVALID_ORDER_EXPIRATION"
    INVALID_ORDER = "INVALID_ORDER_ERROR"
    EXECUTION_ERROR = "EXECUTION_ERROR"
    ORDER_DELAYED = "ORDER_DELAYED"
    FOK_NOT_FILLED = "FOK_ORDER_NOT_FILLED_ERROR"
    MARKET_NOT_READY = "MARKET_NOT_READY"
    VERSION_MISMATCH = "ORDER_VERSION_MISMATCH"
    POST_ONLY_CROSSES = "INVALID_POST_ONLY_ORDER"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"
    UNAUTHORIZED = "UNAUTHORIZED"
    NOT_FOUND = "NOT_FOUND"
    TRADING_DISABLED = "TRADING_DISABLED"
    CANCEL_ONLY = "CANCEL_ONLY"
    BAD_REQUEST = "BAD_REQUEST"


class PolymarketError(Exception):
    """Base of the family. ``kind`` is one of retryable / rejected / unknown_outcome."""

    kind = "error"
    retryable = False

    def __init__(
        self, message: str, *, status: int | None = None, endpoint: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.endpoint = endpoint


class RetryableError(PolymarketError):
    kind = "retryable"
    retryable = True

    def __init__(self, message: str, *, status: int | None = None, endpoint: str = "",
                 retry_after: float | None = None) -> None:  # fmt: skip
        super().__init__(message, status=status, endpoint=endpoint)
        self.retry_after = retry_after


class RateLimitedError(RetryableError):
    """HTTP 429; ``retry_after`` carries the venue's Retry-After in seconds."""


class RejectedError(PolymarketError):
    kind = "rejected"

    def __init__(self, message: str, *, code: RejectCode, status: int | None = None,
                 endpoint: str = "") -> None:  # fmt: skip
        super().__init__(message, status=status, endpoint=endpoint)
        self.code = code


class UnknownOutcomeError(PolymarketError):
    """A write may or may not have taken effect. Resolve by order hash."""

    kind = "unknown_outcome"


class PolymarketParseError(PolymarketError):
    """A payload did not have the documented shape."""

    kind = "parse"
