"""Readers: one delivered file into an Arrow table of text cells, or a RejectedFile.

Nothing is typed here: the row rules (`rules.py`) type and check every cell, so a bad cell
quarantines its row instead of failing the file. DfE's reference files are read whole, every
cell kept as text so DfE's suppression symbols survive.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from orchestration.config import Limits
from orchestration.contract import DFE_SYMBOLS, REFERENCE_KINDS, ReferenceKind
from orchestration.ingest.landing import LA_CODE, LandedFile, RejectedFile


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, as EXTRACTS.md allows."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RejectedFile(f"{name}: unreadable encoding (rule: UTF-8 or Windows-1252)")


def csv_text(path: Path, name: str) -> str:
    """A CSV file's text, once it is known to be whole: not empty, decodable, no open quote."""
    data = path.read_bytes()
    if not data.strip():
        raise RejectedFile(f"{name}: empty file (rule: a header row is required)")
    text = decode(data, name)
    if text.count('"') % 2:  # quotes pair up in any whole CSV, escaped ones included
        raise RejectedFile(
            f"{name}: malformed CSV (a quoted field is never closed: the file looks truncated)"
        )
    return text


def read_as_text(path: Path, name: str, limits: Limits | None = None) -> pa.Table:
    """The file's cells as text, header names lower-cased; nothing typed yet. Whatever the
    readers cannot turn into text cells, or what is beyond `limits`, is a RejectedFile whose
    message names the file (and row and column where there is one), never a cell's value."""
    limits = limits or Limits()
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise RejectedFile(
            f"{name}: {size / 1e6:,.0f} MB, more than a file may be (rule: limits.max_file_mb "
            f"{limits.max_file_mb:,g} in workforce.yaml)"
        )
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        table = read_parquet(path, name, limits)
    elif suffix == ".csv":
        table = read_csv(path, name, limits)
    elif suffix == ".xlsx":
        table = read_xlsx(path, name, limits)
    else:
        raise RejectedFile(f"{name}: {suffix} files are not supported (rule: csv, xlsx or parquet)")
    header = lower_case_header(table.column_names, name)
    check_size(table, name, limits)
    return table.rename_columns(header)


def lower_case_header(labels: list[str], name: str) -> list[str]:
    """The header trimmed and lower-cased; a column named twice rejects the file."""
    header = [label.strip().lower() for label in labels]
    repeated = sorted({c for c in header if c and header.count(c) > 1})
    if repeated:
        raise RejectedFile(
            f"{name}: column(s) {', '.join(repeated)} appear more than once in the header "
            "(rule: each column once)"
        )
    return header


def check_rows(rows: int, name: str, limits: Limits) -> None:
    if rows > limits.max_rows:
        raise RejectedFile(
            f"{name}: {rows:,} rows, more than a file may hold "
            f"(rule: limits.max_rows {limits.max_rows:,} in workforce.yaml)"
        )


def check_inflated(inflated: int, name: str, limits: Limits) -> None:
    """Checked from the file's own directory (zip, Parquet metadata) before decompressing."""
    if inflated > limits.max_inflated_bytes:
        raise RejectedFile(
            f"{name}: {inflated / 1e6:,.0f} MB once decompressed (rule: limits.max_inflated_mb "
            f"{limits.max_inflated_mb:,g} in workforce.yaml)"
        )


def check_size(table: pa.Table, name: str, limits: Limits) -> None:
    check_rows(table.num_rows, name, limits)
    for column in table.column_names:
        lengths = pc.utf8_length(table[column])
        longest = pc.max(lengths).as_py()
        if longest and longest > limits.max_cell_chars:
            row = pc.index(pc.greater(lengths, limits.max_cell_chars), True).as_py() + 2
            raise RejectedFile(
                f"{name}: row {row}, column {column}: a cell of {longest:,} characters "
                f"(rule: limits.max_cell_chars {limits.max_cell_chars:,} in workforce.yaml)"
            )


