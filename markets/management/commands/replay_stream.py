"""Replay a recorded market-channel stream through the parser and the books.

Useful to reproduce a book disagreement from a capture: feed it the raw
frames, read the final books. Nothing touches the database or the network.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polybot.polymarket.book import BookRegistry, OrderBook
from polybot.polymarket.errors import PolymarketParseError
from polybot.polymarket.models import ParseStats, PriceLevel, Side
from polybot.polymarket.parsing import parse_market_message

HELP = """Replay raw market-channel messages (one frame per line, exactly as
received: a JSON object or an array of objects; PING/PONG and blank lines are
ignored) and print the final book of every asset as one JSON line, sorted by
asset_id: {"asset_id", "best_bid", "best_ask", "bids", "asks",
"last_trade_price", "tick_size"}. bids/asks are [[price, size], ...] best
first. Numbers are printed as normalised decimal strings without exponent
(".48" and "0.480" both print as "0.48", "1E+2" as "100"), so equal values
always print the same; absent values are null. Lines that are not JSON, and
objects that are malformed, are counted and reported on stderr, never fatal;
so are books left untrusted. FILE "-" reads stdin."""


def format_decimal(value: Decimal) -> str:
    """The canonical text of a venue number: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else format_decimal(value)


def _levels(levels: Iterable[PriceLevel]) -> list[list[str]]:
    return [
        [format_decimal(level.price), format_decimal(level.size)] for level in levels
    ]


def book_summary(book: OrderBook) -> dict[str, Any]:
    bid, ask = book.best_bid, book.best_ask
    return {
        "asset_id": book.asset_id,
        "best_bid": None if bid is None else format_decimal(bid.price),
        "best_ask": None if ask is None else format_decimal(ask.price),
        "bids": _levels(book.levels(Side.BUY)),
        "asks": _levels(book.levels(Side.SELL)),
        "last_trade_price": _opt(book.last_trade_price),
        "tick_size": _opt(book.tick_size),
    }


class Command(BaseCommand):
    help = HELP
    # An offline tool: no reason to run the system checks (or need a database).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help='recorded frames, one per line ("-" = stdin)')

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["file"]
        if path == "-":
            self._replay(sys.stdin.buffer)
            return
        try:
            with Path(path).open("rb") as stream:
                self._replay(stream)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc

    def _replay(self, stream: IO[bytes]) -> None:
        registry = BookRegistry()
        totals = ParseStats()
        frames = bad_lines = 0
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            frames += 1
            # Fresh stats per line so each complaint can name its line.
            stats = ParseStats()
            try:
                events = parse_market_message(line, stats)
            except PolymarketParseError as exc:
                bad_lines += 1
                self.stderr.write(f"line {number}: {exc.message}")
                continue
            for event in events:
                registry.apply(event)
            if stats.skipped_malformed:
                bad_lines += 1
                for error in stats.errors:
                    self.stderr.write(f"line {number}: {error}")
            totals.parsed += stats.parsed
            totals.skipped_unknown += stats.skipped_unknown
            totals.skipped_malformed += stats.skipped_malformed

        for asset_id in registry.asset_ids():
            book = registry[asset_id]
            self.stdout.write(json.dumps(book_summary(book)))
            if not book.trusted:
                self.stderr.write(
                    f"asset {asset_id}: untrusted ({book.untrusted_reason})"
                )
        self.stderr.write(
            f"{frames} frames, {totals.parsed} events, {bad_lines} malformed lines, "
            f"{totals.skipped_malformed} malformed objects, "
            f"{totals.skipped_unknown} unknown events skipped"
        )
