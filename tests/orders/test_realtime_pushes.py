"""What an order's life pushes to its owner's pages over the channel layer
(the real Redis one): its row on every visible change, the account panels
once per commit, nothing for a rolled-back change, nothing to other users."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from accounts.models import User
from markets.models import Market, Outcome
from orders.models import OrderStatus
from orders.services import order_cancel, order_place
from orders.transitions import order_transition
from orders.validation import OrderRequest
from polybot.realtime import user_group
from tests.factories.accounts import UserFactory
from tests.orders.conftest import set_book

D = Decimal


class Listener:
    """A browser's socket, as the consumer sees it: one channel in a group."""

    def __init__(self, user: User) -> None:
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(user_group(user.pk), self.channel)

    def drain(self) -> list[str]:
        messages = []
        while True:
            try:
                event = async_to_sync(self._receive)()
            except TimeoutError:
                return messages
            messages.append(event["html"])

    async def _receive(self) -> dict:
        import asyncio

        return await asyncio.wait_for(self.layer.receive(self.channel), timeout=0.3)


def _ids(messages: list[str]) -> list[str]:
    """The id of each pushed fragment's root element, in order."""
    return [re.search(r'id="([^"]+)"', html).group(1) for html in messages]


@pytest.fixture
def resting_request(market: Market, yes: Outcome) -> OrderRequest:
    set_book(yes.token_id, bids=[("0.40", "100")], asks=[("0.60", "100")])
    return OrderRequest(
        market_id=market.pk, token_id=yes.token_id, side="BUY", price=D("0.30"),
        size=D("10"),
    )  # fmt: skip


def test_placing_a_resting_order_pushes_its_row_and_the_account_panels(
    trader: User, resting_request: OrderRequest, run_commits
) -> None:  # noqa: ANN001
    listener = Listener(trader)

    order = run_commits(lambda: order_place(user=trader, request=resting_request))

    ids = _ids(listener.drain())
    # pending -> submitting is not pushed; submitting -> open is, once.
    assert ids.count(f"order-{order.pk}") == 1
    assert {"stats-cards", "positions", "trading-state"} <= set(ids)


def test_a_marketable_fill_pushes_the_filled_row(
    trader: User, market: Market, yes: Outcome, run_commits
) -> None:  # noqa: ANN001
    set_book(yes.token_id, bids=[("0.40", "100")], asks=[("0.60", "100")])
    request = OrderRequest(
        market_id=market.pk, token_id=yes.token_id, side="BUY", price=D("0.60"),
        size=D("10"),
    )  # fmt: skip
    listener = Listener(trader)

    order = run_commits(lambda: order_place(user=trader, request=request))

    order.refresh_from_db()
    assert order.status == OrderStatus.FILLED
    rows = [m for m in listener.drain() if f'id="order-{order.pk}"' in m]
    assert len(rows) == 1
    assert '<span class="fill-progress-text"' in rows[0]
    assert ">10 / 10</span>" in rows[0]
    assert ">Filled</span>" in rows[0]


def test_cancelling_pushes_the_row_again(
    trader: User, resting_request: OrderRequest, run_commits
) -> None:  # noqa: ANN001
    order = run_commits(lambda: order_place(user=trader, request=resting_request))
    listener = Listener(trader)

    run_commits(lambda: order_cancel(user=trader, order=order))

    assert f"order-{order.pk}" in _ids(listener.drain())


def test_a_rolled_back_change_pushes_nothing(
    trader: User, resting_request: OrderRequest, run_commits
) -> None:  # noqa: ANN001
    order = run_commits(lambda: order_place(user=trader, request=resting_request))
    listener = Listener(trader)

    with pytest.raises(RuntimeError), transaction.atomic():
        order_transition(
            order.pk, from_states=[OrderStatus.OPEN], to=OrderStatus.CANCELLED
        )
        raise RuntimeError("undo")

    assert listener.drain() == []


def test_another_users_pages_hear_nothing(
    trader: User, resting_request: OrderRequest, run_commits
) -> None:  # noqa: ANN001
    stranger = Listener(UserFactory())

    run_commits(lambda: order_place(user=trader, request=resting_request))

    assert stranger.drain() == []


def test_pushes_go_on_after_a_rolled_back_change(
    trader: User, resting_request: OrderRequest, run_commits
) -> None:  # noqa: ANN001
    order = run_commits(lambda: order_place(user=trader, request=resting_request))
    with pytest.raises(RuntimeError), transaction.atomic():
        order_transition(
            order.pk, from_states=[OrderStatus.OPEN], to=OrderStatus.CANCELLED
        )
        raise RuntimeError("undo")
    listener = Listener(trader)

    run_commits(lambda: order_cancel(user=trader, order=order))

    assert f"order-{order.pk}" in _ids(listener.drain())


PANELS = ["stats-cards", "positions", "open-positions", "trading-state"]


def test_the_kill_switch_pushes_each_row_and_each_panel_once(
    trader: User, market: Market, yes: Outcome, run_commits
) -> None:  # noqa: ANN001
    from orders.services import kill_switch_engage

    set_book(yes.token_id, bids=[("0.40", "100")], asks=[("0.60", "100")])
    orders = [
        run_commits(
            lambda price=price: order_place(
                user=trader,
                request=OrderRequest(
                    market_id=market.pk, token_id=yes.token_id, side="BUY",
                    price=D(price), size=D("10"),
                ),
            )
        )
        for price in ("0.30", "0.31", "0.32")
    ]  # fmt: skip
    listener = Listener(trader)

    run_commits(lambda: kill_switch_engage(user=trader))

    ids = _ids(listener.drain())
    assert sorted(ids) == sorted([f"order-{o.pk}" for o in orders] + PANELS)


def test_a_batch_of_stream_maker_fills_pushes_each_panel_once(
    trader: User, market: Market, yes: Outcome, run_commits
) -> None:  # noqa: ANN001
    from orders.models import LiquidityRole
    from orders.paper.resting import _write
    from orders.services import FillReport
    from polybot.lib.time import utc_now

    set_book(yes.token_id, bids=[("0.40", "100")], asks=[("0.60", "100")])
    order = run_commits(
        lambda: order_place(
            user=trader,
            request=OrderRequest(
                market_id=market.pk, token_id=yes.token_id, side="BUY",
                price=D("0.30"), size=D("10"),
            ),
        )
    )  # fmt: skip
    reports = [
        FillReport(
            user_id=trader.pk, mode="paper", order_id=order.pk, outcome=yes,
            venue_trade_id=f"paper-maker-{n}", side="BUY", price=D("0.30"),
            size=D("2"), fee=D("0"), role=LiquidityRole.MAKER,
            settlement_status="CONFIRMED", matched_at=utc_now(),
        )
        for n in range(3)
    ]  # fmt: skip
    listener = Listener(trader)

    run_commits(lambda: _write(reports))

    ids = _ids(listener.drain())
    assert sorted(ids) == sorted([f"order-{order.pk}", *PANELS])
    order.refresh_from_db()
    assert order.filled_size == D("6")


def test_the_pushed_trading_state_names_the_newest_order(
    trader: User, resting_request: OrderRequest, run_commits
) -> None:  # noqa: ANN001
    first = run_commits(lambda: order_place(user=trader, request=resting_request))
    listener = Listener(trader)

    second = run_commits(lambda: order_place(user=trader, request=resting_request))

    [state] = [m for m in listener.drain() if 'id="trading-state"' in m]
    assert second.pk > first.pk
    # app.js reloads the page's order lists when this changes.
    assert f'data-latest-order="{second.pk}"' in state
