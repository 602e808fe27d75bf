"""Catalogue sync throughput (DESIGN §10): 50,000 Gamma-shaped markets.

Three ways into PostgreSQL, measured in the same run:
  * the real sync path (markets.catalogue.markets_upsert: batch upserts);
  * a per-row ``update_or_create`` loop (on a subset, scaled to a rate);
  * a plain COPY of equivalent rows (the floor: no conflict handling at all).
The last line is the figure: the sync path as a ratio of both baselines.

    .venv/bin/python bench/sync_markets.py [--markets 50000] [--loop-subset 2000]
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

from _django import setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--markets", type=int, default=50_000)
    parser.add_argument("--loop-subset", type=int, default=2_000)
    args = parser.parse_args()
    setup("polybot_bench_sync")

    from dataclasses import replace

    from django.db import connection

    from markets.catalogue import markets_upsert
    from markets.models import Market, Outcome
    from tests.factories.gamma import gamma_market

    description = (
        "This market resolves to Yes if the stated event happens before the end date, as reported "
        "by the resolution source. Otherwise it resolves to No. "
    ) * 4  # ~600 characters, like Gamma
    markets = [
        replace(gamma_market(n + 1, yes_price=str(Decimal(n % 97 + 1) / 100)),
                question=f"Will candidate {n} win the {2026 + n % 4} election in district {n % 431}?",
                description=description, tags=("Politics", "Elections", f"District {n % 431}"))
        for n in range(args.markets)
    ]  # fmt: skip

    def truncate() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE markets_outcome, markets_market RESTART IDENTITY CASCADE"
            )

    # 1. The real sync path: create everything, then update everything.
    truncate()
    started = time.perf_counter()
    created = markets_upsert(markets=markets)
    insert_seconds = time.perf_counter() - started
    started = time.perf_counter()
    updated = markets_upsert(markets=[replace(m, volume=m.volume + 1) for m in markets])
    update_seconds = time.perf_counter() - started
    assert (created.created, updated.updated) == (args.markets, args.markets)
    sync_rate = args.markets / insert_seconds
    sync_update_rate = args.markets / update_seconds

    # 2. Per-row update_or_create, as a naive sync would do it.
    truncate()
    subset = markets[: args.loop_subset]
    started = time.perf_counter()
    for m in subset:
        market, _ = Market.objects.update_or_create(
            condition_id=m.condition_id,
            defaults={"gamma_id": m.id, "slug": m.slug, "question": m.question, "description": m.description,
                      "category": m.category, "tags": list(m.tags), "volume": m.volume, "liquidity": m.liquidity,
                      "tick_size": m.tick_size, "min_order_size": m.min_order_size, "end_date": m.end_date},
        )  # fmt: skip
        for index, o in enumerate(m.outcomes):
            Outcome.objects.update_or_create(
                token_id=o.token_id,
                defaults={
                    "market": market,
                    "label": o.label,
                    "index": index,
                    "price": o.price,
                },
            )
    loop_rate = len(subset) / (time.perf_counter() - started)

    # 3. COPY of equivalent rows: the floor (the trigger still builds the search vector).
    truncate()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        columns = ("id", "condition_id", "gamma_id", "slug", "question", "description", "category", "tags",
                   "image", "icon", "status", "end_date", "resolution_source", "volume", "volume_24h",
                   "liquidity", "tick_size", "min_order_size", "neg_risk", "accepting_orders", "fees_enabled",
                   "fee_rate", "fee_exponent", "fee_taker_only", "created_at", "updated_at")  # fmt: skip
        with cursor.copy(
            f"COPY markets_market ({', '.join(columns)}) FROM STDIN"
        ) as copy:  # type: ignore[attr-defined]
            for i, m in enumerate(markets, start=1):
                copy.write_row((i, m.condition_id, m.id, m.slug, m.question, m.description, m.category,
                                list(m.tags), "", "", "active", m.end_date, "", m.volume, m.volume_24h,
                                m.liquidity, m.tick_size, m.min_order_size, False, True, False, 0, 1, True,
                                m.start_date, m.start_date))  # fmt: skip
        with cursor.copy(
            "COPY markets_outcome (token_id, market_id, label, index, price) FROM STDIN"
        ) as copy:  # type: ignore[attr-defined]
            for i, m in enumerate(markets, start=1):
                for index, o in enumerate(m.outcomes):
                    copy.write_row((o.token_id, i, o.label, index, o.price))
    copy_rate = args.markets / (time.perf_counter() - started)

    print(f"markets: {args.markets:,} (2 outcomes each)")
    print(f"sync path, insert:        {sync_rate:10,.0f} markets/s")
    print(f"sync path, update:        {sync_update_rate:10,.0f} markets/s")
    print(
        f"update_or_create loop:    {loop_rate:10,.0f} markets/s  (on {len(subset):,})"
    )
    print(f"COPY (floor):             {copy_rate:10,.0f} markets/s")
    print(f"RESULT sync_markets: {sync_rate:,.0f} markets/s = {sync_rate / loop_rate:.1f}x update_or_create, "
          f"{copy_rate / sync_rate:.2f}x slower than COPY")  # fmt: skip


if __name__ == "__main__":
    main()
