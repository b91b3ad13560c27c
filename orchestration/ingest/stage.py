"""Staging one file: read it, map vendor headers, apply the row rules, pseudonymise.

The result is three temp tables on the connection: `incoming` (typed, pseudonymised rows
that passed every rule), `problems` (one row per broken rule: row, column, rule, value) and
`quarantined_keys` (records whose delivered row was quarantined, so history keeps their last
good version).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.config import KindMapping, Thresholds
from orchestration.contract import KINDS
from orchestration.ingest.landing import LandedFile, RejectedFile
from orchestration.ingest.readers import read_as_text
from orchestration.ingest.rules import incoming_sql, problems_sql, record_key_sql


@dataclass(frozen=True)
class Staged:
    rows_read: int
    rows_quarantined: int

    @property
    def rows_loaded(self) -> int:
        return self.rows_read - self.rows_quarantined


def stage(
    conn: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    path: Path,
    mapping: KindMapping | None = None,
    thresholds: Thresholds | None = None,
) -> Staged:
    """Load `path` into the temp table `incoming`: typed, checked and pseudonymised.

    Rows that break a rule go to the temp table `problems` (row, column, rule, value) and are
    left out of `incoming`. Raises RejectedFile when the file as a whole cannot be read.
    """
    kind = KINDS[landed.kind]
    thresholds = thresholds or Thresholds()
    table = read_as_text(path, landed.name, thresholds.limits)
    if mapping:
        table = mapping.apply(table)
    missing = [c for c in kind.required if c not in table.column_names]
    if missing:
        raise RejectedFile(
            f"{landed.name}: missing required column(s) {', '.join(missing)} "
            f"(rule: {kind.name} requires {', '.join(kind.required)})"
        )
    for col in kind.columns:  # optional columns may be absent: they are null
        if col.name not in table.column_names:
            table = table.append_column(col.name, pa.nulls(table.num_rows, pa.string()))
    # Spreadsheet row numbers: the header is row 1.
    table = table.append_column("source_row", pa.array(range(2, table.num_rows + 2), pa.int32()))
    conn.register("landed_text", table)
    try:
        conn.execute(
            "create or replace temp table problems as "
            + problems_sql(kind, landed, thresholds.dates)
        )
        conn.execute(
            f"create or replace temp table incoming as {incoming_sql(kind, landed)} "
            "where source_row not in (select source_row from problems)"
        )
        key = record_key_sql(kind)
        conn.execute(
            f"create or replace temp table quarantined_keys as select distinct {key} as record_key "
            "from landed_text where source_row in (select source_row from problems) "
            f"and {key} is not null"
        )
    except duckdb.Error as e:
        # The rules are written so that no cell can fail them (try_cast, patterns): this is
        # a file they did not foresee. Its message may quote a cell, so only its kind is told.
        raise RejectedFile(
            f"{landed.name}: its cells could not be typed ({type(e).__name__}; rule: the "
            "contract's types)"
        ) from e
    finally:
        conn.unregister("landed_text")
    (quarantined,) = conn.execute("select count(distinct source_row) from problems").fetchone()
    return Staged(table.num_rows, quarantined)
