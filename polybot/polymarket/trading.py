"""CLOB trading through ``py-clob-client-v2`` (pinned 1.2.1): API credentials,
V2 order signing, posting, cancelling, open orders, trades, balances and
heartbeats. **This module moves money.**

How we use the client, and why:

* **Transport.** ``ClobClient`` sends everything through ``_get``/``_post``/
  ``_delete``; our subclass routes them through ``HttpClient`` so the trading
  calls get the same timeouts, rate-limit buckets and error classification
  as every other venue call (the client's own module-global ``httpx.Client``
  has default 5 s timeouts and turns every transport error into one opaque
  ``PolyApiException("Request exception!")``). Reads retry; writes never do.
* **Signing.** ``sign_order`` does not call ``ClobClient.create_order``:
  that method always asks the network for the tick size (``GET /tick-size``,
  then caches it per token for the life of the client and refuses a smaller
  tick than the cached one, which is exactly what happens when a price
  passes 0.96/0.04) and may call ``GET /version``. It also computes amounts
  in floats and floors sizes such as 0.29 to 0.28. We compute the amounts
  exactly with ``Decimal`` from the tick and neg-risk the caller passes (from
  the market, fresh), and sign with the client's own
  ``ExchangeOrderBuilderV2``: same struct, same domain, same signature.
* **Order id before posting.** The venue's order id is the EIP-712 digest
  of the order (the exchange's ``hashOrder``: ``keccak256(0x1901 ‖
  domainSeparator ‖ structHash)``, domain ``Polymarket CTF Exchange`` version
  ``2`` on the standard or neg-risk exchange V2). We take it from
  ``ExchangeOrderBuilderV2.build_order_hash`` on the same typed data that
  was signed, so it is known before the order leaves the process and an
  unknown-outcome post can be resolved by looking the hash up.
* **Posting.** We post our exact payload ourselves (``deferExec`` false)
  rather than through ``ClobClient.post_order``, which polls ``/data/trades``
  for up to 30 s when a match has no transaction hash yet; the subclass also
  disables that polling in case anything reaches it.

The client is synchronous; async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from py_clob_client_v2.client import ClobClient
from py_clob_client_v2.clob_types import (
    ApiCreds,
    BalanceAllowanceParams,
    OrderMarketCancelParams,
    OrderPayload,
)
from py_clob_client_v2.config import get_contract_config
from py_clob_client_v2.constants import BYTES32_ZERO, INITIAL_CURSOR
from py_clob_client_v2.exceptions import PolyApiException, PolyException
from py_clob_client_v2.order_builder.builder import ROUNDING_CONFIG
from py_clob_client_v2.order_utils import (
    ExchangeOrderBuilderV2,
    OrderDataV2,
    SignatureTypeV2,
    SignedOrderV2,
    generate_order_salt,
)
from py_clob_client_v2.order_utils import Side as ClientSide
from py_clob_client_v2.order_utils.model.order_data_v2 import order_to_json_v2

from polybot.lib.money import is_on_tick, price_in_bounds
from polybot.polymarket import ratelimit
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.errors import (
    PolymarketError,
    PolymarketParseError,
    RejectCode,
    RejectedError,
    RetryableError,
    UnknownOutcomeError,
)
from polybot.polymarket.http import (
    HttpClient,
    code_from_message,
    error_for_status,
    message_from_body,
)
from polybot.polymarket.models import (
    ApiCredentials,
    BalanceAllowance,
    CancelResult,
    CollateralStatus,
    OpenOrder,
    OrderType,
    PostOrderResult,
    Side,
    SignedOrder,
    SpenderAllowance,
    Trade,
)
from polybot.polymarket.parsing import parse_open_order, parse_trade
from polybot.polymarket.rest_parsing import (
    parse_balance_allowance,
    parse_cancel_result,
    parse_cursor_page,
    parse_post_order_result,
)

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

# The venue refuses larger batches (API.md §5); we refuse them first.
MAX_BATCH = 15
TICK_SIZES = frozenset(ROUNDING_CONFIG)  # "0.1" … "0.0001"
ASSET_TYPES = frozenset({"COLLATERAL", "CONDITIONAL", "CONDITIONAL-V2"})
# Sizes are in shares with at most 2 decimals for every tick (ROUNDING_CONFIG).
SIZE_PLACES = 2
TOKEN_DECIMALS = 6
# A page walk that sees more pages than this is looping, not reading.
MAX_PAGES = 10_000

# POSTs that only read: retried like GETs. Every other POST and every
# DELETE is a write and is sent exactly once.
_POST_READS = frozenset(
    {
        "/books",
        "/prices",
        "/midpoints",
        "/spreads",
        "/last-trades-prices",
        "/orders-scoring",
    }
)
_FAMILIES: dict[tuple[str, str], str] = {
    ("POST", "/order"): ratelimit.TRADING_POST_ORDER,
    ("POST", "/orders"): ratelimit.TRADING_POST_ORDERS,
    ("DELETE", "/order"): ratelimit.TRADING_CANCEL,
    ("DELETE", "/orders"): ratelimit.TRADING_CANCEL_ORDERS,
    ("DELETE", "/cancel-all"): ratelimit.TRADING_CANCEL_ALL,
    ("DELETE", "/cancel-market-orders"): ratelimit.TRADING_CANCEL_MARKET,
    ("GET", "/data/orders"): ratelimit.CLOB_LEDGER_ORDERS,
    ("GET", "/data/trades"): ratelimit.CLOB_LEDGER_TRADES,
    ("GET", "/balance-allowance"): ratelimit.CLOB_BALANCE,
    ("GET", "/balance-allowance/update"): ratelimit.CLOB_BALANCE_UPDATE,
    ("GET", "/book"): ratelimit.CLOB_BOOK,
    ("POST", "/books"): ratelimit.CLOB_BOOKS,
    ("GET", "/price"): ratelimit.CLOB_PRICE,
    ("POST", "/prices"): ratelimit.CLOB_PRICES,
    ("GET", "/midpoint"): ratelimit.CLOB_MIDPOINT,
    ("POST", "/midpoints"): ratelimit.CLOB_MIDPOINTS,
    ("GET", "/prices-history"): ratelimit.CLOB_PRICES_HISTORY,
    ("GET", "/tick-size"): ratelimit.CLOB_TICK_SIZE,
    ("GET", "/ok"): ratelimit.CLOB_OK,
}


def clob_family(method: str, path: str) -> str:
    """The rate-limit family of a CLOB request."""
    family = _FAMILIES.get((method, path))
    if family is not None:
        return family
    if path.startswith("/data/order/"):
        return ratelimit.CLOB_LEDGER_ORDER
    if path.startswith("/auth/"):
        return ratelimit.CLOB_AUTH
    return ratelimit.CLOB_GENERAL


def is_clob_write(method: str, path: str) -> bool:
    return method != "GET" and not (method == "POST" and path in _POST_READS)


def error_from_client(
    exc: PolyException, *, write: bool, endpoint: str = ""
) -> PolymarketError:
    """Map a py-clob-client-v2 exception into our family.

    ``PolyApiException`` with a status is classified like any answer (4xx →
    ``RejectedError``; 5xx → retryable for reads, unknown for writes unless
    the venue named a refusal; 429 → rate limited). Without a status it was
    a transport failure: retryable for a read, unknown outcome for a write.
    A bare ``PolyException`` is the client refusing locally (no network)."""
    if isinstance(exc, PolyApiException):
        message = message_from_body(exc.error_msg)
        if exc.status_code is None:
            text = f"{endpoint}: {message or 'request failed'}"
            if write:
                return UnknownOutcomeError(text, endpoint=endpoint)
            return RetryableError(text, endpoint=endpoint)
        return error_for_status(
            exc.status_code, message, write=write, endpoint=endpoint
        )
    return RejectedError(
        f"{endpoint}: {exc.msg}", code=RejectCode.BAD_REQUEST, endpoint=endpoint
    )


def reject_code_for(result: PostOrderResult) -> RejectCode | None:
    """For one element of a batch post: the refusal code, ``None`` if accepted."""
    if result.success:
        return None
    return code_from_message(result.error_msg) or RejectCode.INVALID_ORDER


def tick_key(tick_size: Decimal) -> str:
    """``Decimal("0.010")`` → ``"0.01"``, the client's ``TickSize`` key."""
    key = format(Decimal(tick_size).normalize(), "f")
    if key not in TICK_SIZES:
        raise ValueError(
            f"unsupported tick size {tick_size}; one of {sorted(TICK_SIZES)}"
        )
    return key


