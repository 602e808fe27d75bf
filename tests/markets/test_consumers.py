"""The market page's websocket over the real Redis channel layer: the stream
pushes book views, the consumer renders them for the page."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from markets.fragments import TokenMeta, book_fragment_html
from markets.live import BookView
from polybot.realtime import book_view_event, market_group
from tests.factories.accounts import UserFactory
from tests.factories.markets import MarketFactory, OutcomeFactory

pytestmark = pytest.mark.django_db(transaction=True)


class _ScopedUser:
    """Put a user into the scope the way AuthMiddlewareStack would."""

    def __init__(self, app, user) -> None:  # noqa: ANN001
        self.app, self.user = app, user

    async def __call__(self, scope, receive, send):  # noqa: ANN001, ANN204
        return await self.app({**scope, "user": self.user}, receive, send)


def _view(token_id: str, bid: str) -> BookView:
    return BookView(
        token_id=token_id, bids=[(D(bid), D("10"))], asks=[(D("0.60"), D("5"))],
        best_bid=D(bid), best_ask=D("0.60"), midpoint=(D(bid) + D("0.60")) / 2,
        spread=D("0.60") - D(bid), last_trade_price=None, tick_size=D("0.01"),
        trusted=True, updated_at="2026-11-24T10:00:00+00:00",
    )  # fmt: skip


async def test_it_renders_a_pushed_book_view_for_the_page() -> None:
    from polybot.routing import websocket_urlpatterns

    user = await sync_to_async(UserFactory)()
    market = await sync_to_async(MarketFactory)()
    no = await sync_to_async(OutcomeFactory)(market=market, label="No")
    communicator = WebsocketCommunicator(
        _ScopedUser(URLRouter(websocket_urlpatterns), user), f"/ws/markets/{market.pk}/"
    )
    connected, _ = await communicator.connect()
    assert connected
    view = _view(no.token_id, "0.45")

    await get_channel_layer().group_send(
        market_group(no.token_id), book_view_event(view)
    )

    html = await communicator.receive_from(timeout=5)
    assert html == book_fragment_html(view, TokenMeta(market.pk, "No"))
    assert f'id="book-{no.token_id}"' in html
    await communicator.disconnect()


async def test_it_ignores_a_view_of_a_token_not_on_its_page() -> None:
    from polybot.routing import websocket_urlpatterns

    user = await sync_to_async(UserFactory)()
    market = await sync_to_async(MarketFactory)()
    yes = await sync_to_async(OutcomeFactory)(market=market, label="Yes")
    communicator = WebsocketCommunicator(
        _ScopedUser(URLRouter(websocket_urlpatterns), user), f"/ws/markets/{market.pk}/"
    )
    await communicator.connect()
    # Only the channel layer's group decides who gets a push; a view of
    # another token sent to this group is not rendered.
    await get_channel_layer().group_send(
        market_group(yes.token_id), book_view_event(_view("999", "0.45"))
    )
    assert await communicator.receive_nothing(timeout=0.5) is True
    await communicator.disconnect()
