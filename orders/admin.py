"""Orders and fills, view-only: both change only through orders.services
(an admin edit of a status or a filled size would desync the venue)."""

from __future__ import annotations

from django.contrib import admin

from orders.models import Fill, Order
from polybot.admin import ReadOnlyAdmin, ReadOnlyTabularInline


class FillInline(ReadOnlyTabularInline):
    model = Fill
    fields = (
        "venue_trade_id",
        "matched_at",
        "side",
        "price",
        "size",
        "fee",
        "role",
        "settlement_status",
        "tx_hash",
        "reversed_at",
    )
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "client_order_id",
        "user",
        "mode",
        "side",
        "outcome",
        "price",
        "size",
        "filled_size",
        "status",
        "order_type",
        "source",
    )
    list_filter = (
        "mode",
        "status",
        "side",
        "order_type",
        "source",
        ("user", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = (
        "client_order_id",
        "venue_order_hash",
        "user__username",
        "user__email",
        "market__question",
        "outcome__token_id",
    )
    list_select_related = ("user", "outcome__market")
    date_hierarchy = "created_at"
    inlines = (FillInline,)


@admin.register(Fill)
class FillAdmin(ReadOnlyAdmin):
    list_display = (
        "matched_at",
        "venue_trade_id",
        "user",
        "mode",
        "side",
        "outcome",
        "price",
        "size",
        "fee",
        "role",
        "settlement_status",
    )
    list_filter = (
        "mode",
        "side",
        "role",
        "settlement_status",
        ("user", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = (
        "venue_trade_id",
        "tx_hash",
        "order__client_order_id",
        "user__username",
        "market__question",
    )
    list_select_related = ("user", "outcome__market")
    date_hierarchy = "matched_at"
