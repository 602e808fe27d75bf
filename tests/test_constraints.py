"""What must never happen is refused by PostgreSQL itself, not only by
validation: each test writes through the ORM, bypassing ``full_clean``.

PostgreSQL tests CHECK constraints in alphabetical order of their names and
reports the first one violated, so each bad write below breaks exactly one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from django.db import IntegrityError, transaction

from accounts.models import ApiKey, AuditLog, User, Wallet
from markets.models import Market, MarketSnapshot, Outcome
from orders.models import Fill, Order
from polybot.lib.time import utc_now
from portfolio.models import CashLedgerEntry, Position
from strategies.models import Strategy
from tests.factories.accounts import WalletFactory
from tests.factories.markets import MarketFactory, OutcomeFactory
from tests.factories.orders import FillFactory, OrderFactory
from tests.factories.portfolio import CashLedgerEntryFactory, PositionFactory
from tests.factories.strategies import StrategyFactory

pytestmark = pytest.mark.django_db

FUNDER = "0x" + "f" * 40


@contextmanager
def refused_by(constraint: str) -> Iterator[None]:
    """The write inside is refused by the named constraint; the savepoint
    keeps the test's transaction usable afterwards."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    assert f'constraint "{constraint}"' in str(excinfo.value)


# --- Orders -----------------------------------------------------------------


class TestOrder:
    def test_it_refuses_zero_size(self) -> None:
        order = OrderFactory(size=Decimal("10"))

        with refused_by("order_size_positive"):
            Order.objects.filter(pk=order.pk).update(size=Decimal("0"))

    def test_it_refuses_negative_size(self) -> None:
        order = OrderFactory(size=Decimal("10"))

        # A negative size also breaks filled (0) <= size, which sorts first.
        with refused_by("order_filled_within_size"):
            Order.objects.filter(pk=order.pk).update(size=Decimal("-1"))

    def test_it_refuses_creating_an_order_of_negative_size(self) -> None:
        with refused_by("order_filled_within_size"):
            OrderFactory(size=Decimal("-5"))

    def test_it_refuses_filled_larger_than_size(self) -> None:
        order = OrderFactory(size=Decimal("10"))

        with refused_by("order_filled_within_size"):
            Order.objects.filter(pk=order.pk).update(filled_size=Decimal("11"))

    def test_it_allows_filled_equal_to_size(self) -> None:
        order = OrderFactory(size=Decimal("10"))

        Order.objects.filter(pk=order.pk).update(filled_size=Decimal("10"))

        order.refresh_from_db()
        assert order.remaining_size == Decimal("0")

    def test_it_refuses_negative_filled(self) -> None:
        order = OrderFactory(size=Decimal("10"))

        with refused_by("order_filled_nonneg"):
            Order.objects.filter(pk=order.pk).update(filled_size=Decimal("-1"))

    @pytest.mark.parametrize("price", [Decimal("0"), Decimal("1")])
    def test_it_refuses_a_price_of_zero_or_one(self, price: Decimal) -> None:
        order = OrderFactory()

        with refused_by("order_price_in_range"):
            Order.objects.filter(pk=order.pk).update(price=price)

    def test_it_refuses_gtd_without_expiration(self) -> None:
        order = OrderFactory(order_type="GTC")

        with refused_by("order_gtd_has_expiration"):
            Order.objects.filter(pk=order.pk).update(order_type="GTD")

    def test_it_allows_gtd_with_expiration(self) -> None:
        order = OrderFactory(
            order_type="GTD", expiration=utc_now() + timedelta(hours=1)
        )

        assert Order.objects.get(pk=order.pk).order_type == "GTD"

    def test_it_refuses_post_only_fok(self) -> None:
        with refused_by("order_post_only_resting"):
            OrderFactory(order_type="FOK", post_only=True)

    def test_it_refuses_turning_a_post_only_order_into_fak(self) -> None:
        order = OrderFactory(order_type="GTC", post_only=True)

        with refused_by("order_post_only_resting"):
            Order.objects.filter(pk=order.pk).update(order_type="FAK")

    def test_it_refuses_a_duplicate_client_order_id(self) -> None:
        first = OrderFactory(client_order_id="coid-1")

        with refused_by("orders_order_client_order_id_key"):
            OrderFactory(client_order_id="coid-1", outcome=first.outcome)

    def test_it_refuses_a_duplicate_venue_order_hash(self) -> None:
        venue_hash = "0x" + "12" * 32
        OrderFactory(venue_order_hash=venue_hash)

        with refused_by("orders_order_venue_order_hash_key"):
            OrderFactory(venue_order_hash=venue_hash)

    def test_it_allows_many_orders_without_a_venue_hash(self) -> None:
        OrderFactory(venue_order_hash=None)
        OrderFactory(venue_order_hash=None)

        assert Order.objects.filter(venue_order_hash__isnull=True).count() == 2

    def test_it_refuses_an_unknown_status(self) -> None:
        order = OrderFactory()

        with refused_by("order_status_valid"):
            Order.objects.filter(pk=order.pk).update(status="lost")


