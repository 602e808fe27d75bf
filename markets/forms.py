from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django import forms

from markets.history import DEFAULT_INTERVAL, PriceInterval
from markets.models import MarketStatus
from markets.querysets import SEARCH_MAX_LENGTH
from markets.selectors import MarketFilters, MarketSort, SortOrder

# A text box, not type=number: a bad value from a shared link stays visible
# next to its error instead of being blanked by the browser.
_AMOUNT = forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0"})
NEG_RISK_CHOICES = [("", "Any"), ("yes", "Neg-risk only"), ("no", "Not neg-risk")]


class MarketFilterForm(forms.Form):
    """The market list's query string. Every field is optional; a field with
    a bad value shows its error and is left out of the filters, so a shared
    link with one typo still lists markets."""

    search = forms.CharField(
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Search markets…",
                "autocomplete": "off",
                "spellcheck": "false",
                "aria-label": "Search markets",
            }
        ),
    )
    category = forms.CharField(
        required=False,
        max_length=100,
        label="Category or tag",
        widget=forms.TextInput(
            attrs={"list": "market-categories", "placeholder": "Any"}
        ),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *MarketStatus.choices]
    )
    min_liquidity = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        label="Min liquidity",
        widget=_AMOUNT,
    )
    min_volume = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        label="Min volume",
        widget=_AMOUNT,
    )
    end_after = forms.DateField(
        required=False,
        label="Ends on or after",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end_before = forms.DateField(
        required=False,
        label="Ends before",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    neg_risk = forms.ChoiceField(
        required=False, choices=NEG_RISK_CHOICES, label="Neg-risk"
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[("", MarketSort.RELEVANCE.label), *MarketSort.choices[1:]],
        label="Sort by",
    )
    order = forms.ChoiceField(
        required=False,
        choices=[("", "Default order"), *SortOrder.choices],
    )

    def filters(self) -> MarketFilters:
        """The valid fields as filters; call after ``is_valid()``."""
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        neg_risk = data.get("neg_risk")
        return MarketFilters(
            search=data.get("search") or "",
            category=(data.get("category") or "").strip(),
            status=data.get("status") or "",
            min_liquidity=data.get("min_liquidity"),
            min_volume=data.get("min_volume"),
            end_before=_start_of_day(data.get("end_before")),
            end_after=_start_of_day(data.get("end_after")),
            neg_risk={"yes": True, "no": False}.get(neg_risk) if neg_risk else None,
            sort=data.get("sort") or "",
            order=data.get("order") or "",
        )


class PriceIntervalForm(forms.Form):
    """``?interval=`` of a price chart. Anything unknown draws the default
    interval rather than an error: the chart is a view, not a command."""

    interval = forms.ChoiceField(required=False, choices=PriceInterval.choices)

    def interval_value(self) -> str:
        if not self.is_valid():
            return DEFAULT_INTERVAL
        return str(self.cleaned_data["interval"] or DEFAULT_INTERVAL)


class SyncStatusForm(forms.Form):
    """``?queued=`` of the sync strip's polling: the unix time at which this
    page queued a full sync, so the strip can say it is waiting for one."""

    queued = forms.IntegerField(required=False, min_value=0, max_value=2**32)

    def queued_at(self) -> datetime | None:
        if not self.is_valid() or self.cleaned_data["queued"] is None:
            return None
        return datetime.fromtimestamp(self.cleaned_data["queued"], tz=UTC)


def _start_of_day(day: date | None) -> datetime | None:
    # End dates are compared in UTC, as the venue states them.
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None
