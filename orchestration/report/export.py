"""Export the published file for analysts: CSV, Excel or Parquet, one file (or sheet) per table.

Every table of `published/workforce.duckdb` is read through one read-only connection, so all
of them come from the same publication even if a run swaps a new file in meanwhile (the open
connection keeps reading the file it opened). Each output is written beside its final name
and moved into place, so nobody opens a half-written export.

Every format shows each table as `export_views` says: its own columns, with each code's label
beside it (`la_name`, `kpi_label`, `breakdown_label`), and without the `ALL` rows when only one
authority is loaded (they would repeat its figures). What the files look like, for Excel and
Power BI:

- csv: UTF-8 with a byte order mark (Excel then reads accents right), a header row, empty
  cells for nulls, dates as `YYYY-MM-DD`, timestamps as `YYYY-MM-DD hh:mm:ss.sss`, numbers
  in full precision (a double is written with the fewest digits that read back exactly).
- xlsx: one workbook for people: a `contents` sheet (the publication's run id, then every
  sheet, its rows, how it differs from the published table), a wide `scorecard` (authority x census year, a column per
  headline KPI), then a sheet per table. Each sheet is an Excel table (filter buttons,
  banded rows) with its header frozen, columns as wide as their contents, dates as Excel
  dates and number formats by what a figure is: percentages `0.0"%"` (the cell holds 7.0, as
  kpi_values does, and shows 7.0%), caseloads `0.0`, money `£#,##0`, counts and days elapsed
  (time to hire) `#,##0`, FTE and days lost `#,##0.0` (in kpi_values, by the row's KPI); the cell keeps every digit (16 significant, openpyxl's precision; Excel shows 15). A table with more rows
  than a sheet holds (1,048,575 under the header) continues on further sheets
  `<table> (2)`, `<table> (3)`, ... Sheet names are cut to Excel's 31 characters.
  A text longer than a cell holds (32,767 characters) is cut, with a note, and reported.
- parquet: one file per table, the published column types kept as they are (lists and
  structs stay nested, DECIMAL stays DECIMAL).

In csv a list or struct column (publications.source_files) is written as JSON text; the
workbook shows a list of values as text and a list of records by its count (see
`export_views`). A timestamp with time zone is written as the UTC time without an offset
(Excel has no time zones). Text beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is
never a formula: in csv it is prefixed with a single quote (OWASP's advice), in xlsx it is
stored as a string cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from warnings import catch_warnings, simplefilter

import duckdb

from orchestration.cells import csv_safe, is_formula_like
from orchestration.report.export_views import (
    Kpi,
    Lookups,
    Mode,
    kpi_definitions,
    quote,
    scorecard_view,
    table_view,
)
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
    notes: tuple[str, ...] = ()  # how the export differs from the published table


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


def workbook_order(tables: list[str]) -> list[str]:
    """The KPIs and their definitions first, then the other tables by name."""
    first = ("kpi_values", "kpi_definitions")
    return [t for t in first if t in tables] + [t for t in tables if t not in first]


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


def write_csv(
    conn: duckdb.DuckDBPyConnection, table: str, path: Path, lookups: Lookups | None = None
) -> ExportedTable:
    view = table_view(conn, table, lookups or Lookups.read(conn), Mode.csv)
    header = [d[0] for d in conn.execute(f"{view.sql} limit 0").description]
    rows = 0
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for batch in batches(conn, view.sql):
            writer.writerows([csv_text(v) for v in row] for row in batch)
            rows += len(batch)
    os.replace(tmp, path)
    return ExportedTable(table, rows, path, notes=tuple(view.notes))


def write_parquet(
    conn: duckdb.DuckDBPyConnection, table: str, path: Path, lookups: Lookups | None = None
) -> ExportedTable:
    view = table_view(conn, table, lookups or Lookups.read(conn), Mode.parquet)
    tmp = path.with_name(f".{path.name}.tmp")
    target = str(tmp).replace("'", "''")
    conn.execute(f"copy ({view.sql}) to '{target}' (format parquet)")
    os.replace(tmp, path)
    (rows,) = conn.execute(f"select count(*) from ({view.sql})").fetchone()
    return ExportedTable(table, rows, path, notes=tuple(view.notes))


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


# Number formats: what a figure is decides how Excel shows it; the cell keeps every digit.
# A percentage is stored as kpi_values holds it (7.0, not 0.07) and shown with a literal %:
# Excel's own `0.0%` would multiply it by 100.
PERCENT = '0.0"%"'
RATE = "0.0"  # caseloads and other ratios that are not percentages
MONEY = "£#,##0"
COUNT = "#,##0"  # people, cases, children, rows
FTE = "#,##0.0"  # FTE and days, summed from decimals
WHOLE = "0"  # years and ranks: no thousands separator
KPI_VALUED = ("value", "target", "national_value", "neighbour_median", "amber_band")
WHOLE_COLUMNS = ("census_year", "rank", "rank_of", "neighbours_with_value", "scorecard_order")
INTEGER = tuple(
    f"{u}{t}" for u in ("", "U") for t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")
)
NUMERIC = (*INTEGER, "FLOAT", "DOUBLE", "DECIMAL")


def kpi_format(kpi: Kpi) -> str:
    if kpi.unit == "gbp":
        return MONEY
    if kpi.unit == "percent":
        return PERCENT
    if kpi.is_rate:
        return RATE
    if kpi.unit in ("headcount", "cases"):
        return COUNT
    if kpi.unit == "days" and not kpi.code.endswith("_fte"):
        return COUNT  # days elapsed (time to hire) are whole; days lost over FTE keep a decimal
    return FTE


def by_name(column: str, data_type: str) -> str | None:
    """The format of a figure column from its name and type (None: Excel's General)."""
    kind = data_type.upper()
    if not kind.startswith(NUMERIC) or column == "code" or column.endswith("_code"):
        return None  # a code is shown as it is, without thousands separators
    if column in WHOLE_COLUMNS or column.endswith("_year"):
        return WHOLE
    if column.endswith("_gbp"):
        return MONEY
    if column.endswith(("_percent", "_share")) or "_rate" in column:
        return PERCENT
    if column.endswith("_fte"):
        return FTE
    if kind.startswith(INTEGER) or column.endswith("_count"):
        return COUNT
    return None


Formatter = Callable[[tuple], "str | None"]


def always(fmt: str | None) -> Formatter:
    return lambda row: fmt


def whole_or_decimal(index: int) -> Formatter:
    """A numerator or denominator: a count (whole) or FTE, days, pounds (decimals)."""

    def fmt(row: tuple) -> str | None:
        value = row[index]
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return COUNT if float(value).is_integer() else FTE
        return None

    return fmt


def column_formats(
    header: list[str], types: list[str], kpis: dict[str, Kpi], fixed: dict[str, str]
) -> list[Formatter]:
    """Each column's number format, as a function of its row: a KPI's value is formatted as
    that row's KPI is (a percentage 0.0"%", money £, a count whole)."""
    kpi_at = header.index("kpi_code") if "kpi_code" in header else None
    formats = {code: kpi_format(kpi) for code, kpi in kpis.items()}
    result: list[Formatter] = []
    for index, (column, data_type) in enumerate(zip(header, types, strict=True)):
        if column in fixed:
            result.append(always(fixed[column]))
        elif kpi_at is not None and column in KPI_VALUED:
            result.append(lambda row, k=kpi_at: formats.get(row[k]))
        elif column in ("numerator", "denominator"):
            result.append(whole_or_decimal(index))
        else:
            result.append(always(by_name(column, data_type)))
    return result


def column_widths(conn: duckdb.DuckDBPyConnection, sql: str, header, types) -> list[float]:
    """Wide enough for the header and the longest text (up to 60 characters), the figures and
    the dates."""
    texts = [i for i, t in enumerate(types) if t.upper() == "VARCHAR"]
    longest: dict[int, int] = {}
    if texts:
        lengths = ", ".join(f"max(length({quote(header[i])}))" for i in texts)
        found = conn.execute(f"select {lengths} from ({sql})").fetchone()
        longest = {i: n or 0 for i, n in zip(texts, found, strict=True)}
    widths = []
    for i, (column, data_type) in enumerate(zip(header, types, strict=True)):
        kind = data_type.upper()
        content = longest.get(i, 19 if kind.startswith("TIMESTAMP") else 12)
        widths.append(min(60, max(len(column) + 4, content + 2, 8)))
    return widths


def table_name(sheet: str, taken: set[str]) -> str:
    """An Excel table name for a sheet: letters, digits and `_`, not a cell reference, unique
    in the workbook."""
    base = re.sub(r"_+", "_", re.sub(r"\W", "_", sheet)).strip("_") or "table"
    if not re.match(r"[A-Za-z_]", base) or re.fullmatch(r"[A-Za-z]{1,3}\d+|[RrCc]", base):
        base = f"t_{base}"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name.lower())
    return name


