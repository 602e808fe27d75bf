from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from accounts.models import BotSettings
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
