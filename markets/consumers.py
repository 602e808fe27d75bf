"""Live market pages: each outcome's book, rendered from the views the stream
pushes (STYLE R22)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from markets.fragments import TokenMeta, book_fragment_html
from markets.live import BookView
from markets.models import Outcome
from markets.stream.interest import DEFAULT_TTL_SECONDS, interest_register
from polybot.realtime import BookViewEvent, HtmlFragmentEvent, market_group

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
        self.meta = await _market_meta(market_id)
        self.tokens = list(self.meta)
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

    async def book_view(self, event: BookViewEvent) -> None:
        """A book the stream pushed: rendered here, not in the stream, whose
        loop cannot spare the millisecond a fragment takes."""
        token_id = json.loads(event["view"])["token_id"]
        meta = self.meta.get(token_id)
        if meta is not None:
            await self.send(text_data=_book_fragment(event["view"], meta))

    async def _renew_interest(self) -> None:
        while True:
            await database_sync_to_async(interest_register)(self.tokens)
            await asyncio.sleep(_RENEW_EVERY)


@database_sync_to_async
def _market_meta(market_id: int) -> dict[str, TokenMeta]:
    rows = Outcome.objects.filter(market_id=market_id).values_list("token_id", "label")
    return {token: TokenMeta(market_id, label) for token, label in rows}


@functools.lru_cache(maxsize=256)
def _book_fragment(view: str, meta: TokenMeta) -> str:
    # Every page open on a market gets the same push: render it once per
    # process. (No database: the view holds everything the ladder shows.)
    return book_fragment_html(BookView.from_json(view), meta)