# --- Fills ------------------------------------------------------------------


class TestFill:
    def test_it_refuses_a_duplicate_venue_trade_id(self) -> None:
        fill = FillFactory(venue_trade_id="trade-abc")

        with refused_by("orders_fill_venue_trade_id_key"):
            FillFactory(venue_trade_id="trade-abc", order=fill.order)

    def test_it_refuses_size_zero(self) -> None:
        fill = FillFactory()

        with refused_by("fill_size_positive"):
            Fill.objects.filter(pk=fill.pk).update(size=Decimal("0"))

    @pytest.mark.parametrize("price", [Decimal("0"), Decimal("1")])
    def test_it_refuses_a_price_of_zero_or_one(self, price: Decimal) -> None:
        fill = FillFactory()

        with refused_by("fill_price_in_range"):
            Fill.objects.filter(pk=fill.pk).update(price=price)

    def test_it_refuses_a_maker_fill_with_a_fee(self) -> None:
        fill = FillFactory(role="maker", fee=Decimal("0"))

        with refused_by("fill_maker_pays_no_fee"):
            Fill.objects.filter(pk=fill.pk).update(fee=Decimal("0.01"))

    def test_it_allows_a_taker_fill_with_a_fee(self) -> None:
        fill = FillFactory(role="taker", fee=Decimal("0.07"))

        assert Fill.objects.get(pk=fill.pk).fee == Decimal("0.07")

    def test_it_refuses_a_negative_fee(self) -> None:
        fill = FillFactory(role="taker", fee=Decimal("0.07"))

        with refused_by("fill_fee_nonneg"):
            Fill.objects.filter(pk=fill.pk).update(fee=Decimal("-0.01"))


# --- Positions and paper cash ----------------------------------------------


class TestPosition:
    def test_it_refuses_a_negative_size(self) -> None:
        position = PositionFactory(size=Decimal("10"))

        with refused_by("position_size_nonneg"):
            Position.objects.filter(pk=position.pk).update(size=Decimal("-0.01"))

    def test_it_refuses_two_open_positions_in_one_token(self, user: User) -> None:
        outcome = OutcomeFactory()
        PositionFactory(user=user, mode="paper", outcome=outcome)

        with refused_by("position_one_open_per_token"):
            PositionFactory(user=user, mode="paper", outcome=outcome)

    def test_it_allows_a_closed_and_an_open_position_in_one_token(
        self, user: User
    ) -> None:
        outcome = OutcomeFactory()
        PositionFactory(
            user=user, mode="paper", outcome=outcome, status="closed", size=Decimal("0")
        )
        PositionFactory(user=user, mode="paper", outcome=outcome)

        statuses = Position.objects.filter(user=user, outcome=outcome).values_list(
            "status", flat=True
        )
        assert sorted(statuses) == ["closed", "open"]

    def test_it_refuses_reopening_a_second_position(self, user: User) -> None:
        outcome = OutcomeFactory()
        closed = PositionFactory(user=user, outcome=outcome, status="closed")
        PositionFactory(user=user, outcome=outcome)

        with refused_by("position_one_open_per_token"):
            Position.objects.filter(pk=closed.pk).update(status="open")

    def test_it_allows_one_token_open_in_paper_and_in_live(self, user: User) -> None:
        outcome = OutcomeFactory()
        PositionFactory(user=user, mode="paper", outcome=outcome)
        PositionFactory(user=user, mode="live", outcome=outcome)

        modes = Position.objects.filter(user=user, status="open").values_list(
            "mode", flat=True
        )
        assert sorted(modes) == ["live", "paper"]

    def test_it_allows_two_users_open_in_one_token(
        self, user: User, other_user: User
    ) -> None:
        outcome = OutcomeFactory()
        PositionFactory(user=user, outcome=outcome)
        PositionFactory(user=other_user, outcome=outcome)

        assert Position.objects.filter(outcome=outcome, status="open").count() == 2


