"""Fault injection: refuse a share of HTTP requests (429 with Retry-After, or
5xx), slow every request down, and periodically drop or freeze websockets.

Set from CLI flags at start (``FaultConfig``) and changed at run time through
``/control/faults``. Control and websocket upgrade requests are never refused,
so a test can always switch the faults off again.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from polybot.sandbox.config import FaultConfig
from polybot.sandbox.http import fail

SERVICES = ("/clob", "/gamma", "/data-api")


@dataclass
class Faults:
    http_429_share: float = 0.0
    http_5xx_share: float = 0.0
    http_5xx_status: int = 503
    retry_after_seconds: int = 1
    latency_ms: int = 0
    # Which services the HTTP faults hit (path prefixes).
    services: list[str] = field(default_factory=lambda: list(SERVICES))
    ws_drop_every: float | None = None
    ws_freeze_every: float | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def from_config(cls, config: FaultConfig, *, seed: int) -> Faults:
        return cls(rng=random.Random(f"faults:{seed}"), **asdict(config))

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "rng"}

    def update(self, changes: dict[str, Any]) -> None:
        known = {f.name: f for f in fields(self) if f.name != "rng"}
        unknown = set(changes) - set(known)
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        for name, value in changes.items():
            setattr(self, name, value)

    def reset(self) -> None:
        self.update({k: v for k, v in asdict(Faults()).items() if k != "rng"})

    def applies_to(self, path: str) -> bool:
        return any(path == s or path.startswith(s + "/") for s in self.services)


def fault_middleware(faults: Faults) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not faults.applies_to(request.path):
            return await handler(request)
        if faults.latency_ms:
            # Take the whole request first: a client that gives up during the
            # delay has still delivered it, and the venue acts on it (a
            # timeout never proves that an order did not arrive).
            await request.read()
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.http_429_share and faults.rng.random() < faults.http_429_share:
            response = fail("Too Many Requests", 429)
            response.headers["Retry-After"] = str(faults.retry_after_seconds)
            return response
        if faults.http_5xx_share and faults.rng.random() < faults.http_5xx_share:
            return fail("Internal Server Error", faults.http_5xx_status)
        return await handler(request)

    return middleware
