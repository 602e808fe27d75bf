"""The one HTTP layer under every REST client of the venue (Gamma, CLOB, Data).

What it guarantees (DESIGN §2):

* every request has a timeout (``VenueConfig.connect_timeout`` to connect,
  ``read_timeout`` for each read), and takes a token from its endpoint
  family's bucket (``ratelimit.py``) before it goes out;
* **reads** (GET, and the POST-as-read endpoints such as ``/books``) are
  retried on ``RetryableError`` up to ``config.read_retries`` times, with a
  jittered exponential backoff, or after the venue's ``Retry-After`` on 429;
  when retries run out the last error is raised (a 429 as
  ``RateLimitedError(retry_after=...)``);
* **writes** are never retried here. A timeout or a lost connection raises
  ``UnknownOutcomeError`` (the venue may have acted); 5xx with no recognisable
  venue message likewise; a definite refusal raises ``RejectedError`` with a
  ``RejectCode`` read from the venue's message.

The client is synchronous (``httpx.Client``); async callers run it with
``asyncio.to_thread``. Sleeping, the clock and the jitter source are
injectable so tests never really sleep.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from polybot.polymarket.config import VenueConfig
from polybot.polymarket.errors import (
    PolymarketError,
    PolymarketParseError,
    RateLimitedError,
    RejectCode,
    RejectedError,
    RetryableError,
    UnknownOutcomeError,
)
from polybot.polymarket.ratelimit import Clock, RateLimiter, Sleep

logger = logging.getLogger(__name__)

Params = Mapping[str, Any]
USER_AGENT = "polybot"

# The venue's rejection messages (API.md §5.1, §9, fixtures), lower-cased
# substrings checked in order: the first match wins, so specific phrases come
# before general ones ("post-only mode" is a venue state, "invalid post-only
# order" is our order crossing the book).
_MESSAGE_CODES: tuple[tuple[str, RejectCode], ...] = (
    ("order_version_mismatch", RejectCode.VERSION_MISMATCH),
    ("invalid order version", RejectCode.VERSION_MISMATCH),
    ("post_only_mode", RejectCode.TRADING_DISABLED),
    ("post-only mode", RejectCode.TRADING_DISABLED),
    ("cancel-only", RejectCode.CANCEL_ONLY),
    ("cancel only", RejectCode.CANCEL_ONLY),
    ("trading is currently disabled", RejectCode.TRADING_DISABLED),
    ("trading disabled", RejectCode.TRADING_DISABLED),
    ("closed only mode", RejectCode.TRADING_DISABLED),
    ("address banned", RejectCode.UNAUTHORIZED),
    ("fok orders are fully filled or killed", RejectCode.FOK_NOT_FILLED),
    ("couldn't be fully filled", RejectCode.FOK_NOT_FILLED),
    ("fok_order_not_filled", RejectCode.FOK_NOT_FILLED),
    ("breaks minimum tick size", RejectCode.INVALID_TICK_SIZE),
    ("min_tick_size", RejectCode.INVALID_TICK_SIZE),
    ("invalid tick size", RejectCode.INVALID_TICK_SIZE),
    ("lower than the minimum", RejectCode.INVALID_MIN_SIZE),
    ("invalid_order_min_size", RejectCode.INVALID_MIN_SIZE),
    ("min size", RejectCode.INVALID_MIN_SIZE),
    ("not enough balance", RejectCode.NOT_ENOUGH_BALANCE),
    ("not_enough_balance", RejectCode.NOT_ENOUGH_BALANCE),
    ("duplicated", RejectCode.DUPLICATED),
    ("invalid post-only order", RejectCode.POST_ONLY_CROSSES),
    ("invalid_post_only_order", RejectCode.POST_ONLY_CROSSES),
    ("crosses the book", RejectCode.POST_ONLY_CROSSES),
    ("crosses book", RejectCode.POST_ONLY_CROSSES),
    ("market not ready", RejectCode.MARKET_NOT_READY),
    ("market_not_ready", RejectCode.MARKET_NOT_READY),
    ("invalid signature", RejectCode.INVALID_SIGNATURE),
    ("invalid poly_proxy signature", RejectCode.INVALID_SIGNATURE),
    ("delaying_order_error", RejectCode.ORDER_DELAYED),
    ("order_delayed", RejectCode.ORDER_DELAYED),
    ("execution_error", RejectCode.EXECUTION_ERROR),
    ("could not insert order", RejectCode.EXECUTION_ERROR),
    ("expiration", RejectCode.INVALID_EXPIRATION),
    ("invalid order payload", RejectCode.INVALID_ORDER),
    ("invalid_order_error", RejectCode.INVALID_ORDER),
    ("has to be the owner of the api key", RejectCode.INVALID_ORDER),
    ("has to be the address of the api key", RejectCode.INVALID_ORDER),
    ("maker address not allowed", RejectCode.INVALID_ORDER),
    ("invalid amount", RejectCode.INVALID_ORDER),
)


def code_from_message(message: str) -> RejectCode | None:
    """The ``RejectCode`` a venue message names, or ``None`` if it names none."""
    lowered = message.lower()
    for needle, code in _MESSAGE_CODES:
        if needle in lowered:
            return code
    return None


def reject_code(status: int | None, message: str) -> RejectCode:
    """Map a definite refusal (status and venue message) to a ``RejectCode``.

    Authentication and missing resources are decided by status; everything
    else by the message, falling back to ``BAD_REQUEST``."""
    if status in (401, 403):
        return RejectCode.UNAUTHORIZED
    if status == 404:
        return RejectCode.NOT_FOUND
    return code_from_message(message) or RejectCode.BAD_REQUEST


def error_for_status(
    status: int,
    message: str,
    *,
    write: bool,
    endpoint: str = "",
    retry_after: float | None = None,
) -> PolymarketError:
    """Classify a non-2xx answer. Shared with ``trading.py``, which sees the
    same answers through py-clob-client-v2."""
    text = f"HTTP {status} from {endpoint}: {message}" if endpoint else message
    if status == 429:
        return RateLimitedError(
            text, status=status, endpoint=endpoint, retry_after=retry_after
        )
    if status >= 500:
        code = code_from_message(message)
        if write:
            # A 5xx that names a venue state ("trading is currently disabled",
            # "could not insert order") is a definite no; anything else
            # (a bare 502 from the proxy, an HTML page) may have come after
            # the order reached the matching engine.
            if code is not None:
                return RejectedError(text, code=code, status=status, endpoint=endpoint)
            return UnknownOutcomeError(text, status=status, endpoint=endpoint)
        return RetryableError(
            text, status=status, endpoint=endpoint, retry_after=retry_after
        )
    if 400 <= status < 500:
        return RejectedError(
            text, code=reject_code(status, message), status=status, endpoint=endpoint
        )
    return PolymarketParseError(
        f"unexpected HTTP {status} from {endpoint}", status=status, endpoint=endpoint
    )


def message_from_body(body: object) -> str:
    """The venue's error text from a decoded body (``{"error": ...}`` and kin)."""
    if isinstance(body, Mapping):
        for key in ("error", "errorMsg", "error_msg", "message", "msg"):
            value = body.get(key)
            if value:
                return value if isinstance(value, str) else str(value)
        return str(dict(body))[:300]
    if body is None:
        return ""
    return str(body)[:300]


