"""The admin renders every model, keeps secrets off every page, and offers no
way to rewrite history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services as account_services
from accounts.models import (
    ApiKey,
    AuditAction,
    AuditLog,
    BotSettings,
    User,
    VenueCredential,
    Wallet,
)
from alerts.models import Alert, Notification
from markets.models import Event, Market, MarketSnapshot, Outcome, RecordedMessage
from orders.models import Fill, Order
from polybot.lib.time import utc_now
from portfolio.models import CashLedgerEntry, PortfolioSnapshot, Position
from strategies.models import Strategy, StrategyLog, StrategyMarket, StrategyRun
from tests.factories.accounts import BotSettingsFactory, UserFactory, WalletFactory
from tests.factories.alerts import AlertFactory, NotificationFactory
from tests.factories.markets import EventFactory, MarketFactory, OutcomeFactory
from tests.factories.orders import FillFactory, OrderFactory
from tests.factories.portfolio import CashLedgerEntryFactory, PositionFactory
from tests.factories.strategies import StrategyFactory, StrategyRunFactory

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("accounts", "markets", "orders", "strategies", "portfolio", "alerts")

# Rows that are history, or that change only through services.
VIEW_ONLY = (
    VenueCredential,
    ApiKey,
    AuditLog,
    MarketSnapshot,
    RecordedMessage,
    Order,
    Fill,
    Position,
    CashLedgerEntry,
    PortfolioSnapshot,
    StrategyRun,
    StrategyLog,
)
EDITABLE = (
    User,
    Wallet,
    BotSettings,
    Event,
    Market,
    Outcome,
    Strategy,
    StrategyMarket,
    Alert,
    Notification,
)
ADDABLE = tuple(m for m in EDITABLE if m is not BotSettings)

PRIVATE_KEY = "0x" + "ab" * 32
SECRETS = {
    "private_key": PRIVATE_KEY,
    "api_key": "key-123",
    "api_secret": "c2VjcmV0",
    "api_passphrase": "pass-phrase",
}


def _url(model: type[models.Model], view: str, *args: object) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@dataclass
class Cast:
    user: User
    wallet: Wallet
    credential: VenueCredential
    api_key: ApiKey
    rows: dict[type[models.Model], models.Model]


@pytest.fixture
def cast(user: User) -> Cast:
    wallet = WalletFactory(user=user)
    credential = account_services.credential_store(wallet=wallet, **SECRETS)
    api_key = account_services.api_key_create(
        user=user, name="ci", scopes=["read"]
    ).api_key
    event = EventFactory()
    market = MarketFactory(event=event)
    outcome = OutcomeFactory(market=market)
    order = OrderFactory(user=user, outcome=outcome, venue_order_hash="0x" + "cd" * 32)
    strategy = StrategyFactory(user=user)
    run = StrategyRunFactory(strategy=strategy)
    alert = AlertFactory(user=user)
    rows: dict[type[models.Model], models.Model] = {
        User: user,
        Wallet: wallet,
        VenueCredential: credential,
        BotSettings: BotSettingsFactory(user=user),
        ApiKey: api_key,
        AuditLog: AuditLog.objects.filter(user=user).first(),
        Event: event,
        Market: market,
        Outcome: outcome,
        RecordedMessage: RecordedMessage.objects.create(
            received_at=utc_now(), asset_ids=["t1"], raw='{"asset_id":"t1"}'
        ),
        MarketSnapshot: MarketSnapshot.objects.create(
            outcome=outcome,
            taken_at=utc_now(),
            best_bid=Decimal("0.45"),
            best_ask=Decimal("0.55"),
        ),
        Order: order,
        Fill: FillFactory(order=order),
        Position: PositionFactory(user=user, outcome=outcome),
        CashLedgerEntry: CashLedgerEntryFactory(user=user),
        PortfolioSnapshot: PortfolioSnapshot.objects.create(
            user=user, mode="paper", taken_at=utc_now(), equity=Decimal("1000")
        ),
        Strategy: strategy,
        StrategyMarket: StrategyMarket.objects.create(
            strategy=strategy, market=market, outcome=outcome
        ),
        StrategyRun: run,
        StrategyLog: StrategyLog.objects.create(
            strategy=strategy, run=run, message="bought 10 Yes"
        ),
        Alert: alert,
        Notification: NotificationFactory(user=user, alert=alert),
    }
    return Cast(user, wallet, credential, api_key, rows)


@pytest.fixture
def superuser_client(client: Client) -> Client:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    return client


def test_it_registers_every_project_model() -> None:
    project_models = {
        model
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
    }
    registered = {model for model in admin.site._registry if model in project_models}

    assert registered == project_models
    assert project_models == set(VIEW_ONLY) | set(EDITABLE)


@pytest.mark.parametrize("model", [*VIEW_ONLY, *EDITABLE], ids=lambda m: m.__name__)
def test_it_renders_the_changelist(
    superuser_client: Client, cast: Cast, model: type[models.Model]
) -> None:
    response = superuser_client.get(_url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", [*VIEW_ONLY, *EDITABLE], ids=lambda m: m.__name__)
def test_it_renders_the_change_page(
    superuser_client: Client, cast: Cast, model: type[models.Model]
) -> None:
    row = cast.rows[model]

    response = superuser_client.get(_url(model, "change", row.pk))

    assert response.status_code == 200


@pytest.mark.parametrize("model", ADDABLE, ids=lambda m: m.__name__)
def test_it_renders_the_add_page_of_editable_models(
    superuser_client: Client, cast: Cast, model: type[models.Model]
) -> None:
    response = superuser_client.get(_url(model, "add"))

    assert response.status_code == 200


def test_it_searches_orders_by_client_order_id_and_venue_hash(
    superuser_client: Client, cast: Cast
) -> None:
    order = cast.rows[Order]
    OrderFactory(user=cast.user)  # a second order that must not match
    assert isinstance(order, Order)

    by_client_id = superuser_client.get(
        _url(Order, "changelist"), {"q": order.client_order_id}
    )
    by_hash = superuser_client.get(
        _url(Order, "changelist"), {"q": order.venue_order_hash}
    )
    by_user = superuser_client.get(
        _url(Order, "changelist"), {"user__id__exact": cast.user.pk}
    )

    assert [o.pk for o in by_client_id.context["cl"].result_list] == [order.pk]
    assert [o.pk for o in by_hash.context["cl"].result_list] == [order.pk]
    assert by_user.context["cl"].result_count == 2


class TestSecrets:
    def _pages(self, client: Client, cast: Cast) -> list[str]:
        urls = [
            _url(VenueCredential, "changelist"),
            _url(VenueCredential, "change", cast.credential.pk),
            _url(Wallet, "changelist"),
            _url(Wallet, "change", cast.wallet.pk),
            _url(AuditLog, "changelist"),
            _url(ApiKey, "changelist"),
            _url(ApiKey, "change", cast.api_key.pk),
        ]
        responses = [client.get(url) for url in urls]
        assert [r.status_code for r in responses] == [200] * len(urls)
        return [r.content.decode() for r in responses]

    def test_it_never_shows_credential_plaintext(
        self, superuser_client: Client, cast: Cast
    ) -> None:
        for html in self._pages(superuser_client, cast):
            for secret in SECRETS.values():
                assert secret not in html

    def test_it_never_shows_credential_ciphertext(
        self, superuser_client: Client, cast: Cast
    ) -> None:
        credential = cast.credential
        tokens = [
            credential.private_key_encrypted,
            credential.api_key_encrypted,
            credential.api_secret_encrypted,
            credential.api_passphrase_encrypted,
        ]
        assert all(token.startswith("test$") for token in tokens)
        bodies = [token.split("$", 1)[1] for token in tokens]

        for html in self._pages(superuser_client, cast):
            for body in bodies:
                assert body not in html
            assert "_encrypted" not in html

    def test_it_shows_credential_fingerprints_and_flags(
        self, superuser_client: Client, cast: Cast
    ) -> None:
        credential = cast.credential
        assert len(credential.private_key_fingerprint) == 12

        for url in (
            _url(VenueCredential, "changelist"),
            _url(VenueCredential, "change", credential.pk),
        ):
            html = superuser_client.get(url).content.decode()
            assert credential.private_key_fingerprint in html
            assert credential.api_key_fingerprint in html
            assert 'alt="True"' in html  # the has-private-key icon

    def test_it_never_shows_the_api_key_hash(
        self, superuser_client: Client, cast: Cast
    ) -> None:
        api_key = cast.api_key
        pages = self._pages(superuser_client, cast)

        assert all(api_key.hashed_key not in html for html in pages)
        assert (
            api_key.prefix
            in superuser_client.get(_url(ApiKey, "changelist")).content.decode()
        )

    def test_it_offers_no_way_to_enter_credentials(
        self, superuser_client: Client, cast: Cast
    ) -> None:
        add = superuser_client.post(
            _url(VenueCredential, "add"),
            {"wallet": cast.wallet.pk, "private_key_encrypted": "x"},
        )
        change = superuser_client.post(
            _url(VenueCredential, "change", cast.credential.pk),
            {"private_key_encrypted": "x", "key_id": "evil"},
        )

        assert (add.status_code, change.status_code) == (403, 403)
        cast.credential.refresh_from_db()
        assert cast.credential.key_id == "test"
        assert (
            account_services.credential_reveal(
                credential=cast.credential, field="private_key"
            )
            == PRIVATE_KEY
        )


class TestHistory:
    @pytest.mark.parametrize("model", VIEW_ONLY, ids=lambda m: m.__name__)
    def test_it_offers_no_add_button(
        self, superuser_client: Client, cast: Cast, model: type[models.Model]
    ) -> None:
        html = superuser_client.get(_url(model, "changelist")).content.decode()

        assert _url(model, "add") not in html
        assert superuser_client.get(_url(model, "add")).status_code == 403

    @pytest.mark.parametrize("model", VIEW_ONLY, ids=lambda m: m.__name__)
    def test_it_refuses_a_posted_change(
        self, superuser_client: Client, cast: Cast, model: type[models.Model]
    ) -> None:
        row = cast.rows[model]

        response = superuser_client.post(_url(model, "change", row.pk), {})

        assert response.status_code == 403

    @pytest.mark.parametrize("model", VIEW_ONLY, ids=lambda m: m.__name__)
    def test_it_refuses_a_posted_delete(
        self, superuser_client: Client, cast: Cast, model: type[models.Model]
    ) -> None:
        row = cast.rows[model]

        response = superuser_client.post(_url(model, "delete", row.pk), {"post": "yes"})

        assert response.status_code == 403
        assert model._default_manager.filter(pk=row.pk).exists()

    @pytest.mark.parametrize("model", VIEW_ONLY, ids=lambda m: m.__name__)
    def test_it_offers_no_bulk_delete(
        self, superuser_client: Client, cast: Cast, model: type[models.Model]
    ) -> None:
        row = cast.rows[model]

        response = superuser_client.post(
            _url(model, "changelist"),
            {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
        )

        # No bulk action exists, except on API keys, where "revoke" is the only one.
        assert response.status_code == (302 if model is ApiKey else 200)
        assert model._default_manager.filter(pk=row.pk).exists()

    def test_it_shows_an_audit_log_row_without_save_or_delete(
        self, superuser_client: Client, cast: Cast
    ) -> None:
        row = cast.rows[AuditLog]

        html = superuser_client.get(_url(AuditLog, "change", row.pk)).content.decode()

        assert 'name="_save"' not in html
        assert _url(AuditLog, "delete", row.pk) not in html


class TestServicesBehindTheAdmin:
    def test_it_revokes_api_keys_through_the_service(
        self, superuser_client: Client, cast: Cast
    ) -> None:
        response = superuser_client.post(
            _url(ApiKey, "changelist"),
            {"action": "revoke", "_selected_action": [cast.api_key.pk]},
        )

        assert response.status_code == 302
        cast.api_key.refresh_from_db()
        assert cast.api_key.revoked_at is not None
        assert (
            AuditLog.objects.filter(
                action=AuditAction.API_KEY_REVOKE, object_id=str(cast.api_key.pk)
            ).count()
            == 1
        )

    def test_it_audits_bot_settings_changed_in_the_admin(
        self, superuser_client: Client, cast: Cast
    ) -> None:
        row = cast.rows[BotSettings]

        response = superuser_client.post(
            _url(BotSettings, "change", row.pk),
            {
                "max_bet_amount": "50",
                "auto_trade_enabled": "",
                "risk_level": "low",
                "max_daily_loss": "200",
                "max_open_positions": "20",
                "max_position_per_market": "500",
                "paper_starting_balance": "1000",
            },
        )

        assert response.status_code == 302
        row.refresh_from_db()
        assert (row.max_bet_amount, row.risk_level) == (Decimal("50"), "low")
        entry = AuditLog.objects.get(action=AuditAction.SETTINGS_CHANGE)
        assert entry.data == {"max_bet_amount": "50", "risk_level": "low"}

    def test_it_shows_but_does_not_change_trading_mode(
        self, superuser_client: Client, cast: Cast
    ) -> None:
        html = superuser_client.get(_url(User, "change", cast.user.pk)).content.decode()

        assert 'name="trading_mode"' not in html
        assert 'name="display_name"' in html
        assert 'name="wallet_address"' in html


class TestQueries:
    @pytest.mark.parametrize(
        ("model", "make"),
        [
            (Order, lambda user: OrderFactory(user=user)),
            (Fill, lambda user: FillFactory(order=OrderFactory(user=user))),
            (Position, lambda user: PositionFactory(user=user)),
            (Outcome, lambda user: OutcomeFactory()),
            (Alert, lambda user: AlertFactory(user=user, outcome=OutcomeFactory())),
            (
                MarketSnapshot,
                lambda user: MarketSnapshot.objects.create(
                    outcome=OutcomeFactory(), taken_at=utc_now()
                ),
            ),
        ],
        ids=["Order", "Fill", "Position", "Outcome", "Alert", "MarketSnapshot"],
    )
    def test_it_lists_without_a_query_per_row(
        self,
        superuser_client: Client,
        user: User,
        model: type[models.Model],
        make: Callable[[User], object],
    ) -> None:
        url = _url(model, "changelist")
        make(user)
        with CaptureQueriesContext(connection) as one:
            superuser_client.get(url)
        for _ in range(4):
            make(user)
        with CaptureQueriesContext(connection) as five:
            superuser_client.get(url)

        assert len(five) == len(one)


class TestNonStaff:
    def test_it_redirects_a_non_staff_user_to_the_admin_login(
        self, client_logged_in: Client
    ) -> None:
        url = _url(Order, "changelist")

        response = client_logged_in.get(url)

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('admin:login')}?next={url}"

    def test_it_redirects_an_anonymous_visitor_to_the_admin_login(
        self, client: Client
    ) -> None:
        url = _url(AuditLog, "changelist")

        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('admin:login')}?next={url}"
