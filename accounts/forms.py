from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from accounts.models import BotSettings, SignatureType
from polybot.lib.types import TradingMode

_MONEY_FIELDS = (
    "max_bet_amount",
    "max_daily_loss",
    "max_position_per_market",
    "paper_starting_balance",
)
_CENT = Decimal("0.01")


def _display_money(value: Decimal) -> Decimal:
    """At least two places, more only when they carry a value: 100 -> 100.00,
    0.125 -> 0.125."""
    normal = value.normalize()
    return normal.quantize(_CENT) if normal.as_tuple().exponent > -2 else normal  # type: ignore[operator]


class BotSettingsForm(forms.ModelForm):
    class Meta:
        model = BotSettings
        fields = [
            "max_bet_amount",
            "max_daily_loss",
            "max_open_positions",
            "max_position_per_market",
            "risk_level",
            "paper_starting_balance",
            "auto_trade_enabled",
        ]
        help_texts = {
            "max_bet_amount": "Largest notional (pUSD) a single order may have.",
            "max_daily_loss": "Trading halts when the day's loss (since 00:00 UTC) exceeds this.",
            "max_open_positions": "New positions are refused beyond this many.",
            "max_position_per_market": "Most that may be held in one market, at cost, open buys included (pUSD).",
            "paper_starting_balance": "Cash a paper account starts with (applies on the next reset).",
            "auto_trade_enabled": "Let running strategies place orders.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Money is stored with 6 places; show "100.00", not "100.000000".
        for name in _MONEY_FIELDS:
            value = self.initial.get(name)
            if isinstance(value, Decimal):
                self.initial[name] = _display_money(value)

    def clean_max_bet_amount(self) -> Decimal:
        value: Decimal = self.cleaned_data["max_bet_amount"]
        if value <= 0:
            raise forms.ValidationError("Must be greater than zero.")
        return value


class TradingModeForm(forms.Form):
    trading_mode = forms.ChoiceField(
        choices=TradingMode.choices, widget=forms.RadioSelect
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=80, required=False)


# What each signature type means for the person connecting (API.md §4.1).
SIGNATURE_TYPE_HELP = {
    SignatureType.EOA: (
        "A plain wallet (MetaMask, a hardware or bot key) that holds its own "
        "pUSD and pays gas for its approvals. No funder."
    ),
    SignatureType.POLY_PROXY: (
        "A polymarket.com account opened with email (Magic). The funds sit in "
        "its proxy wallet, the funder; the key is the one exported from "
        "Polymarket, which owns the proxy."
    ),
    SignatureType.POLY_GNOSIS_SAFE: (
        "A polymarket.com account opened with a browser wallet. The funds sit "
        "in a Gnosis Safe, the funder; the key is the browser wallet's, which "
        "owns the Safe."
    ),
    SignatureType.DEPOSIT_WALLET: (
        "Polymarket's deposit wallet (recommended for new API users). The funds "
        "sit in the deposit wallet, the funder; the key is the one that owns it."
    ),
}


class WalletConnectForm(forms.Form):
    """The fields of ``accounts.wallets.wallet_connect``; the service checks
    them (the same rules serve the API), errors come back by field."""

    address = forms.CharField(
        label="Signer address",
        max_length=42,
        help_text=(
            "The address of the private key below, for every signature type. "
            "For type 0 it also holds the funds."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "0x…"}
        ),
    )
    signature_type = forms.TypedChoiceField(
        label="Signature type",
        coerce=int,
        choices=SignatureType.choices,
        initial=SignatureType.EOA,
        widget=forms.RadioSelect,
    )
    funder = forms.CharField(
        label="Funder address",
        max_length=42,
        required=False,
        help_text=(
            "Types 1–3 only: the proxy, Safe or deposit wallet that holds the "
            "pUSD (your deposit address on polymarket.com). Leave empty for type 0."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "0x…"}
        ),
    )
    # Never rendered back, not even after an error: the user pastes it again.
    private_key = forms.CharField(
        label="Private key",
        strip=True,
        max_length=66,
        help_text=(
            "Pasted once, stored encrypted, never shown again: only its "
            "fingerprint is. It must be the key of the signer address."
        ),
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "off", "spellcheck": "false"},
        ),
    )
    label = forms.CharField(label="Label", max_length=80, required=False)

    def signature_type_options(self) -> list[tuple[Any, str]]:
        """Each radio of the signature type with what that type means."""
        return [
            (radio, SIGNATURE_TYPE_HELP[SignatureType(int(radio.data["value"]))])
            for radio in self["signature_type"]
        ]

    def add_service_errors(self, details: dict[str, list[str]]) -> None:
        """Put the service's per-field errors next to their fields."""
        for field, messages in details.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
