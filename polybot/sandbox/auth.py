"""L1 (EIP-712 ``ClobAuth``) and L2 (HMAC) authentication, verified exactly as
the client builds them (API.md §3; py_clob_client_v2 headers/ and signing/).

API keys are derived from a server secret, the address and the nonce, so
``derive-api-key`` returns the same credentials every time, as on the venue.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

from polybot.sandbox import constants, errors
from polybot.sandbox.errors import VenueError
from polybot.sandbox.models import ApiKey

L2_HEADERS = (
    "POLY_ADDRESS",
    "POLY_SIGNATURE",
    "POLY_TIMESTAMP",
    "POLY_API_KEY",
    "POLY_PASSPHRASE",
)


class Unauthorized(VenueError):
    """401 with the venue's body; ``reason`` is only for the sandbox's log."""

    def __init__(self, reason: str) -> None:
        super().__init__(errors.INVALID_API_KEY, status=401)
        self.reason = reason


def hmac_signature(
    secret: str, timestamp: str, method: str, path: str, body: str
) -> str:
    """The client's HMAC: ``timestamp + METHOD + path + body``, URL-safe base64."""
    message = f"{timestamp}{method}{path}"
    if body:
        message += body.replace("'", '"')  # the client signs str(body) this way
    key = base64.urlsafe_b64decode(secret)
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


class ApiKeyStore:
    def __init__(self, seed: int) -> None:
        self._server_secret = keccak(text=f"sandbox-api-keys:{seed}")
        self._by_key: dict[str, ApiKey] = {}
        self._by_owner: dict[tuple[str, int], ApiKey] = {}

    def _make(self, address: str, nonce: int) -> ApiKey:
        def mac(label: str) -> bytes:
            msg = f"{label}:{address.lower()}:{nonce}".encode()
            return hmac.new(self._server_secret, msg, hashlib.sha256).digest()

        return ApiKey(
            api_key=str(uuid.UUID(bytes=mac("key")[:16], version=4)),
            secret=base64.urlsafe_b64encode(mac("secret")).decode(),
            passphrase=mac("passphrase").hex(),
            address=to_checksum_address(address),
            nonce=nonce,
        )

    def create(self, address: str, nonce: int) -> ApiKey:
        if (address.lower(), nonce) in self._by_owner:
            raise VenueError(errors.COULD_NOT_CREATE_KEY)
        return self._store(self._make(address, nonce))

    def derive(self, address: str, nonce: int) -> ApiKey:
        found = self._by_owner.get((address.lower(), nonce))
        return found or self._store(self._make(address, nonce))

    def _store(self, key: ApiKey) -> ApiKey:
        self._by_key[key.api_key] = key
        self._by_owner[(key.address.lower(), key.nonce)] = key
        return key

    def get(self, api_key: str) -> ApiKey | None:
        return self._by_key.get(api_key)

    def keys_of(self, address: str) -> list[ApiKey]:
        return [
            k for k in self._by_key.values() if k.address.lower() == address.lower()
        ]

    def delete(self, api_key: str) -> None:
        key = self._by_key.pop(api_key, None)
        if key is not None:
            self._by_owner.pop((key.address.lower(), key.nonce), None)


def _check_timestamp(raw: str, now: float, max_skew: float) -> None:
    try:
        ts = int(raw)
    except ValueError as exc:
        raise Unauthorized("timestamp is not an integer") from exc
    if abs(now - ts) > max_skew:
        raise Unauthorized(f"stale timestamp {ts} (now {int(now)})")


def verify_l1(
    headers: Mapping[str, str], *, now: float, chain_id: int, max_skew: float
) -> tuple[str, int]:
    """The address and nonce of a valid ``ClobAuth`` signature, else 401."""
    try:
        address = to_checksum_address(headers["POLY_ADDRESS"])
        signature = headers["POLY_SIGNATURE"]
        timestamp = headers["POLY_TIMESTAMP"]
        nonce = int(headers.get("POLY_NONCE") or 0)
    except (KeyError, ValueError) as exc:
        raise Unauthorized("missing or malformed L1 headers") from exc
    _check_timestamp(timestamp, now, max_skew)
    typed = {
        "primaryType": "ClobAuth",
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
            ],
            "ClobAuth": [
                {"name": "address", "type": "address"},
                {"name": "timestamp", "type": "string"},
                {"name": "nonce", "type": "uint256"},
                {"name": "message", "type": "string"},
            ],
        },
        "domain": {
            "name": constants.CLOB_AUTH_DOMAIN_NAME,
            "version": constants.CLOB_AUTH_DOMAIN_VERSION,
            "chainId": chain_id,
        },
        "message": {
            "address": address,
            "timestamp": timestamp,
            "nonce": nonce,
            "message": constants.CLOB_AUTH_MESSAGE,
        },
    }
    try:
        recovered = Account.recover_message(
            encode_typed_data(full_message=typed), signature=signature
        )
    except Exception as exc:  # malformed signature bytes
        raise Unauthorized("unreadable L1 signature") from exc
    if recovered != address:
        raise Unauthorized("L1 signature is not from POLY_ADDRESS")
    return address, nonce


def verify_l2(
    headers: Mapping[str, str],
    *,
    method: str,
    path: str,
    body: str,
    store: ApiKeyStore,
    now: float,
    max_skew: float,
) -> ApiKey:
    """The API key of a request with valid L2 headers, else 401.

    ``path`` is the path the client signed: without the service prefix and
    without the query string (queries are not signed)."""
    missing = [h for h in L2_HEADERS if not headers.get(h)]
    if missing:
        raise Unauthorized(f"missing headers {missing}")
    key = store.get(headers["POLY_API_KEY"])
    if key is None:
        raise Unauthorized("unknown api key")
    if not hmac.compare_digest(headers["POLY_PASSPHRASE"], key.passphrase):
        raise Unauthorized("wrong passphrase")
    if headers["POLY_ADDRESS"].lower() != key.address.lower():
        raise Unauthorized("POLY_ADDRESS is not the api key's address")
    _check_timestamp(headers["POLY_TIMESTAMP"], now, max_skew)
    expected = hmac_signature(key.secret, headers["POLY_TIMESTAMP"], method, path, body)
    if not hmac.compare_digest(expected, headers["POLY_SIGNATURE"]):
        raise Unauthorized("bad HMAC")
    return key


def check_ws_creds(store: ApiKeyStore, creds: Mapping[str, object]) -> ApiKey | None:
    """The user channel authenticates with the raw credentials in its subscribe frame."""
    key = store.get(str(creds.get("apiKey", "")))
    if key is None:
        return None
    if creds.get("secret") != key.secret or creds.get("passphrase") != key.passphrase:
        return None
    return key
