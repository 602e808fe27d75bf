"""Data API: positions, trades, activity and value of a wallet
(``data-api.polymarket.com``, no auth).

The v2 routes (``/v2/...``, snake_case rows, opaque ``cursor`` paging) are
used first, as the venue asks of new integrations. A host without them
(404 — an older deployment, or a fake venue that only speaks v1) is asked the
v1 route instead (camelCase rows, ``limit``/``offset`` paging); both shapes
parse into the same models.

Must not move money. Sync; async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from polybot.polymarket.config import VenueConfig
from polybot.polymarket.errors import RejectCode, RejectedError
from polybot.polymarket.http import HttpClient
from polybot.polymarket.models import (
    DataActivity,
    DataPosition,
    DataTrade,
    DataValue,
    Side,
)
from polybot.polymarket.ratelimit import DATA_GENERAL, DATA_POSITIONS, DATA_TRADES
from polybot.polymarket.rest_parsing import (
    parse_data_activity,
    parse_data_page,
    parse_data_position,
    parse_data_trade,
    parse_data_value,
)

_T = TypeVar("_T")

V2_PAGE_SIZE = 500
# v1 caps limit at 500 on /trades and /activity (API.md §7).
V1_PAGE_SIZE = 500
# v1 offset paging stops being served past this (10,000 for positions,
# 1,000 for trades/activity since 2025-08-26); v2 has no such cap.
V1_MAX_OFFSET = 10_000


def _csv(values: Sequence[str] | None) -> str | None:
    return ",".join(values) if values else None


def _unix(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


class DataApiClient:
    """Read-only Data API client. Raises the ``errors`` family."""

    def __init__(
        self,
        config: VenueConfig,
        *,
        http: HttpClient | None = None,
        page_size: int = V2_PAGE_SIZE,
    ) -> None:
        self.http = http or HttpClient(config.data_url, config)
        self.page_size = page_size

    def positions(
        self,
        user: str,
        *,
        condition_ids: Sequence[str] | None = None,
        status: str | None = None,
        event_id: str | None = None,
        include_archived: bool | None = None,
    ) -> Iterator[DataPosition]:
        """Every position of ``user`` (a proxy/deposit wallet or EOA address).

        ``status`` (v2 only): OPEN, REDEEMABLE, REDEEMABLE_LOST, MERGEABLE or
        CLOSED. ``condition_ids``: at most 20 on v2."""
        v2 = {
            "user": user,
            "condition": _csv(condition_ids),
            "status": status,
            "event_id": event_id,
            "include_archived": include_archived,
        }
        v1 = {"user": user, "market": _csv(condition_ids), "eventId": event_id}
        return self._rows(
            "/v2/positions", v2, "/positions", v1, DATA_POSITIONS, parse_data_position
        )

    def trades(
        self,
        user: str,
        *,
        condition_ids: Sequence[str] | None = None,
        side: Side | None = None,
        taker_only: bool | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Iterator[DataTrade]:
        """Trades of ``user``. Note the venue's default ``taker_only=true``:
        pass ``taker_only=False`` to include fills of resting (maker) orders."""
        v2 = {
            "user": user,
            "condition": _csv(condition_ids),
            "side": side.value if side else None,
            "taker_only": taker_only,
            "start": _unix(start),
            "end": _unix(end),
        }
        v1 = {
            "user": user,
            "market": _csv(condition_ids),
            "side": side.value if side else None,
            "takerOnly": taker_only,
        }
        return self._rows(
            "/v2/trades", v2, "/trades", v1, DATA_TRADES, parse_data_trade
        )

    def activity(
        self,
        user: str,
        *,
        condition_ids: Sequence[str] | None = None,
        types: Sequence[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Iterator[DataActivity]:
        """On-chain activity of ``user``: TRADE, SPLIT, MERGE, REDEEM, REWARD,
        CONVERSION (``types`` filters)."""
        common = {
            "user": user,
            "type": _csv(types),
            "start": _unix(start),
            "end": _unix(end),
        }
        v2 = {**common, "condition": _csv(condition_ids)}
        v1 = {**common, "market": _csv(condition_ids)}
        return self._rows(
            "/v2/activity", v2, "/activity", v1, DATA_GENERAL, parse_data_activity
        )

    def value(
        self, user: str, *, condition_ids: Sequence[str] | None = None
    ) -> DataValue:
        """Current value of ``user``'s positions in pUSD."""
        try:
            payload = self.http.get(
                "/v2/value",
                family=DATA_GENERAL,
                params={"user": user, "condition": _csv(condition_ids)},
            )
        except RejectedError as exc:
            if exc.code is not RejectCode.NOT_FOUND:
                raise
            payload = self.http.get(
                "/value",
                family=DATA_GENERAL,
                params={"user": user, "market": _csv(condition_ids)},
            )
        return parse_data_value(payload, user)

    # --- paging ---------------------------------------------------------------------

    def _rows(
        self,
        v2_path: str,
        v2_params: dict[str, Any],
        v1_path: str,
        v1_params: dict[str, Any],
        family: str,
        parse: Callable[[object], _T],
    ) -> Iterator[_T]:
        try:
            first = self.http.get(
                v2_path, family=family, params={**v2_params, "limit": self.page_size}
            )
        except RejectedError as exc:
            if exc.code is not RejectCode.NOT_FOUND:
                raise
            yield from self._v1_rows(v1_path, v1_params, family, parse)
            return
        yield from self._v2_rows(first, v2_path, v2_params, family, parse)

    def _v2_rows(
        self,
        payload: object,
        path: str,
        params: dict[str, Any],
        family: str,
        parse: Callable[[object], _T],
    ) -> Iterator[_T]:
        seen: set[str] = set()
        while True:
            rows, cursor = parse_data_page(payload)
            for row in rows:
                yield parse(row)
            # The cursor is opaque; the same filters go with every page.
            if cursor is None or cursor in seen or not rows:
                return
            seen.add(cursor)
            payload = self.http.get(
                path,
                family=family,
                params={**params, "limit": self.page_size, "cursor": cursor},
            )

    def _v1_rows(
        self,
        path: str,
        params: dict[str, Any],
        family: str,
        parse: Callable[[object], _T],
    ) -> Iterator[_T]:
        offset = 0
        while offset <= V1_MAX_OFFSET:
            payload = self.http.get(
                path,
                family=family,
                params={**params, "limit": V1_PAGE_SIZE, "offset": offset},
            )
            rows, _ = parse_data_page(payload)
            for row in rows:
                yield parse(row)
            if len(rows) < V1_PAGE_SIZE:
                return
            offset += len(rows)
