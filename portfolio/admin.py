"""Positions, the paper cash ledger and P&L snapshots, view-only: positions
move only by applying fills, and the ledger and snapshots are history."""

from __future__ import annotations

from django.contrib import admin

from polybot.admin import ReadOnlyAdmin
from portfolio.models import CashLedgerEntry, PortfolioSnapshot, Position


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = (
        "outcome",
        "user",
        "mode",
        "status",
        "size",
        "average_entry_price",
        "realized_pnl",
        "fees_paid",
        "redeemable_amount",
        "opened_at",
        "closed_at",
    )
    list_filter = ("mode", "status", ("user", admin.RelatedOnlyFieldListFilter))
    search_fields = ("outcome__token_id", "market__question", "user__username")
    list_select_related = ("user", "outcome__market")
    date_hierarchy = "opened_at"


@admin.register(CashLedgerEntry)
class CashLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "user",
        "mode",
        "kind",
        "amount",
        "balance_after",
        "order",
        "fill",
        "memo",
    )
    list_filter = ("mode", "kind", ("user", admin.RelatedOnlyFieldListFilter))
    search_fields = ("memo", "user__username", "order__client_order_id")
    list_select_related = ("user", "order", "fill")
    date_hierarchy = "created_at"


@admin.register(PortfolioSnapshot)
class PortfolioSnapshotAdmin(ReadOnlyAdmin):
    list_display = (
        "taken_at",
        "user",
        "mode",
        "equity",
        "cash",
        "positions_value",
        "realized_pnl",
        "unrealized_pnl",
        "fees_paid",
        "open_positions",
    )
    list_filter = ("mode", ("user", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username",)
    list_select_related = ("user",)
    date_hierarchy = "taken_at"
    show_full_result_count = False