@dataclass
class Workbook:
    """The workbook being written: sheet and table names taken, and what the contents lists."""

    book: object
    max_sheet_rows: int
    sheet_names_taken: set[str] = field(default_factory=set)
    table_names_taken: set[str] = field(default_factory=set)
    contents: list[tuple[str, str, int, str]] = field(default_factory=list)


def add_table(wb: Workbook, ws, sheet: str, header: list[str], rows: int) -> None:
    """The sheet's cells as an Excel table: filter buttons, banded rows, sortable. A table
    without rows keeps one empty row (Excel's own tables never have none)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.filters import AutoFilter
    from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

    ref = f"A1:{get_column_letter(len(header))}{max(rows, 1) + 1}"
    table = Table(
        ref=ref,
        displayName=table_name(sheet, wb.table_names_taken),
        autoFilter=AutoFilter(ref=ref),
        tableColumns=[TableColumn(id=i, name=name) for i, name in enumerate(header, 1)],
        tableStyleInfo=TableStyleInfo(name="TableStyleMedium2", showRowStripes=True),
    )
    with catch_warnings():  # "add table columns manually": they are, just above
        simplefilter("ignore", UserWarning)
        ws.add_table(table)


def write_sheets(
    wb: Workbook,
    conn: duckdb.DuckDBPyConnection,
    table: str,
    sql: str,
    kpis: dict[str, Kpi],
    fixed: dict[str, str] | None = None,
    note: str = "",
) -> tuple[int, list[str], int]:
    """The rows of `sql` onto one sheet, or more when they outgrow a sheet, each an Excel table
    with its columns' widths and number formats. Returns the rows written, the sheet names and
    how many cells were cut."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    described = conn.execute(f"{sql} limit 0").description
    header = [d[0] for d in described]
    types = [str(d[1]) for d in described]
    formats = column_formats(header, types, kpis, fixed or {})
    widths = column_widths(conn, sql, header, types)
    # kpi_values_for_publication holds each value as published text ('12.3', or 'c')
    numeric_text = {
        i
        for i, column in enumerate(header)
        if column == "value" and types[i].upper() == "VARCHAR" and "kpi_code" in header
    }
    names = sheet_names(table, wb.sheet_names_taken)
    sheets: list[list] = []  # [title, worksheet, rows written]

    def new_sheet():
        title = next(names)
        ws = wb.book.create_sheet(title)
        ws.freeze_panes = "A2"
        for i, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.append(header)
        sheets.append([title, ws, 0])
        return sheets[-1]

    # One styled cell per column and format, reused row after row (a write-only sheet writes a
    # row's cells as it is appended) rather than a new cell styled for every value.
    styled: dict[tuple[int, str], WriteOnlyCell] = {}
    current, rows, cut = new_sheet(), 0, 0
    for batch in batches(conn, sql):
        for row in batch:
            if current[2] == wb.max_sheet_rows:
                current, styled = new_sheet(), {}
            ws = current[1]
            out = []
            for i, value in enumerate(row):
                if i in numeric_text and isinstance(value, str):
                    value = number_or_text(value)
                fmt = formats[i](row) if type(value) in (int, float, Decimal) else None
                if fmt and (type(value) is not float or math.isfinite(value)):
                    if (i, fmt) not in styled:
                        styled[(i, fmt)] = WriteOnlyCell(ws)
                        styled[(i, fmt)].number_format = fmt
                    styled[(i, fmt)].value = value
                    out.append(styled[(i, fmt)])
                    continue
                value, was_cut = xlsx_cell(value)
                cut += was_cut
                out.append(as_text(ws, value) if type(value) is TextCell else value)
            ws.append(out)
            current[2] += 1
            rows += 1
    for title, ws, count in sheets:
        add_table(wb, ws, title, header, count)
        wb.contents.append((title, table, count, note))
    return rows, [title for title, _, _ in sheets], cut


