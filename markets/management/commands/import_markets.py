"""``python manage.py import_markets FILE``: load a Gamma dump through the sync path.

FILE holds market objects as ``/markets`` returns them: one JSON array, or
one object per line (``-`` reads standard input). Bad records are reported
with their index and reason and skipped; every good one is imported.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from markets.catalogue import BATCH_SIZE, SyncResult, markets_upsert
from polybot.polymarket.errors import PolymarketParseError
from polybot.polymarket.models import GammaMarket
from polybot.polymarket.rest_parsing import parse_gamma_market


class Command(BaseCommand):
    help = (
        "Import Gamma market objects (a JSON array or JSON lines) into the catalogue."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="path to the dump, or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        total, bad = SyncResult(), 0
        batch: list[GammaMarket] = []
        for index, record in _records(options["file"]):
            try:
                if isinstance(record, Exception):
                    raise record
                batch.append(parse_gamma_market(record))
            except (PolymarketParseError, ValueError, TypeError) as exc:
                bad += 1
                self.stderr.write(f"record {index}: skipped: {exc}")
                continue
            if len(batch) >= BATCH_SIZE:
                total.add(markets_upsert(markets=batch))
                batch = []
        if batch:
            total.add(markets_upsert(markets=batch))
        for reason in total.skipped:
            self.stderr.write(f"skipped: {reason}")
        elapsed = time.perf_counter() - started
        imported = total.created + total.updated
        rate = imported / elapsed if elapsed > 0 else 0.0
        self.stdout.write(
            f"{total.created} created, {total.updated} updated, {bad + len(total.skipped)} skipped "
            f"in {elapsed:.2f}s ({rate:,.0f} markets/s)"
        )


def _records(path: str) -> Iterator[tuple[int, Any]]:
    """(index, object) pairs; an unreadable line yields its exception instead."""
    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None  # not one JSON document: read it as JSON lines
    if isinstance(whole, list):
        yield from enumerate(whole)
        return
    if isinstance(whole, dict):
        yield 0, whole
        return
    for index, line in enumerate(line for line in text.splitlines() if line.strip()):
        try:
            yield index, json.loads(line)
        except json.JSONDecodeError as exc:
            yield index, ValueError(f"not JSON ({exc.msg} at column {exc.colno})")
