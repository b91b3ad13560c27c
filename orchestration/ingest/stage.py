"""Staging: read files, map vendor headers, apply the row rules, pseudonymise.

Staging a file leaves three temp tables on the connection: `incoming` (typed, pseudonymised
rows that passed every rule), `problems` (one row per broken rule: row, column, rule, value)
and `quarantined_keys` (records whose delivered row was quarantined, so history keeps their
last good version).

The row rules are one SQL statement of some forty probes: planning it costs about as much as
running it on a month's file. So the files of one kind and authority that a run brings are
staged together (`StagingBatch`): one statement over all their rows, each file's share then
taken out as it is applied, in its own transaction, in order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.config import KindMapping, MappedTwice, Thresholds
from orchestration.contract import KINDS
from orchestration.ingest.landing import LandedFile, RejectedFile
from orchestration.ingest.readers import read_as_text
from orchestration.ingest.rules import incoming_sql, problems_sql, record_key_sql, typed_sql


@dataclass(frozen=True)
class Staged:
    rows_read: int
    rows_quarantined: int

    @property
    def rows_loaded(self) -> int:
        return self.rows_read - self.rows_quarantined


def read_landed(
    landed: LandedFile, path: Path, mapping: KindMapping | None, thresholds: Thresholds
) -> pa.Table:
    """The file's cells as text in the contract's columns (absent optional ones null), with
    spreadsheet row numbers; RejectedFile when the file as a whole cannot be read."""
    kind = KINDS[landed.kind]
    table = read_as_text(path, landed.name, thresholds.limits)
    if mapping:
        try:
            table = mapping.apply(table)
        except MappedTwice as twice:
            raise RejectedFile(
                f"{landed.name}: columns {' and '.join(repr(c) for c in twice.sources)} would "
                f"both be {twice.column} under {mapping.source} (rule: one column of the file "
                "per contract column)"
            ) from None
    missing = [c for c in kind.required if c not in table.column_names]
    if missing:
        raise RejectedFile(
            f"{landed.name}: missing required column(s) {', '.join(missing)} "
            f"(rule: {kind.name} requires {', '.join(kind.required)})"
        )
    nulls = pa.nulls(table.num_rows, pa.string())
    columns = {
        col.name: table[col.name] if col.name in table.column_names else nulls
        for col in kind.columns  # optional columns may be absent: they are null
    }
    # Spreadsheet row numbers: the header is row 1.
    columns["source_row"] = pa.array(range(2, table.num_rows + 2), pa.int32())
    return pa.table(columns)


class StagingBatch:
    """Files of one kind and authority, staged by one run of the row rules into temp tables
    of its own (a late file's replays stage other files while a batch is being applied). A
    file that could not be read is kept as its RejectedFile, raised when the file is taken."""

    ids = itertools.count()

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        files: list[tuple[LandedFile, Path]],
        mapping: KindMapping | None,
        thresholds: Thresholds,
    ):
        self.conn = conn
        self.prefix = f"staged_{next(self.ids)}"
        self.numbers: dict[str, int] = {}  # content hash -> file_no
        self.rows: dict[int, int] = {}
        self.quarantined: dict[int, int] = {}  # file_no -> rows quarantined
        self.unreadable: dict[str, RejectedFile] = {}
        tables = []
        for landed, path in files:
            if landed.sha256 in self.numbers or landed.sha256 in self.unreadable:
                continue  # the same content twice stages once
            try:
                table = read_landed(landed, path, mapping, thresholds)
            except RejectedFile as reason:
                self.unreadable[landed.sha256] = reason
                continue
            number = len(tables)
            self.numbers[landed.sha256] = number
            self.rows[number] = table.num_rows
            tables.append(table.append_column("file_no", pa.repeat(number, table.num_rows)))
        self.failed: RejectedFile | None = None
        if tables:
            self.run_rules(files[0][0], pa.concat_tables(tables), thresholds)

    def run_rules(self, landed: LandedFile, rows: pa.Table, thresholds: Thresholds) -> None:
        kind = KINDS[landed.kind]
        self.conn.register("landed_text", rows)
        try:
            self.conn.execute(
                f"create or replace temp table landed_typed as {typed_sql(kind, landed)}"
            )
            self.conn.execute(
                f"create or replace temp table {self.prefix}_problems as "
                + problems_sql(kind, landed, thresholds.dates)
            )
            self.conn.execute(
                f"create or replace temp table {self.prefix}_incoming as "
                f"select * from ({incoming_sql(kind)}) i anti join {self.prefix}_problems p "
                "on i.file_no = p.file_no and i.source_row = p.source_row"
            )
            key = record_key_sql(kind)
            self.conn.execute(
                f"create or replace temp table {self.prefix}_quarantined_keys as "
                f"select distinct file_no, {key} as record_key from landed_typed l "
                f"semi join {self.prefix}_problems p on l.file_no = p.file_no "
                f"and l.source_row = p.source_row where {key} is not null"
            )
            self.conn.execute("drop table landed_typed")
            self.quarantined = dict(
                self.conn.execute(
                    "select file_no, count(distinct source_row) "
                    f"from {self.prefix}_problems group by file_no"
                ).fetchall()
            )
        except duckdb.Error as e:
            # The rules are written so that no cell can fail them (try_cast, patterns): this
            # is a file they did not foresee. Its message may quote a cell, so only its kind
            # is told. In a batch it is not known which file: each is then staged alone.
            self.failed = RejectedFile(
                f"{landed.name}: its cells could not be typed ({type(e).__name__}; rule: the "
                "contract's types)"
            )
            self.numbers.clear()
        finally:
            self.conn.unregister("landed_text")

    def __contains__(self, landed: LandedFile) -> bool:
        return landed.sha256 in self.numbers or landed.sha256 in self.unreadable

    def staged(self, landed: LandedFile) -> Staged:
        """What staging made of this file: rows read and quarantined."""
        number = self.numbers[landed.sha256]
        return Staged(self.rows[number], self.quarantined.get(number, 0))

    def take(self, landed: LandedFile) -> Staged:
        """This file's rows as `incoming`, `problems` and `quarantined_keys`."""
        if landed.sha256 in self.unreadable:
            raise self.unreadable[landed.sha256]
        number = self.numbers[landed.sha256]
        for table in ("problems", "incoming", "quarantined_keys"):
            self.conn.execute(
                f"create or replace temp table {table} as "
                f"select * exclude (file_no) from {self.prefix}_{table} where file_no = {number:d}"
            )
        return self.staged(landed)

    def close(self) -> None:
        for table in ("problems", "incoming", "quarantined_keys"):
            self.conn.execute(f"drop table if exists {self.prefix}_{table}")


def stage(
    conn: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    path: Path,
    mapping: KindMapping | None = None,
    thresholds: Thresholds | None = None,
) -> Staged:
    """Stage one file (at `path`) into `incoming`, `problems` and `quarantined_keys`. Raises
    RejectedFile when the file as a whole cannot be read."""
    batch = StagingBatch(conn, [(landed, path)], mapping, thresholds or Thresholds())
    try:
        if batch.failed:
            raise batch.failed
        return batch.take(landed)
    finally:
        batch.close()