def read_parquet(path: Path, name: str, limits: Limits) -> pa.Table:
    try:
        parquet = pq.ParquetFile(path)
        metadata = parquet.metadata
        schema = parquet.schema_arrow
    except Exception as e:
        raise RejectedFile(f"{name}: not a readable Parquet file ({type(e).__name__})") from e
    inflated = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    check_inflated(inflated, name, limits)
    check_rows(metadata.num_rows, name, limits)
    for field in schema:
        if not text_castable(field.type):
            raise RejectedFile(
                f"{name}: column {field.name} is of Parquet type {field.type}, which holds no "
                "single value per cell (rule: text, number, boolean, date or time columns)"
            )
    try:
        table = parquet.read()
        return pa.table(
            {f"{i}": column.cast(pa.string()) for i, column in enumerate(table.columns)}
        ).rename_columns(table.column_names)
    except Exception as e:
        raise RejectedFile(
            f"{name}: a column could not be read as text ({type(e).__name__})"
        ) from e


def text_castable(kind: pa.DataType) -> bool:
    """A type whose values are single cells with one text form (no lists, maps, structs,
    raw bytes: those have no contract meaning)."""
    return (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_temporal(kind)
        or pa.types.is_null(kind)
        or (pa.types.is_dictionary(kind) and text_castable(kind.value_type))
    )


def read_csv(path: Path, name: str, limits: Limits) -> pa.Table:
    text = csv_text(path, name)
    try:
        header = next(csv.reader(io.StringIO(text, newline="")))
    except (csv.Error, StopIteration) as e:
        raise RejectedFile(f"{name}: malformed CSV header ({e})") from e
    if not any(label.strip() for label in header):  # pyarrow would take row 2 for the header
        raise RejectedFile(f"{name}: row 1 is empty (rule: the header row is the first row)")
    lower_case_header(header, name)  # pyarrow's column types would keep one of a pair
    try:
        return pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as e:
        # pyarrow's message quotes the offending row, personal data and all: find the row
        # and say what is wrong with it instead.
        raise RejectedFile(f"{name}: malformed CSV: {csv_fault(text, len(header), limits)}") from e


def csv_fault(text: str, columns: int, limits: Limits) -> str:
    """Where and how a CSV the fast reader refused goes wrong, without quoting it."""
    default = csv.field_size_limit(limits.max_cell_chars)
    reader = csv.reader(io.StringIO(text, newline=""))
    row = 1
    try:
        for row, record in enumerate(reader, start=1):
            if record and len(record) != columns:
                return (
                    f"row {row} has {len(record)} fields where the header has {columns} "
                    "(rule: every row has the header's columns)"
                )
    except csv.Error:
        return (
            f"row {row + 1}: a cell longer than {limits.max_cell_chars:,} characters, or a "
            "quote out of place (rule: limits.max_cell_chars in workforce.yaml)"
        )
    finally:
        csv.field_size_limit(default)
    return "the rows could not be split into the header's columns"


