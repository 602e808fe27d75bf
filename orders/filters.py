"""The query strings of the Orders and Fills pages, parsed by forms.

Every field is optional. A field with a bad value (a typo in a shared link)
shows its error and is left out of the filters, so the page still lists
something; the trading mode defaults to the user's current one. Dates are
whole UTC days: "from" includes its day, "to" includes its day too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.http import QueryDict

from accounts.models import User
from orders import selectors
from orders.models import (
    ACTIVE_ORDER_STATUSES,
    LiquidityRole,
    OrderStatus,
    SettlementStatus,
)
from orders.selectors import FillFilters, OrderFilters
from polybot.lib.types import Side, TradingMode

MODE_ALL = "all"
MODE_CHOICES = [*TradingMode.choices, (MODE_ALL, "All modes")]
PAGE_SIZES = (25, 50)
DATE_RANGE_REVERSED = "Must be on or after the “from” date."

# The status filter's groups: what can still trade, and what is done.
STATUS_ACTIVE = "active"
STATUS_DONE = "done"
DONE_ORDER_STATUSES = tuple(s for s in OrderStatus if s not in ACTIVE_ORDER_STATUSES)
STATUS_CHOICES = [
    ("", "Any status"),
    (
        "Groups",
        [(STATUS_ACTIVE, "Open (working)"), (STATUS_DONE, "Finished")],
    ),
    ("Status", OrderStatus.choices),
]
_STATUS_GROUPS = {
    STATUS_ACTIVE: ACTIVE_ORDER_STATUSES,
    STATUS_DONE: DONE_ORDER_STATUSES,
}

_QUESTION_CHARS = 80


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        required=False,
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _choice_label(text: str) -> str:
    return text if len(text) <= _QUESTION_CHARS else text[: _QUESTION_CHARS - 1] + "…"


class _LedgerFilterForm(forms.Form):
    """What both pages share: mode, a date range, a market and the page size."""

    # The fields the page folds under "More filters".
    more_fields: tuple[str, ...] = ("side", "date_from", "date_to", "per_page")

    market = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    side = forms.ChoiceField(required=False, choices=[("", "Any side"), *Side.choices])
    date_from = _date_field("From (UTC)")
    date_to = _date_field("To (UTC)")
    mode = forms.ChoiceField(required=False, choices=MODE_CHOICES, label="Mode")
    per_page = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=PAGE_SIZES[0],
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
        label="Per page",
    )

    def __init__(
        self,
        data: QueryDict,
        *,
        user: User,
        markets: list[tuple[int, str]],
    ) -> None:
        # Without a mode in the address the page shows the user's current
        # one, and the select says so.
        if not data.get("mode"):
            data = data.copy()
            data["mode"] = user.trading_mode
        super().__init__(data)
        self.default_mode = user.trading_mode
        cast(forms.ChoiceField, self.fields["market"]).choices = [
            ("", "Any market"),
            *((str(pk), _choice_label(question)) for pk, question in markets),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", DATE_RANGE_REVERSED)
        return data

    # Call the accessors below after ``is_valid()``: they read the valid
    # fields only.

    @property
    def _data(self) -> dict[str, Any]:
        return getattr(self, "cleaned_data", {})

    def mode_value(self) -> str | None:
        """The mode to list, or None for both; a bad value (its error is
        shown) lists the user's current mode."""
        mode = self._data.get("mode") or self.default_mode
        return None if mode == MODE_ALL else str(mode)

    def page_size(self) -> int:
        return int(self._data.get("per_page") or PAGE_SIZES[0])

    def day_range(self) -> tuple[datetime | None, datetime | None]:
        return _start_of_day(self._data.get("date_from")), _day_after(
            self._data.get("date_to")
        )

    def more_filters_used(self) -> bool:
        """Whether a field folded under "More filters" is set or wrong: the
        fold then opens, so nothing that narrows the list is hidden."""
        return any(
            self[name].errors or self.data.get(name) for name in self.more_fields
        )

    def is_narrowed(self) -> bool:
        """Whether anything beyond mode and page size narrows the list."""
        ignored = {"mode", "per_page"}
        return any(
            value not in (None, "")
            for key, value in self._data.items()
            if key not in ignored
        )

    def ignored(self) -> list[tuple[str, list[str]]]:
        """(label, errors) of the fields left out of the filters."""
        return [
            (str(field.label), list(field.errors)) for field in self if field.errors
        ]


class OrderFilterForm(_LedgerFilterForm):
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)
    strategy = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    more_fields = ("side", "strategy", "date_from", "date_to", "per_page")

    field_order = [
        "status",
        "market",
        "side",
        "strategy",
        "date_from",
        "date_to",
        "mode",
        "per_page",
    ]

    def __init__(self, data: QueryDict, *, user: User) -> None:
        markets = selectors.order_market_choices(
            user=user, include=_requested_market(data)
        )
        super().__init__(data, user=user, markets=markets)
        cast(forms.ChoiceField, self.fields["strategy"]).choices = [
            ("", "Any strategy"),
            *(
                (str(pk), name)
                for pk, name in selectors.order_strategy_choices(user=user)
            ),
        ]

    def filters(self) -> OrderFilters:
        data = self._data
        status = data.get("status") or ""
        created_from, created_to = self.day_range()
        return OrderFilters(
            status=status if status in OrderStatus.values else None,
            statuses=tuple(_STATUS_GROUPS.get(status, ())),
            market_id=data.get("market"),
            strategy_id=data.get("strategy"),
            side=data.get("side") or None,
            created_from=created_from,
            created_to=created_to,
            mode=self.mode_value(),
        )


class FillFilterForm(_LedgerFilterForm):
    settlement = forms.ChoiceField(
        required=False,
        choices=[("", "Any settlement"), *SettlementStatus.choices],
        label="Settlement",
    )
    role = forms.ChoiceField(
        required=False, choices=[("", "Maker or taker"), *LiquidityRole.choices]
    )

    more_fields = ("side", "role", "date_from", "date_to", "per_page")

    field_order = [
        "market",
        "side",
        "settlement",
        "role",
        "date_from",
        "date_to",
        "mode",
        "per_page",
    ]

    def __init__(self, data: QueryDict, *, user: User) -> None:
        markets = selectors.fill_market_choices(
            user=user, include=_requested_market(data)
        )
        super().__init__(data, user=user, markets=markets)

    def filters(self) -> FillFilters:
        data = self._data
        matched_from, matched_to = self.day_range()
        return FillFilters(
            mode=self.mode_value(),
            market_id=data.get("market"),
            side=data.get("side") or None,
            settlement_status=data.get("settlement") or None,
            role=data.get("role") or None,
            matched_from=matched_from,
            matched_to=matched_to,
        )


def _requested_market(data: QueryDict) -> int | None:
    return parse_row_id(data.get("market", ""))


def parse_row_id(raw: str) -> int | None:
    """A row id typed in an address or a form, or None when it cannot be one.
    ASCII digits only (``"²".isdigit()`` is true but ``int("²")`` raises),
    and short enough for an integer column."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _start_of_day(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


def _day_after(day: date | None) -> datetime | None:
    # "To" includes its whole day: the filter is "before the next midnight"
    # (and the last day there is has no end).
    if day is None or day == date.max:
        return None
    return _start_of_day(day + timedelta(days=1))
