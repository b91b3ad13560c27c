"""Export the published file for analysts: CSV, Excel or Parquet, one file (or sheet) per table.

Every table of `published/workforce.duckdb` is read through one read-only connection, so all
of them come from the same publication even if a run swaps a new file in meanwhile (the open
connection keeps reading the file it opened). Each output is written beside its final name
and moved into place, so nobody opens a half-written export.

What the files look like, for Excel and Power BI:

- csv: UTF-8 with a byte order mark (Excel then reads accents right), a header row, empty
  cells for nulls, dates as `YYYY-MM-DD`, timestamps as `YYYY-MM-DD hh:mm:ss.sss`, numbers
  in full precision (a double is written with the fewest digits that read back exactly).
- xlsx: one workbook, one sheet per table, header row frozen, dates as Excel dates, numbers
  to 16 significant digits (openpyxl's precision; Excel shows 15). A table with more rows
  than a sheet holds (1,048,575 under the header) continues on further sheets
  `<table> (2)`, `<table> (3)`, ... Sheet names are cut to Excel's 31 characters.
  A text longer than a cell holds (32,767 characters) is cut, with a note, and reported.
- parquet: one file per table, the published column types kept as they are (lists and
  structs stay nested, DECIMAL stays DECIMAL).

In csv and xlsx a list or struct column (publications.source_files) is written as JSON text,
and a timestamp with time zone as the UTC time without an offset (Excel has no time zones).
Text beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is never a formula: in csv it
is prefixed with a single quote (OWASP's advice), in xlsx it is stored as a string cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import duckdb

from orchestration.cells import csv_safe, is_formula_like
from orchestration.settings import Settings

EXCEL_MAX_ROWS = 1_048_576  # rows per worksheet, the header row included
EXCEL_MAX_SHEET_NAME = 31
EXCEL_MAX_CELL_TEXT = 32_767
BATCH_ROWS = 10_000


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"


class NoPublicationError(Exception):
    """There is no published file to export yet."""


@dataclass(frozen=True)
class ExportedTable:
    table: str
    rows: int
    path: Path
    sheets: tuple[str, ...] = ()  # xlsx: the sheet(s) holding the table


@dataclass(frozen=True)
class Export:
    run_id: str  # the run that published what was exported
    folder: Path
    tables: list[ExportedTable]
    warnings: list[str]


def published_tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table (and view) of the published file, kpi_values first, then by name."""
    names = [
        name
        for (name,) in conn.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = 'main' order by 1"
        ).fetchall()
    ]
    return sorted(names, key=lambda n: (n != "kpi_values", n))


def published_run_id(conn: duckdb.DuckDBPyConnection, tables: list[str]) -> str:
    """The run whose publication this file is (kpi_values says; the log is the fallback)."""
    if "kpi_values" in tables:
        (run_id,) = conn.execute("select max(published_run_id) from kpi_values").fetchone()
        if run_id:
            return run_id
    if "publications" in tables:
        row = conn.execute(
            "select run_id from publications where status = 'published' "
            "order by finished_at desc limit 1"
        ).fetchone()
        if row:
            return row[0]
    return "unknown-run"


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def text_friendly_select(conn: duckdb.DuckDBPyConnection, table: str) -> str:
    """`select` of a table with nested values as JSON text and time-zoned times in UTC."""
    columns = conn.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = current_database() and schema_name = 'main' and table_name = ? "
        "order by column_index",
        [table],
    ).fetchall()
    parts = []
    for name, data_type in columns:
        column = quote(name)
        kind = data_type.upper()
        if kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION")):
            parts.append(f"to_json({column})::varchar as {column}")
        elif kind == "TIMESTAMP WITH TIME ZONE":
            parts.append(f"timezone('UTC', {column}) as {column}")
        elif kind in ("UUID", "INTERVAL", "BLOB", "BIT", "TIME", "TIME WITH TIME ZONE"):
            parts.append(f"{column}::varchar as {column}")
        else:
            parts.append(column)
    return f"select {', '.join(parts)} from {quote(table)}"


def batches(conn: duckdb.DuckDBPyConnection, sql: str) -> Iterator[list[tuple]]:
    result = conn.execute(sql)
    while rows := result.fetchmany(BATCH_ROWS):
        yield rows


def csv_text(value) -> str | None:
    """A cell as Excel and Power BI read it back: the exact number, ISO dates."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="milliseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return csv_safe(value)
    return str(value)


def write_csv(conn: duckdb.DuckDBPyConnection, table: str, path: Path) -> int:
    sql = text_friendly_select(conn, table)
    header = [d[0] for d in conn.execute(f"{sql} limit 0").description]
    rows = 0
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for batch in batches(conn, sql):
            writer.writerows([csv_text(v) for v in row] for row in batch)
            rows += len(batch)
    os.replace(tmp, path)
    return rows


def write_parquet(conn: duckdb.DuckDBPyConnection, table: str, path: Path) -> int:
    tmp = path.with_name(f".{path.name}.tmp")
    target = str(tmp).replace("'", "''")
    conn.execute(f"copy (select * from {quote(table)}) to '{target}' (format parquet)")
    os.replace(tmp, path)
    (rows,) = conn.execute(f"select count(*) from {quote(table)}").fetchone()
    return rows


def sheet_names(table: str, taken: set[str]) -> Iterator[str]:
    """`table`, `table (2)`, ...: within 31 characters, without Excel's forbidden characters,
    unique in the workbook (Excel compares sheet names case-insensitively)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", table).strip("'") or "table"
    part = 1
    while True:
        suffix = "" if part == 1 else f" ({part})"
        name = base[: EXCEL_MAX_SHEET_NAME - len(suffix)] + suffix
        if name.lower() not in taken:
            taken.add(name.lower())
            yield name
        part += 1


