"""Which accounts the stream listens to, and how a user-channel ``order``
event moves our order (orders/user_stream.py). The channel itself is
exercised against the sandbox in tests/e2e/test_stream_trading.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import User, Wallet
from accounts.services import credential_store
from orders.models import Order, OrderStatus
from orders.user_stream import live_accounts, user_order_apply
from polybot.lib.types import TradingMode
from polybot.polymarket.models import ApiCredentials, OpenOrder, Side
from tests.factories.orders import OrderFactory

D = Decimal
pytestmark = pytest.mark.django_db
HASH = "0x" + "ab" * 32


def with_wallet(user: User, *, api: bool = True) -> User:
    wallet = Wallet.objects.create(user=user, address="0x" + "11" * 20)
    secrets = {"private_key": "0x" + "22" * 32}
    if api:
        secrets.update(api_key="key-1", api_secret="c2VjcmV0", api_passphrase="pass")
    credential_store(wallet=wallet, **secrets)
    return user


def live(user: User) -> User:
    User.objects.filter(pk=user.pk).update(trading_mode=TradingMode.LIVE)
    return user


def venue_order(status: str, order_id: str = HASH) -> OpenOrder:
    return OpenOrder(
        id=order_id, status=status, owner="key-1", maker_address="", market="",
        asset_id="", side=Side.BUY, original_size=D("10"), size_matched=D("0"),
        price=D("0.4"), associate_trades=(), outcome="Yes", created_at=None,
        expiration=None, order_type="GTC",
    )  # fmt: skip


def test_live_accounts_are_live_users_with_stored_api_credentials(
    user, other_user
) -> None:
    live(with_wallet(user))
    live(other_user)  # no wallet: nothing to listen with
    assert live_accounts() == {
        user.pk: ApiCredentials(api_key="key-1", secret="c2VjcmV0", passphrase="pass")
    }


def test_account_without_an_api_key_yet_is_not_listened_to(user) -> None:
    live(with_wallet(user, api=False))
    assert live_accounts() == {}


def test_account_back_in_paper_is_dropped_unless_live_orders_still_rest(user) -> None:
    with_wallet(user)  # paper mode
    assert live_accounts() == {}
    order = OrderFactory(user=user, mode=TradingMode.LIVE, status=OrderStatus.OPEN)
    assert set(live_accounts()) == {user.pk}  # it can still fill
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    assert live_accounts() == {}


def test_order_event_moves_our_order_found_by_its_hash(user) -> None:
    order = OrderFactory(
        user=user, mode=TradingMode.LIVE, status=OrderStatus.OPEN, venue_order_hash=HASH
    )
    assert user_order_apply(user.pk, venue_order("CANCELED", HASH.upper())) is True
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert user_order_apply(user.pk, venue_order("LIVE", "0x" + "cd" * 32)) is False


def test_order_event_leaves_an_order_being_submitted_to_its_submission(user) -> None:
    order = OrderFactory(
        user=user, mode=TradingMode.LIVE, status=OrderStatus.SUBMITTING,
        venue_order_hash=HASH,
    )  # fmt: skip
    assert user_order_apply(user.pk, venue_order("LIVE")) is False
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTING
