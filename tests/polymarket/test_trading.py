"""Trading through py-clob-client-v2.

Signing is tested offline with throwaway keys: the order hash we compute
before posting is checked against an independent implementation of the
exchange's ``hashOrder`` (EIP-712 ``keccak256(0x1901 ‖ domainSeparator ‖
structHash)``), against eth-account's typed-data encoder, against the
signature itself (it must recover the signer from that digest), and against
the generated V2 fixture. The HTTP paths run against a real HTTP server on
127.0.0.1 that records every request, checks the L2 HMAC, and answers with
the order id it computes itself from the posted body.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import inspect
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from py_clob_client_v2.client import ClobClient
from py_clob_client_v2.exceptions import PolyApiException, PolyException
from py_clob_client_v2.order_builder.builder import ROUNDING_CONFIG, OrderBuilder
from py_clob_client_v2.order_utils import ExchangeOrderBuilderV2

from polybot.polymarket import ratelimit
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.errors import (
    PolymarketParseError,
    RateLimitedError,
    RejectCode,
    RejectedError,
    RetryableError,
    UnknownOutcomeError,
)
from polybot.polymarket.http import HttpClient
from polybot.polymarket.models import (
    ApiCredentials,
    BalanceAllowance,
    CancelResult,
    OrderType,
    PostOrderResult,
    Side,
)
from polybot.polymarket.ratelimit import RateLimiter
from polybot.polymarket.trading import (
    MAX_BATCH,
    TradingClient,
    _RoutedClobClient,
    clob_family,
    error_from_client,
    is_clob_write,
    order_amounts,
    reject_code_for,
    tick_key,
)
from tests.polymarket.test_rest_parsing import fixture

D = Decimal
TOKEN = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
EXCHANGE_V2 = "0xE111180000d2663C0091e4f400237545B87B996B"
NEG_RISK_EXCHANGE_V2 = "0xe2222d279d744050d28e00520010520000310F59"
SECRET = base64.urlsafe_b64encode(b"polybot-test-secret-0123456789ab").decode()
CREDS = ApiCredentials(
    api_key="11111111-2222-3333-4444-555555555555", secret=SECRET, passphrase="pass"
)
ORDER_TYPEHASH = keccak(
    text="Order(uint256 salt,address maker,address signer,uint256 tokenId,"
    "uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,"
    "uint256 timestamp,bytes32 metadata,bytes32 builder)"
)
DOMAIN_TYPEHASH = keccak(
    text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)


# --- an independent implementation of the exchange's hashOrder ----------------------


def exchange_order_hash(
    order: dict[str, Any], exchange: str, chain_id: int = 137
) -> str:
    """What ``CTFExchange.hashOrder`` returns for a posted V2 order body:
    ``_hashTypedDataV4(keccak256(abi.encode(ORDER_TYPEHASH, ...)))``."""
    domain_separator = keccak(
        abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                DOMAIN_TYPEHASH,
                keccak(text="Polymarket CTF Exchange"),
                keccak(text="2"),
                chain_id,
                exchange,
            ],
        )
    )
    struct_hash = keccak(
        abi_encode(
            [
                "bytes32",
                "uint256",
                "address",
                "address",
                "uint256",
                "uint256",
                "uint256",
                "uint8",
                "uint8",
                "uint256",
                "bytes32",
                "bytes32",
            ],
            [
                ORDER_TYPEHASH,
                int(order["salt"]),
                order["maker"],
                order["signer"],
                int(order["tokenId"]),
                int(order["makerAmount"]),
                int(order["takerAmount"]),
                0 if order["side"] == "BUY" else 1,
                int(order["signatureType"]),
                int(order["timestamp"]),
                bytes.fromhex(order["metadata"][2:].zfill(64)),
                bytes.fromhex(order["builder"][2:].zfill(64)),
            ],
        )
    )
    return "0x" + keccak(b"\x19\x01" + domain_separator + struct_hash).hex()


def recover(order_hash: str, signature: str) -> str:
    return Account._recover_hash(
        bytes.fromhex(order_hash[2:]), signature=bytes.fromhex(signature[2:])
    )


# --- clients ------------------------------------------------------------------------


def new_key() -> str:
    return "0x" + Account.create().key.hex().removeprefix("0x")


def offline_client(**kwargs: Any) -> TradingClient:
    kwargs.setdefault("private_key", new_key())
    return TradingClient(VenueConfig(clob_url="http://127.0.0.1:9"), **kwargs)


def sign(client: TradingClient, **overrides: Any):
    args: dict[str, Any] = {
        "token_id": TOKEN,
        "side": Side.BUY,
        "price": D("0.42"),
        "size": D("10"),
        "tick_size": D("0.01"),
        "neg_risk": False,
    }
    args.update(overrides)
    return client.sign_order(**args)


# --- offline: the order hash ----------------------------------------------------------


def test_the_order_hash_is_the_exchanges_eip712_digest():
    client = offline_client(credentials=CREDS)
    signed = sign(client)
    order = signed.payload["order"]
    assert signed.order_hash == exchange_order_hash(order, EXCHANGE_V2)
    # The signature was made over exactly that digest.
    assert recover(signed.order_hash, order["signature"]) == client.signer_address
    assert re.fullmatch(r"0x[0-9a-f]{64}", signed.order_hash)


def test_the_order_hash_matches_eth_accounts_typed_data_encoding():
    client = offline_client()
    signed = sign(client)
    order = signed.payload["order"]
    typed = {
        "primaryType": "Order",
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Order": [
                {"name": "salt", "type": "uint256"},
                {"name": "maker", "type": "address"},
                {"name": "signer", "type": "address"},
                {"name": "tokenId", "type": "uint256"},
                {"name": "makerAmount", "type": "uint256"},
                {"name": "takerAmount", "type": "uint256"},
                {"name": "side", "type": "uint8"},
                {"name": "signatureType", "type": "uint8"},
                {"name": "timestamp", "type": "uint256"},
                {"name": "metadata", "type": "bytes32"},
                {"name": "builder", "type": "bytes32"},
            ],
        },
        "domain": {
            "name": "Polymarket CTF Exchange",
            "version": "2",
            "chainId": 137,
            "verifyingContract": EXCHANGE_V2,
        },
        "message": {
            "salt": int(order["salt"]),
            "maker": order["maker"],
            "signer": order["signer"],
            "tokenId": int(order["tokenId"]),
            "makerAmount": int(order["makerAmount"]),
            "takerAmount": int(order["takerAmount"]),
            "side": 0,
            "signatureType": 0,
            "timestamp": int(order["timestamp"]),
            "metadata": bytes(32),
            "builder": bytes(32),
        },
    }
    encoded = encode_typed_data(full_message=typed)
    digest = (
        "0x" + keccak(b"\x19" + encoded.version + encoded.header + encoded.body).hex()
    )
    assert digest == signed.order_hash
    # And the client's own helper agrees on its own structure.
    builder = ExchangeOrderBuilderV2(EXCHANGE_V2, 137, client._client.signer)
    assert builder.build_order_hash(typed) == signed.order_hash


def test_neg_risk_orders_are_signed_for_the_neg_risk_exchange():
    client = offline_client()
    standard = sign(client)
    neg_risk = sign(client, neg_risk=True)
    order = neg_risk.payload["order"]
    assert neg_risk.order_hash == exchange_order_hash(order, NEG_RISK_EXCHANGE_V2)
    assert neg_risk.order_hash != exchange_order_hash(order, EXCHANGE_V2)
    assert recover(neg_risk.order_hash, order["signature"]) == client.signer_address
    assert standard.order_hash == exchange_order_hash(
        standard.payload["order"], EXCHANGE_V2
    )


def test_signing_is_deterministic_for_a_fixed_key_salt_and_clock():
    # A key derived from a phrase (never funded), not a literal secret.
    key = "0x" + keccak(text="polybot test key: never funded").hex()
    client = offline_client(
        private_key=key, now_ms=lambda: 1767225600000, salt=lambda: "123456789"
    )
    signed = sign(client)
    assert client.signer_address == "0x5c37e624fD5fD4EE61e9AaeBa72aad0b71577c46"
    assert (
        signed.order_hash
        == "0xc54af0902cb618332d2659e2396bd0eb551bc67dc857f507bdc96eb0db93d418"
    )
    assert signed.payload == {
        "order": {
            "salt": 123456789,
            "maker": "0x5c37e624fD5fD4EE61e9AaeBa72aad0b71577c46",
            "signer": "0x5c37e624fD5fD4EE61e9AaeBa72aad0b71577c46",
            "tokenId": TOKEN,
            "makerAmount": "4200000",
            "takerAmount": "10000000",
            "side": "BUY",
            "expiration": "0",
            "signatureType": 0,
            "timestamp": "1767225600000",
            "metadata": "0x" + "0" * 64,
            "builder": "0x" + "0" * 64,
            "signature": "0xac0eb414f217a436858f1108bd31e33b18447429cbb4b735892b7cba83dae715"
            "5397e691f8291e432de98a1d14d7876403289adeefba158a54305c1a7333b7251b",
        },
        "owner": "",
        "orderType": "GTC",
        "deferExec": False,
        "postOnly": False,
    }


def test_the_generated_v2_fixture_hashes_and_recovers_the_same_way():
    body = fixture("clob-post-order-request-v2-signed-generated.json")
    order = body["order"]
    digest = exchange_order_hash(order, EXCHANGE_V2)
    assert recover(digest, order["signature"]) == order["signer"]
    # Our payload has exactly the fixture's shape.
    ours = sign(offline_client()).payload
    assert set(ours) == set(body)
    assert set(ours["order"]) == set(order)
    assert [type(ours["order"][k]) for k in order] == [type(order[k]) for k in order]


def test_the_signed_order_describes_what_was_signed():
    expiry = datetime(2030, 1, 1, tzinfo=UTC)
    signed = sign(
        offline_client(),
        side=Side.SELL,
        order_type=OrderType.GTD,
        expiration=expiry,
        post_only=True,
    )
    assert (signed.token_id, signed.side, signed.price, signed.size) == (
        TOKEN,
        Side.SELL,
        D("0.42"),
        D("10"),
    )
    assert (signed.order_type, signed.post_only, signed.expiration) == (
        OrderType.GTD,
        True,
        expiry,
    )
    assert signed.payload["order"]["expiration"] == "1893456000"
    assert signed.payload["orderType"] == "GTD"
    assert signed.payload["postOnly"] is True
    assert signed.payload["order"]["side"] == "SELL"
    # SELL: maker gives shares, takes collateral.
    assert (
        signed.payload["order"]["makerAmount"],
        signed.payload["order"]["takerAmount"],
    ) == ("10000000", "4200000")


# --- offline: amounts and validation ---------------------------------------------------


def test_amounts_are_exact_in_base_units():
    assert order_amounts(Side.BUY, D("0.42"), D("10")) == (4_200_000, 10_000_000)
    assert order_amounts(Side.SELL, D("0.57"), D("4.35")) == (4_350_000, 2_479_500)
    assert order_amounts(Side.BUY, D("0.0001"), D("0.01")) == (1, 10_000)
    assert order_amounts(Side.BUY, D("0.9999"), D("99999.99")) == (
        99_989_990_001,
        99_999_990_000,
    )


def test_the_clients_float_path_would_floor_some_sizes_we_keep_exact():
    # py-clob-client-v2's round_down(0.29, 2) is 0.28 (0.29 * 100 = 28.999…).
    library = OrderBuilder.__new__(OrderBuilder)
    _, maker, taker = library.get_order_amounts(
        "BUY", 0.29, 0.5, ROUNDING_CONFIG["0.01"]
    )
    assert (maker, taker) == (140_000, 280_000)
    assert order_amounts(Side.BUY, D("0.5"), D("0.29")) == (145_000, 290_000)
    signed = sign(offline_client(), price=D("0.5"), size=D("0.29"))
    assert signed.payload["order"]["takerAmount"] == "290000"


@pytest.mark.parametrize("tick", sorted(ROUNDING_CONFIG))
@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_amounts_match_the_clients_where_its_floats_are_exact(tick, side):
    library = OrderBuilder.__new__(OrderBuilder)
    step = D(tick)
    for price in (step, step * 7, D(1) - step):
        for size in (D("10"), D("5"), D("100.5"), D("1234")):
            _, maker, taker = library.get_order_amounts(
                side.value, float(size), float(price), ROUNDING_CONFIG[tick]
            )
            assert order_amounts(side, price, size) == (maker, taker), (
                tick,
                side,
                price,
                size,
            )


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"price": D("0.425")}, "not on tick"),
        ({"price": D("0")}, "not on tick"),
        ({"price": D("1")}, "not on tick"),
        ({"price": D("0.999"), "tick_size": D("0.01")}, "not on tick"),
        ({"size": D("1.234")}, "2 decimals"),
        ({"size": D("0")}, "positive"),
        ({"size": D("-5")}, "positive"),
        ({"tick_size": D("0.02")}, "unsupported tick size"),
        ({"order_type": OrderType.FOK, "post_only": True}, "post_only"),
        ({"order_type": OrderType.FAK, "post_only": True}, "post_only"),
        ({"order_type": OrderType.GTD}, "expiration"),
        ({"expiration": datetime(2030, 1, 1, tzinfo=UTC)}, "expiration"),
        ({"order_type": OrderType.GTD, "expiration": datetime(2030, 1, 1)}, "timezone"),  # noqa: DTZ001
        ({"token_id": "0xabc"}, "token_id"),
        ({"token_id": ""}, "token_id"),
    ],
)
def test_sign_order_refuses_what_the_venue_would(overrides, match):
    with pytest.raises(ValueError, match=match):
        sign(offline_client(), **overrides)


def test_tick_keys_normalise_decimals():
    assert tick_key(D("0.010")) == "0.01"
    assert tick_key(D("0.0001")) == "0.0001"
    assert (
        sign(offline_client(), price=D("0.4215"), tick_size=D("0.0001")).payload[
            "order"
        ]["makerAmount"]
        == "4215000"
    )


def test_signature_types_and_funders():
    with pytest.raises(ValueError, match="0-3"):
        offline_client(signature_type=4)
    with pytest.raises(ValueError, match="funder"):
        offline_client(signature_type=2)
    safe = "0x" + "ab" * 20
    client = offline_client(signature_type=2, funder=safe)
    order = sign(client).payload["order"]
    assert (order["maker"], order["signer"], order["signatureType"]) == (
        safe,
        client.signer_address,
        2,
    )
    assert client.maker_address == safe
    assert client.signature_type == 2
    assert (
        recover(exchange_order_hash(order, EXCHANGE_V2), order["signature"])
        == client.signer_address
    )


def test_a_deposit_wallet_signs_as_itself_with_an_erc1271_signature():
    wallet = "0x" + "cd" * 20
    client = offline_client(signature_type=3, funder=wallet)
    signed = sign(client)
    order = signed.payload["order"]
    assert (order["maker"], order["signer"], order["signatureType"]) == (
        wallet,
        wallet,
        3,
    )
    # The order id is still hashOrder of the struct; only the signature differs
    # (ERC-7739 wrapped: 65-byte ECDSA + domain + contents + type string).
    assert signed.order_hash == exchange_order_hash(order, EXCHANGE_V2)
    assert len(order["signature"]) > 2 + 65 * 2


# --- a fake venue on 127.0.0.1 -------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def hmac_ok(self, secret: str = SECRET) -> bool:
        message = (
            self.headers["poly_timestamp"]
            + self.method
            + self.path
            + self.body.decode()
        )
        expected = base64.urlsafe_b64encode(
            hmac.new(
                base64.urlsafe_b64decode(secret), message.encode(), hashlib.sha256
            ).digest()
        ).decode()
        return hmac.compare_digest(expected, self.headers["poly_signature"])


Answer = tuple[int, object] | tuple[int, object, float]


@dataclass
class FakeVenue:
    routes: dict[tuple[str, str], Callable[[Recorded], Answer]] = field(
        default_factory=dict
    )
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""

    def route(
        self, method: str, path: str, answer: Callable[[Recorded], Answer] | Answer
    ) -> None:
        self.routes[(method, path)] = (
            answer if callable(answer) else (lambda r, a=answer: a)
        )

    def answer(self, request: Recorded) -> Answer:
        handler = self.routes.get((request.method, request.path))
        if handler is None and request.path.startswith("/data/order/"):
            handler = self.routes.get((request.method, "/data/order/*"))
        if handler is None:
            return 404, {"error": f"no route {request.method} {request.path}"}
        return handler(request)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]


def make_handler(venue: FakeVenue) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Recorded(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            venue.requests.append(request)
            answer = venue.answer(request)
            status, payload = answer[0], answer[1]
            if len(answer) == 3:
                time.sleep(answer[2])  # type: ignore[misc]
            data = b"" if payload is None else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout tests)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def venue() -> Iterator[FakeVenue]:
    fake = FakeVenue()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


class SpyLimiter(RateLimiter):
    def __init__(self) -> None:
        super().__init__(1.0, clock=lambda: 0.0, sleep=lambda s: None)
        self.families: list[str] = []

    def acquire(self, name: str, cost: float = 1) -> float:
        self.families.append(name)
        return 0.0


@dataclass
class Harness:
    client: TradingClient
    venue: FakeVenue
    limiter: SpyLimiter
    sleeps: list[float]


def harness(
    venue: FakeVenue,
    *,
    credentials: ApiCredentials | None = CREDS,
    read_timeout: float = 5.0,
    **kwargs: Any,
) -> Harness:
    config = VenueConfig(
        clob_url=venue.url,
        read_timeout=read_timeout,
        connect_timeout=2.0,
        read_retries=2,
    )
    limiter = SpyLimiter()
    sleeps: list[float] = []
    http = HttpClient(
        config.clob_url,
        config,
        limiter=limiter,
        sleep=sleeps.append,
        jitter=lambda: 0.0,
    )
    client = TradingClient(
        config, private_key=new_key(), credentials=credentials, http=http, **kwargs
    )
    return Harness(client, venue, limiter, sleeps)


def accept_with_computed_id(request: Recorded) -> Answer:
    """The venue computes the order id itself, from the body it received."""
    order = request.json()["order"]
    for exchange in (EXCHANGE_V2, NEG_RISK_EXCHANGE_V2):
        digest = exchange_order_hash(order, exchange)
        if recover(digest, order["signature"]) == order["signer"]:
            return 200, {
                "success": True,
                "orderID": digest,
                "status": "live",
                "makingAmount": "",
                "takingAmount": "",
                "errorMsg": "",
            }
    return 400, {"error": "invalid signature"}


def assert_l2(request: Recorded, client: TradingClient) -> None:
    assert request.headers["poly_address"] == client.signer_address
    assert request.headers["poly_api_key"] == CREDS.api_key
    assert request.headers["poly_passphrase"] == CREDS.passphrase
    assert abs(int(request.headers["poly_timestamp"]) - time.time()) < 60
    assert request.hmac_ok()


# --- posting ------------------------------------------------------------------------------


def test_post_order_sends_the_signed_payload_with_l2_auth(venue):
    venue.route("POST", "/order", accept_with_computed_id)
    h = harness(venue)
    signed = sign(h.client)
    result = h.client.post_order(signed)
    assert result == PostOrderResult(
        success=True,
        order_id=signed.order_hash,  # the venue's own computation agrees with ours
        status="live",
        making_amount=D("0"),
        taking_amount=D("0"),
        trade_ids=(),
        transaction_hashes=(),
        error_msg="",
    )
    [request] = venue.requests
    assert (request.method, request.path) == ("POST", "/order")
    assert request.json() == {**signed.payload, "owner": CREDS.api_key}
    assert request.headers["content-type"] == "application/json"
    assert_l2(request, h.client)
    assert h.limiter.families == [ratelimit.TRADING_POST_ORDER]


def test_a_neg_risk_order_is_accepted_under_the_id_we_computed(venue):
    venue.route("POST", "/order", accept_with_computed_id)
    h = harness(venue)
    signed = sign(h.client, neg_risk=True, price=D("0.955"), tick_size=D("0.001"))
    assert h.client.post_order(signed).order_id == signed.order_hash


def test_an_order_signed_before_credentials_gets_the_owner_when_posted(venue):
    venue.route("POST", "/order", accept_with_computed_id)
    h = harness(venue)
    unowned = sign(offline_client(private_key=h.client._client.signer.private_key))
    assert unowned.payload["owner"] == ""
    h.client.post_order(unowned)
    assert venue.requests[0].json()["owner"] == CREDS.api_key
    assert venue.requests[0].hmac_ok()


def test_posting_without_credentials_is_refused_before_any_request(venue):
    h = harness(venue, credentials=None)
    with pytest.raises(RejectedError) as caught:
        h.client.post_order(sign(h.client))
    assert caught.value.code is RejectCode.UNAUTHORIZED
    assert venue.requests == []


def test_a_matched_order_returns_at_once_without_polling_trades(venue):
    venue.route(
        "POST",
        "/order",
        (
            200,
            fixture("clob-post-order-responses.json")["matched_order"]
            | {"transactionsHashes": []},
        ),
    )
    h = harness(venue)
    started = time.monotonic()
    result = h.client.post_order(sign(h.client))
    assert result.status == "matched"
    assert result.trade_ids == ("trade-123",)
    assert result.transaction_hashes == ()
    assert venue.paths() == ["POST /order"]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (
            400,
            "order 0xabc is invalid. Price (0.425) breaks minimum tick size rule: 0.01",
            RejectCode.INVALID_TICK_SIZE,
        ),
        (
            400,
            "order 0xabc is invalid. Size (1) lower than the minimum: 5",
            RejectCode.INVALID_MIN_SIZE,
        ),
        (400, "not enough balance / allowance", RejectCode.NOT_ENOUGH_BALANCE),
        (400, "order 0xabc is invalid. Duplicated.", RejectCode.DUPLICATED),
        (
            400,
            "order couldn't be fully filled. FOK orders are fully filled or killed.",
            RejectCode.FOK_NOT_FILLED,
        ),
        (400, "order_version_mismatch", RejectCode.VERSION_MISMATCH),
        (400, "invalid signature", RejectCode.INVALID_SIGNATURE),
        (401, "Invalid API key", RejectCode.UNAUTHORIZED),
        (
            503,
            "Trading is currently cancel-only. New orders are not accepted, but cancels are allowed.",
            RejectCode.CANCEL_ONLY,
        ),
    ],
)
def test_a_refused_post_is_a_rejection_and_is_sent_once(venue, status, error, code):
    venue.route("POST", "/order", (status, {"error": error}))
    h = harness(venue)
    with pytest.raises(RejectedError) as caught:
        h.client.post_order(sign(h.client))
    assert caught.value.code is code
    assert caught.value.status == status
    assert venue.paths() == ["POST /order"]


def test_success_false_in_a_200_is_a_rejection(venue):
    venue.route(
        "POST",
        "/order",
        (
            200,
            {
                "success": False,
                "errorMsg": "not enough balance / allowance",
                "orderID": "",
                "status": "",
            },
        ),
    )
    h = harness(venue)
    with pytest.raises(RejectedError) as caught:
        h.client.post_order(sign(h.client))
    assert caught.value.code is RejectCode.NOT_ENOUGH_BALANCE


def test_a_post_timeout_is_an_unknown_outcome_resolved_by_hash(venue):
    venue.route("POST", "/order", (200, {"success": True}, 1.5))
    h = harness(venue, read_timeout=0.3)
    signed = sign(h.client)
    with pytest.raises(UnknownOutcomeError) as caught:
        h.client.post_order(signed)
    assert caught.value.endpoint == "POST /order"
    assert venue.paths() == ["POST /order"]  # never retried
    assert h.sleeps == []
    # The caller resolves it by the hash it already knows.
    row = dict(fixture("clob-open-orders-page.json")["data"][0], id=signed.order_hash)
    venue.route("GET", "/data/order/*", (200, row))
    found = h.client.order(signed.order_hash)
    assert found is not None and found.id == signed.order_hash
    assert venue.requests[-1].path == f"/data/order/{signed.order_hash}"
    assert_l2(venue.requests[-1], h.client)


@pytest.mark.parametrize(
    ("status", "body"), [(503, None), (502, {"error": "bad gateway"})]
)
def test_a_post_5xx_without_a_venue_reason_is_an_unknown_outcome(venue, status, body):
    venue.route("POST", "/order", (status, body))
    h = harness(venue)
    with pytest.raises(UnknownOutcomeError):
        h.client.post_order(sign(h.client))
    assert venue.paths() == ["POST /order"]


def test_a_post_to_a_closed_port_is_an_unknown_outcome(venue):
    h = harness(venue)
    h.client._host = "http://127.0.0.1:9"  # nothing listens on the discard port
    with pytest.raises(UnknownOutcomeError):
        h.client.post_order(sign(h.client))


def test_an_unreadable_2xx_post_answer_is_an_unknown_outcome(venue):
    venue.route("POST", "/order", (200, ["not", "an", "object"]))
    h = harness(venue)
    with pytest.raises(UnknownOutcomeError, match="unreadable"):
        h.client.post_order(sign(h.client))


def test_a_post_rate_limited_is_not_retried(venue):
    venue.route("POST", "/order", (429, {"error": "Too Many Requests"}))
    h = harness(venue)
    with pytest.raises(RateLimitedError):
        h.client.post_order(sign(h.client))
    assert venue.paths() == ["POST /order"]


def test_a_batch_of_sixteen_is_refused_before_any_request(venue):
    venue.route("POST", "/orders", (200, []))
    h = harness(venue)
    orders = [sign(h.client, size=D(10 + i)) for i in range(MAX_BATCH + 1)]
    with pytest.raises(ValueError, match="at most 15"):
        h.client.post_orders(orders)
    assert venue.requests == []
    assert h.client.post_orders([]) == []
    assert venue.requests == []


def test_post_orders_sends_one_array_and_returns_one_result_per_order(venue):
    def answer(request: Recorded) -> Answer:
        rows = request.json()
        first = accept_with_computed_id(
            Recorded("POST", "/order", {}, {}, json.dumps(rows[0]).encode())
        )[1]
        return 200, [
            first,
            {
                "success": False,
                "errorMsg": "order 0x is invalid. Duplicated.",
                "orderID": "",
            },
        ]

    venue.route("POST", "/orders", answer)
    h = harness(venue)
    first, second = sign(h.client), sign(h.client, price=D("0.41"))
    results = h.client.post_orders([first, second])
    [request] = venue.requests
    assert request.path == "/orders"
    assert request.json() == [
        {**first.payload, "owner": CREDS.api_key},
        {**second.payload, "owner": CREDS.api_key},
    ]
    assert_l2(request, h.client)
    assert results[0].order_id == first.order_hash
    assert [reject_code_for(r) for r in results] == [None, RejectCode.DUPLICATED]
    assert h.limiter.families == [ratelimit.TRADING_POST_ORDERS]


def test_a_batch_timeout_is_an_unknown_outcome(venue):
    venue.route("POST", "/orders", (200, [], 1.5))
    h = harness(venue, read_timeout=0.3)
    with pytest.raises(UnknownOutcomeError):
        h.client.post_orders([sign(h.client)])
    assert venue.paths() == ["POST /orders"]


# --- cancelling --------------------------------------------------------------------------------


def test_cancel_order_sends_the_hash(venue):
    venue.route("DELETE", "/order", (200, fixture("clob-cancel-response.json")))
    h = harness(venue)
    result = h.client.cancel_order("0xabc")
    assert result == CancelResult(
        canceled=(), not_canceled={"1": "the order is already canceled"}
    )
    [request] = venue.requests
    assert request.json() == {"orderID": "0xabc"}
    assert_l2(request, h.client)
    assert h.limiter.families == [ratelimit.TRADING_CANCEL]


def test_cancel_orders_sends_the_hashes(venue):
    venue.route(
        "DELETE", "/orders", (200, {"canceled": ["0xa", "0xb"], "not_canceled": {}})
    )
    h = harness(venue)
    assert h.client.cancel_orders(["0xa", "0xb"]) == CancelResult(("0xa", "0xb"), {})
    assert venue.requests[0].json() == ["0xa", "0xb"]
    assert_l2(venue.requests[0], h.client)
    assert h.client.cancel_orders([]) == CancelResult((), {})
    assert len(venue.requests) == 1


def test_cancel_all_and_cancel_market(venue):
    venue.route(
        "DELETE", "/cancel-all", (200, {"canceled": ["0xa"], "not_canceled": {}})
    )
    venue.route(
        "DELETE", "/cancel-market-orders", (200, {"canceled": [], "not_canceled": {}})
    )
    h = harness(venue)
    assert h.client.cancel_all().canceled == ("0xa",)
    assert venue.requests[0].body == b""
    assert_l2(venue.requests[0], h.client)
    h.client.cancel_market(condition_id="0xcond")
    assert venue.requests[1].json() == {"market": "0xcond"}
    assert_l2(venue.requests[1], h.client)
    h.client.cancel_market(asset_id="77")
    assert venue.requests[2].json() == {"asset_id": "77"}
    with pytest.raises(ValueError):
        h.client.cancel_market()
    assert len(venue.requests) == 3
    assert (
        h.limiter.families
        == [ratelimit.TRADING_CANCEL_ALL] + [ratelimit.TRADING_CANCEL_MARKET] * 2
    )


def test_a_cancel_timeout_is_an_unknown_outcome_and_not_retried(venue):
    venue.route("DELETE", "/order", (200, {"canceled": []}, 1.5))
    h = harness(venue, read_timeout=0.3)
    with pytest.raises(UnknownOutcomeError):
        h.client.cancel_order("0xabc")
    assert venue.paths() == ["DELETE /order"]


def test_heartbeat_returns_the_next_id(venue):
    venue.route("POST", "/v1/heartbeats", (200, {"heartbeat_id": "hb-2"}))
    h = harness(venue)
    assert h.client.heartbeat("hb-1") == "hb-2"
    assert venue.requests[0].json() == {"heartbeat_id": "hb-1"}
    assert_l2(venue.requests[0], h.client)
    venue.route("POST", "/v1/heartbeats", (200, {"status": "ok"}))
    assert h.client.heartbeat("hb-2") == "hb-2"


# --- reads ------------------------------------------------------------------------------------------


def cursor_pages(rows: list[Any]) -> Callable[[Recorded], Answer]:
    cursors = {
        "MA==": ("c2", rows[0:1]),
        "c2": ("c3", rows[1:2]),
        "c3": ("LTE=", rows[2:3]),
    }

    def answer(request: Recorded) -> Answer:
        next_cursor, data = cursors[request.query["next_cursor"][0]]
        return 200, {
            "data": data,
            "next_cursor": next_cursor,
            "limit": 1,
            "count": len(data),
        }

    return answer


def test_open_orders_walks_every_page_with_fresh_auth(venue):
    row = fixture("clob-open-orders-page.json")["data"][0]
    rows = [dict(row, id=f"0x{i}") for i in range(3)]
    venue.route("GET", "/data/orders", cursor_pages(rows))
    h = harness(venue)
    orders = h.client.open_orders(market="market_abc")
    assert [o.id for o in orders] == ["0x0", "0x1", "0x2"]
    assert orders[0].side is Side.BUY
    assert orders[0].original_size == D("10.0")
    assert orders[0].size_matched == D("2.5")
    assert orders[0].price == D("0.45")
    assert orders[0].associate_trades == ("0xtradehash1", "0xtradehash2")
    assert orders[0].created_at == datetime.fromtimestamp(1705322096, tz=UTC)
    assert orders[0].expiration == datetime.fromtimestamp(1705708800, tz=UTC)
    assert [r.query["next_cursor"] for r in venue.requests] == [
        ["MA=="],
        ["c2"],
        ["c3"],
    ]
    for request in venue.requests:
        assert request.query["market"] == ["market_abc"]
        assert "asset_id" not in request.query
        assert_l2(request, h.client)
    assert h.limiter.families == [ratelimit.CLOB_LEDGER_ORDERS] * 3


def test_a_transient_read_failure_is_retried(venue):
    calls = {"n": 0}

    def flaky(request: Recorded) -> Answer:
        calls["n"] += 1
        if calls["n"] == 1:
            return 503, None
        return 200, {"data": [], "next_cursor": "LTE="}

    venue.route("GET", "/data/orders", flaky)
    h = harness(venue)
    assert h.client.open_orders() == []
    assert len(venue.requests) == 2
    assert h.sleeps == [0.25]


def test_an_unauthorised_read_is_a_rejection(venue):
    venue.route("GET", "/data/orders", (401, {"error": "Unauthorized/Invalid api key"}))
    h = harness(venue)
    with pytest.raises(RejectedError) as caught:
        h.client.open_orders()
    assert caught.value.code is RejectCode.UNAUTHORIZED
    assert len(venue.requests) == 1


def test_trades_walk_every_page_and_pass_after(venue):
    row = fixture("clob-trades-page.json")["data"][0]
    rows = [dict(row, id=str(i)) for i in range(3)]
    venue.route("GET", "/data/trades", cursor_pages(rows))
    h = harness(venue)
    trades = h.client.trades(
        asset_id="asset_xyz", after=datetime.fromtimestamp(1705322000, tz=UTC)
    )
    assert [t.id for t in trades] == ["0", "1", "2"]
    first = trades[0]
    assert (first.size, first.price, first.fee_rate_bps) == (
        D("12.5"),
        D("0.42"),
        D("5"),
    )
    assert [m.order_id for m in first.maker_orders] == ["maker_001", "maker_002"]
    assert venue.requests[0].query["after"] == ["1705322000"]
    assert venue.requests[0].query["asset_id"] == ["asset_xyz"]
    assert h.limiter.families == [ratelimit.CLOB_LEDGER_TRADES] * 3


def test_trades_for_market_covers_both_tokens_once(venue):
    row = fixture("clob-trades-page.json")["data"][0]

    def answer(request: Recorded) -> Answer:
        token = request.query["asset_id"][0]
        data = {
            "yes": [
                dict(row, id="t1", match_time="1705322200"),
                dict(row, id="shared", match_time="1705322100"),
            ],
            "no": [
                dict(row, id="shared", match_time="1705322100"),
                dict(row, id="t3", match_time="1705322300"),
            ],
        }[token]
        assert request.query["market"] == ["0xcond"]
        return 200, {"data": data, "next_cursor": "LTE="}

    venue.route("GET", "/data/trades", answer)
    h = harness(venue)
    trades = h.client.trades_for_market("0xcond", ["yes", "no"])
    assert [t.id for t in trades] == ["shared", "t1", "t3"]
    assert len(venue.requests) == 2


def test_order_lookup_of_an_unknown_hash_is_none(venue):
    h = harness(venue)
    assert h.client.order("0xdead") is None
    venue.route("GET", "/data/order/*", (200, None))
    assert h.client.order("0xdead") is None
    assert h.limiter.families == [ratelimit.CLOB_LEDGER_ORDER] * 2


def test_balance_allowance_in_pusd(venue):
    venue.route(
        "GET",
        "/balance-allowance",
        (
            200,
            {
                "balance": "25500000",
                "allowances": {
                    EXCHANGE_V2: "115792089237316195423570985008687907853269984665640564039457584007913129639935"
                },
            },
        ),
    )
    h = harness(venue)
    balance = h.client.balance_allowance()
    assert balance == BalanceAllowance(
        balance=D("25.5"),
        allowances={
            EXCHANGE_V2: D(
                "115792089237316195423570985008687907853269984665640564039457584007913129.639935"
            )
        },
    )
    request = venue.requests[0]
    assert request.query == {"signature_type": ["0"], "asset_type": ["COLLATERAL"]}
    assert_l2(request, h.client)


def test_refresh_balance_allowance_updates_then_reads(venue):
    venue.route("GET", "/balance-allowance/update", (200, None))
    venue.route(
        "GET", "/balance-allowance", (200, fixture("clob-balance-allowance.json"))
    )
    h = harness(venue)
    balance = h.client.refresh_balance_allowance("CONDITIONAL", "77")
    assert balance.allowances == {
        "0x0000000000000000000000000000000000000000": D("0.000001")
    }
    assert venue.paths() == ["GET /balance-allowance/update", "GET /balance-allowance"]
    assert venue.requests[0].query == {
        "signature_type": ["0"],
        "asset_type": ["CONDITIONAL"],
        "token_id": ["77"],
    }
    assert h.limiter.families == [ratelimit.CLOB_BALANCE_UPDATE, ratelimit.CLOB_BALANCE]
    with pytest.raises(ValueError):
        h.client.balance_allowance("CONDITIONAL")
    with pytest.raises(ValueError):
        h.client.balance_allowance("USDC")


def test_create_or_derive_falls_back_to_derive_and_uses_l1_auth(venue):
    venue.route("POST", "/auth/api-key", (400, {"error": "Could not create api key"}))
    venue.route(
        "GET",
        "/auth/derive-api-key",
        (
            200,
            {"apiKey": "derived-key", "secret": SECRET, "passphrase": "derived-pass"},
        ),
    )
    venue.route("GET", "/data/orders", (200, {"data": [], "next_cursor": "LTE="}))
    h = harness(venue, credentials=None)
    creds = h.client.create_or_derive_credentials()
    assert creds == ApiCredentials(
        api_key="derived-key", secret=SECRET, passphrase="derived-pass"
    )
    assert SECRET not in repr(creds)
    assert venue.paths() == ["POST /auth/api-key", "GET /auth/derive-api-key"]
    for request in venue.requests:
        assert request.headers["poly_address"] == h.client.signer_address
        assert request.headers["poly_nonce"] == "0"
        assert request.headers["poly_signature"].startswith("0x")
    # The new credentials are used from now on.
    h.client.open_orders()
    assert venue.requests[-1].headers["poly_api_key"] == "derived-key"
    assert h.client.credentials == creds


def test_create_or_derive_surfaces_a_derive_failure(venue):
    venue.route("POST", "/auth/api-key", (400, {"error": "Could not create api key"}))
    venue.route(
        "GET", "/auth/derive-api-key", (401, {"error": "Invalid L1 Request headers"})
    )
    h = harness(venue, credentials=None)
    with pytest.raises(RejectedError) as caught:
        h.client.create_or_derive_credentials()
    assert caught.value.code is RejectCode.UNAUTHORIZED


# --- the client wrapper ----------------------------------------------------------------------


def test_the_pinned_client_sends_everything_through_the_overridable_methods():
    """If an upgrade adds a direct call to the module-level helpers, our
    timeouts, buckets and classification would silently stop applying."""
    methods = {
        name
        for name, member in inspect.getmembers(ClobClient, inspect.isfunction)
        if re.search(
            r"(?<![\w.])(get|post|delete|put|request)\(", inspect.getsource(member)
        )
    }
    assert methods == {"_get", "_post", "_delete", "_get_timestamp"}


def test_the_routed_client_never_polls_for_transaction_hashes():
    response = {"orderID": "0x1", "tradeIDs": ["t1"], "transactionsHashes": []}
    assert _RoutedClobClient._resolve_transactions_hashes(None, response) is response  # type: ignore[arg-type]


def test_use_server_time_is_off():
    # _get_timestamp would bypass our transport (module-level get) if it were on.
    assert offline_client()._client.use_server_time is False


@pytest.mark.parametrize(
    ("method", "path", "family", "write"),
    [
        ("POST", "/order", ratelimit.TRADING_POST_ORDER, True),
        ("POST", "/orders", ratelimit.TRADING_POST_ORDERS, True),
        ("DELETE", "/order", ratelimit.TRADING_CANCEL, True),
        ("DELETE", "/orders", ratelimit.TRADING_CANCEL_ORDERS, True),
        ("DELETE", "/cancel-all", ratelimit.TRADING_CANCEL_ALL, True),
        ("DELETE", "/cancel-market-orders", ratelimit.TRADING_CANCEL_MARKET, True),
        ("GET", "/data/orders", ratelimit.CLOB_LEDGER_ORDERS, False),
        ("GET", "/data/order/0xabc", ratelimit.CLOB_LEDGER_ORDER, False),
        ("GET", "/data/trades", ratelimit.CLOB_LEDGER_TRADES, False),
        ("POST", "/books", ratelimit.CLOB_BOOKS, False),
        ("POST", "/auth/api-key", ratelimit.CLOB_AUTH, True),
        ("GET", "/auth/derive-api-key", ratelimit.CLOB_AUTH, False),
        ("POST", "/v1/heartbeats", ratelimit.CLOB_GENERAL, True),
        ("GET", "/clob-markets/0xc", ratelimit.CLOB_GENERAL, False),
    ],
)
def test_requests_are_classified_by_family_and_write(method, path, family, write):
    assert clob_family(method, path) == family
    assert is_clob_write(method, path) is write


def _api_exception(status: int, body: object) -> PolyApiException:
    return PolyApiException(resp=httpx.Response(status, json=body))


def test_client_exceptions_map_into_our_family():
    transport = PolyApiException(error_msg="Request exception!")
    assert isinstance(
        error_from_client(transport, write=True, endpoint="POST /order"),
        UnknownOutcomeError,
    )
    assert isinstance(
        error_from_client(transport, write=False, endpoint="GET /x"), RetryableError
    )
    tick = error_from_client(
        _api_exception(
            400, {"error": "Price (0.425) breaks minimum tick size rule: 0.01"}
        ),
        write=True,
    )
    assert isinstance(tick, RejectedError) and tick.code is RejectCode.INVALID_TICK_SIZE
    assert isinstance(
        error_from_client(_api_exception(500, None), write=True), UnknownOutcomeError
    )
    assert isinstance(
        error_from_client(_api_exception(500, None), write=False), RetryableError
    )
    assert isinstance(
        error_from_client(_api_exception(429, {"error": "slow"}), write=True),
        RateLimitedError,
    )
    local = error_from_client(PolyException("A private key is needed"), write=False)
    assert isinstance(local, RejectedError) and local.code is RejectCode.BAD_REQUEST


def test_a_client_exception_raised_inside_a_call_is_mapped():
    client = offline_client(credentials=CREDS)

    def transport_failure() -> None:
        raise PolyApiException(error_msg="Request exception!")

    def ours() -> None:
        raise PolymarketParseError("already classified")

    with pytest.raises(UnknownOutcomeError):
        client._call(transport_failure, write=True, endpoint="DELETE /order")
    with pytest.raises(RetryableError):
        client._call(transport_failure, write=False, endpoint="GET /data/orders")
    # Our own errors pass through untouched.
    with pytest.raises(PolymarketParseError, match="already classified"):
        client._call(ours, write=False, endpoint="GET /x")


def test_credentials_never_show_in_repr():
    client = offline_client(credentials=CREDS)
    assert SECRET not in repr(client.credentials)
    assert dataclasses.asdict(client.credentials)["secret"] == SECRET


def test_a_host_with_a_path_prefix_keeps_families_and_write_rules(venue):
    # The sandbox serves the CLOB under /clob; the families must still be
    # those of /order and /data/orders, not the catch-all.
    venue.route("POST", "/clob/order", accept_with_computed_id)
    venue.route("GET", "/clob/data/orders", (200, {"data": [], "next_cursor": "LTE="}))
    config = VenueConfig(clob_url=venue.url + "/clob", read_retries=0)
    limiter = SpyLimiter()
    http = HttpClient(config.clob_url, config, limiter=limiter)
    client = TradingClient(config, private_key=new_key(), credentials=CREDS, http=http)
    signed = sign(client)
    assert client.post_order(signed).order_id == signed.order_hash
    assert client.open_orders() == []
    assert venue.paths() == ["POST /clob/order", "GET /clob/data/orders"]
    assert limiter.families == [
        ratelimit.TRADING_POST_ORDER,
        ratelimit.CLOB_LEDGER_ORDERS,
    ]


def test_sign_order_refuses_floats():
    with pytest.raises(TypeError, match="Decimal"):
        sign(offline_client(), price=0.42)
    with pytest.raises(TypeError, match="Decimal"):
        sign(offline_client(), size=10)


def test_a_malformed_credentials_answer_is_a_parse_error(venue):
    venue.route("POST", "/auth/api-key", (200, {"unexpected": True}))
    venue.route("GET", "/auth/derive-api-key", (200, {"also": "wrong"}))
    h = harness(venue, credentials=None)
    with pytest.raises(PolymarketParseError):
        h.client.create_or_derive_credentials()
    assert h.client.credentials is None
