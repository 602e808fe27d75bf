"""Rendering and pushing account changes off the writer's thread.

A fill or an order state change pushes the order's row and four account
panels; rendering them takes tens of milliseconds (marks, bid walks), which
used to sit inside the worker's submission task, between one order and the
next. Writers now hand the changed ids to one publisher thread per process
and go on.

One thread, first in first out, and each batch rendered from the rows as
they are when it runs: a page never gets an older state after a newer one.
Whatever piles up while a batch renders is merged into the next, so a burst
renders each order and account once.

A process that exits normally first publishes what was already submitted,
for at most ``SHUTDOWN_DRAIN_SECONDS`` (a stuck Redis must not hang a
deploy): an ``atexit`` hook covers interpreter exit (daphne on SIGTERM, a
solo Celery worker, management commands), and ``polybot.celery`` drains on
``worker_process_shutdown`` because prefork children leave through
``os._exit``, which skips ``atexit``. Only a kill or a stuck publication
loses pushes now; pages poll and catch up.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
from collections.abc import Callable

from django.db import close_old_connections

logger = logging.getLogger(__name__)
Publish = Callable[[set[int], set[int]], None]

# How long an exiting process waits for its queued publications.
SHUTDOWN_DRAIN_SECONDS = 5.0


class BackgroundPublisher:
    def __init__(self, publish: Publish) -> None:
        self._publish = publish
        self._queue: queue.SimpleQueue[tuple[set[int], set[int]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        # Submissions not yet published, for wait_idle.
        self._unpublished = 0
        self._published = threading.Condition()
        self._drains_at_exit = False

    def submit(self, order_ids: set[int], user_ids: set[int]) -> None:
        """Queue a publication of these orders' rows and accounts' panels."""
        with self._published:
            self._unpublished += 1
        self._queue.put((order_ids, user_ids))
        self._ensure_running()

    def wait_idle(self, timeout: float) -> bool:
        """Block until everything submitted so far is published (tests,
        shutdown); False if that took longer than ``timeout`` seconds."""
        with self._published:
            return self._published.wait_for(lambda: not self._unpublished, timeout)

    def drain(self, timeout: float | None = None) -> bool:
        """Publish what was submitted before this process exits; False, and a
        warning, if that took longer than ``timeout`` seconds (by default
        ``SHUTDOWN_DRAIN_SECONDS``, read when the process exits)."""
        if timeout is None:
            timeout = SHUTDOWN_DRAIN_SECONDS
        if not (self._pid == os.getpid() and self._thread and self._thread.is_alive()):
            # No thread in this process (a forked copy that never submitted):
            # nothing of ours to wait for.
            return True
        if self.wait_idle(timeout):
            return True
        logger.warning(
            "exiting with %d account publication(s) unpublished", self._unpublished
        )
        return False

    def _ensure_running(self) -> None:
        # Started lazily and per process: a Celery worker forks its children
        # after import, and a thread does not survive a fork.
        if self._pid == os.getpid() and self._thread and self._thread.is_alive():
            return
        with self._lock:
            if self._pid == os.getpid() and self._thread and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._run, name="account-publisher", daemon=True
            )
            self._thread.start()
            # Registered once, with the first thread. A forked child inherits
            # both the hook and this flag, and the hook then drains the
            # child's own copy. Plain atexit suffices: the interpreter joins
            # non-daemon threads, then runs atexit hooks while daemon threads
            # such as this one still run, and only then stops them.
            if not self._drains_at_exit:
                self._drains_at_exit = True
                atexit.register(self.drain)

    def _run(self) -> None:
        while True:
            order_ids, user_ids = self._queue.get()
            taken = 1
            while True:
                try:
                    more_orders, more_users = self._queue.get_nowait()
                except queue.Empty:
                    break
                order_ids |= more_orders
                user_ids |= more_users
                taken += 1
            try:
                self._publish(order_ids, user_ids)
            except Exception:
                logger.exception("account publication failed")
            finally:
                # This thread keeps its connection between batches: drop it
                # if it broke (a database restart) or aged out.
                close_old_connections()
            with self._published:
                self._unpublished -= taken
                self._published.notify_all()
