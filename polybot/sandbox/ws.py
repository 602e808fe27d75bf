"""``/ws/market`` and ``/ws/user``: the subscribe handshake, dynamic
(un)subscribe, and the text ``PING``/``PONG`` keepalive (API.md §8).

The first frame must be a valid subscribe; anything else, a ``PING`` included,
closes the socket with 1008 "invalid subscription payload" as the venue does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from polybot.sandbox.auth import ApiKeyStore, check_ws_creds
from polybot.sandbox.venue import VENUE
from polybot.sandbox.ws_hub import Connection, WsHub

INVALID_SUBSCRIPTION = b"invalid subscription payload"
INVALID_AUTH = b"invalid authentication"


def _ids(frame: dict[str, Any], *names: str) -> list[str] | None:
    for name in names:
        value = frame.get(name)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
    return None


async def _serve(request: web.Request, channel: str) -> web.WebSocketResponse:
    venue = request.app[VENUE]
    # autoping off: a frozen socket must not answer protocol pings either.
    ws = web.WebSocketResponse(autoping=False)
    await ws.prepare(request)
    conn = Connection(channel=channel, ws=ws, request=request)
    venue.hub.add(conn)
    writer = asyncio.create_task(conn.pump())
    try:
        async for msg in ws:
            if msg.type is WSMsgType.PING:
                if not conn.frozen:
                    await ws.pong(msg.data)
            elif msg.type is WSMsgType.TEXT:
                await _on_text(
                    venue.hub, conn, msg.data, venue.keys if channel == "user" else None
                )
            elif msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                break
    finally:
        venue.hub.remove(conn)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
    return ws


async def market_socket(request: web.Request) -> web.WebSocketResponse:
    return await _serve(request, "market")


async def user_socket(request: web.Request) -> web.WebSocketResponse:
    return await _serve(request, "user")


async def _on_text(
    hub: WsHub, conn: Connection, text: str, keys: ApiKeyStore | None
) -> None:
    if text.strip() == "PING":
        if not conn.subscribed:
            await conn.ws.close(
                code=WSCloseCode.POLICY_VIOLATION, message=INVALID_SUBSCRIPTION
            )
        else:
            conn.send("PONG")
        return
    try:
        frame = json.loads(text)
    except ValueError:
        frame = None
    if not isinstance(frame, dict):
        if not conn.subscribed:
            await conn.ws.close(
                code=WSCloseCode.POLICY_VIOLATION, message=INVALID_SUBSCRIPTION
            )
        return
    if conn.channel == "market":
        await _market_frame(hub, conn, frame)
    else:
        await _user_frame(conn, frame, keys)


async def _market_frame(hub: WsHub, conn: Connection, frame: dict[str, Any]) -> None:
    assets = _ids(frame, "assets_ids", "asset_ids")
    operation = str(frame.get("operation", "")).lower()
    if not conn.subscribed:
        if assets is None or operation == "unsubscribe":
            await conn.ws.close(
                code=WSCloseCode.POLICY_VIOLATION, message=INVALID_SUBSCRIPTION
            )
            return
        conn.subscribed = True
    elif assets is None:
        return  # the venue ignores frames it does not understand after subscribing
    if "custom_feature_enabled" in frame:
        conn.custom_features = bool(frame["custom_feature_enabled"])
    if operation == "unsubscribe":
        conn.assets.difference_update(assets)
        return
    new = [a for a in assets if a not in conn.assets]
    conn.assets.update(assets)
    if frame.get("initial_dump", True):
        hub.initial_books(conn, new)


async def _user_frame(
    conn: Connection, frame: dict[str, Any], keys: ApiKeyStore | None
) -> None:
    markets = _ids(frame, "markets")
    operation = str(frame.get("operation", "")).lower()
    if not conn.subscribed:
        auth = frame.get("auth")
        if not isinstance(auth, dict):
            await conn.ws.close(
                code=WSCloseCode.POLICY_VIOLATION, message=INVALID_SUBSCRIPTION
            )
            return
        key = check_ws_creds(keys, auth) if keys is not None else None
        if key is None:
            await conn.ws.close(code=WSCloseCode.POLICY_VIOLATION, message=INVALID_AUTH)
            return
        conn.api_key = key
        conn.subscribed = True
        conn.markets = set(markets or [])
        return
    if markets is None:
        return
    if operation == "unsubscribe":
        conn.markets.difference_update(markets)
    elif conn.markets:  # subscribing to more narrows nothing when already "all"
        conn.markets.update(markets)
