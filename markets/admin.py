"""Admin for synced market data. Outcome labels read their market's question,
so every list that shows an outcome selects its market in the same query."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from markets import services
from markets.models import Event, Market, MarketSnapshot, Outcome, RecordedMessage
from polybot.admin import HTTPS_URL_FIELDS, ReadOnlyAdmin
from polybot.exceptions import ApplicationError


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = (
        "title",
        "category",
        "market_count",
        "neg_risk",
        "active",
        "closed",
        "volume",
        "end_date",
    )
    list_filter = ("active", "closed", "neg_risk", "category")
    search_fields = ("title", "slug", "gamma_id")
    date_hierarchy = "end_date"
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return super().get_queryset(request).annotate(market_count=Count("markets"))

    @admin.display(description="Markets", ordering="market_count")
    def market_count(self, obj: Any) -> int:
        return int(obj.market_count)


class OutcomeInline(admin.TabularInline):
    model = Outcome
    extra = 0
    fields = (
        "index",
        "label",
        "token_id",
        "price",
        "previous_price",
        "price_updated_at",
    )
    show_change_link = True


class MarketForm(forms.ModelForm):
    # No Meta: MarketAdmin.get_form supplies the model and the fields.

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        winner = self.fields.get("winning_outcome")
        if isinstance(winner, forms.ModelChoiceField):
            # Only this market's own outcomes can win it.
            winner.queryset = Outcome.objects.filter(market_id=self.instance.pk)
            winner.label_from_instance = lambda outcome: outcome.label


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    form = MarketForm
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = (
        "question",
        "status",
        "category",
        "event",
        "volume",
        "liquidity",
        "accepting_orders",
        "end_date",
    )
    list_filter = ("status", "accepting_orders", "neg_risk", "fees_enabled", "category")
    search_fields = ("question", "slug", "condition_id", "gamma_id")
    list_select_related = ("event",)
    autocomplete_fields = ("event",)
    date_hierarchy = "end_date"
    readonly_fields = ("created_at", "updated_at")
    inlines = (OutcomeInline,)
    # Adds the "Start a full sync" button to the object tools.
    change_list_template = "admin/markets/market/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        # A plain view, not an admin action: actions need a selection, and a
        # full sync is about the whole catalogue.
        sync = path(
            "sync/",
            self.admin_site.admin_view(require_POST(self.sync_start_view)),
            name="markets_market_sync",
        )
        return [sync, *super().get_urls()]

    def sync_start_view(self, request: HttpRequest) -> HttpResponse:
        """Queue a full catalogue sync; its progress shows on the Markets page."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        try:
            services.catalogue_sync_start()
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request,
                "Full sync queued. The Markets page shows its progress.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:markets_market_changelist"))


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ("label", "market", "index", "token_id", "price", "price_updated_at")
    list_filter = ("market__status",)
    search_fields = ("token_id", "label", "market__question", "market__slug")
    list_select_related = ("market",)
    autocomplete_fields = ("market",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Outcome]:
        # __str__ reads the market, also in autocomplete results.
        return super().get_queryset(request).select_related("market")


@admin.register(MarketSnapshot)
class MarketSnapshotAdmin(ReadOnlyAdmin):
    list_display = (
        "taken_at",
        "outcome",
        "best_bid",
        "best_ask",
        "midpoint",
        "last_trade_price",
        "bid_depth",
        "ask_depth",
    )
    list_filter = ("outcome__market__status",)
    search_fields = ("outcome__token_id", "outcome__market__question")
    list_select_related = ("outcome__market",)
    date_hierarchy = "taken_at"
    show_full_result_count = False


@admin.register(RecordedMessage)
class RecordedMessageAdmin(ReadOnlyAdmin):
    # The list leaves the raw payload out (deferred, not even measured):
    # frames run to megabytes (a dump of 200 books) and are stored compressed.
    list_display = ("id", "received_at", "asset_count")
    search_fields = ("=asset_ids",)
    search_help_text = "One token id: the messages that mention it."
    date_hierarchy = "received_at"
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[RecordedMessage]:
        return super().get_queryset(request).defer("raw")

    def get_search_results(
        self,
        request: HttpRequest,
        queryset: QuerySet[RecordedMessage],
        search_term: str,
    ) -> tuple[QuerySet[RecordedMessage], bool]:
        # Matched against the array through its GIN index.
        if not search_term.strip():
            return queryset, False
        return queryset.filter(asset_ids__contains=[search_term.strip()]), False

    @admin.display(description="Assets")
    def asset_count(self, obj: RecordedMessage) -> int:
        return len(obj.asset_ids)
