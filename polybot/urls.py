from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from polybot import api_router, views

urlpatterns = [
    path("", include("portfolio.urls")),
    path("accounts/", include("accounts.urls")),
    path("markets/", include("markets.urls")),
    path("", include("orders.urls")),
    path("admin/", admin.site.urls),
    # /api/v1/ is canonical; the unversioned /api/ reaches the same views.
    path("api/v1/", include((api_router.urlpatterns, "api"), namespace="api")),
    path("api/", include((api_router.urlpatterns, "api"), namespace="api-unversioned")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]

handler400 = "polybot.views.bad_request"
handler403 = "polybot.views.permission_denied"
handler404 = "polybot.views.page_not_found"
handler500 = "polybot.views.server_error"
