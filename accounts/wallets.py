"""Connecting and disconnecting the wallet that signs live orders (STYLE R5).

The wallet's ``address`` is always the signer: the address of the private
key the user pastes. For signature type 0 that address also holds the
funds; for types 1-3 the funds sit in another wallet, the ``funder`` (a
Polymarket proxy, a Gnosis Safe or a deposit wallet), which becomes the
orders' maker (API.md §4.1). The key is checked against the address before
anything is stored, stored encrypted only, and never returned.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.views.decorators.debug import sensitive_variables
from eth_account import Account
from eth_utils import to_checksum_address

from accounts.models import (
    AuditAction,
    SignatureType,
    User,
    VenueCredential,
    Wallet,
)
from accounts.services import audit_log_record, credential_store
from polybot.exceptions import ApplicationError
from polybot.lib import crypto

WALLET_INVALID = "The wallet was not connected: fix the highlighted fields."
ADDRESS_INVALID = "Enter an address: 0x followed by 40 hexadecimal characters."
SIGNATURE_TYPE_INVALID = "Choose a signature type from 0 to 3."
FUNDER_INVALID = "Enter the funder's address: 0x followed by 40 hexadecimal characters."
FUNDER_REQUIRED = (
    "This signature type signs for another wallet: enter the address that holds "
    "the funds (your Polymarket proxy, Safe or deposit wallet)."
)
FUNDER_NOT_FOR_EOA = (
    "An EOA wallet (type 0) holds its own funds: leave the funder empty."
)
FUNDER_IS_SIGNER = (
    "The funder is the proxy, Safe or deposit wallet that holds the funds, not "
    "the signer's own address. For a key that holds its own funds choose type 0."
)
PRIVATE_KEY_INVALID = (
    "Enter the private key: 64 hexadecimal characters, with or without 0x."
)
PRIVATE_KEY_MISMATCH = (
    "This key signs as {key_address}, not as the wallet address. The address "
    "must be the one of this key (the signer)."
)
WALLET_LOCKED_WHILE_LIVE = (
    "Switch to paper trading before replacing or disconnecting the wallet: "
    "live orders are signed with the current one."
)
NO_WALLET_TO_DISCONNECT = "No wallet is connected."
ENCRYPTION_UNAVAILABLE = (
    "This server cannot store wallet keys: its ENCRYPTION_KEY is not set up. "
    "Nothing was stored."
)

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_PRIVATE_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


class EncryptionUnavailableError(ApplicationError):
    """The server has no usable master key: a configuration problem, not the
    caller's, so not a 400."""

    status_code = 503
    code = "encryption_unavailable"


@sensitive_variables("private_key", "key")
@transaction.atomic
def wallet_connect(
    *,
    user: User,
    address: str,
    signature_type: int | str,
    funder: str,
    private_key: str,
    label: str = "",
) -> Wallet:
    """Make this the user's active wallet, with its key stored encrypted.

    Raises ``ApplicationError`` (code ``validation_error``, ``details`` by
    field) for bad input, when nothing is written; the key never appears in
    an error, a log or the audit trail, only its fingerprint is kept."""
    if user.is_live:
        raise ApplicationError(WALLET_LOCKED_WHILE_LIVE, code="wallet_locked")
    errors: dict[str, list[str]] = {}
    address = address.strip()
    funder = funder.strip()
    sig_type = _signature_type(signature_type)
    if sig_type is None:
        errors["signature_type"] = [SIGNATURE_TYPE_INVALID]
    if not _ADDRESS.match(address):
        errors["address"] = [ADDRESS_INVALID]
    funder_error = _funder_error(sig_type, funder, address)
    if funder_error:
        errors["funder"] = [funder_error]
    key = _normalised_key(private_key)
    if key is None:
        errors["private_key"] = [PRIVATE_KEY_INVALID]
    elif "address" not in errors:
        key_address = Account.from_key(key).address
        if key_address.lower() != address.lower():
            errors["private_key"] = [
                PRIVATE_KEY_MISMATCH.format(key_address=key_address)
            ]
    if errors:
        raise ApplicationError(WALLET_INVALID, code="validation_error", details=errors)
    assert sig_type is not None and key is not None
    signer = to_checksum_address(address)
    wallet = Wallet.objects.filter(user=user, address__iexact=signer).first() or Wallet(
        user=user, address=signer
    )
    wallet.address = signer
    wallet.label = label.strip()[:80]
    wallet.chain_id = settings.POLYMARKET_CHAIN_ID
    wallet.signature_type = sig_type
    # Type 0 has no funder: the signer holds its own funds.
    has_funder = sig_type != SignatureType.EOA
    wallet.funder = to_checksum_address(funder) if has_funder else ""
    wallet.is_active = True
    wallet.full_clean(exclude=["user"])
    wallet.save()
    _retire_other_wallets(user=user, keep=wallet)
    try:
        credential_store(wallet=wallet, private_key=key)
    except crypto.SecretKeyError:
        raise EncryptionUnavailableError(ENCRYPTION_UNAVAILABLE) from None
    user.wallet_address = signer
    user.save(update_fields=["wallet_address"])
    audit_log_record(
        user=user,
        action=AuditAction.CREDENTIAL_CHANGE,
        obj=wallet,
        message=f"Wallet {signer} connected",
        data={
            "address": signer,
            "signature_type": sig_type,
            "funder": wallet.funder,
            "private_key_fingerprint": wallet.credential.private_key_fingerprint,
        },
    )
    return wallet


