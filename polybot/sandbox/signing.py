"""V2 order signatures (API.md §4.5): hash the EIP-712 ``Order`` struct the
exchange would, recover who signed it, and compute the order hash, which is
the venue's order id.

Signature types 0-2 are plain EIP-712 signatures by ``signer``. Type 3
(deposit wallet, EIP-1271/ERC-7739) wraps the owner's signature of a
``TypedDataSign`` digest; the sandbox cannot call the wallet contract, so it
checks the wrapper is well formed and recovers the owner key instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

from polybot.sandbox import constants, errors
from polybot.sandbox.errors import VenueError

ORDER_FIELDS = [
    ("salt", "uint256"),
    ("maker", "address"),
    ("signer", "address"),
    ("tokenId", "uint256"),
    ("makerAmount", "uint256"),
    ("takerAmount", "uint256"),
    ("side", "uint8"),
    ("signatureType", "uint8"),
    ("timestamp", "uint256"),
    ("metadata", "bytes32"),
    ("builder", "bytes32"),
]
ORDER_TYPE_STRING = "Order(" + ",".join(f"{t} {n}" for n, t in ORDER_FIELDS) + ")"
DOMAIN_TYPE_STRING = (
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
TYPED_DATA_SIGN_STRING = (
    "TypedDataSign(Order contents,string name,string version,uint256 chainId,"
    "address verifyingContract,bytes32 salt)" + ORDER_TYPE_STRING
)
SIDES = {"BUY": 0, "SELL": 1}
POLY_1271 = 3


@dataclass(frozen=True)
class SignedOrder:
    salt: int
    maker: str
    signer: str
    token_id: str
    maker_amount: int
    taker_amount: int
    side: str
    expiration: int
    signature_type: int
    timestamp: int
    metadata: bytes
    builder: bytes
    signature: str


def _bytes32(value: Any) -> bytes:
    text = str(value or "0x").removeprefix("0x")
    raw = bytes.fromhex(text.zfill(64)) if text else bytes(32)
    if len(raw) != 32:
        raise ValueError("bytes32 expected")
    return raw


def parse_order(raw: Any) -> SignedOrder:
    """The ``order`` object of a POST body, or ``Invalid order payload``."""
    try:
        side = str(raw["side"]).upper()
        if side not in SIDES:
            raise ValueError(side)
        return SignedOrder(
            salt=int(raw["salt"]),
            maker=to_checksum_address(raw["maker"]),
            signer=to_checksum_address(raw["signer"]),
            token_id=str(int(raw["tokenId"])),
            maker_amount=int(raw["makerAmount"]),
            taker_amount=int(raw["takerAmount"]),
            side=side,
            expiration=int(raw.get("expiration") or 0),
            signature_type=int(raw.get("signatureType") or 0),
            timestamp=int(raw["timestamp"]),
            metadata=_bytes32(raw.get("metadata")),
            builder=_bytes32(raw.get("builder")),
            signature=str(raw["signature"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise VenueError(errors.INVALID_PAYLOAD) from exc


def _typed_data(order: SignedOrder, exchange: str, chain_id: int) -> dict[str, Any]:
    return {
        "primaryType": "Order",
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Order": [{"name": n, "type": t} for n, t in ORDER_FIELDS],
        },
        "domain": {
            "name": constants.EXCHANGE_DOMAIN_NAME,
            "version": constants.EXCHANGE_DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": exchange,
        },
        "message": {
            "salt": order.salt,
            "maker": order.maker,
            "signer": order.signer,
            "tokenId": int(order.token_id),
            "makerAmount": order.maker_amount,
            "takerAmount": order.taker_amount,
            "side": SIDES[order.side],
            "signatureType": order.signature_type,
            "timestamp": order.timestamp,
            "metadata": order.metadata,
            "builder": order.builder,
        },
    }


def order_hash(order: SignedOrder, exchange: str, chain_id: int) -> str:
    """The EIP-712 digest of the order: what the venue calls ``orderID``."""
    encoded = encode_typed_data(full_message=_typed_data(order, exchange, chain_id))
    return (
        "0x" + keccak(b"\x19" + encoded.version + encoded.header + encoded.body).hex()
    )


def recover_signer(order: SignedOrder, exchange: str, chain_id: int) -> str:
    """Who signed the order: ``signer`` for types 0-2, the deposit wallet's owner for 3."""
    try:
        if order.signature_type == POLY_1271:
            return _recover_1271(order, exchange, chain_id)
        encoded = encode_typed_data(full_message=_typed_data(order, exchange, chain_id))
        return str(Account.recover_message(encoded, signature=order.signature))
    except Exception as exc:  # malformed signature bytes of any kind
        raise VenueError(errors.INVALID_SIGNATURE) from exc


def _recover_1271(order: SignedOrder, exchange: str, chain_id: int) -> str:
    sig = bytes.fromhex(order.signature.removeprefix("0x"))
    inner, domain_separator, contents = sig[:65], sig[65:97], sig[97:129]
    message = _typed_data(order, exchange, chain_id)["message"]
    contents_hash = keccak(
        abi_encode(
            ["bytes32"] + [t for _, t in ORDER_FIELDS],
            [keccak(text=ORDER_TYPE_STRING)] + [message[n] for n, _ in ORDER_FIELDS],
        )
    )
    expected_separator = keccak(
        abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                keccak(text=DOMAIN_TYPE_STRING),
                keccak(text=constants.EXCHANGE_DOMAIN_NAME),
                keccak(text=constants.EXCHANGE_DOMAIN_VERSION),
                chain_id,
                exchange,
            ],
        )
    )
    if contents != contents_hash or domain_separator != expected_separator:
        raise ValueError("wrapped signature does not match the order")
    struct_hash = keccak(
        abi_encode(
            [
                "bytes32",
                "bytes32",
                "bytes32",
                "bytes32",
                "uint256",
                "address",
                "bytes32",
            ],
            [
                keccak(text=TYPED_DATA_SIGN_STRING),
                contents_hash,
                keccak(text="DepositWallet"),
                keccak(text="1"),
                chain_id,
                order.signer,
                bytes(32),
            ],
        )
    )
    digest = keccak(b"\x19\x01" + expected_separator + struct_hash)
    return str(Account._recover_hash(digest, signature=inner))


def exchange_for(neg_risk: bool) -> str:
    return constants.NEG_RISK_EXCHANGE_V2 if neg_risk else constants.EXCHANGE_V2
