"""Strategies with the markets they trade; runs and decision logs view-only."""

from __future__ import annotations

from django.contrib import admin

from polybot.admin import ReadOnlyAdmin, ReadOnlyTabularInline
from strategies.models import Strategy, StrategyLog, StrategyMarket, StrategyRun


class StrategyMarketInline(admin.TabularInline):
    model = StrategyMarket
    extra = 0
    fields = ("market", "outcome", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("market", "outcome")


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "kind",
        "mode",
        "status",
        "interval_seconds",
        "last_run_at",
        "last_error",
    )
    list_filter = ("kind", "mode", "status")
    search_fields = ("name", "description", "user__username")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    # Starting, stopping and going live schedule tasks and pass the live gate
    # in strategy services; the admin shows those fields without changing them.
    readonly_fields = (
        "mode",
        "status",
        "periodic_task",
        "last_run_at",
        "last_error",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "created_at"
    inlines = (StrategyMarketInline,)


@admin.register(StrategyMarket)
class StrategyMarketAdmin(admin.ModelAdmin):
    list_display = ("strategy", "market", "outcome", "created_at")
    search_fields = ("strategy__name", "market__question", "outcome__token_id")
    list_select_related = ("strategy", "market", "outcome__market")
    autocomplete_fields = ("strategy", "market", "outcome")


class StrategyLogInline(ReadOnlyTabularInline):
    model = StrategyLog
    fields = ("created_at", "level", "message")
    readonly_fields = fields
    show_change_link = True


@admin.register(StrategyRun)
class StrategyRunAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "strategy",
        "trigger",
        "status",
        "finished_at",
        "intents_count",
        "orders_placed",
        "orders_rejected",
        "pnl",
    )
    list_filter = ("status", "trigger")
    search_fields = ("strategy__name", "error")
    list_select_related = ("strategy",)
    date_hierarchy = "started_at"
    show_full_result_count = False
    inlines = (StrategyLogInline,)


@admin.register(StrategyLog)
class StrategyLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "strategy", "run", "level", "message")
    list_filter = ("level",)
    search_fields = ("message", "strategy__name")
    list_select_related = ("strategy", "run")
    date_hierarchy = "created_at"
    show_full_result_count = False
