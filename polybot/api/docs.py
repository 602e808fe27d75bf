from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBase
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI for signed-in users. The split view serves its start-up
    script from ``?script`` instead of inline, so the CSP's
    ``script-src 'self'`` holds. An anonymous visitor is sent to log in."""

    def handle_exception(self, exc: Exception) -> HttpResponseBase:
        if isinstance(
            exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)
        ):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
