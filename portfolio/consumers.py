"""The per-user live channel: orders, fills, positions, P&L, notifications."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from polybot.realtime import HtmlFragmentEvent, user_group


class AccountConsumer(AsyncWebsocketConsumer):
    """Thin relay (STYLE R22): check the user, join their group, forward HTML."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        # The browser never sends commands over this socket; writes go through views.
        return None

    async def html_fragment(self, event: HtmlFragmentEvent | dict[str, Any]) -> None:
        await self.send(text_data=event["html"])
