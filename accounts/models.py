"""The operator: users, wallets, encrypted venue credentials, bot settings,
API keys and the audit log."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from polybot.lib.money import MONEY_DIGITS, MONEY_PLACES
from polybot.lib.types import TradingMode

ADDRESS_REGEX = r"^0x[0-9a-fA-F]{40}$"


class User(AbstractUser):
    display_name = models.CharField(max_length=80, blank=True)
    wallet_address = models.CharField(max_length=42, blank=True, default="")
    trading_mode = models.CharField(
        max_length=5, choices=TradingMode.choices, default=TradingMode.PAPER
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(trading_mode__in=TradingMode.values),
                name="user_trading_mode_valid",
            ),
            models.CheckConstraint(
                condition=Q(wallet_address="") | Q(wallet_address__regex=ADDRESS_REGEX),
                name="user_wallet_address_format",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_live(self) -> bool:
        return self.trading_mode == TradingMode.LIVE


class SignatureType(models.IntegerChoices):
    """How orders are signed (API.md §4.1)."""

    EOA = 0, "EOA (the key holds the funds)"
    POLY_PROXY = 1, "Polymarket proxy (email / Magic wallet)"
    POLY_GNOSIS_SAFE = 2, "Gnosis Safe (browser wallet)"
    DEPOSIT_WALLET = 3, "Deposit wallet"


class Wallet(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallets"
    )
    label = models.CharField(max_length=80, blank=True)
    address = models.CharField(max_length=42)
    chain_id = models.PositiveIntegerField(default=137)
    signature_type = models.PositiveSmallIntegerField(
        choices=SignatureType.choices, default=SignatureType.EOA
    )
    # The address that holds the funds when it is not the signer (types 1-3).
    funder = models.CharField(max_length=42, blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "address"], name="wallet_unique_per_user"
            ),
            models.CheckConstraint(
                condition=Q(address__regex=ADDRESS_REGEX), name="wallet_address_format"
            ),
            models.CheckConstraint(
                condition=Q(funder="") | Q(funder__regex=ADDRESS_REGEX),
                name="wallet_funder_format",
            ),
            models.CheckConstraint(
                condition=Q(signature_type__gte=0, signature_type__lte=3),
                name="wallet_signature_type_valid",
            ),
            # Polygon mainnet, or Amoy for staging.
            models.CheckConstraint(
                condition=Q(chain_id__in=[137, 80002]), name="wallet_chain_id_valid"
            ),
            # Proxy, Safe and deposit wallets sign for another address.
            models.CheckConstraint(
                condition=Q(signature_type=0) | ~Q(funder=""),
                name="wallet_funder_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address[:6]}…{self.address[-4:]}"


class VenueCredential(models.Model):
    """A wallet's secrets, AES-256-GCM encrypted (polybot.lib.crypto).

    Fields ending in ``_encrypted`` hold ciphertext tokens only; nothing here
    ever stores or returns plaintext. Decrypt through ``accounts.services``.
    """

    wallet = models.OneToOneField(
        Wallet, on_delete=models.CASCADE, related_name="credential"
    )
    key_id = models.CharField(max_length=32)
    private_key_encrypted = models.TextField(blank=True, default="")
    api_key_encrypted = models.TextField(blank=True, default="")
    api_secret_encrypted = models.TextField(blank=True, default="")
    api_passphrase_encrypted = models.TextField(blank=True, default="")
    # Safe to display: a hash prefix, so the user can tell keys apart.
    private_key_fingerprint = models.CharField(max_length=16, blank=True, default="")
    api_key_fingerprint = models.CharField(max_length=16, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"credentials for {self.wallet}"

    @property
    def has_private_key(self) -> bool:
        return bool(self.private_key_encrypted)

    @property
    def has_api_credentials(self) -> bool:
        return bool(
            self.api_key_encrypted
            and self.api_secret_encrypted
            and self.api_passphrase_encrypted
        )


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


def _money_field(default: str, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=Decimal(default),
        validators=[MinValueValidator(Decimal("0"))], **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


class BotSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bot_settings"
    )
    max_bet_amount = _money_field("100")
    auto_trade_enabled = models.BooleanField(default=False)
    risk_level = models.CharField(
        max_length=6, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    max_daily_loss = _money_field("200")
    max_open_positions = models.PositiveIntegerField(default=20)
    # Cost of what may be held in one market (all its outcomes together).
    max_position_per_market = _money_field("500")
    paper_starting_balance = _money_field("1000")
    # Kill switch / daily-loss halt: set by the risk engine, cleared by re-arming.
    trading_halted = models.BooleanField(default=False)
    halt_reason = models.CharField(max_length=32, blank=True, default="")
    halted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "bot settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(max_bet_amount__gt=0), name="botsettings_max_bet_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_daily_loss__gte=0),
                name="botsettings_max_daily_loss_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(paper_starting_balance__gte=0),
                name="botsettings_paper_balance_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(risk_level__in=RiskLevel.values),
                name="botsettings_risk_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"settings of {self.user}"


class ApiKeyScope(models.TextChoices):
    READ = "read", "Read"
    TRADE = "trade", "Trade"


class ApiKey(models.Model):
    """A named, revocable API key. Only a SHA-256 hash is kept; the key itself
    is shown once at creation. ``prefix`` identifies it in lists and logs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, unique=True)
    hashed_key = models.CharField(max_length=64, unique=True)
    scopes = ArrayField(
        models.CharField(max_length=8, choices=ApiKeyScope.choices), default=list
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=Q(scopes__contained_by=ApiKeyScope.values),
                name="apikey_scopes_valid",
            ),
            models.CheckConstraint(
                condition=Q(hashed_key__regex=r"^[0-9a-f]{64}$"),
                name="apikey_hash_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class AuditAction(models.TextChoices):
    LOGIN = "login", "Login"
    LOGIN_FAILED = "login_failed", "Login failed"
    LOGOUT = "logout", "Logout"
    SETTINGS_CHANGE = "settings_change", "Settings change"
    MODE_CHANGE = "mode_change", "Trading mode change"
    CREDENTIAL_CHANGE = "credential_change", "Credential change"
    API_KEY_CREATE = "api_key_create", "API key created"
    API_KEY_REVOKE = "api_key_revoke", "API key revoked"
    ORDER_PLACE = "order_place", "Order placed"
    ORDER_REJECT = "order_reject", "Order rejected"
    ORDER_CANCEL = "order_cancel", "Order cancelled"
    FILL = "fill", "Fill"
    KILL_SWITCH = "kill_switch", "Kill switch"
    TRADING_HALT = "trading_halt", "Trading halted"
    REARM = "rearm", "Trading re-armed"
    RECONCILE = "reconcile", "Reconciliation correction"
    STRATEGY_CHANGE = "strategy_change", "Strategy change"
    BOT_START = "bot_start", "Bot start"
    BOT_STOP = "bot_stop", "Bot stop"


class AuditLog(models.Model):
    """Append-only history. A database trigger (migration 0002) refuses
    UPDATE and DELETE, so not even a bug or the admin can rewrite it."""

    # PROTECT: history outlives nothing it describes; deactivate users instead.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    api_key_prefix = models.CharField(max_length=12, blank=True, default="")
    message = models.CharField(max_length=255, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="auditlog_user_recent")
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"