def _decode_body(response: httpx.Response) -> object:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def parse_retry_after(
    response: httpx.Response, body: object, *, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date), else
    from a body's ``retry_after_seconds`` (the 503 post-only-mode answer)."""
    header = response.headers.get("retry-after")
    if header:
        header = header.strip()
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, when.timestamp() - now())
    if isinstance(body, Mapping):
        value = body.get("retry_after_seconds")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return max(0.0, float(value))
    return None


class HttpClient:
    """A small client for one venue host. See the module docstring for the
    retry and classification rules.

    ``family`` on every call names the rate-limit bucket (``ratelimit.py``).
    Pass one shared ``RateLimiter`` to every client of a process; without
    one, the client makes its own from ``config.rate_limit_fraction``."""

    def __init__(
        self,
        base_url: str,
        config: VenueConfig,
        *,
        limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        jitter: Callable[[], float] = random.random,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        max_retry_after: float = 60.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.config = config
        self.limiter = limiter or RateLimiter(
            config.rate_limit_fraction, clock=clock, sleep=sleep
        )
        self._sleep = sleep
        self._jitter = jitter
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        # A Retry-After longer than this is not waited out inside a read: the
        # caller (a task with its own schedule) is better placed to wait.
        self._max_retry_after = max_retry_after
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout),
            transport=transport,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
            | dict(headers or {}),
            # Redirects would silently turn a POST into a GET; the venue has
            # none, so one is an error worth seeing.
            follow_redirects=False,
        )

    # --- public API ---------------------------------------------------------------

    def get(
        self,
        path: str,
        *,
        family: str,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """A read: retried on ``RetryableError``. Returns the decoded JSON
        (or the text, if the body is not JSON; ``None`` if empty)."""
        return self._read("GET", path, family=family, params=params, headers=headers)

    def post_read(
        self,
        path: str,
        *,
        family: str,
        json: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """A POST that only reads (``/books``, ``/prices``, …): retried like a GET."""
        return self._read("POST", path, family=family, json=json, headers=headers)

    def write(
        self,
        method: str,
        path: str,
        *,
        family: str,
        content: str | bytes | None = None,
        json: object = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """A write: sent once. ``content`` is sent byte for byte (the L2 HMAC
        signs the exact body). Raises ``UnknownOutcomeError`` when the fate of
        the request cannot be known, ``RejectedError`` on a definite no."""
        return self._send(
            method,
            path,
            family=family,
            params=params,
            json=json,
            content=content,
            headers=headers,
            write=True,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        family: str,
        write: bool,
        content: str | bytes | None = None,
        json: object = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """``get``/``post_read`` when ``write`` is false, ``write`` otherwise."""
        if write:
            return self.write(
                method,
                path,
                family=family,
                content=content,
                json=json,
                params=params,
                headers=headers,
            )
        return self._read(
            method,
            path,
            family=family,
            params=params,
            json=json,
            content=content,
            headers=headers,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- internals ----------------------------------------------------------------

    def _read(
        self,
        method: str,
        path: str,
        *,
        family: str,
        params: Params | None = None,
        json: object = None,
        content: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        attempts = max(0, self.config.read_retries) + 1
        for attempt in range(attempts):
            try:
                return self._send(
                    method,
                    path,
                    family=family,
                    params=params,
                    json=json,
                    content=content,
                    headers=headers,
                    write=False,
                )
            except RetryableError as exc:
                delay = self._retry_delay(exc, attempt)
                if attempt + 1 >= attempts or delay is None:
                    raise
                logger.warning(
                    "venue read failed, retrying in %.2fs (%d/%d): %s",
                    delay,
                    attempt + 1,
                    attempts - 1,
                    exc.message,
                )
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry_delay(self, exc: RetryableError, attempt: int) -> float | None:
        if exc.retry_after is not None:
            if exc.retry_after > self._max_retry_after:
                return None
            return exc.retry_after
        # Jittered exponential backoff: half fixed, half random, so a crowd of
        # workers that failed together does not come back together.
        ceiling = min(self._backoff_cap, self._backoff_base * (2**attempt))
        return ceiling * (0.5 + 0.5 * self._jitter())

    def _send(
        self,
        method: str,
        path: str,
        *,
        family: str,
        params: Params | None,
        json: object,
        content: str | bytes | None,
        headers: Mapping[str, str] | None,
        write: bool,
    ) -> Any:
        endpoint = f"{method} {_path_only(path)}"
        self.limiter.acquire(family)
        request_headers = dict(headers or {})
        if content is not None:
            request_headers.setdefault("Content-Type", "application/json")
            if isinstance(content, str):
                content = content.encode("utf-8")
        try:
            response = self._client.request(
                method,
                path,
                params=_clean_params(params),
                json=json if content is None else None,
                content=content,
                headers=request_headers,
            )
        except httpx.TimeoutException as exc:
            raise self._transport_error(endpoint, "timed out", exc, write) from exc
        except httpx.RequestError as exc:
            raise self._transport_error(
                endpoint, "connection failed", exc, write
            ) from exc
        body = _decode_body(response)
        if 200 <= response.status_code < 300:
            return body
        retry_after = parse_retry_after(response, body)
        error = error_for_status(
            response.status_code,
            message_from_body(body),
            write=write,
            endpoint=endpoint,
            retry_after=retry_after,
        )
        raise error

    @staticmethod
    def _transport_error(
        endpoint: str, what: str, exc: Exception, write: bool
    ) -> PolymarketError:
        detail = f"{endpoint} {what}: {exc.__class__.__name__}: {exc}"
        if write:
            # Even a failed connect is reported as unknown: a write must be
            # resolved by its order hash, never assumed not to have happened.
            return UnknownOutcomeError(detail, endpoint=endpoint)
        return RetryableError(detail, endpoint=endpoint)


def _path_only(path: str) -> str:
    # Callers pass paths ("/book") or, from trading.py, absolute URLs.
    return httpx.URL(path).path or path


def _clean_params(params: Params | None) -> dict[str, Any] | None:
    """Drop ``None`` values and render booleans the way the venue expects."""
    if not params:
        return None
    cleaned: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            cleaned[key] = "true" if value else "false"
        elif isinstance(value, datetime):
            cleaned[key] = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        elif isinstance(value, list | tuple):
            items = [v for v in value if v is not None]
            if items:
                cleaned[key] = [str(v) for v in items]
        else:
            cleaned[key] = str(value)
    return cleaned
