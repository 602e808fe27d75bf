"""The book recorder: buffering raw frames, writing them, pruning by age, and
exporting them in the format ``replay_stream`` reads (real PostgreSQL)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from markets import recorder as recorder_module
from markets.models import RecordedMessage
from markets.recorder import (
    BookRecorder,
    asset_ids_of,
    recorded_messages_append,
    recorded_messages_prune,
)
from markets.tasks import recorder_prune
from polybot.celery import SYSTEM_SCHEDULE
from tests.factories.accounts import UserFactory
from tests.markets.conftest import FIXTURES

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BOOK_ASSET = (
    "65818619657568813474341868652308942079804919287380422192892211131408793125422"
)
BID_ASSET = (
    "71321045679252212594626385532706912750332728571942532289631379312455583992563"
)
ASK_ASSET = (
    "52114319501245915516055106046884209969926127482827954674443846427813813222426"
)
TRADE_ASSET = (
    "114122071509644379678018727908709560226618148003371446110114509806601493071694"
)
YES = "76043073756653678226373981964075571318267289248134717369284518995922789326425"
NO = "31690934263385727664202099278545688007799199447969475608906331829650099442770"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def compact(obj: object) -> str:
    """A frame as the venue sends it: compact JSON on one line."""
    return json.dumps(obj, separators=(",", ":"))


class Clock:
    def __init__(self, start: datetime = T0, step: timedelta = timedelta(seconds=1)):
        self.now, self.step = start, step

    def __call__(self) -> datetime:
        now, self.now = self.now, self.now + self.step
        return now


def rows() -> list[tuple[datetime, list[str], str]]:
    return list(
        RecordedMessage.objects.order_by("pk").values_list(
            "received_at", "asset_ids", "raw"
        )
    )


def export(*args: str) -> list[str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_recording", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines()


# --- asset ids ----------------------------------------------------------------


def test_it_finds_every_asset_of_an_array_frame_once_in_order() -> None:
    book = fixture("ws-market-book.json")
    trade = fixture("ws-market-last_trade_price.json")
    frame = compact([book, fixture("ws-market-price_change.json"), trade, book])

    assert asset_ids_of(frame) == [BOOK_ASSET, BID_ASSET, ASK_ASSET, TRADE_ASSET]


def test_it_finds_the_per_change_assets_of_a_price_change() -> None:
    frame = compact(fixture("ws-market-price_change.json"))

    assert asset_ids_of(frame) == [BID_ASSET, ASK_ASSET]


def test_it_finds_the_listed_assets_of_new_market_and_market_resolved() -> None:
    resolved = compact(fixture("ws-market-market_resolved.json"))
    new_market = compact(fixture("ws-market-new_market.json"))

    # "winning_asset_id" names YES again: listed once.
    assert asset_ids_of(resolved) == [YES, NO]
    assert asset_ids_of(new_market) == [YES, NO]


def test_it_finds_assets_in_spaced_json_and_none_in_garbage() -> None:
    pretty = (FIXTURES / "ws-market-tick_size_change.json").read_text()

    assert asset_ids_of(pretty) == [BOOK_ASSET]
    assert asset_ids_of("this is {not json") == []
    assert asset_ids_of('{"asset_id":""}') == []


# --- buffer and flush ---------------------------------------------------------


def test_it_buffers_frames_until_a_flush_writes_them_in_one_insert() -> None:
    recorder = BookRecorder(clock=Clock())
    book = compact(fixture("ws-market-book.json"))
    change = compact(fixture("ws-market-price_change.json"))
    recorder.record(book)
    recorder.record(change)
    recorder.record("garbage")
    assert RecordedMessage.objects.count() == 0
    assert recorder.buffered == 3

    with CaptureQueriesContext(connection) as queries:
        assert recorder.flush() == 3

    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert rows() == [
        (T0, [BOOK_ASSET], book),
        (T0 + timedelta(seconds=1), [BID_ASSET, ASK_ASSET], change),
        (T0 + timedelta(seconds=2), [], "garbage"),
    ]
    assert recorder.buffered == 0
    assert (recorder.recorded, recorder.written, recorder.dropped) == (3, 3, 0)
    assert recorder.flush() == 0
    assert RecordedMessage.objects.count() == 3


def test_it_drops_the_oldest_frames_when_the_buffer_is_full() -> None:
    recorder = BookRecorder(max_buffered_chars=10, clock=Clock())
    for raw in ("aaaa", "bbbb", "cccc", "dddd"):
        recorder.record(raw)

    assert recorder.dropped == 2
    assert recorder.flush() == 2
    assert [raw for _, _, raw in rows()] == ["cccc", "dddd"]


def test_a_failed_flush_keeps_its_frames_for_the_next_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = BookRecorder(clock=Clock())
    recorder.record("one")
    recorder.record("two")

    def database_down(*, rows: Any) -> int:
        raise ConnectionError("database is restarting")

    monkeypatch.setattr(recorder_module, "recorded_messages_append", database_down)
    with pytest.raises(ConnectionError):
        recorder.flush()
    monkeypatch.undo()
    recorder.record("three")

    assert recorder.flush() == 3
    assert [raw for _, _, raw in rows()] == ["one", "two", "three"]
    assert [at for at, _, _ in rows()] == [T0 + timedelta(seconds=i) for i in range(3)]


# --- prune --------------------------------------------------------------------


def _recorded_at(*moments: datetime) -> None:
    recorded_messages_append(
        rows=[(at, ["t1"], f"m{i}") for i, at in enumerate(moments)]
    )


def test_it_prunes_messages_older_than_the_cutoff_in_batches() -> None:
    _recorded_at(*(T0 + timedelta(hours=h) for h in range(7)))

    deleted = recorded_messages_prune(older_than=T0 + timedelta(hours=5), batch=2)

    assert deleted == 5
    assert [raw for _, _, raw in rows()] == ["m5", "m6"]


def test_the_prune_task_keeps_the_configured_days(settings: Any) -> None:
    settings.POLYBOT_BOOK_RECORDER_DAYS = 2
    now = datetime.now(UTC)
    _recorded_at(now - timedelta(days=3), now - timedelta(days=2, minutes=1),
                 now - timedelta(days=1), now)  # fmt: skip

    assert recorder_prune.delay().get() == {"deleted": 2}
    assert [raw for _, _, raw in rows()] == ["m2", "m3"]


def test_the_prune_task_does_nothing_while_the_recorder_is_off(settings: Any) -> None:
    settings.POLYBOT_BOOK_RECORDER_DAYS = 0
    _recorded_at(datetime.now(UTC) - timedelta(days=400))

    assert recorder_prune.delay().get() == {"deleted": 0}
    assert RecordedMessage.objects.count() == 1


def test_the_prune_runs_hourly_on_the_sync_queue() -> None:
    assert SYSTEM_SCHEDULE["every-hour-prune-book-recording"] == (
        "markets.recorder_prune",
        3600.0,
        {"queue": "sync"},
    )


# --- export -------------------------------------------------------------------


@pytest.fixture
def recorded() -> list[str]:
    """Four frames a minute apart from T0: t1, t2, both, t1."""
    frames = [
        '{"event_type":"book","asset_id":"t1"}',
        '{"event_type":"book","asset_id":"t2"}',
        '[{"asset_id":"t1"},{"asset_id":"t2"}]',
        '{"event_type":"last_trade_price","asset_id":"t1"}',
    ]
    recorder = BookRecorder(clock=Clock(step=timedelta(minutes=1)))
    for frame in frames:
        recorder.record(frame)
    recorder.flush()
    return frames


def test_it_exports_every_frame_in_received_order(recorded: list[str]) -> None:
    assert export() == recorded
    assert export("-") == recorded


def test_it_exports_one_token_and_a_time_window(recorded: list[str]) -> None:
    assert export("--token", "t2") == [recorded[1], recorded[2]]
    assert export("--token", "nobody") == []
    # --since is inclusive, --until exclusive; no offset means UTC.
    assert export("--since", "2026-03-01T12:01:00") == recorded[1:]
    assert export("--until", "2026-03-01T12:02:00+00:00") == recorded[:2]
    assert export("--token", "t1", "--since", "2026-03-01T13:01:00+01:00") == [
        recorded[2],
        recorded[3],
    ]


def test_it_writes_the_export_to_a_file(recorded: list[str], tmp_path: Path) -> None:
    path = tmp_path / "capture.jsonl"
    err = io.StringIO()
    call_command("export_recording", str(path), stdout=io.StringIO(), stderr=err)

    assert path.read_text() == "".join(f"{frame}\n" for frame in recorded)
    assert err.getvalue() == "4 frames exported\n"


def test_it_keeps_a_multiline_frame_on_one_line() -> None:
    pretty = (FIXTURES / "ws-market-book.json").read_text()
    recorder = BookRecorder()
    recorder.record(pretty)
    recorder.flush()

    (line,) = export()
    assert json.loads(line) == json.loads(pretty)


def test_it_refuses_a_bad_date() -> None:
    with pytest.raises(CommandError, match="not an ISO 8601 date and time"):
        export("--since", "yesterday")


def test_it_exports_what_replay_stream_reads(tmp_path: Path) -> None:
    book = fixture("ws-market-book.json")
    change = fixture("ws-market-price_change.json")
    # A bid inside the spread on the book's asset (best bid/ask as the venue
    # would report them), and the fixture's second change on another asset.
    change["price_changes"][0] |= {"asset_id": BOOK_ASSET, "price": "0.51",
                                   "size": "10", "best_bid": "0.51", "best_ask": "0.52"}  # fmt: skip
    trade = fixture("ws-market-last_trade_price.json") | {"asset_id": BOOK_ASSET}
    tick = fixture("ws-market-tick_size_change.json")
    frames = [compact([book]), compact(change), compact(trade), compact(tick)]
    recorder = BookRecorder()
    for frame in frames:
        recorder.record(frame)
    recorder.flush()
    path = tmp_path / "capture.jsonl"
    call_command("export_recording", str(path), stderr=io.StringIO())

    out, err = io.StringIO(), io.StringIO()
    call_command("replay_stream", str(path), stdout=out, stderr=err)

    ask_only, book_asset = [json.loads(line) for line in out.getvalue().splitlines()]
    assert ask_only == {
        "asset_id": ASK_ASSET,
        "best_bid": None,
        "best_ask": "0.5",
        "bids": [],
        "asks": [["0.5", "200"]],
        "last_trade_price": None,
        "tick_size": None,
    }
    assert book_asset == {
        "asset_id": BOOK_ASSET,
        "best_bid": "0.51",
        "best_ask": "0.52",
        "bids": [["0.51", "10"], ["0.5", "15"], ["0.49", "20"], ["0.48", "30"]],
        "asks": [["0.52", "25"], ["0.53", "60"], ["0.54", "10"]],
        "last_trade_price": "0.456",
        "tick_size": "0.001",
    }
    assert err.getvalue().splitlines()[-1] == (
        "4 frames, 4 events, 0 malformed lines, 0 malformed objects, "
        "0 unknown events skipped"
    )


# --- admin --------------------------------------------------------------------


@pytest.fixture
def superuser_client(client: Client) -> Client:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_lists_messages_read_only_without_the_payload(
    superuser_client: Client, recorded: list[str]
) -> None:
    url = reverse("admin:markets_recordedmessage_changelist")

    response = superuser_client.get(url)
    by_token = superuser_client.get(url, {"q": "t2"})
    one = RecordedMessage.objects.order_by("pk").first()
    assert one is not None
    detail = superuser_client.get(
        reverse("admin:markets_recordedmessage_change", args=[one.pk])
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count == 4
    assert "event_type" not in response.content.decode()
    assert by_token.context["cl"].result_count == 2
    assert detail.status_code == 200
    assert "Save" not in detail.content.decode()
    assert superuser_client.post(detail.request["PATH_INFO"], {}).status_code == 403
