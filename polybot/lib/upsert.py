"""PostgreSQL batch upserts: ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE``.

One statement per batch instead of one round trip per row. Rows travel as
one array per column (``unnest``), so a 1,000-row batch binds 28 parameters
instead of 28,000: the server parses and plans a small statement, and
psycopg sends compact arrays. ``RETURNING`` tells which rows were inserted
(``xmax = 0``) versus updated, which ``bulk_create(update_conflicts=True)``
cannot. Update expressions are SQL, so a column can keep its old value in
another (e.g. ``previous_price``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model

BATCH_ROWS = 5_000


@dataclass(frozen=True)
class UpsertRow:
    id: int
    key: Any
    inserted: bool


def column_types(model: type[Model], columns: Sequence[str]) -> dict[str, str]:
    """The SQL type of each column, from the model (``varchar(66)``, ``numeric(20, 6)``…)."""
    by_column = {f.column: f for f in model._meta.concrete_fields}
    return {c: by_column[c].db_type(connection) or "text" for c in columns}


def upsert(
    *,
    table: str,
    columns: Sequence[str],
    types: dict[str, str],
    rows: Sequence[Sequence[Any]],
    conflict: str,
    updates: dict[str, str],
) -> list[UpsertRow]:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; on a
    ``conflict`` column clash apply ``updates`` ({column: SQL expression, where
    ``EXCLUDED.x`` is the new value and ``<table>.x`` the old}). Returns one
    row per inserted or updated row."""
    if not rows:
        return []
    selects, arrays = [], []
    for index, column in enumerate(columns):
        sql_type = types[column]
        if sql_type.endswith("[]"):
            # unnest flattens 2-D arrays, so array cells travel as literals.
            selects.append(f"c{index}::{sql_type}")
            arrays.append("%s::text[]")
        else:
            selects.append(f"c{index}")
            arrays.append(f"%s::{sql_type}[]")
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    column_list = ", ".join(f'"{c}"' for c in columns)
    sql = (
        f'INSERT INTO "{table}" ({column_list}) '
        f"SELECT {', '.join(selects)} FROM unnest({', '.join(arrays)}) AS t({aliases}) "
        f'ON CONFLICT ("{conflict}") DO UPDATE SET '
        + ", ".join(f'"{c}" = {expr}' for c, expr in updates.items())
        + f' RETURNING id, "{conflict}", (xmax = 0) AS inserted'
    )
    array_columns = [i for i, c in enumerate(columns) if types[c].endswith("[]")]
    result: list[UpsertRow] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_ROWS):
            batch = rows[start : start + BATCH_ROWS]
            params = [list(values) for values in zip(*batch, strict=True)]
            for i in array_columns:
                params[i] = [None if v is None else array_literal(v) for v in params[i]]
            cursor.execute(sql, params)
            result.extend(UpsertRow(*row) for row in cursor.fetchall())
    return result


def array_literal(values: Sequence[str]) -> str:
    """A PostgreSQL array literal of strings: ``{"a","b \\"c\\""}``."""
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"