class TestCashLedger:
    def test_it_refuses_a_negative_paper_balance(self) -> None:
        entry = CashLedgerEntryFactory(balance_after=Decimal("1000"))

        with refused_by("cash_balance_nonneg"):
            CashLedgerEntry.objects.filter(pk=entry.pk).update(
                balance_after=Decimal("-0.01")
            )

    def test_it_refuses_recording_a_buy_below_zero(self, user: User) -> None:
        with refused_by("cash_balance_nonneg"):
            CashLedgerEntryFactory(
                user=user,
                kind="buy",
                amount=Decimal("-1001"),
                balance_after=Decimal("-1"),
            )

    def test_it_allows_a_zero_balance(self, user: User) -> None:
        entry = CashLedgerEntryFactory(
            user=user, kind="buy", amount=Decimal("-1000"), balance_after=Decimal("0")
        )

        assert CashLedgerEntry.objects.get(pk=entry.pk).balance_after == Decimal("0")


# --- Accounts ---------------------------------------------------------------


class TestWallet:
    def test_it_refuses_signature_type_4(self) -> None:
        # With a funder, so only the signature type is wrong.
        wallet = WalletFactory(signature_type=2, funder=FUNDER)

        with refused_by("wallet_signature_type_valid"):
            Wallet.objects.filter(pk=wallet.pk).update(signature_type=4)

    @pytest.mark.parametrize(
        "address",
        [
            "0x" + "a" * 39,  # too short
            "0x" + "g" * 40,  # not hex
            "ab" * 21,  # no 0x prefix
            "",
        ],
    )
    def test_it_refuses_a_malformed_address(self, address: str) -> None:
        wallet = WalletFactory()

        with refused_by("wallet_address_format"):
            Wallet.objects.filter(pk=wallet.pk).update(address=address)

    def test_it_refuses_a_malformed_funder(self) -> None:
        wallet = WalletFactory(signature_type=1, funder=FUNDER)

        with refused_by("wallet_funder_format"):
            Wallet.objects.filter(pk=wallet.pk).update(funder="0x1234")

    @pytest.mark.parametrize("signature_type", [1, 2, 3])
    def test_it_refuses_a_non_eoa_wallet_without_funder(
        self, signature_type: int
    ) -> None:
        with refused_by("wallet_funder_required"):
            WalletFactory(signature_type=signature_type, funder="")

    def test_it_allows_an_eoa_wallet_without_funder(self) -> None:
        wallet = WalletFactory(signature_type=0, funder="")

        assert Wallet.objects.get(pk=wallet.pk).funder == ""

    def test_it_refuses_the_same_address_twice_for_one_user(self, user: User) -> None:
        wallet = WalletFactory(user=user)

        with refused_by("wallet_unique_per_user"):
            WalletFactory(user=user, address=wallet.address)

    def test_it_refuses_an_unknown_chain(self) -> None:
        wallet = WalletFactory()

        with refused_by("wallet_chain_id_valid"):
            Wallet.objects.filter(pk=wallet.pk).update(chain_id=1)


