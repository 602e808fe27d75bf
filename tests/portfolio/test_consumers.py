"""The account websocket over the real ASGI app and the real Redis channel layer."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from polybot.asgi import application
from polybot.realtime import push_fragment, user_group
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = [(b"origin", b"http://127.0.0.1")]


class _ScopedUser:
    """Put a user into the scope the way AuthMiddlewareStack would."""

    def __init__(self, app, user) -> None:  # noqa: ANN001
        self.app, self.user = app, user

    async def __call__(self, scope, receive, send):  # noqa: ANN001, ANN204
        return await self.app({**scope, "user": self.user}, receive, send)


async def test_it_relays_a_pushed_fragment_to_the_users_socket() -> None:
    from portfolio.consumers import AccountConsumer

    user = await sync_to_async(UserFactory)()
    communicator = WebsocketCommunicator(
        _ScopedUser(AccountConsumer.as_asgi(), user), "/ws/account/"
    )
    connected, _ = await communicator.connect()
    assert connected
    await sync_to_async(push_fragment)(
        user_group(user.pk), "_fragment_test.html", {"value": "42"}
    )
    assert (
        await communicator.receive_from(timeout=5)
        == '<span id="fragment-test">42</span>\n'
    )
    await communicator.disconnect()


async def test_it_does_not_relay_another_users_fragment() -> None:
    from portfolio.consumers import AccountConsumer

    alice, bob = await sync_to_async(UserFactory)(), await sync_to_async(UserFactory)()
    communicator = WebsocketCommunicator(
        _ScopedUser(AccountConsumer.as_asgi(), alice), "/ws/account/"
    )
    await communicator.connect()
    await sync_to_async(push_fragment)(
        user_group(bob.pk), "_fragment_test.html", {"value": "x"}
    )
    assert await communicator.receive_nothing(timeout=0.5) is True
    await communicator.disconnect()


async def test_it_refuses_an_anonymous_socket_through_the_real_app() -> None:
    communicator = WebsocketCommunicator(application, "/ws/account/", headers=ORIGIN)
    connected, code = await communicator.connect()
    assert connected is False
    assert code == 4401


async def test_it_refuses_a_socket_from_a_foreign_origin() -> None:
    communicator = WebsocketCommunicator(
        application, "/ws/account/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert connected is False


async def test_anonymous_scope_is_refused() -> None:
    from portfolio.consumers import AccountConsumer

    communicator = WebsocketCommunicator(
        _ScopedUser(AccountConsumer.as_asgi(), AnonymousUser()), "/ws/account/"
    )
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4401)
