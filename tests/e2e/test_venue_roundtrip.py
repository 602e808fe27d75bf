"""Issue 3 acceptance: our adapter (Gamma client, TradingClient over the real
py-clob-client-v2, UserStream) against a running sandbox, no mocks."""

from __future__ import annotations

import asyncio
import queue
import threading
from dataclasses import replace
from decimal import Decimal

import httpx
import pytest
from eth_account import Account

from polybot.polymarket.config import VenueConfig
from polybot.polymarket.errors import RejectCode, RejectedError
from polybot.polymarket.gamma import GammaClient
from polybot.polymarket.models import (
    ApiCredentials,
    GammaMarket,
    Side,
    StreamReconnected,
    TradeStatus,
    UserEvent,
    UserTradeEvent,
)
from polybot.polymarket.trading import TradingClient
from polybot.polymarket.ws import StreamSettings, UserStream

D = Decimal


def _binary_market(config: VenueConfig) -> GammaMarket:
    market = next(
        m
        for m in GammaClient(config).markets(active=True, order="volumeNum")
        if not m.neg_risk
    )
    assert len(market.outcomes) == 2
    return market


def _trader(config: VenueConfig) -> TradingClient:
    client = TradingClient(config, private_key=Account.create().key.hex())
    client.create_or_derive_credentials()
    return client


class UserStreamThread:
    """Our UserStream on its own loop, collecting typed events for assertions."""

    def __init__(
        self, config: VenueConfig, creds: ApiCredentials, markets: list[str]
    ) -> None:
        self.events: queue.Queue[UserEvent | StreamReconnected] = queue.Queue()
        self.loop = asyncio.new_event_loop()
        settings = StreamSettings(
            ping_interval=0.5, stale_after=5.0, reconnect_base=0.05, reconnect_max=0.5
        )
        self.stream = UserStream(
            config, creds, markets, on_event=self._on_event, settings=settings
        )
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.task: asyncio.Future[None] | None = None

    async def _on_event(self, event: UserEvent | StreamReconnected) -> None:
        self.events.put(event)

    def start(self) -> UserStreamThread:
        self.thread.start()
        self.task = asyncio.run_coroutine_threadsafe(self.stream.run(), self.loop)  # type: ignore[assignment]
        return self

    def next_trade(self, timeout: float = 10.0) -> UserTradeEvent:
        while True:
            event = self.events.get(timeout=timeout)
            if isinstance(event, UserTradeEvent):
                return event

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.stream.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def test_the_adapter_trades_end_to_end_against_the_sandbox(
    venue_config: VenueConfig, control: httpx.Client
) -> None:
    market = _binary_market(venue_config)
    yes = market.outcomes[0].token_id
    alice, bob = _trader(venue_config), _trader(venue_config)
    assert alice.credentials is not None
    stream = UserStreamThread(
        venue_config, alice.credentials, [market.condition_id]
    ).start()
    try:
        # Let the user channel subscribe before anything trades.
        assert _eventually(lambda: stream.stream.counters.connects >= 1)

        # A signed GTC order rests; its hash was known before posting.
        bid = alice.sign_order(token_id=yes, side=Side.BUY, price=D("0.05"), size=D("20"),
                               tick_size=market.tick_size, neg_risk=market.neg_risk)  # fmt: skip
        posted = alice.post_order(bid)
        assert (posted.success, posted.status, posted.order_id) == (
            True,
            "live",
            bid.order_hash,
        )
        assert [o.id for o in alice.open_orders(asset_id=yes)] == [bid.order_hash]

        # Bob holds YES shares and sells into Alice's bid: a match.
        funded = control.post(
            "/fund",
            json={"address": bob.maker_address, "amount": "20", "token_id": yes},
        )
        assert funded.status_code == 200
        ask = bob.sign_order(token_id=yes, side=Side.SELL, price=D("0.05"), size=D("20"),
                             tick_size=market.tick_size, neg_risk=market.neg_risk)  # fmt: skip
        taken = bob.post_order(ask)
        assert (taken.success, taken.status) == (True, "matched")

        # Alice hears about it on the user websocket, through our adapter. The
        # trade's side is the taker's (Bob sold); Alice is the maker of it.
        trade = stream.next_trade().trade
        assert (trade.asset_id, trade.side, trade.size, trade.price) == (
            yes,
            Side.SELL,
            D("20"),
            D("0.05"),
        )
        assert (trade.status, trade.trader_side) == (TradeStatus.MATCHED, "MAKER")
        assert [(m.order_id, m.matched_amount, m.side) for m in trade.maker_orders] == [
            (bid.order_hash, D("20"), Side.BUY)
        ]
        # Settlement progresses on the same channel until the trade is final.
        statuses = [trade.status]
        while statuses[-1] is not TradeStatus.CONFIRMED:
            update = stream.next_trade().trade
            assert update.id == trade.id
            statuses.append(update.status)
        assert statuses == [
            TradeStatus.MATCHED,
            TradeStatus.MINED,
            TradeStatus.CONFIRMED,
        ]
        assert alice.open_orders(asset_id=yes) == []
        fills = alice.trades_for_market(
            market.condition_id, [o.token_id for o in market.outcomes]
        )
        assert [(t.id, t.size) for t in fills] == [(trade.id, D("20"))]

        # Cancel one, then cancel all.
        one = alice.sign_order(token_id=yes, side=Side.BUY, price=D("0.02"), size=D("10"),
                               tick_size=market.tick_size, neg_risk=market.neg_risk)  # fmt: skip
        alice.post_order(one)
        assert alice.cancel_order(one.order_hash).canceled == (one.order_hash,)
        rest = [
            alice.sign_order(
                token_id=yes,
                side=Side.BUY,
                price=D(p),
                size=D("10"),
                tick_size=market.tick_size,
                neg_risk=market.neg_risk,
            )  # fmt: skip
            for p in ("0.02", "0.03")
        ]
        for order in rest:
            alice.post_order(order)
        assert sorted(alice.cancel_all().canceled) == sorted(o.order_hash for o in rest)
        assert alice.open_orders() == []
    finally:
        stream.stop()


