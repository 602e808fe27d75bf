"""Writes for accounts (STYLE R5): settings, trading mode, API keys,
encrypted credentials and the audit log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from accounts.models import (
    ApiKey,
    ApiKeyScope,
    AuditAction,
    AuditLog,
    BotSettings,
    User,
    VenueCredential,
    Wallet,
)
from accounts.selectors import bot_settings_get, hash_api_key
from polybot.exceptions import ApplicationError
from polybot.lib import crypto
from polybot.lib.time import utc_now
from polybot.lib.types import TradingMode
from polybot.request_context import current_request_id

LIVE_TRADING_DISABLED = (
    "Live trading is disabled on this server (POLYBOT_LIVE_TRADING_ENABLED is off)."
)
LIVE_NEEDS_WALLET = (
    "Connect a wallet with its private key before switching to live trading."
)
API_KEY_SCOPES_INVALID = "Scopes must be a non-empty subset of: read, trade."
API_KEY_NAME_REQUIRED = "Give the key a name so you can recognise it later."


def audit_log_record(
    *,
    user: User | None,
    action: str,
    obj: Any = None,
    message: str = "",
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
    api_key: ApiKey | None = None,
    user_id: int | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        user_id=user.pk if user is not None else user_id,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
        request_id=current_request_id() if current_request_id() != "-" else "",
        ip_address=ip_address,
        api_key_prefix=api_key.prefix if api_key else "",
        message=message[:255],
        data=data or {},
    )


@transaction.atomic
def bot_settings_update(*, user: User, **values: Any) -> BotSettings:
    row = bot_settings_get(user=user)
    changed = {}
    for field, value in values.items():
        if getattr(row, field) != value:
            changed[field] = str(value)
            setattr(row, field, value)
    if changed:
        row.full_clean()
        row.save()
        audit_log_record(
            user=user, action=AuditAction.SETTINGS_CHANGE, obj=row, data=changed
        )
    return row


@transaction.atomic
def user_set_trading_mode(*, user: User, mode: str) -> User:
    """Switch between paper and live. Live is refused loudly unless the server
    enables it and the user has a wallet that can sign."""
    if mode == TradingMode.LIVE:
        if not settings.LIVE_TRADING_ENABLED:
            raise ApplicationError(LIVE_TRADING_DISABLED, code="live_trading_disabled")
        has_signer = (
            VenueCredential.objects.filter(wallet__user=user, wallet__is_active=True)
            .exclude(private_key_encrypted="")
            .exists()
        )
        if not has_signer:
            raise ApplicationError(LIVE_NEEDS_WALLET, code="live_needs_wallet")
    if user.trading_mode != mode:
        previous = user.trading_mode
        user.trading_mode = mode
        user.save(update_fields=["trading_mode"])
        audit_log_record(
            user=user,
            action=AuditAction.MODE_CHANGE,
            obj=user,
            data={"from": previous, "to": mode},
        )
    return user


@dataclass(frozen=True)
class CreatedApiKey:
    api_key: ApiKey
    raw_key: str  # shown once, never stored


@transaction.atomic
def api_key_create(*, user: User, name: str, scopes: list[str]) -> CreatedApiKey:
    name = name.strip()
    if not name:
        raise ApplicationError(
            API_KEY_NAME_REQUIRED,
            code="validation_error",
            details={"name": [API_KEY_NAME_REQUIRED]},
        )
    if not scopes or not set(scopes) <= set(ApiKeyScope.values):
        raise ApplicationError(
            API_KEY_SCOPES_INVALID,
            code="validation_error",
            details={"scopes": [API_KEY_SCOPES_INVALID]},
        )
    prefix = secrets.token_hex(4)
    raw_key = f"pb_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        user=user,
        name=name[:80],
        prefix=prefix,
        hashed_key=hash_api_key(raw_key),
        scopes=sorted(set(scopes)),
    )
    audit_log_record(
        user=user,
        action=AuditAction.API_KEY_CREATE,
        obj=api_key,
        data={"scopes": api_key.scopes},
    )
    return CreatedApiKey(api_key=api_key, raw_key=raw_key)


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = utc_now()
        api_key.save(update_fields=["revoked_at"])
        audit_log_record(
            user=api_key.user, action=AuditAction.API_KEY_REVOKE, obj=api_key
        )
    return api_key


# --- Encrypted venue credentials ------------------------------------------------

_SECRET_FIELDS = ("private_key", "api_key", "api_secret", "api_passphrase")


def _context(credential: VenueCredential, field: str) -> str:
    return f"wallet:{credential.wallet_id}:{field}"


@transaction.atomic
def credential_store(*, wallet: Wallet, **secrets_by_field: str) -> VenueCredential:
    """Encrypt and store any of private_key, api_key, api_secret, api_passphrase.

    Raises ``crypto.SecretKeyError`` when no master key is configured: nothing
    is ever written in plaintext."""
    unknown = set(secrets_by_field) - set(_SECRET_FIELDS)
    if unknown:
        raise ValueError(f"unknown secret fields: {sorted(unknown)}")
    credential, _ = VenueCredential.objects.select_for_update().get_or_create(
        wallet=wallet, defaults={"key_id": settings.ENCRYPTION_KEY_ID}
    )
    for field, value in secrets_by_field.items():
        sealed = crypto.encrypt(value, context=_context(credential, field))
        setattr(credential, f"{field}_encrypted", sealed.token)
        credential.key_id = sealed.key_id
    if "private_key" in secrets_by_field:
        credential.private_key_fingerprint = crypto.fingerprint(
            secrets_by_field["private_key"]
        )
    if "api_key" in secrets_by_field:
        credential.api_key_fingerprint = crypto.fingerprint(secrets_by_field["api_key"])
    credential.save()
    audit_log_record(
        user=wallet.user,
        action=AuditAction.CREDENTIAL_CHANGE,
        obj=wallet,
        data={"fields": sorted(secrets_by_field)},
    )
    return credential


def credential_reveal(*, credential: VenueCredential, field: str) -> str:
    """Decrypt one secret. Only the live gateway calls this, where it signs."""
    if field not in _SECRET_FIELDS:
        raise ValueError(f"unknown secret field: {field}")
    token = getattr(credential, f"{field}_encrypted")
    if not token:
        return ""
    return crypto.decrypt(token, context=_context(credential, field))


@transaction.atomic
def credential_rotate(*, credential: VenueCredential) -> VenueCredential:
    """Re-encrypt every secret under the current master key."""
    plain = {
        f: credential_reveal(credential=credential, field=f) for f in _SECRET_FIELDS
    }
    for field, value in plain.items():
        if value:
            sealed = crypto.encrypt(value, context=_context(credential, field))
            setattr(credential, f"{field}_encrypted", sealed.token)
            credential.key_id = sealed.key_id
    credential.save()
    return credential
