"""Readers: one delivered file into an Arrow table of text cells, or a RejectedFile.

Nothing is typed here: the row rules (`rules.py`) type and check every cell, so a bad cell
quarantines its row instead of failing the file. DfE's reference files are read whole, every
cell kept as text so DfE's suppression symbols survive.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

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


def read_as_text(path: Path, name: str) -> pa.Table:
    """The file's cells as text, header names lower-cased; nothing typed yet."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            table = pq.read_table(path)
        except Exception as e:
            raise RejectedFile(f"{name}: not a readable Parquet file ({e})") from e
        table = table.cast(pa.schema([(f.name, pa.string()) for f in table.schema]))
    elif suffix == ".csv":
        text = csv_text(path, name)
        try:
            header = next(csv.reader(io.StringIO(text, newline="")))
        except (csv.Error, StopIteration) as e:
            raise RejectedFile(f"{name}: malformed CSV header ({e})") from e
        try:
            table = pacsv.read_csv(
                io.BytesIO(text.encode("utf-8")),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={h: pa.string() for h in header},
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except pa.ArrowInvalid as e:
            raise RejectedFile(f"{name}: malformed CSV ({e})") from e
    elif suffix == ".xlsx":
        try:
            frame = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl")
        except Exception as e:
            raise RejectedFile(f"{name}: not a readable XLSX workbook ({e})") from e
        frame.columns = [str(c) for c in frame.columns]
        table = pa.Table.from_pandas(frame, preserve_index=False).cast(
            pa.schema([(c, pa.string()) for c in frame.columns])
        )
    else:
        raise RejectedFile(f"{name}: {suffix} files are not supported (rule: csv, xlsx or parquet)")
    return table.rename_columns([c.strip().lower() for c in table.column_names])


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
