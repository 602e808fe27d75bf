"""Public CLOB reads (``clob.polymarket.com``, no auth): books, prices,
history and the per-market parameters that signing needs.

Tick size and neg-risk are fetched fresh on every call and never cached
here: the tick changes intraday when a price passes 0.96 or 0.04 (API.md
§5.1), and a stale tick gets orders rejected. Callers that want a cache keep
it next to the WebSocket ``tick_size_change`` events that invalidate it.

Must not move money. Sync; async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Literal

from polybot.polymarket.config import VenueConfig
from polybot.polymarket.errors import PolymarketParseError
from polybot.polymarket.http import HttpClient
from polybot.polymarket.models import (
    BookSnapshot,
    ClobMarketInfo,
    LastTradePrice,
    PricePoint,
    Side,
)
from polybot.polymarket.parsing import parse_book_snapshot
from polybot.polymarket.ratelimit import (
    CLOB_BOOK,
    CLOB_BOOKS,
    CLOB_GENERAL,
    CLOB_MIDPOINT,
    CLOB_MIDPOINTS,
    CLOB_OK,
    CLOB_PRICE,
    CLOB_PRICES,
    CLOB_PRICES_HISTORY,
    CLOB_TICK_SIZE,
)
from polybot.polymarket.rest_parsing import (
    parse_clob_market_info,
    parse_fee_rate,
    parse_last_trade_price,
    parse_last_trades_prices,
    parse_neg_risk,
    parse_price_history,
    parse_prices,
    parse_server_time,
    parse_single_number,
    parse_tick_size,
    parse_token_numbers,
    parse_version,
)

Interval = Literal["1h", "6h", "1d", "1w", "max"]


def _token_params(token_ids: Sequence[str]) -> list[dict[str, str]]:
    return [{"token_id": token_id} for token_id in token_ids]


class ClobPublicClient:
    """Unauthenticated CLOB market data. Raises the ``errors`` family; a
    missing book is ``RejectedError(code=NOT_FOUND)`` (the venue 404s)."""

    def __init__(self, config: VenueConfig, *, http: HttpClient | None = None) -> None:
        self.http = http or HttpClient(config.clob_url, config)

    # --- books ----------------------------------------------------------------------

    def book(self, token_id: str) -> BookSnapshot:
        payload = self.http.get(
            "/book", family=CLOB_BOOK, params={"token_id": token_id}
        )
        return parse_book_snapshot(payload)

    def books(self, token_ids: Sequence[str]) -> list[BookSnapshot]:
        """Several books in one ``POST /books``; order as the venue returns."""
        if not token_ids:
            return []
        payload = self.http.post_read(
            "/books", family=CLOB_BOOKS, json=_token_params(token_ids)
        )
        if not isinstance(payload, list):
            raise PolymarketParseError("/books: expected a list")
        return [parse_book_snapshot(row) for row in payload]

    # --- prices ---------------------------------------------------------------------

    def price(self, token_id: str, side: Side) -> Decimal | None:
        """Best price a ``side`` order would get (``GET /price``)."""
        payload = self.http.get(
            "/price",
            family=CLOB_PRICE,
            params={"token_id": token_id, "side": Side(side).value},
        )
        return parse_single_number(payload, "price")

    def prices(
        self, requests: Sequence[tuple[str, Side]]
    ) -> dict[str, dict[Side, Decimal]]:
        """``POST /prices`` for (token, side) pairs → ``{token: {side: price}}``."""
        if not requests:
            return {}
        body = [
            {"token_id": token_id, "side": Side(side).value}
            for token_id, side in requests
        ]
        payload = self.http.post_read("/prices", family=CLOB_PRICES, json=body)
        return parse_prices(payload)

    def midpoint(self, token_id: str) -> Decimal | None:
        payload = self.http.get(
            "/midpoint", family=CLOB_MIDPOINT, params={"token_id": token_id}
        )
        return parse_single_number(payload, "mid")

    def midpoints(self, token_ids: Sequence[str]) -> dict[str, Decimal]:
        if not token_ids:
            return {}
        payload = self.http.post_read(
            "/midpoints", family=CLOB_MIDPOINTS, json=_token_params(token_ids)
        )
        return parse_token_numbers(payload)

    def spread(self, token_id: str) -> Decimal | None:
        payload = self.http.get(
            "/spread", family=CLOB_GENERAL, params={"token_id": token_id}
        )
        return parse_single_number(payload, "spread")

    def spreads(self, token_ids: Sequence[str]) -> dict[str, Decimal]:
        if not token_ids:
            return {}
        payload = self.http.post_read(
            "/spreads", family=CLOB_GENERAL, json=_token_params(token_ids)
        )
        # The docs show {"spreads": {...}}; the SDKs read a bare map. Take both.
        return parse_token_numbers(payload, nested="spreads")

    def last_trade_price(self, token_id: str) -> LastTradePrice:
        payload = self.http.get(
            "/last-trade-price", family=CLOB_GENERAL, params={"token_id": token_id}
        )
        return parse_last_trade_price(payload, token_id)

    def last_trade_prices(self, token_ids: Sequence[str]) -> list[LastTradePrice]:
        if not token_ids:
            return []
        payload = self.http.post_read(
            "/last-trades-prices", family=CLOB_GENERAL, json=_token_params(token_ids)
        )
        return parse_last_trades_prices(payload)

    def prices_history(
        self,
        token_id: str,
        *,
        interval: Interval | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        fidelity: int | None = None,
    ) -> list[PricePoint]:
        """``GET /prices-history``: either an ``interval`` or both ``start`` and
        ``end``; ``fidelity`` is the bucket width in minutes."""
        if interval is None and (start is None or end is None):
            raise ValueError("prices_history needs an interval or both start and end")
        params = {
            "market": token_id,
            "interval": interval,
            "startTs": int(start.timestamp()) if start is not None else None,
            "endTs": int(end.timestamp()) if end is not None else None,
            "fidelity": fidelity,
        }
        payload = self.http.get(
            "/prices-history", family=CLOB_PRICES_HISTORY, params=params
        )
        return parse_price_history(payload)

    # --- market parameters ----------------------------------------------------------

    def tick_size(self, token_id: str) -> Decimal:
        payload = self.http.get(
            "/tick-size", family=CLOB_TICK_SIZE, params={"token_id": token_id}
        )
        return parse_tick_size(payload)

    def neg_risk(self, token_id: str) -> bool:
        payload = self.http.get(
            "/neg-risk", family=CLOB_GENERAL, params={"token_id": token_id}
        )
        return parse_neg_risk(payload)

    def fee_rate(self, token_id: str) -> int:
        """The market's base fee in bps (``GET /fee-rate``)."""
        payload = self.http.get(
            "/fee-rate", family=CLOB_GENERAL, params={"token_id": token_id}
        )
        return parse_fee_rate(payload)

    def clob_market(self, condition_id: str) -> ClobMarketInfo:
        """Tokens, tick, min size, neg-risk and fee curve of one market, in
        one request (``GET /clob-markets/{condition_id}``)."""
        payload = self.http.get(f"/clob-markets/{condition_id}", family=CLOB_GENERAL)
        return parse_clob_market_info(payload, condition_id)

    # --- service --------------------------------------------------------------------

    def server_time(self) -> datetime:
        return parse_server_time(self.http.get("/time", family=CLOB_GENERAL))

    def ok(self) -> bool:
        """True when ``GET /ok`` answers 2xx (raises after retries otherwise)."""
        self.http.get("/ok", family=CLOB_OK)
        return True

    def version(self) -> int:
        """The CLOB's order version (2 since 2026-04-28)."""
        return parse_version(self.http.get("/version", family=CLOB_GENERAL))
