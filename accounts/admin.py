"""Admin for the operator's accounts. Secrets never reach a page: venue
credentials show only fingerprints and booleans, API keys only their prefix."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from accounts import services
from accounts.models import (
    ApiKey,
    AuditLog,
    BotSettings,
    User,
    VenueCredential,
    Wallet,
)
from polybot.admin import ReadOnlyAdmin

# Everything about a credential that is safe to show. The *_encrypted columns
# are deliberately absent: listing fields explicitly keeps them off every form.
CREDENTIAL_SAFE_FIELDS = (
    "wallet",
    "key_id",
    "private_key_fingerprint",
    "api_key_fingerprint",
    "has_private_key",
    "has_api_credentials",
    "created_at",
    "updated_at",
)


class CredentialFlagsMixin:
    @admin.display(boolean=True, description="Private key")
    def has_private_key(self, obj: VenueCredential) -> bool:
        return obj.has_private_key

    @admin.display(boolean=True, description="API credentials")
    def has_api_credentials(self, obj: VenueCredential) -> bool:
        return obj.has_api_credentials


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Polybot", {"fields": ("display_name", "wallet_address", "trading_mode")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "display_name",
                    "email",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    # Switching to live goes through user_set_trading_mode, which enforces the
    # live-trading gate and writes the audit log; the admin only shows it.
    readonly_fields = ("trading_mode", "last_login", "date_joined")
    list_display = (
        "username",
        "display_name",
        "email",
        "trading_mode",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("trading_mode", *DjangoUserAdmin.list_filter)
    search_fields = (*DjangoUserAdmin.search_fields, "display_name", "wallet_address")


class VenueCredentialInline(CredentialFlagsMixin, admin.StackedInline):
    model = VenueCredential
    fields = CREDENTIAL_SAFE_FIELDS[1:]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Any | None = None
    ) -> bool:
        return False


@admin.register(Wallet)
class WalletAdmin(admin.ModelAdmin):
    list_display = (
        "address",
        "label",
        "user",
        "signature_type",
        "funder",
        "chain_id",
        "is_active",
        "has_credentials",
        "created_at",
    )
    list_filter = ("is_active", "signature_type", "chain_id")
    search_fields = ("address", "funder", "label", "user__username", "user__email")
    list_select_related = ("user", "credential")
    autocomplete_fields = ("user",)
    inlines = (VenueCredentialInline,)
    date_hierarchy = "created_at"

    def get_readonly_fields(
        self, request: HttpRequest, obj: Wallet | None = None
    ) -> tuple[str, ...]:
        # Credentials are encrypted against this wallet's identity: once
        # created, who signs for which address does not change here.
        if obj is None:
            return ("created_at", "updated_at")
        return (
            "user",
            "address",
            "chain_id",
            "signature_type",
            "funder",
            "created_at",
            "updated_at",
        )

    @admin.display(boolean=True, description="Credentials")
    def has_credentials(self, obj: Wallet) -> bool:
        return hasattr(obj, "credential")


@admin.register(VenueCredential)
class VenueCredentialAdmin(CredentialFlagsMixin, ReadOnlyAdmin):
    """Secrets enter only through accounts.services.credential_store."""

    fields = CREDENTIAL_SAFE_FIELDS
    readonly_fields = CREDENTIAL_SAFE_FIELDS
    list_display = CREDENTIAL_SAFE_FIELDS
    list_filter = ("key_id",)
    search_fields = ("wallet__address", "wallet__user__username")
    list_select_related = ("wallet",)
    date_hierarchy = "updated_at"


@admin.register(BotSettings)
class BotSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "max_bet_amount",
        "max_daily_loss",
        "max_open_positions",
        "max_position_per_market",
        "risk_level",
        "auto_trade_enabled",
        "trading_halted",
        "halt_reason",
        "updated_at",
    )
    list_filter = ("risk_level", "auto_trade_enabled", "trading_halted")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    # The kill switch is set by the risk engine and cleared by re-arming.
    readonly_fields = (
        "user",
        "trading_halted",
        "halt_reason",
        "halted_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created with defaults on the user's first read

    def has_delete_permission(
        self, request: HttpRequest, obj: BotSettings | None = None
    ) -> bool:
        return False  # deleting would silently clear a trading halt

    def save_model(
        self, request: HttpRequest, obj: BotSettings, form: ModelForm, change: bool
    ) -> None:
        # Through the service, so the change is validated and audited.
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        services.bot_settings_update(user=obj.user, **values)


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    """Only the prefix identifies a key; the hash stays out of every page."""

    fields = (
        "user",
        "name",
        "prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    readonly_fields = fields
    list_display = (
        "name",
        "prefix",
        "user",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    actions = ("revoke",)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.change_apikey")

    @admin.action(description="Revoke selected API keys", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        keys = list(queryset.filter(revoked_at__isnull=True).select_related("user"))
        for api_key in keys:
            services.api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {len(keys)} API key(s).", messages.SUCCESS)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    """Append-only: a database trigger refuses UPDATE and DELETE."""

    list_display = (
        "created_at",
        "action",
        "user",
        "object_type",
        "object_id",
        "message",
        "ip_address",
        "api_key_prefix",
        "request_id",
    )
    list_filter = ("action", ("user", admin.RelatedOnlyFieldListFilter))
    search_fields = (
        "message",
        "object_type",
        "object_id",
        "request_id",
        "api_key_prefix",
        "user__username",
    )
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    show_full_result_count = False
