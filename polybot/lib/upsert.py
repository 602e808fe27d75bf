"""PostgreSQL batch upserts: ``INSERT … VALUES (…), (…) ON CONFLICT DO UPDATE``.

One statement per batch instead of one round trip per row, and ``RETURNING``
tells which rows were inserted (``xmax = 0``) versus updated, which
``bulk_create(update_conflicts=True)`` cannot. Update expressions are SQL, so
a column can keep its old value in another (e.g. ``previous_price``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

# PostgreSQL allows 65,535 bind parameters per statement.
_MAX_PARAMS = 65_000


@dataclass(frozen=True)
class UpsertRow:
    id: int
    key: Any
    inserted: bool


def upsert(
    *,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict: str,
    updates: dict[str, str],
    where: str | None = None,
) -> list[UpsertRow]:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; on a
    ``conflict`` column clash apply ``updates`` ({column: SQL expression, where
    ``EXCLUDED.x`` is the new value and ``<table>.x`` the old}). ``where``
    limits which conflicting rows are updated (e.g. only when something
    changed). Returns one row per inserted or updated row."""
    if not rows:
        return []
    per_batch = max(1, _MAX_PARAMS // len(columns))
    column_sql = ", ".join(f'"{c}"' for c in columns)
    set_sql = ", ".join(f'"{c}" = {expr}' for c, expr in updates.items())
    where_sql = f" WHERE {where}" if where else ""
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    result: list[UpsertRow] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_batch):
            batch = rows[start : start + per_batch]
            sql = (
                f'INSERT INTO "{table}" ({column_sql}) VALUES {", ".join([row_sql] * len(batch))} '
                f'ON CONFLICT ("{conflict}") DO UPDATE SET {set_sql}{where_sql} '
                f'RETURNING id, "{conflict}", (xmax = 0) AS inserted'
            )
            cursor.execute(sql, [value for row in batch for value in row])
            result.extend(UpsertRow(*row) for row in cursor.fetchall())
    return result
