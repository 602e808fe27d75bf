from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from markets.models import Market

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent.parent / "fixtures" / "polymarket" / "gamma-market.json"


def _run(path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_markets", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _variant(n: int) -> dict:
    record = json.loads(FIXTURE.read_text())
    record.update(id=str(900 + n), conditionId="0x" + f"{n:064x}", slug=f"variant-{n}", question=f"Variant {n}?",
                  clobTokenIds=json.dumps([f"{n}1", f"{n}2"]))  # fmt: skip
    return record


def test_it_imports_the_real_gamma_fixture_and_search_finds_it(
    client_logged_in: Client,
) -> None:
    out, err = _run(FIXTURE)
    assert out.startswith("1 created, 0 updated, 0 skipped in ")
    assert err == ""
    market = Market.objects.get()
    record = json.loads(FIXTURE.read_text())
    assert market.condition_id == record["conditionId"]
    assert list(market.outcomes.values_list("label", "token_id")) == list(
        zip(
            json.loads(record["outcomes"]),
            json.loads(record["clobTokenIds"]),
            strict=True,
        )
    )
    word = record["question"].split()[1]
    body = client_logged_in.get("/api/v1/markets", {"search": word}).json()
    assert body["data"]["pagination"]["total"] == 1
    found = body["data"]["data"][0]
    assert found["conditionId"] == record["conditionId"]
    assert [o["tokenId"] for o in found["outcomes"]] == json.loads(
        record["clobTokenIds"]
    )


def test_it_reads_json_lines_reports_bad_records_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    broken = _variant(3)
    broken["clobTokenIds"] = "not json"
    lines = [
        json.dumps(_variant(1)),
        "{not json",
        json.dumps(_variant(2)),
        json.dumps(broken),
    ]
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(lines) + "\n")
    out, err = _run(dump)
    assert out.startswith("2 created, 0 updated, 2 skipped in ")
    assert err.splitlines()[0].startswith("record 1: skipped: not JSON")
    assert err.splitlines()[1].startswith("record 3: skipped: ")
    assert sorted(Market.objects.values_list("slug", flat=True)) == [
        "variant-1",
        "variant-2",
    ]


def test_a_second_import_updates_instead_of_duplicating(tmp_path: Path) -> None:
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps([_variant(1), _variant(2)]))
    _run(dump)
    out, _ = _run(dump)
    assert out.startswith("0 created, 2 updated, 0 skipped in ")
    assert Market.objects.count() == 2


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_markets", str(tmp_path / "missing.json"))
