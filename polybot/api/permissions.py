from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import ApiKey, ApiKeyScope

SCOPE_TRADE_REQUIRED = (
    "This API key is read-only: writes need a key with the 'trade' scope."
)


class ApiKeyScopePermission(BasePermission):
    """API keys act only within their scopes: ``read`` for safe methods,
    ``trade`` for anything that changes state. Browser sessions are not
    scoped (the user is present and CSRF-protected)."""

    message = SCOPE_TRADE_REQUIRED

    def has_permission(self, request: Any, view: Any) -> bool:
        auth = request.auth
        if not isinstance(auth, ApiKey):
            return True
        if request.method in SAFE_METHODS:
            return auth.has_scope(ApiKeyScope.READ) or auth.has_scope(ApiKeyScope.TRADE)
        return auth.has_scope(ApiKeyScope.TRADE)
