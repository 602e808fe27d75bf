"""Live market pages: relay each outcome's book fragments (STYLE R22)."""

from __future__ import annotations

import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from markets.models import Outcome
from markets.stream.interest import DEFAULT_TTL_SECONDS, interest_register
from polybot.realtime import HtmlFragmentEvent, market_group

# Renew interest well before it expires, so the stream keeps the tokens.
_RENEW_EVERY = DEFAULT_TTL_SECONDS / 3


class MarketConsumer(AsyncWebsocketConsumer):
    """Joins ``market.<token>`` for every outcome of one market and keeps the
    stream interested in them while the page is open."""

    groups_joined: list[str]
    _renewal: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        market_id = self.scope["url_route"]["kwargs"]["market_id"]
        self.tokens = await _market_tokens(market_id)
        if not self.tokens:
            await self.close(code=4404)
            return
        self.groups_joined = [market_group(token) for token in self.tokens]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self._renewal = asyncio.create_task(self._renew_interest())

    async def disconnect(self, code: int) -> None:
        if self._renewal is not None:
            self._renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewal
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        return None  # read-only socket

    async def html_fragment(self, event: HtmlFragmentEvent) -> None:
        await self.send(text_data=event["html"])

    async def _renew_interest(self) -> None:
        while True:
            await database_sync_to_async(interest_register)(self.tokens)
            await asyncio.sleep(_RENEW_EVERY)


@database_sync_to_async
def _market_tokens(market_id: int) -> list[str]:
    return list(
        Outcome.objects.filter(market_id=market_id).values_list("token_id", flat=True)
    )
