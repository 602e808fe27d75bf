"""Pushing rendered fragments to browsers (STYLE R23).

Services call :func:`push_fragment` (from ``transaction.on_commit``); the
consumer relays the HTML and the htmx ws extension swaps it in by element id.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.template.loader import render_to_string


class HtmlFragmentEvent(TypedDict):
    type: Literal["html.fragment"]
    html: str


class BookViewEvent(TypedDict):
    """A token's book view, pushed by the stream to its market group; the
    page's consumer renders it (``markets.consumers.MarketConsumer``)."""

    type: Literal["book.view"]
    view: str  # BookView.to_json()


def book_view_event(view: Any) -> BookViewEvent:
    return {"type": "book.view", "view": view.to_json()}


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def market_group(token_id: str) -> str:
    return f"market.{token_id}"


def push_fragment(group: str, template: str, context: dict[str, Any]) -> None:
    html = render_to_string(template, context)
    event: HtmlFragmentEvent = {"type": "html.fragment", "html": html}
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, event)
