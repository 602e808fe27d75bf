"""Exactly-once submission against the running sandbox venue (DESIGN §4
"Exactly once"): a submission that dies after signing, after posting, or
whose post times out, followed by what a redelivered task and the
reconciler do. Afterwards the venue holds exactly one order per intent
(every order it ever accepted from the account is counted, open or not, so
a re-signed duplicate with a new hash would show) and our record agrees."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection

from orders.models import Fill, Order, OrderStatus
from orders.reconcile import NEVER_RECEIVED, SETTLE_GRACE, reconcile_user
from orders.services import kill_switch_engage, order_place, order_place_batch
from orders.submission import CHECKPOINT_HOOKS, orders_submit
from polybot.lib.time import utc_now
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.models import Side
from polybot.sandbox.server import SandboxThread
from portfolio.models import Position
from tests.e2e.conftest import QUIET
from tests.e2e.crashing_worker import KILLED_TOO_LATE
from tests.e2e.live_venue import (
    FEE_MARKET,
    WorkerDied,
    book_publish,
    counterparty,
    counterparty_order,
    die_at,
    eventually,
    live_settings,
    live_user,
    market_synced,
    outcomes,
    refreshed,
    request,
    venue_client,
    venue_order_ids,
)

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox() -> Iterator[SandboxThread]:
    # A venue per test: its record of every order ever accepted starts empty.
    thread = SandboxThread(QUIET).start()
    yield thread
    thread.stop()


@pytest.fixture
def live(settings: Any, sandbox: SandboxThread) -> Any:
    live_settings(settings, sandbox)
    return settings


@pytest.fixture
def submit(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> Callable[[Callable[[], Any]], Any]:
    def run(fn: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


@pytest.fixture
def crash_at() -> Iterator[Callable[[str], None]]:
    def arm(checkpoint: str) -> None:
        CHECKPOINT_HOOKS.append(die_at(checkpoint))

    yield arm
    CHECKPOINT_HOOKS.clear()


def past_the_grace(order: Order) -> None:
    """Let the reconciler's grace period run out for this order."""
    Order.objects.filter(pk=order.pk).update(
        updated_at=utc_now() - SETTLE_GRACE - timedelta(seconds=1)
    )


