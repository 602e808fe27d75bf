"""Gamma API (API.md §6): ``/markets`` and ``/events`` with the common filters,
offset and keyset paging, single objects by id or slug, and ``/tags``.

Filters run on the JSON objects themselves, so a filter or ``order`` field
behaves exactly like the field the client reads (``order=volume`` sorts the
text column, as on the venue)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from polybot.sandbox.catalog_data import TAG_ALL, TAGS
from polybot.sandbox.errors import VenueError
from polybot.sandbox.gamma_payloads import event_json, market_json
from polybot.sandbox.http import ok, q_bool, q_float, q_int, q_list
from polybot.sandbox.venue import VENUE, Venue

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
Row = dict[str, Any]
Check = Callable[[Row], bool]


def _parse_time(raw: str) -> datetime:
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise VenueError(f"invalid date {raw}") from exc


def _date_checks(request: web.Request, field: str, param: str) -> list[Check]:
    checks: list[Check] = []
    low, high = request.query.get(f"{param}_min"), request.query.get(f"{param}_max")
    if low:
        lo = _parse_time(low)
        checks.append(
            lambda r: r.get(field) is not None and _parse_time(r[field]) >= lo
        )
    if high:
        hi = _parse_time(high)
        checks.append(
            lambda r: r.get(field) is not None and _parse_time(r[field]) <= hi
        )
    return checks


def _range_checks(request: web.Request, field: str, param: str) -> list[Check]:
    checks: list[Check] = []
    low, high = q_float(request, f"{param}_min"), q_float(request, f"{param}_max")
    if low is not None:
        checks.append(lambda r: float(r.get(field) or 0) >= low)
    if high is not None:
        checks.append(lambda r: float(r.get(field) or 0) <= high)
    return checks


def _in(field: str, values: list[str], decode: bool = False) -> Check:
    wanted = set(values)
    if decode:
        return lambda r: bool(wanted & set(json.loads(r.get(field) or "[]")))
    return lambda r: str(r.get(field)) in wanted


def _flag(field: str, value: bool) -> Check:
    return lambda r: bool(r.get(field)) is value


def _common_checks(request: web.Request, *, implicit_open: bool) -> list[Check]:
    checks: list[Check] = []
    for name in ("active", "archived", "featured"):
        flag = q_bool(request, name)
        if flag is not None:
            checks.append(_flag(name, flag))
    closed = q_bool(request, "closed")
    if closed is None and implicit_open:
        closed = False  # /markets hides closed markets unless asked (API.md §6)
    if closed is not None:
        checks.append(_flag("closed", closed))
    if ids := q_list(request, "id"):
        checks.append(_in("id", ids))
    if slugs := q_list(request, "slug"):
        checks.append(_in("slug", slugs))
    if tag_ids := q_list(request, "tag_id"):
        checks.append(lambda r: any(t["id"] in tag_ids for t in r.get("tags", [])))
    if tag_slug := request.query.get("tag_slug"):
        checks.append(lambda r: any(t["slug"] == tag_slug for t in r.get("tags", [])))
    if excluded := q_list(request, "exclude_tag_id"):
        checks.append(lambda r: not any(t["id"] in excluded for t in r.get("tags", [])))
    checks += _date_checks(request, "endDate", "end_date")
    checks += _date_checks(request, "startDate", "start_date")
    return checks


def _market_checks(request: web.Request) -> list[Check]:
    checks = _common_checks(request, implicit_open=True)
    if ids := q_list(request, "condition_ids"):
        checks.append(_in("conditionId", ids))
    if ids := q_list(request, "question_ids"):
        checks.append(_in("questionID", ids))
    if ids := q_list(request, "clob_token_ids"):
        checks.append(_in("clobTokenIds", ids, decode=True))
    checks += _range_checks(request, "liquidityNum", "liquidity_num")
    checks += _range_checks(request, "volumeNum", "volume_num")
    return checks


def _event_checks(request: web.Request) -> list[Check]:
    checks = _common_checks(request, implicit_open=False)
    checks += _range_checks(request, "liquidity", "liquidity")
    checks += _range_checks(request, "volume", "volume")
    if text := request.query.get("title_search"):
        checks.append(lambda r: text.lower() in r["title"].lower())
    return checks


def _sort_key(field: str) -> Callable[[Row], Any]:
    def key(row: Row) -> Any:
        value = row.get(field)
        if field == "id":
            return (0, int(value))
        return (0, value) if value is not None else (1, "")

    return key


def _select(rows: list[Row], checks: list[Check], request: web.Request) -> list[Row]:
    rows = [r for r in rows if all(check(r) for check in checks)]
    order = q_list(request, "order")
    descending = not bool(q_bool(request, "ascending"))
    if order:
        # The last key sorts first so the first named field wins (stable sorts).
        for field in reversed(order):
            present = [r for r in rows if r.get(field) is not None]
            missing = [r for r in rows if r.get(field) is None]
            present.sort(key=_sort_key(field), reverse=descending)
            rows = present + missing
    return rows


def _limit(request: web.Request) -> int:
    limit = q_int(request, "limit", DEFAULT_LIMIT) or 0
    if limit < 0:
        raise VenueError("invalid limit")
    return min(limit, MAX_LIMIT)


def _offset_page(rows: list[Row], request: web.Request) -> list[Row]:
    offset = q_int(request, "offset", 0) or 0
    if offset < 0:
        raise VenueError("invalid offset")
    return rows[offset : offset + _limit(request)]


def _keyset_page(rows: list[Row], request: web.Request, name: str) -> dict[str, Any]:
    if "offset" in request.query:
        raise VenueError(
            "offset is not supported by keyset pagination; use after_cursor"
        )
    cursor = request.query.get("after_cursor")
    start = 0
    if cursor:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(cursor))["o"])
        except (binascii.Error, ValueError, KeyError, TypeError) as exc:
            raise VenueError("invalid after_cursor") from exc
    limit = _limit(request) or DEFAULT_LIMIT
    chunk = rows[start : start + limit]
    more = start + limit < len(rows)
    token = base64.urlsafe_b64encode(json.dumps({"o": start + limit}).encode()).decode()
    return {name: chunk, "next_cursor": token if more else None}


def _all_markets(venue: Venue) -> list[Row]:
    return [market_json(venue.engine, m) for m in venue.engine.markets.values()]


def _all_events(venue: Venue) -> list[Row]:
    return [event_json(venue.engine, e) for e in venue.engine.events.values()]


async def list_markets(request: web.Request) -> web.Response:
    rows = _select(_all_markets(request.app[VENUE]), _market_checks(request), request)
    return ok(_offset_page(rows, request))


async def keyset_markets(request: web.Request) -> web.Response:
    rows = _select(_all_markets(request.app[VENUE]), _market_checks(request), request)
    return ok(_keyset_page(rows, request, "markets"))


async def list_events(request: web.Request) -> web.Response:
    rows = _select(_all_events(request.app[VENUE]), _event_checks(request), request)
    return ok(_offset_page(rows, request))


async def keyset_events(request: web.Request) -> web.Response:
    rows = _select(_all_events(request.app[VENUE]), _event_checks(request), request)
    return ok(_keyset_page(rows, request, "events"))


def _one(rows: list[Row], field: str, value: str, kind: str) -> web.Response:
    for row in rows:
        if str(row.get(field)) == value:
            return ok(row)
    raise VenueError(f"{kind} not found", status=404)


async def market_by_id(request: web.Request) -> web.Response:
    rows = _all_markets(request.app[VENUE])
    return _one(rows, "id", request.match_info["id"], "market")


async def market_by_slug(request: web.Request) -> web.Response:
    rows = _all_markets(request.app[VENUE])
    return _one(rows, "slug", request.match_info["slug"], "market")


async def event_by_id(request: web.Request) -> web.Response:
    return _one(
        _all_events(request.app[VENUE]), "id", request.match_info["id"], "event"
    )


async def event_by_slug(request: web.Request) -> web.Response:
    return _one(
        _all_events(request.app[VENUE]), "slug", request.match_info["slug"], "event"
    )


async def list_tags(request: web.Request) -> web.Response:
    tags = [TAG_ALL, *TAGS.values()]
    return ok([{"id": t.id, "label": t.label, "slug": t.slug} for t in tags])


def add_routes(app: web.Application, prefix: str) -> None:
    r = app.router
    r.add_get(f"{prefix}/markets", list_markets)
    r.add_get(f"{prefix}/markets/keyset", keyset_markets)
    r.add_get(f"{prefix}/markets/slug/{{slug}}", market_by_slug)
    r.add_get(f"{prefix}/markets/{{id}}", market_by_id)
    r.add_get(f"{prefix}/events", list_events)
    r.add_get(f"{prefix}/events/keyset", keyset_events)
    r.add_get(f"{prefix}/events/slug/{{slug}}", event_by_slug)
    r.add_get(f"{prefix}/events/{{id}}", event_by_id)
    r.add_get(f"{prefix}/tags", list_tags)