def read_xlsx(path: Path, name: str, limits: Limits) -> pa.Table:
    """The first sheet, every cell as the text Excel shows for it (dates ISO)."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as workbook_zip:
            inflated = sum(member.file_size for member in workbook_zip.infolist())
    except (zipfile.BadZipFile, OSError) as e:
        raise RejectedFile(f"{name}: not a readable XLSX workbook (not a zip archive)") from e
    check_inflated(inflated, name, limits)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:
        raise RejectedFile(f"{name}: not a readable XLSX workbook ({type(e).__name__})") from e
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [xlsx_text(c) or "" for c in next(rows, ())]
        columns: list[list[str | None]] = [[] for _ in header]
        last_filled = 1  # rows below the last filled one are formatting, not data
        for row_number, cells in enumerate(rows, start=2):
            if row_number - 1 > limits.max_rows:
                raise RejectedFile(
                    f"{name}: more than {limits.max_rows:,} rows "
                    f"(rule: limits.max_rows in workforce.yaml)"
                )
            for i, column in enumerate(columns):
                column.append(xlsx_text(cells[i]) if i < len(cells) else None)
            if any(c is not None for c in cells):
                last_filled = row_number
    except RejectedFile:
        raise
    except Exception as e:
        raise RejectedFile(f"{name}: not a readable XLSX workbook ({type(e).__name__})") from e
    finally:
        workbook.close()
    return pa.table(
        {
            f"{i}": pa.array(values[: last_filled - 1], pa.string())
            for i, values in enumerate(columns)
        }
    ).rename_columns(header)


def xlsx_text(cell) -> str | None:
    """A cell as text: whole numbers without `.0`, dates ISO."""
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(sep=" ")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell)


def locate_columns(kind: ReferenceKind, header: list[str], name: str) -> dict[str, int]:
    """Where each column of the kind is in the delivered header; reject when a required one is
    missing. Labels compare trimmed and case-insensitive; a repeated label (DfE's `SNP`) is
    the column right after the one it belongs to."""
    labels = [h.strip().lower() for h in header]
    positions: dict[str, int] = {}
    missing = []
    for col in kind.columns:
        label = col.header.lower()
        at = None
        if col.after:
            owner = col.after.lower()
            following = labels.index(owner) + 1 if owner in labels else len(labels)
            if following < len(labels) and labels[following] == label:
                at = following
        elif label in labels:
            at = labels.index(label)
        if at is not None:
            positions[col.name] = at
        elif col.required:
            missing.append(col.header)
    if missing:
        raise RejectedFile(
            f"{name}: missing required column(s) {', '.join(missing)} "
            f"(rule: {kind.name} requires {', '.join(kind.required)})"
        )
    return positions


NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")


def is_number(cell: str) -> bool:
    """A published figure: digits, maybe a sign, a decimal point, thousands separators."""
    return bool(NUMBER.fullmatch(cell.replace(",", "")))


def read_reference(path: Path, landed: LandedFile) -> pa.Table:
    """A DfE reference CSV as the raw table stores it: every column as text, named by the
    contract (positional names for the neighbour file), plus the spreadsheet row number."""
    kind = REFERENCE_KINDS[landed.kind]
    name = landed.name
    content = csv_text(path, name)
    try:
        records = list(csv.reader(io.StringIO(content, newline="")))
    except csv.Error as e:
        raise RejectedFile(f"{name}: malformed CSV ({e})") from e
    positions = locate_columns(kind, records[0], name)
    columns: dict[str, list[str | None]] = {c.name: [] for c in kind.columns}
    source_rows: list[int] = []
    seen: dict[tuple, int] = {}
    for row_number, record in enumerate(records[1:], start=2):  # the header is row 1
        cells = {
            col: (record[at].strip() or None) if at < len(record) else None
            for col, at in positions.items()
        }
        if not any(cells.values()):
            continue  # a blank line
        for col in kind.columns:
            value = cells.get(col.name)
            if col.name in kind.not_empty and value is None:
                raise RejectedFile(
                    f"{name}: row {row_number}, column {col.header}: required value missing"
                )
            if value is None:
                continue
            if col.name in kind.numeric and not (is_number(value) or value.lower() in DFE_SYMBOLS):
                raise RejectedFile(
                    f"{name}: row {row_number}, column {col.header}: {value!r} is neither a "
                    f"number nor a DfE symbol ({' '.join(DFE_SYMBOLS)})"
                )
            if col.pattern and not re.fullmatch(col.pattern[0], value):
                raise RejectedFile(
                    f"{name}: row {row_number}, column {col.header}: {value!r} {col.pattern[1]}"
                )
            if col.name in kind.codes and not LA_CODE.match(value):
                raise RejectedFile(
                    f"{name}: row {row_number}, column {col.header}: {value!r} is not a "
                    "3-digit DfE LA code"
                )
        key = tuple(cells.get(k) for k in kind.key)
        if key in seen and any(key):
            raise RejectedFile(
                f"{name}: row {row_number}, column {'+'.join(kind.key)}: duplicate key within "
                f"the file (first on row {seen[key]})"
            )
        seen[key] = row_number
        for col in kind.columns:
            columns[col.name].append(cells.get(col.name))
        source_rows.append(row_number)
    return pa.table(
        {
            **{col: pa.array(values, pa.string()) for col, values in columns.items()},
            "source_row": pa.array(source_rows, pa.int32()),
        }
    )
