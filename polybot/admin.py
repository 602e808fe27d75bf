"""Admin building blocks shared by the apps' ``admin.py`` modules.

History (fills, the audit log, the cash ledger, snapshots, strategy runs and
logs) and rows that change only through services (orders, positions, venue
credentials) are shown read-only: the admin offers no add, change or delete,
and a forged POST is refused with 403 because the permission checks say no.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

# Venue URLs are https; say so instead of relying on Django 5's http default.
HTTPS_URL_FIELDS: dict[type[models.Field], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: Django renders every field read-only when change is denied."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Any | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Any | None = None
    ) -> bool:
        return False


class ReadOnlyTabularInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Any | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: Any | None = None
    ) -> bool:
        return False