def number_or_text(value: str) -> object:
    try:
        return float(value)
    except ValueError:
        return value


def write_xlsx(
    conn: duckdb.DuckDBPyConnection,
    tables: list[str],
    path: Path,
    max_sheet_rows: int = EXCEL_MAX_ROWS - 1,
    lookups: Lookups | None = None,
    run_id: str | None = None,
) -> tuple[list[ExportedTable], list[str]]:
    """One workbook: a contents sheet, the scorecard, then a sheet per table (more where a
    table outgrows a sheet), each an Excel table."""
    from openpyxl import Workbook as OpenpyxlWorkbook

    lookups = lookups or Lookups.read(conn)
    kpis = kpi_definitions(conn)
    wb = Workbook(OpenpyxlWorkbook(write_only=True), max_sheet_rows)
    contents = wb.book.create_sheet(next(sheet_names("contents", wb.sheet_names_taken)))
    views = [table_view(conn, table, lookups, Mode.xlsx) for table in tables]
    scorecard = scorecard_view(conn, lookups)
    exported: list[ExportedTable] = []
    warnings: list[str] = []
    for view in ([scorecard] if scorecard else []) + views:
        fixed = {
            column: kpi_format(kpis[code])
            for column, code in view.kpi_columns.items()
            if code in kpis
        }
        note = "; ".join(view.notes)
        rows, sheets, cut = write_sheets(wb, conn, view.table, view.sql, kpis, fixed, note)
        if len(sheets) > 1:
            warnings.append(
                f"{view.table}: {rows:,} rows do not fit one Excel sheet; "
                f"split over sheets {', '.join(sheets)}"
            )
        if cut:
            warnings.append(
                f"{view.table}: {cut} cell(s) longer than Excel's {EXCEL_MAX_CELL_TEXT:,} "
                "characters were cut in the xlsx; the csv and parquet exports hold them in full"
            )
        exported.append(ExportedTable(view.table, rows, path, tuple(sheets), tuple(view.notes)))
    write_contents(wb, contents, run_id)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.book.save(tmp)
    os.replace(tmp, path)
    return exported, warnings


