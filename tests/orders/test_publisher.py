"""The publisher thread: account pushes leave the writer's thread, in the
order they were committed, and what piles up meanwhile goes out once."""

from __future__ import annotations

import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from celery.signals import worker_process_shutdown
from django.test import override_settings

from accounts.models import User
from markets.models import Market, Outcome
from orders import realtime
from orders.publisher import BackgroundPublisher
from orders.services import order_place
from orders.validation import OrderRequest
from tests.orders.conftest import set_book
from tests.orders.test_realtime_pushes import Listener, _ids

D = Decimal
ROOT = Path(__file__).resolve().parents[2]

# A process that submits one publication and exits at once. Bare settings:
# the publisher thread only closes old connections, of which there are none.
EXITING_PROCESS = """
import sys, time
from django.conf import settings
settings.configure()
from orders import publisher

publisher.SHUTDOWN_DRAIN_SECONDS = float(sys.argv[2])

def publish(order_ids, user_ids):
    print("publishing", flush=True)
    time.sleep(float(sys.argv[1]))
    print("published", sorted(order_ids), sorted(user_ids), flush=True)

publisher.BackgroundPublisher(publish).submit({1}, {10})
"""


def _exit_after_submitting(
    publish_seconds: float, drain_seconds: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            EXITING_PROCESS,
            str(publish_seconds),
            str(drain_seconds),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


class GatedPublish:
    """Records each publication; the first one waits until released."""

    def __init__(self) -> None:
        self.calls: list[tuple[set[int], set[int], str]] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, order_ids: set[int], user_ids: set[int]) -> None:
        self.calls.append((order_ids, user_ids, threading.current_thread().name))
        if len(self.calls) == 1:
            self.started.set()
            assert self.release.wait(5)


def test_it_publishes_off_the_callers_thread_and_merges_what_piled_up() -> None:
    publish = GatedPublish()
    publisher = BackgroundPublisher(publish)

    publisher.submit({1}, {10})
    assert publish.started.wait(5)
    publisher.submit({2}, {20})
    publisher.submit({3}, {20, 30})
    publish.release.set()

    assert publisher.wait_idle(5)
    assert publish.calls == [
        ({1}, {10}, "account-publisher"),
        ({2, 3}, {20, 30}, "account-publisher"),
    ]


def test_a_failed_publication_does_not_stop_the_next() -> None:
    calls: list[set[int]] = []

    def publish(order_ids: set[int], user_ids: set[int]) -> None:
        calls.append(order_ids)
        if order_ids == {1}:
            raise RuntimeError("redis went away")

    publisher = BackgroundPublisher(publish)
    publisher.submit({1}, set())
    assert publisher.wait_idle(5)
    publisher.submit({2}, set())

    assert publisher.wait_idle(5)
    assert calls == [{1}, {2}]


@pytest.mark.django_db(transaction=True)
@override_settings(POLYBOT_PUSH_IN_BACKGROUND=True)
def test_a_placed_order_reaches_the_page_through_the_publisher_thread(
    trader: User, market: Market, yes: Outcome
) -> None:
    # Committed for real: the publisher thread reads with its own connection.
    set_book(yes.token_id, bids=[("0.40", "100")], asks=[("0.60", "100")])
    listener = Listener(trader)
    request = OrderRequest(
        market_id=market.pk, token_id=yes.token_id, side="BUY", price=D("0.30"),
        size=D("10"),
    )  # fmt: skip

    order = order_place(user=trader, request=request)

    assert realtime.background.wait_idle(10)
    ids = _ids(listener.drain())
    assert ids.count(f"order-{order.pk}") == 1
    assert {"stats-cards", "positions", "trading-state"} <= set(ids)


def test_an_exiting_process_publishes_what_it_submitted_first() -> None:
    # Publishing outlasts the main thread, which returns right after submit.
    exited = _exit_after_submitting(publish_seconds=0.5, drain_seconds=30)

    assert (exited.returncode, exited.stdout, exited.stderr) == (
        0,
        "publishing\npublished [1] [10]\n",
        "",
    )


def test_an_exiting_process_gives_up_on_a_hung_publication_after_a_timeout() -> None:
    exited = _exit_after_submitting(publish_seconds=3600, drain_seconds=0.5)

    assert (exited.returncode, exited.stdout, exited.stderr) == (
        0,
        "publishing\n",
        "exiting with 1 account publication(s) unpublished\n",
    )


def test_a_celery_pool_child_publishes_what_it_submitted_before_it_exits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    publish = GatedPublish()
    monkeypatch.setattr(realtime, "background", BackgroundPublisher(publish))
    realtime.background.submit({1}, {10})
    assert publish.started.wait(5)
    threading.Timer(0.2, publish.release.set).start()

    # What billiard's pool child sends just before os._exit.
    worker_process_shutdown.send(sender=None, pid=0, exitcode=0)

    assert realtime.background.wait_idle(0)
    assert publish.calls == [({1}, {10}, "account-publisher")]