def test_a_crash_after_signing_is_posted_once_when_the_task_is_redelivered(
    live, sandbox: SandboxThread, venue_config: VenueConfig, submit, crash_at
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    crash_at("signed")
    with pytest.raises(WorkerDied):
        submit(
            lambda: order_place(
                user=alice, request=request(market, yes, "BUY", "0.30", "10")
            )
        )
    CHECKPOINT_HOOKS.clear()
    order = Order.objects.get(user=alice)
    # Signed and stored, provably never sent.
    assert (order.status, order.post_started_at) == (OrderStatus.SUBMITTING, None)
    assert order.venue_order_hash and order.signed_payload
    assert venue_order_ids(sandbox, client) == []

    orders_submit([order.pk])  # the redelivered task
    orders_submit([order.pk])  # and a duplicate delivery of it

    order = refreshed(order)
    assert order.status == OrderStatus.OPEN
    assert venue_order_ids(sandbox, client) == [order.venue_order_hash]
    assert [o.id for o in client.open_orders()] == [order.venue_order_hash]
    report = reconcile_user(alice.pk)
    assert (report.states_healed, report.reposted, report.fills_added) == ([], [], 0)
    assert venue_order_ids(sandbox, client) == [order.venue_order_hash]


def test_a_crash_after_signing_is_posted_once_by_the_reconciler_after_the_grace(
    live, sandbox: SandboxThread, venue_config: VenueConfig, submit, crash_at
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    crash_at("signed")
    with pytest.raises(WorkerDied):
        submit(
            lambda: order_place(
                user=alice, request=request(market, yes, "BUY", "0.30", "10")
            )
        )
    CHECKPOINT_HOOKS.clear()
    order = Order.objects.get(user=alice)
    signed_hash = order.venue_order_hash

    # Within the grace a submission may still be in flight: hands off.
    assert reconcile_user(alice.pk).reposted == []
    assert venue_order_ids(sandbox, client) == []
    past_the_grace(order)
    assert reconcile_user(alice.pk).reposted == [order.pk]
    orders_submit([order.pk])  # the task's redelivery arrives late

    order = refreshed(order)
    assert (order.status, order.venue_order_hash) == (OrderStatus.OPEN, signed_hash)
    assert venue_order_ids(sandbox, client) == [signed_hash]


def test_a_crash_after_posting_is_never_posted_again_and_is_found_by_its_hash(
    live, sandbox: SandboxThread, venue_config: VenueConfig, submit, crash_at
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    crash_at("posted")
    with pytest.raises(WorkerDied):
        submit(
            lambda: order_place(
                user=alice, request=request(market, yes, "BUY", "0.30", "10")
            )
        )
    CHECKPOINT_HOOKS.clear()
    order = Order.objects.get(user=alice)
    # The venue answered; our record only knows posting began.
    assert order.status == OrderStatus.SUBMITTING and order.post_started_at is not None
    assert venue_order_ids(sandbox, client) == [order.venue_order_hash]

    orders_submit([order.pk])  # the redelivered task may not post again
    assert refreshed(order).status == OrderStatus.UNKNOWN
    report = reconcile_user(alice.pk)

    order = refreshed(order)
    assert order.status == OrderStatus.OPEN
    assert report.reposted == []
    assert venue_order_ids(sandbox, client) == [order.venue_order_hash]
    assert [o.id for o in client.open_orders()] == [order.venue_order_hash]


def test_a_crash_after_a_marketable_post_heals_to_filled_with_its_fill(
    live,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
    submit,
    crash_at,
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    bob = counterparty(venue_config)
    control.post(
        "/fund",
        json={"address": bob.maker_address, "amount": "100", "token_id": yes.token_id},
    )
    counterparty_order(bob, market, yes, Side.SELL, "0.45", "10")
    book_publish(venue_config, yes)
    crash_at("posted")
    with pytest.raises(WorkerDied):
        submit(
            lambda: order_place(
                user=alice, request=request(market, yes, "BUY", "0.45", "10")
            )
        )
    CHECKPOINT_HOOKS.clear()
    order = Order.objects.get(user=alice)
    assert (order.status, order.filled_size) == (OrderStatus.SUBMITTING, D("0"))

    orders_submit([order.pk])
    report = reconcile_user(alice.pk)

    order = refreshed(order)
    assert report.fills_added == 1
    assert (order.status, order.filled_size, order.fees_paid) == (
        OrderStatus.FILLED,
        D("10"),
        D("0.099"),
    )
    [fill] = Fill.objects.filter(order=order)
    [trade] = client.trades()
    assert (fill.venue_trade_id, fill.size, fill.price) == (
        trade.id,
        trade.size,
        trade.price,
    )
    assert trade.taker_order_id == order.venue_order_hash
    assert venue_order_ids(sandbox, client) == [order.venue_order_hash]
    position = Position.objects.get(user=alice, outcome=yes)
    assert (position.size, position.cost_basis) == (D("10"), D("4.50"))


def test_a_timed_out_post_that_reached_the_venue_is_found_by_its_hash(
    live,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
    submit,
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    live.POLYMARKET_READ_TIMEOUT = 0.5
    # POST /order answers only after 1.5 s: we time out, the venue goes on.
    control.post("/faults", json={"latency_ms": 1500, "services": ["/clob/order"]})

    order = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "BUY", "0.30", "10")
        )
    )

    order = refreshed(order)
    assert (order.status, order.error_code) == (OrderStatus.UNKNOWN, "outcome_unknown")
    assert eventually(
        lambda: venue_order_ids(sandbox, client) == [order.venue_order_hash]
    )
    orders_submit([order.pk])  # a redelivery leaves an unknown order alone
    report = reconcile_user(alice.pk)

    order = refreshed(order)
    assert order.status == OrderStatus.OPEN
    assert report.states_healed == [f"order {order.pk}: unknown → open"]
    assert venue_order_ids(sandbox, client) == [order.venue_order_hash]


def test_a_post_that_never_reached_the_venue_is_rejected_after_the_grace_and_never_reposted(
    live,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
    submit,
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    # A proxy in front of the venue fails the post: a bare 503 may or may not
    # have reached the matching engine (here it did not).
    control.post("/faults", json={"http_5xx_share": 1.0, "services": ["/clob/order"]})
    order = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "BUY", "0.30", "10")
        )
    )
    control.delete("/faults")
    assert refreshed(order).status == OrderStatus.UNKNOWN

    orders_submit([order.pk])
    assert reconcile_user(alice.pk).states_healed == []  # within the grace
    assert refreshed(order).status == OrderStatus.UNKNOWN
    past_the_grace(order)
    report = reconcile_user(alice.pk)

    order = refreshed(order)
    assert (order.status, order.error_code, order.error_message) == (
        OrderStatus.REJECTED,
        "never_received",
        NEVER_RECEIVED,
    )
    assert report.states_healed == [f"order {order.pk}: unknown → rejected"]
    assert venue_order_ids(sandbox, client) == []


