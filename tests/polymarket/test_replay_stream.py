"""``manage.py replay_stream``: recorded market frames → final books as JSON lines."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.polymarket.test_ws_parsing import BOOK_ASSET, USER_ASSET, fixture

PRICE_CHANGE_BID_ASSET = (
    "71321045679252212594626385532706912750332728571942532289631379312455583992563"
)


def replay(path: Path | str) -> tuple[list[dict[str, Any]], list[str]]:
    out, err = io.StringIO(), io.StringIO()
    call_command("replay_stream", str(path), stdout=out, stderr=err)
    return [
        json.loads(line) for line in out.getvalue().splitlines()
    ], err.getvalue().splitlines()


def compact(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"))


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """A capture built from the docs' fixtures, with the usual dirt in it."""
    trade = fixture("ws-market-last_trade_price.json") | {"asset_id": BOOK_ASSET}
    bid = {
        "asset_id": BOOK_ASSET,
        "price": "0.51",
        "size": "10",
        "side": "BUY",
        "hash": "h",
        "best_bid": "0.51",
        "best_ask": ".52",
    }
    update = {
        "event_type": "price_change",
        "market": "0xbd31",
        "price_changes": [bid],
        "timestamp": "1757908892351",
    }
    lines = [
        compact(fixture("ws-market-book.json")),  # 1
        compact([update, trade]),  # 2: an array frame
        "garbage{",  # 3
        "PONG",  # 4
        "",  # 5
        compact(fixture("ws-market-tick_size_change.json")),  # 6
        compact({"event_type": "book", "bids": []}),  # 7: malformed object
        compact({"event_type": "mystery"}),  # 8: unknown event
        compact(fixture("ws-market-price_change.json")),  # 9: tokens without a snapshot
    ]
    path = tmp_path / "market.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_it_prints_the_final_book_of_every_asset_sorted_by_asset_id(
    recording: Path,
) -> None:
    books, _ = replay(recording)

    assert books == [
        {
            "asset_id": USER_ASSET,
            "best_bid": None,
            "best_ask": "0.5",
            "bids": [],
            "asks": [["0.5", "200"]],
            "last_trade_price": None,
            "tick_size": None,
        },
        {
            "asset_id": BOOK_ASSET,
            "best_bid": "0.51",
            "best_ask": "0.52",
            # ".48" and "0.50" print in one canonical form: "0.48", "0.5".
            "bids": [["0.51", "10"], ["0.5", "15"], ["0.49", "20"], ["0.48", "30"]],
            "asks": [["0.52", "25"], ["0.53", "60"], ["0.54", "10"]],
            "last_trade_price": "0.456",
            "tick_size": "0.001",
        },
        {
            "asset_id": PRICE_CHANGE_BID_ASSET,
            "best_bid": "0.5",
            "best_ask": None,
            "bids": [["0.5", "200"]],
            "asks": [],
            "last_trade_price": None,
            "tick_size": None,
        },
    ]


def test_it_reports_bad_lines_and_untrusted_books_on_stderr(recording: Path) -> None:
    _, errors = replay(recording)

    assert errors[0].startswith("line 3: frame is not JSON: 'garbage{")
    assert errors[1] == "line 7: [0] book: missing field 'asset_id'"
    assert errors[2:4] == [
        f"asset {USER_ASSET}: untrusted (no snapshot yet)",
        f"asset {PRICE_CHANGE_BID_ASSET}: untrusted (no snapshot yet)",
    ]
    assert errors[4] == (
        "8 frames, 5 events, 2 malformed lines, 1 malformed objects, "
        "1 unknown events skipped"
    )


def test_an_empty_recording_prints_no_books(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\nPONG\n")

    books, errors = replay(path)

    assert books == []
    assert errors == [
        "1 frames, 0 events, 0 malformed lines, 0 malformed objects, "
        "0 unknown events skipped"
    ]


def test_it_reads_stdin_for_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    data = compact(fixture("ws-market-book.json")).encode() + b"\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))

    books, _ = replay("-")

    assert [book["asset_id"] for book in books] == [BOOK_ASSET]


def test_it_fails_cleanly_on_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        replay(tmp_path / "nope.jsonl")