def xlsx_cell(value) -> tuple[object, bool]:
    """A value Excel can hold, and whether text had to be cut to fit a cell."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cut = len(value) > EXCEL_MAX_CELL_TEXT
        if cut:
            note = f" ... [cut: {len(value):,} characters; see the csv or parquet export]"
            value = value[: EXCEL_MAX_CELL_TEXT - len(note)] + note
        return (TextCell(value) if is_formula_like(value) else value), cut
    if isinstance(value, float) and not math.isfinite(value):
        return None, False
    if value is None or isinstance(value, (int, float, Decimal, dt.date, bool)):
        return value, False  # dates and datetimes become Excel dates
    return str(value), False


class TextCell(str):
    """Text that openpyxl would otherwise store as a formula (it begins with `=`)."""


def as_text(sheet, value: str):
    """A cell stored as a string whatever it begins with: Excel shows it, never runs it."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"
    return cell


def write_xlsx_table(
    workbook,
    conn: duckdb.DuckDBPyConnection,
    table: str,
    taken: set[str],
    max_sheet_rows: int,
) -> tuple[int, list[str], int]:
    """One table onto one sheet, or more when it has more rows than a sheet holds.
    Returns the rows written, the sheet names and how many cells were cut."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sql = text_friendly_select(conn, table)
    header = [d[0] for d in conn.execute(f"{sql} limit 0").description]
    names = sheet_names(table, taken)
    sheets: list[str] = []
    bold = Font(bold=True)

    def new_sheet():
        sheets.append(next(names))
        ws = workbook.create_sheet(sheets[-1])
        ws.freeze_panes = "A2"
        heading = []
        for title in header:
            heading.append(WriteOnlyCell(ws, value=title))
            heading[-1].font = bold
        ws.append(heading)
        return ws

    sheet, sheet_rows, rows, cut = new_sheet(), 0, 0, 0
    for batch in batches(conn, sql):
        for row in batch:
            if sheet_rows == max_sheet_rows:
                sheet, sheet_rows = new_sheet(), 0
            cells = [xlsx_cell(v) for v in row]
            cut += sum(was_cut for _, was_cut in cells)
            sheet.append([as_text(sheet, v) if type(v) is TextCell else v for v, _ in cells])
            sheet_rows += 1
            rows += 1
    return rows, sheets, cut


def write_xlsx(
    conn: duckdb.DuckDBPyConnection,
    tables: list[str],
    path: Path,
    max_sheet_rows: int = EXCEL_MAX_ROWS - 1,
) -> tuple[list[ExportedTable], list[str]]:
    """One workbook, a sheet per table (more where a table outgrows a sheet)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    exported: list[ExportedTable] = []
    warnings: list[str] = []
    for table in tables:
        rows, sheets, cut = write_xlsx_table(workbook, conn, table, taken, max_sheet_rows)
        if len(sheets) > 1:
            warnings.append(
                f"{table}: {rows:,} rows do not fit one Excel sheet; "
                f"split over sheets {', '.join(sheets)}"
            )
        if cut:
            warnings.append(
                f"{table}: {cut} cell(s) longer than Excel's {EXCEL_MAX_CELL_TEXT:,} characters "
                "were cut in the xlsx; the csv and parquet exports hold them in full"
            )
        exported.append(ExportedTable(table, rows, path, tuple(sheets)))
    tmp = path.with_name(f".{path.name}.tmp")
    workbook.save(tmp)
    os.replace(tmp, path)
    return exported, warnings


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def export_publication(
    settings: Settings,
    fmt: ExportFormat | str,
    out: Path | None = None,
    max_sheet_rows: int = EXCEL_MAX_ROWS - 1,
) -> Export:
    """Write every table of the published file in `fmt` into `out`
    (default `$WORKFORCE_HOME/exports/<published run id>/`)."""
    fmt = ExportFormat(fmt)
    published = settings.published
    if not published.exists():
        raise NoPublicationError(
            f"No publication to export: {published} does not exist yet. "
            "Run `workforce run` (or `workforce demo`) first."
        )
    with duckdb.connect(str(published), read_only=True) as conn:
        conn.execute("set TimeZone = 'UTC'")
        tables = published_tables(conn)
        if not tables:
            raise NoPublicationError(f"{published} holds no tables: nothing to export.")
        run_id = published_run_id(conn, tables)
        folder = (out or settings.home / "exports" / safe_name(run_id)).expanduser().resolve()
        folder.mkdir(parents=True, exist_ok=True)
        warnings: list[str] = []
        if fmt is ExportFormat.xlsx:
            path = folder / f"workforce_{safe_name(run_id)}.xlsx"
            exported, warnings = write_xlsx(conn, tables, path, max_sheet_rows)
        else:
            write = write_csv if fmt is ExportFormat.csv else write_parquet
            exported = []
            for table in tables:
                path = folder / f"{safe_name(table)}.{fmt.value}"
                exported.append(ExportedTable(table, write(conn, table, path), path))
    return Export(run_id=run_id, folder=folder, tables=exported, warnings=warnings)