def test_a_batch_crashed_after_signing_is_posted_once_per_order_on_redelivery(
    live, sandbox: SandboxThread, venue_config: VenueConfig, submit, crash_at
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    crash_at("signed")
    with pytest.raises(WorkerDied):
        submit(
            lambda: order_place_batch(
                user=alice,
                requests=[
                    request(market, yes, "BUY", "0.30", "10"),
                    request(market, no, "BUY", "0.30", "10"),
                ],
            )
        )
    CHECKPOINT_HOOKS.clear()
    orders = list(Order.objects.filter(user=alice).order_by("pk"))
    # Both were signed before the first checkpoint ran.
    assert [
        (o.status, bool(o.venue_order_hash), o.post_started_at) for o in orders
    ] == [
        (OrderStatus.SUBMITTING, True, None),
        (OrderStatus.SUBMITTING, True, None),
    ]

    orders_submit([o.pk for o in orders])
    orders_submit([o.pk for o in orders])

    orders = [refreshed(o) for o in orders]
    assert [o.status for o in orders] == [OrderStatus.OPEN, OrderStatus.OPEN]
    assert sorted(venue_order_ids(sandbox, client)) == sorted(
        o.venue_order_hash for o in orders
    )


def test_an_order_that_lands_after_the_kill_switch_is_cancelled_by_the_reconciler(
    live,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
    submit,
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    live.POLYMARKET_READ_TIMEOUT = 0.5
    control.post("/faults", json={"latency_ms": 1500, "services": ["/clob/order"]})
    order = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "BUY", "0.30", "10")
        )
    )
    assert refreshed(order).status == OrderStatus.UNKNOWN
    # The kill switch runs while the post is still on its way.
    assert kill_switch_engage(user=alice).cancelled == 0
    assert eventually(
        lambda: [o.id for o in client.open_orders()] == [order.venue_order_hash]
    )

    report = reconcile_user(alice.pk)

    assert client.open_orders() == []
    order = refreshed(order)
    assert order.status == OrderStatus.CANCELLED
    assert report.states_healed == [
        "1 order(s) cancelled at the venue: kill switch",
        f"order {order.pk}: unknown → cancelled",
    ]
    assert venue_order_ids(sandbox, client) == [order.venue_order_hash]


def test_a_post_given_up_as_never_received_that_lands_later_is_cancelled_there(
    live,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    control: httpx.Client,
    submit,
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    live.POLYMARKET_READ_TIMEOUT = 0.5
    # The venue takes 2.5 s over the post: longer than the grace period here.
    control.post("/faults", json={"latency_ms": 2500, "services": ["/clob/order"]})
    order = submit(
        lambda: order_place(
            user=alice, request=request(market, yes, "BUY", "0.30", "10")
        )
    )
    past_the_grace(order)
    reconcile_user(alice.pk)
    assert refreshed(order).status == OrderStatus.REJECTED
    assert eventually(
        lambda: [o.id for o in client.open_orders()] == [order.venue_order_hash]
    )

    report = reconcile_user(alice.pk)

    assert report.states_healed == [
        f"order {order.pk}: rejected here but open at the venue; cancelled there"
    ]
    assert client.open_orders() == []
    assert refreshed(order).status == OrderStatus.REJECTED
    assert venue_order_ids(sandbox, client) == [order.venue_order_hash]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("checkpoint", "after_redelivery"),
    [("signed", OrderStatus.OPEN), ("posted", OrderStatus.UNKNOWN)],
)
def test_a_worker_process_killed_mid_submission_leaves_one_order_per_intent(
    live,
    sandbox: SandboxThread,
    venue_config: VenueConfig,
    checkpoint: str,
    after_redelivery: str,
) -> None:
    market = market_synced(venue_config, FEE_MARKET)
    yes, _no = outcomes(market)
    alice = live_user("alice")
    client = venue_client(alice)
    urls = sandbox.urls
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "polybot.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "POLYBOT_LIVE_TRADING_ENABLED": "True",
        "ENCRYPTION_KEY": live.ENCRYPTION_KEY,
        "POLYMARKET_CLOB_URL": urls.clob,
        "POLYMARKET_GAMMA_URL": urls.gamma,
        "POLYMARKET_DATA_URL": urls.data,
        "POLYMARKET_WS_URL": urls.ws,
    }
    worker = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.e2e.crashing_worker",
            str(alice.pk),
            str(market.pk),
            yes.token_id,
            checkpoint,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == -9, (
        worker.returncode,
        KILLED_TOO_LATE,
        worker.stderr[-2000:],
    )
    order = Order.objects.get(user=alice)
    assert order.status == OrderStatus.SUBMITTING and order.venue_order_hash
    venue_before = venue_order_ids(sandbox, client)
    assert venue_before == ([] if checkpoint == "signed" else [order.venue_order_hash])

    orders_submit([order.pk])  # the broker redelivers the acks-late task
    assert refreshed(order).status == after_redelivery
    reconcile_user(alice.pk)

    order = refreshed(order)
    assert order.status == OrderStatus.OPEN
    assert venue_order_ids(sandbox, client) == [order.venue_order_hash]
    assert [o.id for o in client.open_orders()] == [order.venue_order_hash]
