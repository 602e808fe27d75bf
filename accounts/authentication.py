"""``Authorization: Bearer <api key>`` for scripts (DESIGN §7)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rest_framework import authentication, exceptions

from accounts import selectors
from accounts.models import ApiKey
from polybot.lib.time import utc_now

API_KEY_INVALID = "Invalid, revoked or expired API key."
# last_used_at is informative; writing it on every request would be a hot-path write.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode(
            errors="replace"
        )
        scheme, _, raw_key = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        raw_key = raw_key.strip()
        if not raw_key:
            raise exceptions.AuthenticationFailed(API_KEY_INVALID)
        api_key = selectors.api_key_get_active(raw_key=raw_key)
        if api_key is None or not api_key.user.is_active:
            raise exceptions.AuthenticationFailed(API_KEY_INVALID)
        now = utc_now()
        if (
            api_key.last_used_at is None
            or now - api_key.last_used_at > _LAST_USED_RESOLUTION
        ):
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return api_key.user, api_key

    def authenticate_header(self, request: Any) -> str:
        return f'{self.keyword} realm="api"'