class TestUser:
    def test_it_refuses_a_malformed_wallet_address(self, user: User) -> None:
        with refused_by("user_wallet_address_format"):
            User.objects.filter(pk=user.pk).update(wallet_address="0xnope")

    def test_it_refuses_an_unknown_trading_mode(self, user: User) -> None:
        with refused_by("user_trading_mode_valid"):
            User.objects.filter(pk=user.pk).update(trading_mode="yolo")


class TestApiKey:
    def _api_key(self, user: User, scopes: list[str]) -> ApiKey:
        return ApiKey.objects.create(
            user=user, name="bot", prefix="pfx1", hashed_key="0" * 64, scopes=scopes
        )

    def test_it_refuses_the_admin_scope(self, user: User) -> None:
        with refused_by("apikey_scopes_valid"):
            self._api_key(user, ["read", "admin"])

    def test_it_refuses_adding_the_admin_scope_later(self, user: User) -> None:
        api_key = self._api_key(user, ["read"])

        with refused_by("apikey_scopes_valid"):
            ApiKey.objects.filter(pk=api_key.pk).update(scopes=["admin"])

    def test_it_allows_read_and_trade(self, user: User) -> None:
        api_key = self._api_key(user, ["read", "trade"])

        assert ApiKey.objects.get(pk=api_key.pk).scopes == ["read", "trade"]

    def test_it_refuses_a_hash_that_is_not_sha256_hex(self, user: User) -> None:
        api_key = self._api_key(user, ["read"])

        with refused_by("apikey_hash_format"):
            ApiKey.objects.filter(pk=api_key.pk).update(hashed_key="pb_plaintext_key")


class TestAuditLog:
    """A trigger raises with SQLSTATE 23000 (integrity_constraint_violation):
    psycopg maps it to IntegrityConstraintViolation, a psycopg.IntegrityError,
    which Django re-raises as django.db.IntegrityError (not InternalError)."""

    def _entry(self, user: User) -> AuditLog:
        return AuditLog.objects.create(user=user, action="login", message="hello")

    def test_it_refuses_update(self, user: User) -> None:
        entry = self._entry(user)

        with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
            AuditLog.objects.filter(pk=entry.pk).update(message="rewritten")

        assert excinfo.type is IntegrityError
        assert (
            type(excinfo.value.__cause__) is psycopg.errors.IntegrityConstraintViolation
        )
        assert "accounts_auditlog is append-only: UPDATE is not allowed" in str(
            excinfo.value
        )
        assert AuditLog.objects.get(pk=entry.pk).message == "hello"

    def test_it_refuses_delete(self, user: User) -> None:
        entry = self._entry(user)

        with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
            AuditLog.objects.filter(pk=entry.pk).delete()

        assert excinfo.type is IntegrityError
        assert (
            type(excinfo.value.__cause__) is psycopg.errors.IntegrityConstraintViolation
        )
        assert "accounts_auditlog is append-only: DELETE is not allowed" in str(
            excinfo.value
        )
        assert AuditLog.objects.filter(pk=entry.pk).exists()

    def test_it_refuses_save_of_an_existing_row(self, user: User) -> None:
        entry = self._entry(user)
        entry.message = "rewritten"

        with (
            pytest.raises(IntegrityError, match="UPDATE is not allowed"),
            transaction.atomic(),
        ):
            entry.save()

    def test_it_still_accepts_inserts(self, user: User) -> None:
        self._entry(user)
        self._entry(user)

        assert AuditLog.objects.filter(user=user).count() == 2


# --- Markets ----------------------------------------------------------------


