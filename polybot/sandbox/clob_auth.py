"""Authentication at the HTTP edge, and the API-key endpoints (L1)."""

from __future__ import annotations

import logging

from aiohttp import web

from polybot.sandbox.auth import Unauthorized, verify_l1, verify_l2
from polybot.sandbox.http import ok
from polybot.sandbox.models import ApiKey
from polybot.sandbox.venue import VENUE

log = logging.getLogger(__name__)
CLOB_PREFIX = "/clob"


async def l2_key(request: web.Request) -> ApiKey:
    """The API key of an L2-authenticated request, or 401.

    The client signs the path relative to its host (``/order``, not
    ``/clob/order``) and never the query string."""
    venue = request.app[VENUE]
    path = request.path.removeprefix(CLOB_PREFIX)
    try:
        return verify_l2(
            request.headers,
            method=request.method,
            path=path,
            body=await request.text(),
            store=venue.keys,
            now=venue.clock(),
            max_skew=venue.config.auth_max_skew,
        )
    except Unauthorized as exc:
        log.info("sandbox: 401 on %s %s: %s", request.method, request.path, exc.reason)
        raise


def _l1(request: web.Request) -> tuple[str, int]:
    venue = request.app[VENUE]
    try:
        return verify_l1(request.headers, now=venue.clock(), chain_id=venue.config.chain_id,
                         max_skew=venue.config.auth_max_skew)  # fmt: skip
    except Unauthorized as exc:
        log.info("sandbox: 401 on %s %s: %s", request.method, request.path, exc.reason)
        raise


def _creds(key: ApiKey) -> dict[str, str]:
    return {"apiKey": key.api_key, "secret": key.secret, "passphrase": key.passphrase}


async def create_api_key(request: web.Request) -> web.Response:
    address, nonce = _l1(request)
    return ok(_creds(request.app[VENUE].keys.create(address, nonce)))


async def derive_api_key(request: web.Request) -> web.Response:
    address, nonce = _l1(request)
    return ok(_creds(request.app[VENUE].keys.derive(address, nonce)))


async def list_api_keys(request: web.Request) -> web.Response:
    key = await l2_key(request)
    keys = request.app[VENUE].keys.keys_of(key.address)
    return ok({"apiKeys": [k.api_key for k in keys]})


async def delete_api_key(request: web.Request) -> web.Response:
    key = await l2_key(request)
    request.app[VENUE].keys.delete(key.api_key)
    return ok("OK")


async def closed_only(request: web.Request) -> web.Response:
    await l2_key(request)
    return ok({"closed_only": False})


def add_routes(app: web.Application, prefix: str) -> None:
    r = app.router
    r.add_post(f"{prefix}/auth/api-key", create_api_key)
    r.add_get(f"{prefix}/auth/derive-api-key", derive_api_key)
    r.add_get(f"{prefix}/auth/api-keys", list_api_keys)
    r.add_delete(f"{prefix}/auth/api-key", delete_api_key)
    r.add_get(f"{prefix}/auth/ban-status/closed-only", closed_only)