def order_amounts(side: Side, price: Decimal, size: Decimal) -> tuple[int, int]:
    """(makerAmount, takerAmount) in base units (6 decimals), exactly.

    BUY: maker gives ``size * price`` collateral, takes ``size`` shares; SELL
    the other way round. With a price on the tick and a size of at most 2
    decimals the product has at most 6 decimals, so nothing is rounded."""
    shares = size
    collateral = size * price
    maker, taker = (collateral, shares) if side is Side.BUY else (shares, collateral)
    units = []
    for amount in (maker, taker):
        scaled = amount.scaleb(TOKEN_DECIMALS)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"amount {amount} has more than {TOKEN_DECIMALS} decimals")
        units.append(int(scaled))
    return units[0], units[1]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class _RoutedClobClient(ClobClient):
    """``ClobClient`` whose HTTP goes through our ``HttpClient``.

    Relies on the pinned 1.2.1 calling ``self._get/_post/_delete`` for every
    request (``client.py``); ``tests/polymarket/test_trading.py`` checks it."""

    def __init__(self, *args: Any, http: HttpClient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.polybot_http = http

    def _send(
        self,
        method: str,
        endpoint: str,
        headers: dict[str, str] | None,
        data: object,
        params: dict[str, Any] | None,
    ) -> Any:
        path = self._venue_path(endpoint)
        content = data if isinstance(data, str | bytes) else None
        return self.polybot_http.request(
            method,
            endpoint,
            family=clob_family(method, path),
            write=is_clob_write(method, path),
            content=content,
            json=None if content is not None else data,
            params=params,
            headers=headers,
        )

    def _venue_path(self, endpoint: str) -> str:
        # The venue path ("/order"), also when the host has a path prefix
        # (the sandbox serves the CLOB under "/clob").
        path = httpx.URL(endpoint).path
        prefix = httpx.URL(self.host).path.rstrip("/")
        if prefix and path.startswith(prefix + "/"):
            return path[len(prefix) :]
        return path

    def _get(
        self,
        endpoint: str,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        return self._send("GET", endpoint, headers, None, params)

    def _post(
        self,
        endpoint: str,
        headers: dict[str, str] | None = None,
        data: object = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        return self._send("POST", endpoint, headers, data, params)

    def _delete(
        self,
        endpoint: str,
        headers: dict[str, str] | None = None,
        data: object = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        return self._send("DELETE", endpoint, headers, data, params)

    def _resolve_transactions_hashes(self, response: Any) -> Any:
        # Never block a posting thread for up to 30 s polling /data/trades;
        # fills are followed through the user channel and trade backfills.
        return response


class TradingClient:
    """Authenticated CLOB access for one wallet. **Moves money**: see each
    method's docstring.

    ``private_key`` is the signer EOA's key; ``signature_type`` is 0 (EOA),
    1 (Polymarket proxy), 2 (Gnosis Safe) or 3 (deposit wallet, EIP-1271);
    ``funder`` is the address holding the funds (the order's ``maker``) and
    is required for types 1-3. ``credentials`` are the L2 API credentials
    (``create_or_derive_credentials`` makes them).

    Errors: reads raise ``RetryableError`` (after retries),
    ``RejectedError`` or ``PolymarketParseError``; writes raise
    ``RejectedError`` on a definite refusal and ``UnknownOutcomeError`` when
    the venue may or may not have acted, and are never retried here.
    """

    def __init__(
        self,
        config: VenueConfig,
        *,
        private_key: str,
        credentials: ApiCredentials | None = None,
        signature_type: int = 0,
        funder: str | None = None,
        http: HttpClient | None = None,
        now_ms: Callable[[], int] = _now_ms,
        salt: Callable[[], str] = generate_order_salt,
    ) -> None:
        try:
            sig_type = SignatureTypeV2(signature_type)
        except ValueError:
            raise ValueError(
                f"signature_type must be 0-3, got {signature_type}"
            ) from None
        if sig_type is not SignatureTypeV2.EOA and not funder:
            # Types 1-3 sign for a contract wallet; without its address the
            # order would name the EOA as maker and be refused (or worse).
            raise ValueError(f"signature_type {int(sig_type)} needs a funder address")
        self.config = config
        self.http = http or HttpClient(config.clob_url, config)
        self._host = config.clob_url.rstrip("/")
        self._now_ms = now_ms
        self._salt = salt
        self._contracts = get_contract_config(config.chain_id)
        self._client = _RoutedClobClient(
            host=self._host,
            chain_id=config.chain_id,
            key=private_key,
            creds=_to_client_creds(credentials),
            signature_type=sig_type,
            funder=funder,
            http=self.http,
        )

    # --- identity -------------------------------------------------------------------

    @property
    def signer_address(self) -> str:
        """The EOA that signs (``POLY_ADDRESS`` on every L2 request)."""
        return str(self._client.get_address())

    @property
    def maker_address(self) -> str:
        """The address holding the funds (the order's ``maker``)."""
        return str(self._client.builder.funder)

    @property
    def signature_type(self) -> int:
        return int(self._client.builder.signature_type)

    @property
    def credentials(self) -> ApiCredentials | None:
        creds = self._client.creds
        if creds is None:
            return None
        return ApiCredentials(
            api_key=creds.api_key,
            secret=creds.api_secret,
            passphrase=creds.api_passphrase,
        )

    def create_or_derive_credentials(self, nonce: int | None = None) -> ApiCredentials:
        """Create the L2 API key for this signer, or derive the existing one
        (the venue answers 400 to a create when a key exists for the nonce).
        Sets them on this client. Does not move money; persist the result
        (encrypted) instead of calling this on every start."""
        try:
            creds = self._call(
                lambda: self._client.create_or_derive_api_key(nonce=nonce),
                write=False,
                endpoint="GET /auth/derive-api-key",
            )
        except (KeyError, TypeError) as exc:
            # The client indexes the answer (resp["apiKey"]) without checking.
            raise PolymarketParseError(f"credentials answer: {exc!r}") from exc
        if not isinstance(creds, ApiCreds) or not creds.api_key:
            raise PolymarketParseError("credentials answer without an api key")
        self._client.set_api_creds(creds)
        result = self.credentials
        assert result is not None
        return result

    # --- orders ---------------------------------------------------------------------

    def sign_order(
        self,
        *,
        token_id: str,
        side: Side,
        price: Decimal,
        size: Decimal,
        tick_size: Decimal,
        neg_risk: bool,
        order_type: OrderType = OrderType.GTC,
        post_only: bool = False,
        expiration: datetime | None = None,
    ) -> SignedOrder:
        """Build and sign a V2 limit order locally; no network.

        Does not move money by itself, but the result is a bearer
        instrument: anyone who posts its payload places the order. Its
        ``order_hash`` is the venue's order id.

        ``tick_size`` and ``neg_risk`` come from the market, fresh: the tick
        decides the precision the venue accepts, neg-risk decides which
        exchange contract the signature is for. Raises ``ValueError`` for a
        price off the tick or outside ``[tick, 1 - tick]``, a size that is not
        positive or has more than 2 decimals, ``post_only`` on FOK/FAK, and an
        expiration on anything but GTD (or none on GTD)."""
        if not isinstance(price, Decimal) or not isinstance(size, Decimal):
            # Floats are how 0.29 shares become 0.28 (STYLE R15).
            raise TypeError("price and size must be Decimal")
        side = Side(side)
        order_type = OrderType(order_type)
        tick = Decimal(tick_key(tick_size))
        if not token_id or not token_id.isdigit():
            raise ValueError(f"token_id must be a decimal uint256, got {token_id!r}")
        if not is_on_tick(price, tick) or not price_in_bounds(price, tick):
            raise ValueError(
                f"price {price} is not on tick {tick} within [tick, 1 - tick]"
            )
        if size <= 0 or size != round(size, SIZE_PLACES):
            raise ValueError(f"size {size} must be positive with at most 2 decimals")
        if post_only and order_type in (OrderType.FOK, OrderType.FAK):
            raise ValueError("post_only is only for GTC and GTD orders")
        if (order_type is OrderType.GTD) != (expiration is not None):
            raise ValueError(
                "an expiration is required for GTD orders and only for them"
            )
        expiration_field = "0"
        if expiration is not None:
            if expiration.tzinfo is None:
                raise ValueError("expiration must be timezone-aware")
            expiration_field = str(int(expiration.timestamp()))

        maker_amount, taker_amount = order_amounts(side, price, size)
        exchange = (
            self._contracts.neg_risk_exchange_v2
            if neg_risk
            else self._contracts.exchange_v2
        )
        builder = ExchangeOrderBuilderV2(
            exchange,
            self.config.chain_id,
            self._client.signer,
            generate_salt=self._salt,
            domain_version="2",
        )
        order = builder.build_order(
            OrderDataV2(
                maker=self._client.builder.funder,
                tokenId=token_id,
                makerAmount=str(maker_amount),
                takerAmount=str(taker_amount),
                side=ClientSide.BUY if side is Side.BUY else ClientSide.SELL,
                # The library's rule: a deposit wallet (type 3) signs as itself.
                signer=self._client.builder._v2_order_signer(),
                signatureType=self._client.builder.signature_type,
                timestamp=str(self._now_ms()),
                metadata=BYTES32_ZERO,
                builder=BYTES32_ZERO,
                expiration=expiration_field,
            )
        )
        typed_data = builder.build_order_typed_data(order)
        signed = SignedOrderV2(
            **dataclasses.asdict(order),
            signature=builder.build_order_signature(typed_data),
        )
        payload = order_to_json_v2(
            signed, self._owner(), order_type.value, post_only, False
        )
        return SignedOrder(
            order_hash=builder.build_order_hash(typed_data),
            payload=payload,
            token_id=token_id,
            side=side,
            price=price,
            size=size,
            order_type=order_type,
            post_only=post_only,
            expiration=expiration.astimezone(UTC) if expiration is not None else None,
        )

    def post_order(self, signed: SignedOrder) -> PostOrderResult:
        """Post one signed order (``POST /order``). **MOVES MONEY.**

        Sent once, never retried. Returns the venue's answer (``status``
        live, matched or delayed). Raises ``RejectedError`` when the venue
        refuses it (4xx, or ``success: false``) and ``UnknownOutcomeError``
        when it may or may not be live: resolve by ``signed.order_hash``."""
        payload = self._with_owner(signed.payload)
        raw = self._write_body("POST", "/order", payload)
        result = self._parse_write(parse_post_order_result, raw, "POST /order")
        if not result.success:
            code = reject_code_for(result) or RejectCode.INVALID_ORDER
            raise RejectedError(
                f"POST /order: {result.error_msg or 'order not accepted'}",
                code=code,
                status=200,
                endpoint="POST /order",
            )
        self._check_order_id(signed, result)
        return result

    def post_orders(
        self, signed_orders: Sequence[SignedOrder]
    ) -> list[PostOrderResult]:
        """Post up to 15 signed orders in one ``POST /orders``. **MOVES MONEY.**

        Raises ``ValueError`` for more than 15 before anything is sent. One
        result per order, in the venue's order (the request's); a refused
        order is a result with ``success`` false (see ``reject_code_for``),
        not an exception. Transport failures raise ``UnknownOutcomeError``
        for the whole batch."""
        if len(signed_orders) > MAX_BATCH:
            raise ValueError(
                f"a batch holds at most {MAX_BATCH} orders, got {len(signed_orders)}"
            )
        if not signed_orders:
            return []
        body = [self._with_owner(signed.payload) for signed in signed_orders]
        raw = self._write_body("POST", "/orders", body)
        if not isinstance(raw, list):
            raise UnknownOutcomeError(
                "POST /orders: answer is not a list", endpoint="POST /orders"
            )
        results = [
            self._parse_write(parse_post_order_result, row, "POST /orders")
            for row in raw
        ]
        for signed, result in zip(signed_orders, results, strict=False):
            if result.success:
                self._check_order_id(signed, result)
        return results

    def cancel_order(self, order_hash: str) -> CancelResult:
        """Cancel one order (``DELETE /order``). Changes live exposure; sent
        once. ``UnknownOutcomeError`` if the answer never came."""
        raw = self._call(
            lambda: self._client.cancel_order(OrderPayload(orderID=order_hash)),
            write=True,
            endpoint="DELETE /order",
        )
        return self._parse_write(parse_cancel_result, raw, "DELETE /order")

    def cancel_orders(self, order_hashes: Iterable[str]) -> CancelResult:
        """Cancel several orders by hash (``DELETE /orders``); sent once."""
        hashes = list(order_hashes)
        if not hashes:
            return CancelResult(canceled=(), not_canceled={})
        raw = self._call(
            lambda: self._client.cancel_orders(hashes),
            write=True,
            endpoint="DELETE /orders",
        )
        return self._parse_write(parse_cancel_result, raw, "DELETE /orders")

    def cancel_all(self) -> CancelResult:
        """Cancel every open order of this account (``DELETE /cancel-all``)."""
        raw = self._call(
            self._client.cancel_all, write=True, endpoint="DELETE /cancel-all"
        )
        return self._parse_write(parse_cancel_result, raw, "DELETE /cancel-all")

    def cancel_market(
        self, *, condition_id: str | None = None, asset_id: str | None = None
    ) -> CancelResult:
        """Cancel the open orders of one market and/or token
        (``DELETE /cancel-market-orders``). At least one is required: an
        empty body must never be sent, whatever the venue would make of it."""
        if not condition_id and not asset_id:
            raise ValueError("cancel_market needs a condition_id or an asset_id")
        params = OrderMarketCancelParams(market=condition_id, asset_id=asset_id)
        raw = self._call(
            lambda: self._client.cancel_market_orders(params),
            write=True,
            endpoint="DELETE /cancel-market-orders",
        )
        return self._parse_write(
            parse_cancel_result, raw, "DELETE /cancel-market-orders"
        )

    def heartbeat(self, heartbeat_id: str = "") -> str:
        """Send the order heartbeat (``POST /v1/heartbeats``); returns the id to
        send next time. Once heartbeats have started, missing one for ~10 s
        makes the venue **cancel all open orders**. Sent once, not retried."""
        raw = self._call(
            lambda: self._client.post_heartbeat(heartbeat_id),
            write=True,
            endpoint="POST /v1/heartbeats",
        )
        if isinstance(raw, dict):
            next_id = raw.get("heartbeat_id") or raw.get("id")
            if isinstance(next_id, str) and next_id:
                return next_id
        return heartbeat_id

    # --- reads ----------------------------------------------------------------------

    def open_orders(
        self, *, market: str | None = None, asset_id: str | None = None
    ) -> list[OpenOrder]:
        """Every open order (all pages of ``GET /data/orders``). No money moves."""
        rows = self._pages("/data/orders", {"market": market, "asset_id": asset_id})
        return [parse_open_order(row) for row in rows]

    def order(self, order_hash: str) -> OpenOrder | None:
        """One order by hash (``GET /data/order/{hash}``); ``None`` if the venue
        does not know it. This is how an unknown-outcome post is resolved."""
        path = f"/data/order/{order_hash}"
        try:
            raw = self._call(
                lambda: self._client._get(
                    f"{self._host}{path}", headers=self._client._l2_headers("GET", path)
                ),
                write=False,
                endpoint=f"GET {path}",
            )
        except RejectedError as exc:
            if exc.code is RejectCode.NOT_FOUND:
                return None
            raise
        if not raw:
            return None
        return parse_open_order(raw)

    def trades(
        self,
        *,
        market: str | None = None,
        asset_id: str | None = None,
        after: datetime | None = None,
        before: datetime | None = None,
    ) -> list[Trade]:
        """Every trade of this account matching the filters (all pages of
        ``GET /data/trades``). ``after``/``before`` are match times."""
        rows = self._pages(
            "/data/trades",
            {
                "market": market,
                "asset_id": asset_id,
                "after": int(after.timestamp()) if after is not None else None,
                "before": int(before.timestamp()) if before is not None else None,
            },
        )
        return [parse_trade(row) for row in rows]

    def trades_for_market(
        self,
        condition_id: str,
        token_ids: Sequence[str],
        *,
        after: datetime | None = None,
    ) -> list[Trade]:
        """Trades of one market across all its tokens, one query per token,
        de-duplicated by trade id and sorted by match time."""
        by_id: dict[str, Trade] = {}
        for token_id in token_ids:
            for trade in self.trades(
                market=condition_id, asset_id=token_id, after=after
            ):
                by_id.setdefault(trade.id, trade)
        epoch = datetime.fromtimestamp(0, tz=UTC)
        return sorted(by_id.values(), key=lambda t: (t.match_time or epoch, t.id))

    def balance_allowance(
        self, asset_type: str = "COLLATERAL", token_id: str | None = None
    ) -> BalanceAllowance:
        """pUSD (``COLLATERAL``) or outcome-share (``CONDITIONAL``, needs
        ``token_id``) balance and allowances as the CLOB sees them."""
        params = _balance_params(asset_type, token_id)
        raw = self._call(
            lambda: self._client.get_balance_allowance(params),
            write=False,
            endpoint="GET /balance-allowance",
        )
        return parse_balance_allowance(raw)

    def refresh_balance_allowance(
        self, asset_type: str = "COLLATERAL", token_id: str | None = None
    ) -> BalanceAllowance:
        """Make the CLOB re-read the chain (``GET /balance-allowance/update``),
        then return the fresh figures. Needed after deposits, approvals and
        before selling freshly filled shares (API.md §9.2)."""
        params = _balance_params(asset_type, token_id)
        self._call(
            lambda: self._client.update_balance_allowance(params),
            write=False,
            endpoint="GET /balance-allowance/update",
        )
        return self.balance_allowance(asset_type, token_id)

    def collateral_status(self) -> CollateralStatus:
        """The funder's pUSD balance and its allowance for each contract an
        order may settle through: the standard and neg-risk exchanges, and
        the neg-risk adapter the CLOB still checks for neg-risk markets
        (API.md §4.4). Does not move money."""
        found = self.balance_allowance("COLLATERAL")
        contracts = self._contracts
        spenders = (
            ("exchange", contracts.exchange_v2),
            ("neg_risk_exchange", contracts.neg_risk_exchange_v2),
            ("neg_risk_adapter", contracts.neg_risk_adapter),
        )
        return CollateralStatus(
            balance=found.balance,
            allowances=tuple(
                SpenderAllowance(name, address, found.allowance_for(address))
                for name, address in spenders
            ),
        )

    # --- internals ------------------------------------------------------------------

    def _owner(self) -> str:
        creds = self._client.creds
        return creds.api_key if creds is not None else ""

    def _with_owner(self, payload: dict[str, object]) -> dict[str, object]:
        # ``owner`` is not part of the signature; an order signed before the
        # credentials were set gets them now.
        owner = self._owner()
        if not owner:
            raise RejectedError(
                "no API credentials: call create_or_derive_credentials first",
                code=RejectCode.UNAUTHORIZED,
            )
        if payload.get("owner") == owner:
            return payload
        return {**payload, "owner": owner}

    def _write_body(self, method: str, path: str, body: object) -> Any:
        serialized = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        return self._call(
            lambda: self._client._post(
                f"{self._host}{path}",
                headers=self._client._l2_headers(
                    method, path, body=body, serialized_body=serialized
                ),
                data=serialized,
            ),
            write=True,
            endpoint=f"{method} {path}",
        )

    def _pages(self, path: str, params: dict[str, Any]) -> list[Any]:
        rows: list[Any] = []
        cursor: str | None = INITIAL_CURSOR
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page_params = {**params, "next_cursor": cursor}
            # Fresh headers per page: the signed timestamp must stay recent.
            headers = self._client._l2_headers("GET", path)
            raw = self._call(
                lambda p=page_params, h=headers: self._client._get(
                    f"{self._host}{path}", headers=h, params=p
                ),
                write=False,
                endpoint=f"GET {path}",
            )
            page_rows, cursor = parse_cursor_page(raw)
            rows.extend(page_rows)
            if cursor is None or cursor in seen:
                return rows
            seen.add(cursor)
        raise PolymarketParseError(f"GET {path}: more than {MAX_PAGES} pages")

    def _call(self, fn: Callable[[], _T], *, write: bool, endpoint: str) -> _T:
        try:
            return fn()
        except PolymarketError:
            raise
        except PolyException as exc:
            raise error_from_client(exc, write=write, endpoint=endpoint) from exc

    @staticmethod
    def _parse_write(parse: Callable[[object], _T], raw: object, endpoint: str) -> _T:
        try:
            return parse(raw)
        except PolymarketParseError as exc:
            # The venue answered 2xx but we cannot read what it did.
            raise UnknownOutcomeError(
                f"{endpoint}: unreadable answer: {exc.message}", endpoint=endpoint
            ) from exc

    @staticmethod
    def _check_order_id(signed: SignedOrder, result: PostOrderResult) -> None:
        if result.order_id and result.order_id.lower() != signed.order_hash.lower():
            # The order is live under an id we did not predict: tracking by
            # hash would miss it. Loud, but not an exception: it is placed.
            logger.error(
                "venue order id %s differs from the computed order hash %s",
                result.order_id,
                signed.order_hash,
            )


def _to_client_creds(credentials: ApiCredentials | None) -> ApiCreds | None:
    if credentials is None:
        return None
    return ApiCreds(
        api_key=credentials.api_key,
        api_secret=credentials.secret,
        api_passphrase=credentials.passphrase,
    )


def _balance_params(asset_type: str, token_id: str | None) -> BalanceAllowanceParams:
    if asset_type not in ASSET_TYPES:
        raise ValueError(f"asset_type must be one of {sorted(ASSET_TYPES)}")
    if asset_type != "COLLATERAL" and not token_id:
        raise ValueError(f"{asset_type} balances need a token_id")
    return BalanceAllowanceParams(asset_type=asset_type, token_id=token_id)