def test_a_tampered_signature_is_refused(venue_config: VenueConfig) -> None:
    market = _binary_market(venue_config)
    alice = _trader(venue_config)
    signed = alice.sign_order(token_id=market.outcomes[0].token_id, side=Side.BUY, price=D("0.05"), size=D("10"),
                              tick_size=market.tick_size, neg_risk=market.neg_risk)  # fmt: skip
    order = dict(signed.payload["order"])  # type: ignore[arg-type]
    signature = str(order["signature"])
    # One hex digit of r, so the signature always changes. (Its tail is s's
    # last byte and v, and v "00" reads as 27: a tail of "001b" came back
    # unchanged, about once in 500 runs.)
    digit = signature[10]
    order["signature"] = (
        signature[:10] + ("1" if digit != "1" else "2") + signature[11:]
    )
    tampered = replace(signed, payload={**signed.payload, "order": order})
    with pytest.raises(RejectedError) as refused:
        alice.post_order(tampered)
    assert refused.value.code is RejectCode.INVALID_SIGNATURE
    assert alice.open_orders() == []


def test_a_wrong_hmac_is_refused(venue_config: VenueConfig) -> None:
    alice = _trader(venue_config)
    creds = alice.credentials
    assert creds is not None
    wrong = ApiCredentials(
        api_key=creds.api_key,
        secret="d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA==",
        passphrase=creds.passphrase,
    )
    impostor = TradingClient(
        venue_config, private_key=alice._client.signer.private_key, credentials=wrong
    )
    with pytest.raises(RejectedError) as refused:
        impostor.open_orders()
    assert (refused.value.code, refused.value.status) == (RejectCode.UNAUTHORIZED, 401)


def _eventually(predicate, timeout: float = 10.0) -> bool:  # noqa: ANN001
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
