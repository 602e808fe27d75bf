"""Property test of the matching engine: whatever orders arrive, money and
shares are conserved and reservations match the open orders exactly."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from polybot.sandbox.config import SandboxConfig
from polybot.sandbox.errors import VenueError
from polybot.sandbox.models import OrderType, Side
from tests.sandbox.conftest import EngineHarness

WALLETS = ["0x" + f"{i:02x}" * 20 for i in (1, 2, 3)]
ORDER = st.tuples(
    st.sampled_from(WALLETS),
    st.booleans(),  # on the first outcome's token, or the complement's
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(min_value=1, max_value=99),  # price in cents
    st.integers(min_value=5, max_value=60),  # shares
    st.sampled_from([OrderType.GTC, OrderType.GTC, OrderType.FAK, OrderType.FOK]),
    st.booleans(),  # post-only
)


@settings(max_examples=60, deadline=None)
@given(st.lists(ORDER, min_size=1, max_size=40), st.booleans())
def test_balances_are_conserved_and_reservations_exact(
    orders: list[tuple], cancel_half: bool
) -> None:
    harness = EngineHarness(SandboxConfig(simulator_enabled=False, resolve_after=None))
    engine = harness.engine
    market = harness.market("eth-above-5k-end-of-month")  # with taker fees
    fees = Decimal(0)
    for wallet, first, side, cents, shares, order_type, post_only in orders:
        token = market.yes.token_id if first else market.no.token_id
        post = post_only and order_type is OrderType.GTC
        req = harness.order(wallet, token, side, str(Decimal(cents) / 100), str(shares),
                            order_type, post_only=post)  # fmt: skip
        try:
            fees += sum((t.fee for t in engine.place(req).trades), Decimal(0))
        except VenueError:
            continue
    if cancel_half:
        for wallet in WALLETS:
            owner = f"key-{wallet[-4:]}"
            engine.cancel(owner, [o.id for o in engine.open_orders(owner)][::2])

    wallets = [engine.ledger.wallet(w) for w in WALLETS]
    yes, no = market.token_ids
    # Shares only appear in full sets (a mint) or move between wallets.
    assert sum(w.tokens[yes] for w in wallets) == sum(w.tokens[no] for w in wallets)
    # pUSD leaves the wallets only as fees or as collateral locked in full sets.
    minted = sum(w.tokens[yes] for w in wallets)
    assert sum(w.collateral for w in wallets) + fees + minted == 3 * Decimal(10_000)
    for wallet, address in zip(wallets, WALLETS, strict=True):
        mine = engine.open_orders(f"key-{address[-4:]}")
        buys = sum(
            (o.price * o.remaining for o in mine if o.side is Side.BUY), Decimal(0)
        )
        assert wallet.collateral_reserved == buys
        for token in (yes, no):
            sells = sum((o.remaining for o in mine if o.side is Side.SELL and o.asset_id == token),
                        Decimal(0))  # fmt: skip
            assert wallet.tokens_reserved[token] == sells
            assert wallet.available_tokens(token) >= 0
        assert wallet.available_collateral >= 0
    book = engine.book_for(market)
    bid, ask = book.best_bid(), book.best_ask()
    assert bid is None or ask is None or bid < ask  # never left crossed
