"""Create the demo user and a small market catalogue for `make demo`.

Idempotent: running it again resets the demo password and refreshes markets.
"""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand

from accounts.models import User
from accounts.selectors import bot_settings_get
from markets.services import MarketData, OutcomeData, event_upsert, market_upsert
from polybot.lib.time import utc_now

DEMO_USERNAME = "demo"


def _binary(slug: str, question: str, yes: str, category: str, days: int, volume: str,
            liquidity: str, n: int) -> MarketData:  # fmt: skip
    condition_id = "0x" + f"{n:064x}"
    price = Decimal(yes)
    return MarketData(
        condition_id=condition_id, gamma_id=str(900000 + n), slug=slug, question=question,
        description=f"This market resolves YES if: {question}", category=category, tags=[category],
        end_date=utc_now() + timedelta(days=days), volume=Decimal(volume), liquidity=Decimal(liquidity),
        outcomes=[OutcomeData(f"{n}1{'0' * 30}", "Yes", price), OutcomeData(f"{n}2{'0' * 30}", "No", 1 - price)],
        resolution_source="https://example.org/resolution",
    )  # fmt: skip


DEMO_MARKETS = [
    _binary(
        "fed-cut-december",
        "Will the Fed cut rates in December?",
        "0.62",
        "Economics",
        20,
        "1843021",
        "120400",
        1,
    ),
    _binary(
        "btc-150k-2026",
        "Will Bitcoin close above $150k in 2026?",
        "0.18",
        "Crypto",
        37,
        "5230440",
        "340210",
        2,
    ),
    _binary(
        "eth-etf-inflows",
        "Will ETH ETFs see net inflows this week?",
        "0.71",
        "Crypto",
        5,
        "402112",
        "50120",
        3,
    ),
    _binary(
        "storm-landfall",
        "Will a named storm make US landfall in December?",
        "0.09",
        "Weather",
        30,
        "90112",
        "12010",
        4,
    ),
]


class Command(BaseCommand):
    help = "Create the demo user and demo markets."

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("POLYBOT_DEMO_PASSWORD", "polybot-demo")
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"display_name": "Demo Trader", "email": "demo@example.org"},
        )
        user.set_password(password)
        user.is_staff = True
        user.is_superuser = True
        user.save()
        bot_settings_get(user=user)
        for data in DEMO_MARKETS:
            market_upsert(data=data)
        election = event_upsert(gamma_id="990001", slug="demo-election", title="Who will win the demo election?",
                                neg_risk=True, category="Politics")  # fmt: skip
        for n, (name, price) in enumerate(
            [("Alice", "0.48"), ("Bob", "0.37"), ("Carol", "0.15")], start=11
        ):
            data = _binary(f"demo-election-{name.lower()}", f"Will {name} win the demo election?", price,
                           "Politics", 60, "750000", "80000", n)  # fmt: skip
            market_upsert(
                data=MarketData(**{**data.__dict__, "neg_risk": True}), event=election
            )
        verb = "created" if created else "updated"
        self.stdout.write(self.style.SUCCESS(f"Demo user {verb}."))
        self.stdout.write(f"  username: {DEMO_USERNAME}\n  password: {password}")
