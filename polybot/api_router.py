"""The API's URLs: DRF router for read-only resources, command views beside it (STYLE R21)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts.api.views import SessionApi

router = DefaultRouter(trailing_slash="/?")

urlpatterns = [
    path("auth/session", SessionApi.as_view(), name="auth-session"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