class TestMarket:
    def test_it_refuses_a_duplicate_outcome_token_id(self) -> None:
        OutcomeFactory(token_id="71321")

        with refused_by("markets_outcome_token_id_key"):
            OutcomeFactory(token_id="71321")

    def test_it_refuses_two_outcomes_at_one_index(self) -> None:
        yes = OutcomeFactory(index=0)

        with refused_by("outcome_unique_index_per_market"):
            OutcomeFactory(market=yes.market, index=0, label="No")

    def test_it_refuses_a_winner_while_not_resolved(self) -> None:
        yes = OutcomeFactory()

        with refused_by("market_winner_only_when_resolved"):
            Market.objects.filter(pk=yes.market_id).update(winning_outcome=yes)

    def test_it_allows_a_winner_once_resolved(self) -> None:
        yes = OutcomeFactory()

        Market.objects.filter(pk=yes.market_id).update(
            status="resolved", winning_outcome=yes
        )

        assert Market.objects.get(pk=yes.market_id).winning_outcome_id == yes.pk

    def test_it_refuses_reopening_a_market_with_a_winner(self) -> None:
        market = MarketFactory(status="resolved")
        yes = OutcomeFactory(market=market)
        Market.objects.filter(pk=market.pk).update(winning_outcome=yes)

        with refused_by("market_winner_only_when_resolved"):
            Market.objects.filter(pk=market.pk).update(status="active")

    @pytest.mark.parametrize("tick", [Decimal("0"), Decimal("1")])
    def test_it_refuses_a_tick_size_out_of_range(self, tick: Decimal) -> None:
        market = MarketFactory()

        with refused_by("market_tick_size_range"):
            Market.objects.filter(pk=market.pk).update(tick_size=tick)

    def test_it_refuses_an_outcome_price_above_one(self) -> None:
        outcome = OutcomeFactory()

        with refused_by("outcome_price_range"):
            Outcome.objects.filter(pk=outcome.pk).update(price=Decimal("1.01"))


class TestMarketSnapshot:
    def test_it_refuses_a_crossed_book(self) -> None:
        with refused_by("snapshot_book_not_crossed"):
            MarketSnapshot.objects.create(
                outcome=OutcomeFactory(),
                taken_at=utc_now(),
                best_bid=Decimal("0.56"),
                best_ask=Decimal("0.55"),
            )

    def test_it_allows_a_locked_book_and_a_one_sided_book(self) -> None:
        outcome = OutcomeFactory()
        now = utc_now()
        MarketSnapshot.objects.create(
            outcome=outcome,
            taken_at=now,
            best_bid=Decimal("0.55"),
            best_ask=Decimal("0.55"),
        )
        MarketSnapshot.objects.create(
            outcome=outcome,
            taken_at=now + timedelta(seconds=1),
            best_bid=Decimal("0.9"),
            best_ask=None,
        )

        assert MarketSnapshot.objects.filter(outcome=outcome).count() == 2

    def test_it_refuses_two_snapshots_at_one_instant(self) -> None:
        outcome = OutcomeFactory()
        now = utc_now()
        MarketSnapshot.objects.create(outcome=outcome, taken_at=now)

        with refused_by("snapshot_unique_per_instant"):
            MarketSnapshot.objects.create(outcome=outcome, taken_at=now)


# --- Strategies -------------------------------------------------------------


class TestStrategy:
    def test_it_refuses_an_interval_of_4_seconds(self) -> None:
        strategy = StrategyFactory(interval_seconds=60)

        with refused_by("strategy_interval_min_5s"):
            Strategy.objects.filter(pk=strategy.pk).update(interval_seconds=4)

    def test_it_allows_an_interval_of_5_seconds(self) -> None:
        strategy = StrategyFactory(interval_seconds=5)

        assert Strategy.objects.get(pk=strategy.pk).interval_seconds == 5

    def test_it_refuses_a_window_that_ends_before_it_starts(self) -> None:
        start = utc_now()

        with refused_by("strategy_window_ordered"):
            StrategyFactory(start_at=start, end_at=start - timedelta(minutes=1))

    def test_it_refuses_a_duplicate_name_for_one_user(self, user: User) -> None:
        StrategyFactory(user=user, name="Momentum A")

        with refused_by("strategy_unique_name_per_user"):
            StrategyFactory(user=user, name="Momentum A")
