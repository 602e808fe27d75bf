from __future__ import annotations

from typing import Any

from rest_framework.throttling import SimpleRateThrottle


class ApiRateThrottle(SimpleRateThrottle):
    """One budget per user across the session and all their keys (rate
    ``DEFAULT_THROTTLE_RATES["api"]``); anonymous callers are counted per IP.

    Throttles run after authentication, so a bad key is a 401 first."""

    scope = "api"

    def get_cache_key(self, request: Any, view: Any) -> str:
        user = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else None
        return self.cache_format % {
            "scope": self.scope,
            "ident": ident or self.get_ident(request),
        }