def write_contents(wb: Workbook, ws, run_id: str | None = None) -> None:
    """The first sheet: the run that published what the workbook shows (its own row, first),
    then every other sheet, the published table it shows, its rows, and
    how it differs from that table."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    header = ["sheet", "table", "rows", "notes"]
    longest = max((len(n) for *_, n in wb.contents), default=0)
    for i, width in enumerate([34, 30, 12, min(100, max(40, longest + 2))], 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append(header)
    if run_id:
        ws.append(
            [ws.title, None, None, f"the publication of run {run_id}, as every sheet shows it"]
        )
    for sheet, table, rows, note in wb.contents:
        count = WriteOnlyCell(ws, value=rows)
        count.number_format = COUNT
        ws.append([sheet, table, count, note or None])
    add_table(wb, ws, ws.title, header, len(wb.contents) + bool(run_id))


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def export_publication(
    settings: Settings,
    fmt: ExportFormat | str,
    out: Path | None = None,
    max_sheet_rows: int = EXCEL_MAX_ROWS - 1,
) -> Export:
    """Write every table of the published file in `fmt` into `out`
    (default `$WORKFORCE_HOME/exports/<published run id>/`).

    The files' names are stable (`workforce.xlsx`, `kpi_values.csv`, ...) so that a link or a
    Power BI source set up on `out` keeps working at each publication; only the default folder,
    and the default workbook's name, carry the run id. The workbook's contents sheet names the
    run either way."""
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
        folder = (out or settings.room("exports") / safe_name(run_id)).expanduser().resolve()
        folder.mkdir(parents=True, exist_ok=True)
        warnings: list[str] = []
        lookups = Lookups.read(conn)
        if fmt is ExportFormat.xlsx:
            name = "workforce.xlsx" if out else f"workforce_{safe_name(run_id)}.xlsx"
            exported, warnings = write_xlsx(
                conn, workbook_order(tables), folder / name, max_sheet_rows, lookups, run_id
            )
        else:
            write = write_csv if fmt is ExportFormat.csv else write_parquet
            exported = [
                write(conn, table, folder / f"{safe_name(table)}.{fmt.value}", lookups)
                for table in tables
            ]
    return Export(run_id=run_id, folder=folder, tables=exported, warnings=warnings)
