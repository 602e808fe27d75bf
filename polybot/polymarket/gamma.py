"""Gamma: markets and events metadata (``gamma-api.polymarket.com``, no auth).

The iterators fetch page after page lazily until the venue runs out, so a
caller may stop early without paying for the rest. ``/markets`` and
``/events`` use offset paging (capped by the venue around offset 10,000);
``markets_keyset`` walks ``/markets/keyset`` with ``after_cursor`` and has
no such cap, so prefer it for full syncs.

Note: ``/markets`` applies an implicit ``closed=false`` when ``closed`` is
not sent (API.md §6). A filter left at ``None`` is not sent, so pass
``closed=True`` to see closed markets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict, TypeVar, Unpack

from polybot.polymarket.config import VenueConfig
from polybot.polymarket.errors import RejectCode, RejectedError
from polybot.polymarket.http import HttpClient
from polybot.polymarket.models import GammaEvent, GammaMarket
from polybot.polymarket.ratelimit import GAMMA_EVENTS, GAMMA_MARKETS
from polybot.polymarket.rest_parsing import (
    parse_gamma_event,
    parse_gamma_keyset,
    parse_gamma_list,
    parse_gamma_market,
)

DEFAULT_PAGE_SIZE = 100
_T = TypeVar("_T")


class MarketFilters(TypedDict, total=False):
    """The documented ``/markets`` filters (API.md §6); every one optional."""

    active: bool | None
    closed: bool | None
    archived: bool | None
    tag_id: int | str | None
    slugs: Sequence[str] | None
    ids: Sequence[int | str] | None
    condition_ids: Sequence[str] | None
    clob_token_ids: Sequence[str] | None
    end_date_min: datetime | None
    end_date_max: datetime | None
    liquidity_num_min: Decimal | float | None
    volume_num_min: Decimal | float | None
    order: str | None
    ascending: bool | None


def _market_filters(
    *,
    active: bool | None = None,
    closed: bool | None = None,
    archived: bool | None = None,
    tag_id: int | str | None = None,
    slugs: Sequence[str] | None = None,
    ids: Sequence[int | str] | None = None,
    condition_ids: Sequence[str] | None = None,
    clob_token_ids: Sequence[str] | None = None,
    end_date_min: datetime | None = None,
    end_date_max: datetime | None = None,
    liquidity_num_min: Decimal | float | None = None,
    volume_num_min: Decimal | float | None = None,
    order: str | None = None,
    ascending: bool | None = None,
) -> dict[str, Any]:
    # Lists are sent as repeated parameters (?id=1&id=2), as the venue expects.
    return {
        "active": active,
        "closed": closed,
        "archived": archived,
        "tag_id": tag_id,
        "slug": list(slugs) if slugs else None,
        "id": list(ids) if ids else None,
        "condition_ids": list(condition_ids) if condition_ids else None,
        "clob_token_ids": list(clob_token_ids) if clob_token_ids else None,
        "end_date_min": end_date_min,
        "end_date_max": end_date_max,
        "liquidity_num_min": liquidity_num_min,
        "volume_num_min": volume_num_min,
        "order": order,
        "ascending": ascending,
    }


class GammaClient:
    """Read-only Gamma client; must not move money. Sync; async callers use
    ``asyncio.to_thread``. Raises the ``errors`` family (``RetryableError``
    after retries, ``PolymarketParseError`` on an unexpected shape)."""

    def __init__(
        self,
        config: VenueConfig,
        *,
        http: HttpClient | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        if page_size <= 0:
            raise ValueError("page_size must be positive")
        self.http = http or HttpClient(config.gamma_url, config)
        self.page_size = page_size

    # --- markets ------------------------------------------------------------------

    def markets(self, **filters: Unpack[MarketFilters]) -> Iterator[GammaMarket]:
        """Every market matching the filters, over all ``/markets`` pages.

        ``order`` is a comma-separated list of fields; use ``volumeNum`` not
        ``volume`` (the latter sorts the text column). An unknown filter name
        is a ``TypeError``."""
        params = _market_filters(**filters)
        for row in self._offset_pages("/markets", GAMMA_MARKETS, params):
            yield parse_gamma_market(row)

    def markets_keyset(
        self, *, after_cursor: str | None = None, **filters: Unpack[MarketFilters]
    ) -> Iterator[GammaMarket]:
        """Every market matching the filters, over ``/markets/keyset``
        (``after_cursor`` = the previous page's ``next_cursor``; no offset)."""
        params = _market_filters(**filters)
        cursor = after_cursor
        seen: set[str] = set()
        while True:
            payload = self.http.get(
                "/markets/keyset",
                family=GAMMA_MARKETS,
                params={**params, "limit": self.page_size, "after_cursor": cursor},
            )
            rows, cursor = parse_gamma_keyset(payload, "markets")
            for row in rows:
                yield parse_gamma_market(row)
            # A cursor seen before would loop forever; the venue never should.
            if not rows or cursor is None or cursor in seen:
                return
            seen.add(cursor)

    def market(self, market_id: int | str) -> GammaMarket | None:
        """One market by Gamma id; ``None`` if the venue has no such market."""
        return self._one(f"/markets/{market_id}", GAMMA_MARKETS, parse_gamma_market)

    def market_by_slug(self, slug: str) -> GammaMarket | None:
        return self._one(f"/markets/slug/{slug}", GAMMA_MARKETS, parse_gamma_market)

    # --- events -------------------------------------------------------------------

    def events(
        self,
        *,
        active: bool | None = None,
        closed: bool | None = None,
        archived: bool | None = None,
        tag_id: int | str | None = None,
        tag_slug: str | None = None,
        slugs: Sequence[str] | None = None,
        ids: Sequence[int | str] | None = None,
        featured: bool | None = None,
        end_date_min: datetime | None = None,
        end_date_max: datetime | None = None,
        liquidity_min: Decimal | float | None = None,
        volume_min: Decimal | float | None = None,
        order: str | None = None,
        ascending: bool | None = None,
    ) -> Iterator[GammaEvent]:
        """Every event matching the filters (with nested markets), over all
        ``/events`` pages."""
        params: dict[str, Any] = {
            "active": active,
            "closed": closed,
            "archived": archived,
            "tag_id": tag_id,
            "tag_slug": tag_slug,
            "slug": list(slugs) if slugs else None,
            "id": list(ids) if ids else None,
            "featured": featured,
            "end_date_min": end_date_min,
            "end_date_max": end_date_max,
            "liquidity_min": liquidity_min,
            "volume_min": volume_min,
            "order": order,
            "ascending": ascending,
        }
        for row in self._offset_pages("/events", GAMMA_EVENTS, params):
            yield parse_gamma_event(row)

    def event(self, event_id: int | str) -> GammaEvent | None:
        return self._one(f"/events/{event_id}", GAMMA_EVENTS, parse_gamma_event)

    def event_by_slug(self, slug: str) -> GammaEvent | None:
        return self._one(f"/events/slug/{slug}", GAMMA_EVENTS, parse_gamma_event)

    # --- internals ----------------------------------------------------------------

    def _offset_pages(
        self, path: str, family: str, params: dict[str, Any]
    ) -> Iterator[Any]:
        offset = 0
        while True:
            payload = self.http.get(
                path,
                family=family,
                params={**params, "limit": self.page_size, "offset": offset},
            )
            rows = parse_gamma_list(payload, path)
            yield from rows
            # A short (or empty) page is the last one. This is why page_size
            # must stay within the venue's own maximum ``limit``: a silently
            # capped page would look short and end the walk early.
            if len(rows) < self.page_size:
                return
            offset += len(rows)

    def _one(self, path: str, family: str, parse: Callable[[object], _T]) -> _T | None:
        try:
            payload = self.http.get(path, family=family)
        except RejectedError as exc:
            if exc.code is RejectCode.NOT_FOUND:
                return None
            raise
        if payload is None:
            return None
        return parse(payload)