@transaction.atomic
def wallet_disconnect(*, user: User) -> Wallet:
    """Deactivate the active wallet and erase its secrets (the key and the
    API credentials); the row stays so history still names the address."""
    if user.is_live:
        raise ApplicationError(WALLET_LOCKED_WHILE_LIVE, code="wallet_locked")
    wallet = Wallet.objects.filter(user=user, is_active=True).first()
    if wallet is None:
        raise ApplicationError(NO_WALLET_TO_DISCONNECT, code="no_wallet")
    Wallet.objects.filter(user=user, is_active=True).update(is_active=False)
    wallet.is_active = False
    # Deleting the credential row is the only way to be sure no copy of the
    # ciphertext is left for a stolen master key to open.
    deleted, _ = VenueCredential.objects.filter(wallet=wallet).delete()
    user.wallet_address = ""
    user.save(update_fields=["wallet_address"])
    audit_log_record(
        user=user,
        action=AuditAction.CREDENTIAL_CHANGE,
        obj=wallet,
        message=f"Wallet {wallet.address} disconnected",
        data={"address": wallet.address, "secrets_erased": bool(deleted)},
    )
    return wallet


def _retire_other_wallets(*, user: User, keep: Wallet) -> None:
    """Deactivate the user's other wallets and erase their secrets (key and
    API credentials), as a disconnect does: an inactive wallet signs nothing,
    so its ciphertext would only be there for a stolen master key to open."""
    others = Wallet.objects.filter(user=user).exclude(pk=keep.pk)
    retired = list(others.filter(Q(is_active=True) | Q(credential__isnull=False)))
    others.update(is_active=False)
    for wallet in retired:
        deleted, _ = VenueCredential.objects.filter(wallet=wallet).delete()
        audit_log_record(
            user=user,
            action=AuditAction.CREDENTIAL_CHANGE,
            obj=wallet,
            message=f"Wallet {wallet.address} replaced",
            data={
                "address": wallet.address,
                "replaced_by": keep.address,
                "secrets_erased": bool(deleted),
            },
        )


def _signature_type(value: int | str) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number in SignatureType.values else None


def _funder_error(sig_type: int | None, funder: str, address: str) -> str:
    if sig_type == SignatureType.EOA:
        # The same address typed twice is harmless; another one would make the
        # orders name a maker the key cannot sign for.
        return (
            ""
            if not funder or funder.lower() == address.lower()
            else (FUNDER_NOT_FOR_EOA)
        )
    if sig_type is None:
        return FUNDER_INVALID if funder and not _ADDRESS.match(funder) else ""
    if not funder:
        return FUNDER_REQUIRED
    if not _ADDRESS.match(funder):
        return FUNDER_INVALID
    if funder.lower() == address.lower():
        return FUNDER_IS_SIGNER
    return ""


@sensitive_variables("private_key", "digits")
def _normalised_key(private_key: str) -> str | None:
    """``0x`` + 64 lower-case hex digits, so one key has one fingerprint
    however it was pasted; ``None`` if it is not a usable key."""
    digits = private_key.strip()
    if not _PRIVATE_KEY.match(digits):
        return None
    key = "0x" + digits.removeprefix("0x").lower()
    try:
        Account.from_key(key)
    except ValueError:  # zero, or not below the curve order
        return None
    return key
