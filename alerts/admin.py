"""Alert rules and the notifications they produced."""

from __future__ import annotations

from django.contrib import admin

from alerts.models import Alert, Notification
from polybot.admin import HTTPS_URL_FIELDS


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = (
        "name",
        "user",
        "kind",
        "outcome",
        "threshold",
        "channel",
        "is_active",
        "trigger_count",
        "last_triggered_at",
    )
    list_filter = ("kind", "channel", "is_active")
    search_fields = ("name", "user__username", "market__question", "outcome__token_id")
    list_select_related = ("user", "outcome__market")
    autocomplete_fields = ("user", "market", "outcome")
    readonly_fields = ("last_triggered_at", "trigger_count", "created_at", "updated_at")
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "title",
        "user",
        "level",
        "alert",
        "read_at",
        "delivered_at",
    )
    list_filter = (
        "level",
        ("read_at", admin.EmptyFieldListFilter),
        ("delivered_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("title", "body", "user__username")
    list_select_related = ("user", "alert")
    autocomplete_fields = ("user", "alert")
    date_hierarchy = "created_at"
