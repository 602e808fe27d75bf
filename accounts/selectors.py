"""Reads for accounts, always scoped to the requesting user (STYLE R6)."""

from __future__ import annotations

import hashlib

from django.db.models import Q, QuerySet

from accounts.models import ApiKey, AuditLog, BotSettings, User, Wallet
from polybot.lib.time import utc_now


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_get_active(*, raw_key: str) -> ApiKey | None:
    return (
        ApiKey.objects.select_related("user")
        .filter(hashed_key=hash_api_key(raw_key), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=utc_now()))
        .first()
    )


def api_key_list(*, user: User) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(user=user).order_by("-created_at", "-id")


def api_key_get(*, user: User, api_key_id: int) -> ApiKey | None:
    return api_key_list(user=user).filter(pk=api_key_id).first()


def wallet_list(*, user: User) -> QuerySet[Wallet]:
    return (
        Wallet.objects.filter(user=user)
        .select_related("credential")
        .order_by("-created_at")
    )


def wallet_get(*, user: User, wallet_id: int) -> Wallet | None:
    return wallet_list(user=user).filter(pk=wallet_id).first()


def wallet_active(*, user: User | int) -> Wallet | None:
    """The wallet that signs live orders: active, with its key stored."""
    user_id = user if isinstance(user, int) else user.pk
    return (
        Wallet.objects.filter(
            user_id=user_id, is_active=True, credential__private_key_encrypted__gt=""
        )
        .select_related("credential")
        .order_by("-updated_at")
        .first()
    )


def bot_settings_get(*, user: User) -> BotSettings:
    """The user's settings, created with defaults on first read."""
    settings_row, _ = BotSettings.objects.get_or_create(user=user)
    return settings_row


def audit_log_list(*, user: User) -> QuerySet[AuditLog]:
    return AuditLog.objects.filter(user=user)
