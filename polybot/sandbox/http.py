"""Small aiohttp helpers shared by the services: JSON in and out, query
parsing the way the venue reads it, and CLOB cursors."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aiohttp import web

from polybot.sandbox import errors
from polybot.sandbox.constants import END_CURSOR
from polybot.sandbox.errors import VenueError


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def ok(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=dumps(data), status=status, content_type="application/json"
    )


def fail(message: str, status: int = 400) -> web.Response:
    return ok({"error": message}, status=status)


async def body_json(
    request: web.Request, *, error: str = errors.INVALID_PAYLOAD
) -> Any:
    text = await request.text()
    try:
        return json.loads(text) if text else None
    except ValueError as exc:
        raise VenueError(error) from exc


def q_list(request: web.Request, name: str) -> list[str]:
    """A repeatable parameter; comma-separated values are split too."""
    values: list[str] = []
    for raw in request.query.getall(name, []):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return values


def q_bool(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    return raw.strip().lower() in ("true", "1", "yes")


def q_int(request: web.Request, name: str, default: int | None = None) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise VenueError(f"invalid {name}") from exc


def q_float(request: web.Request, name: str) -> float | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError as exc:
        raise VenueError(f"invalid {name}") from exc


def encode_cursor(offset: int | None) -> str:
    """CLOB cursors are base64 offsets; ``LTE=`` (base64 of -1) is the end."""
    if offset is None:
        return END_CURSOR
    return base64.b64encode(str(offset).encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
    """The offset a cursor points at, or None for the end cursor."""
    if not cursor:
        return 0
    try:
        offset = int(base64.b64decode(cursor).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise VenueError("invalid next_cursor") from exc
    return None if offset < 0 else offset


def page(items: list[Any], cursor: str | None, limit: int) -> dict[str, Any]:
    """One page of a cursor-paginated CLOB list: ``{data, next_cursor, limit, count}``."""
    offset = decode_cursor(cursor)
    chunk = [] if offset is None else items[offset : offset + limit]
    more = offset is not None and offset + limit < len(items)
    return {
        "data": chunk,
        "next_cursor": encode_cursor(
            offset + limit if more and offset is not None else None
        ),
        "limit": limit,
        "count": len(chunk),
    }
