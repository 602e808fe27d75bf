"""Live accounts' user channel, run by the stream process (DESIGN §4, §6).

Each live account gets one ``UserStream`` (every market of its API key):

* ``trade`` events become fills through ``trades_apply``, the same mapping
  the live gateway and reconciliation use, so a trade seen on the channel
  and again by a backfill is one fill (its venue trade id is unique);
* ``order`` events move our order with that venue hash through
  ``order_apply_update`` (fills only ever come from trades);
* after a reconnect (``StreamReconnected``), and once the first connection
  is up, the account is reconciled over REST (``reconcile_user``): the
  channel does not replay what was sent while nobody listened. A handler
  that fails asks for the same backfill.

A live account is a user in live mode, or one whose live orders are still
active (they can fill after a switch to paper), with an active wallet whose
API credentials are stored. The set is re-read every ``interval`` seconds;
accounts that stop qualifying (or whose credentials change) are closed.

Database and REST work runs in worker threads; events of one account are
handled in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from accounts.models import User
from accounts.services import credential_reveal
from orders.exchange.live_trades import trades_apply
from orders.exchange.venue_client import active_wallet
from orders.models import ACTIVE_ORDER_STATUSES, Order, OrderStatus
from orders.services import order_apply_update
from polybot.exceptions import ApplicationError
from polybot.lib.aio import wait_for_event
from polybot.lib.types import TradingMode
from polybot.polymarket.config import VenueConfig
from polybot.polymarket.models import (
    ApiCredentials,
    OpenOrder,
    StreamReconnected,
    Trade,
    UserEvent,
    UserOrderEvent,
    UserTradeEvent,
)
from polybot.polymarket.ws import StreamSettings, UserStream

logger = logging.getLogger(__name__)
ACCOUNTS_REFRESH = 10.0
# How long the first connection may take before the initial backfill runs
# anyway (the periodic reconciliation covers a venue that never answers).
FIRST_CONNECT_WAIT = 30.0

_T = TypeVar("_T")


# --- the database side (worker threads) -----------------------------------------


def live_accounts() -> dict[int, ApiCredentials]:
    """The accounts to listen to, with their decrypted API credentials."""
    user_ids = set(
        User.objects.filter(trading_mode=TradingMode.LIVE).values_list("pk", flat=True)
    )
    user_ids.update(
        Order.objects.filter(
            mode=TradingMode.LIVE, status__in=ACTIVE_ORDER_STATUSES
        ).values_list("user_id", flat=True)
    )
    accounts = {}
    for user_id in sorted(user_ids):
        try:
            credential = active_wallet(user_id).credential
        except ApplicationError:
            continue  # no wallet that can sign
        if not credential.has_api_credentials:
            continue  # derived on first trade; listened to from then on
        accounts[user_id] = ApiCredentials(
            api_key=credential_reveal(credential=credential, field="api_key"),
            secret=credential_reveal(credential=credential, field="api_secret"),
            passphrase=credential_reveal(credential=credential, field="api_passphrase"),
        )
    return accounts


def user_trade_apply(user_id: int, trade: Trade) -> int:
    """One ``trade`` event: the fills of ours in it; returns how many were new."""
    return trades_apply([trade], user_id=user_id)


def user_order_apply(user_id: int, venue_order: OpenOrder) -> bool:
    """One ``order`` event: move our order with that hash, if it is ours.

    An order still ``submitting`` is left to its submission, which records
    the venue's answer (and when it was sent); reconciliation settles any
    that stay stuck."""
    order = (
        Order.objects.filter(
            user_id=user_id,
            mode=TradingMode.LIVE,
            venue_order_hash=venue_order.id.lower(),
        )
        .select_related("user")
        .first()
    )
    if order is None or order.status == OrderStatus.SUBMITTING:
        return False
    return order_apply_update(
        order=order,
        venue_status=venue_order.status,
        size_matched=venue_order.size_matched,
    )


def user_backfill(user_id: int) -> None:
    from orders.reconcile import reconcile_user

    reconcile_user(user_id)


def _db_job(fn: Callable[..., _T], *args: object) -> _T:
    close_old_connections()
    try:
        return fn(*args)
    finally:
        close_old_connections()


async def _in_thread(fn: Callable[..., _T], *args: object) -> _T:
    return await sync_to_async(_db_job, thread_sensitive=False)(fn, *args)


# --- the stream side (event loop) ------------------------------------------------


@dataclass
class _Account:
    user_id: int
    creds: ApiCredentials
    stream: UserStream
    task: asyncio.Task[None]
    # One backfill at a time per account; a request while one runs queues
    # exactly one more, so the last gap is always covered.
    backfill_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    backfill_wanted: bool = False


class LiveUserStreams:
    """One user-channel connection per live account, kept in step with the
    database."""

    def __init__(
        self,
        config: VenueConfig,
        *,
        settings: StreamSettings | None = None,
        interval: float = ACCOUNTS_REFRESH,
    ) -> None:
        self.config = config
        self.settings = settings
        self.interval = interval
        self.accounts: dict[int, _Account] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.backfills = 0  # completed, for health reporting and tests

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await self.refresh()
                except Exception:
                    logger.exception("user streams: refresh failed")
                await wait_for_event(stop, self.interval)
        finally:
            await self.close()

    async def refresh(self) -> None:
        wanted = await _in_thread(live_accounts)
        for user_id in list(self.accounts):
            account = self.accounts[user_id]
            if wanted.get(user_id) != account.creds or account.task.done():
                await self._close(user_id)
        for user_id, creds in wanted.items():
            if user_id not in self.accounts:
                self._open(user_id, creds)

    async def close(self) -> None:
        for user_id in list(self.accounts):
            await self._close(user_id)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- one account ----------------------------------------------------------------

    def _open(self, user_id: int, creds: ApiCredentials) -> None:
        async def on_event(event: UserEvent | StreamReconnected) -> None:
            await self._on_event(user_id, event)

        stream = UserStream(
            self.config, creds, None, on_event=on_event, settings=self.settings
        )
        task = asyncio.create_task(stream.run(), name=f"user-stream-{user_id}")
        self.accounts[user_id] = _Account(user_id, creds, stream, task)
        self._spawn(self._first_backfill(user_id, stream))
        logger.info("user channel opened for user %s", user_id)

    async def _close(self, user_id: int) -> None:
        account = self.accounts.pop(user_id)
        await account.stream.stop()
        try:
            await account.task
        except Exception:
            logger.exception("user channel of user %s ended with an error", user_id)
        logger.info("user channel closed for user %s", user_id)

    async def _first_backfill(self, user_id: int, stream: UserStream) -> None:
        # The first connection is not a reconnect and says nothing: what
        # happened before it is read over REST once it is up.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + FIRST_CONNECT_WAIT
        while stream.counters.connects == 0 and loop.time() < deadline:
            await asyncio.sleep(0.05)
        await self._backfill(user_id)

    async def _on_event(
        self, user_id: int, event: UserEvent | StreamReconnected
    ) -> None:
        # Never raise: an exception from on_event would end the stream.
        if isinstance(event, StreamReconnected):
            self._spawn(self._backfill(user_id))
            return
        try:
            if isinstance(event, UserTradeEvent):
                await _in_thread(user_trade_apply, user_id, event.trade)
            elif isinstance(event, UserOrderEvent):
                await _in_thread(user_order_apply, user_id, event.order)
        except Exception:
            logger.exception(
                "user %s: could not apply a %s event; backfilling",
                user_id,
                event.event_type,
            )
            self._spawn(self._backfill(user_id))

    async def _backfill(self, user_id: int) -> None:
        account = self.accounts.get(user_id)
        if account is None:
            return
        account.backfill_wanted = True
        if account.backfill_lock.locked():
            return  # the running one goes again when it is done
        async with account.backfill_lock:
            while account.backfill_wanted:
                account.backfill_wanted = False
                try:
                    await _in_thread(user_backfill, user_id)
                    self.backfills += 1
                except Exception:
                    logger.exception("backfill of user %s failed", user_id)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
