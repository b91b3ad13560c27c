"""Ingestion: landing folder -> archived, typed, pseudonymised raw tables with history.

Every file is hashed (SHA-256) and recorded in `audit.files`. A file whose bytes are already
loaded for the same authority, kind and extract date is skipped; a different file for the
same authority, kind and date is a correction and replaces its predecessor. DfE's reference
files (landing/ itself) follow the same rules, with no authority. Snapshot kinds
are stored as record versions (see `warehouse.py`): a snapshot newer than every loaded one
costs time in proportion to itself; a correction or a late file re-derives history from its
date on by replaying the archived snapshots after it.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from duckdb import sqltypes

from orchestration.config import KindMapping, load_mappings, load_thresholds
from orchestration.contract import (
    DFE_SYMBOLS,
    KINDS,
    REFERENCE_KINDS,
    Column,
    Kind,
    Personal,
    ReferenceKind,
    Type,
)
from orchestration.settings import Settings
from orchestration.warehouse import connect, create_schemas, raw_columns, reference_columns

FILE_NAME = re.compile(
    r"^(?P<kind>[a-z_]+?)_(?P<date>\d{8})(?:_[^/]*)?\.(?P<ext>csv|xlsx|parquet)$", re.IGNORECASE
)
LA_CODE = re.compile(r"^\d{3}$")


class RejectedFile(Exception):
    """The file as a whole cannot be loaded; the message says why (file, row, column, rule)."""


@dataclass(frozen=True)
class LandedFile:
    path: Path
    name: str  # path below landing/, as people see it
    la_code: str | None  # None for a DfE reference file
    kind: str
    extract_date: date
    sha256: str

    @property
    def archive_name(self) -> str:
        return f"{self.la_code or 'dfe'}/{self.kind}/{self.sha256}{self.path.suffix.lower()}"

    @property
    def is_reference(self) -> bool:
        return self.kind in REFERENCE_KINDS


@dataclass
class IngestReport:
    loaded: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    quarantined: list[tuple[str, int, int]] = field(default_factory=list)  # file, rows, of rows

    def too_much_quarantined(self, max_share: float) -> list[str]:
        return [
            f"{name}: {rows} of {read} rows quarantined (more than {max_share:.0%})"
            for name, rows, read in self.quarantined
            if read and rows / read > max_share
        ]

    def summary(self) -> str:
        return (
            f"{len(self.loaded)} loaded, {len(self.corrected)} corrected, "
            f"{len(self.skipped)} already loaded, {len(self.rejected)} rejected, "
            f"{sum(rows for _, rows, _ in self.quarantined)} rows quarantined"
        )


# --- finding files -------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def landed_files(landing: Path) -> Iterator[Path]:
    """Every file below landing/, oldest name first; hidden and temporary files are ignored."""
    for path in sorted(landing.rglob("*")):
        if path.is_file() and not path.name.startswith((".", "~$")):
            yield path


def classify(path: Path, landing: Path) -> LandedFile:
    """Read authority, kind and extract date from the path, or reject the file."""
    name = path.relative_to(landing).as_posix()
    parts = path.relative_to(landing).parts
    match = FILE_NAME.match(path.name)
    reference = match and match["kind"].lower() in REFERENCE_KINDS
    if reference and len(parts) != 1:
        raise RejectedFile(
            f"{name}: DfE reference file in a subfolder (rule: landing/<kind>_<YYYYMMDD>.csv)"
        )
    if reference and match["ext"].lower() != "csv":
        raise RejectedFile(f"{name}: a DfE reference file must be the CSV DfE publishes")
    if not reference and (len(parts) != 2 or not LA_CODE.match(parts[0])):
        raise RejectedFile(
            f"{name}: not in an authority folder (rule: landing/<3-digit la_code>/<file>, "
            f"or landing/<{'|'.join(REFERENCE_KINDS)}>_<YYYYMMDD>.csv for DfE's files)"
        )
    if not match:
        raise RejectedFile(f"{name}: file name is not <kind>_<YYYYMMDD>[_<anything>].csv|parquet")
    kind = match["kind"].lower()
    if kind not in KINDS and not reference:
        raise RejectedFile(f"{name}: unknown kind '{kind}' (known: {', '.join(KINDS)})")
    try:
        extract_date = datetime.strptime(match["date"], "%Y%m%d").date()
    except ValueError as e:
        raise RejectedFile(f"{name}: '{match['date']}' in the file name is not a date") from e
    la_code = None if reference else parts[0]
    return LandedFile(path, name, la_code, kind, extract_date, sha256_of(path))


# --- reading one file into a typed, pseudonymised relation -----------------------------------


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


def cast_sql(column: Column) -> str:
    """SQL turning the text cell `v` into the contract type; null where it does not parse."""
    v = text(column.name)
    match column.type:
        case Type.DATE:
            return (
                f"coalesce(try_cast({v} as date), try_strptime({v}, '%d/%m/%Y')::date, "
                f"try_cast({v} as timestamp)::date)"  # spreadsheets give date-times
            )
        case Type.BOOL:
            return (
                f"case when lower({v}) in ('1', 'true', 'y', 'yes', 't') then true "
                f"when lower({v}) in ('0', 'false', 'n', 'no', 'f') then false end"
            )
        case Type.INT_CODE | Type.FTE | Type.QUANTITY | Type.MONEY:
            return f"try_cast({v} as {column.type.value})"
        case _:
            return v


def pseudonym_sql(column: Column, la_code: str) -> str:
    """Pseudonyms are per authority, except SWE numbers, which are national."""
    v = text(column.name)
    if column.name == "swe_number":
        return f"pseudonym('swe:' || upper({v}))"
    return f"pseudonym('{la_code}:' || {v})"


def register_pseudonym(conn: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """`pseudonym(text)`: HMAC-SHA256 under the configured key, first 128 bits in hex."""

    def pseudonymise(values: pa.ChunkedArray) -> pa.Array:
        distinct = pc.unique(values)
        digests = pa.array(
            [
                None if v is None else hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:32]
                for v in distinct.to_pylist()
            ],
            pa.string(),
        )
        return pc.take(digests, pc.index_in(values, distinct))

    conn.create_function(
        "pseudonym", pseudonymise, [sqltypes.VARCHAR], sqltypes.VARCHAR, type="arrow"
    )


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
) -> Staged:
    """Load `path` into the temp table `incoming`: typed, checked and pseudonymised.

    Rows that break a rule go to the temp table `problems` (row, column, rule, value) and are
    left out of `incoming`. Raises RejectedFile when the file as a whole cannot be read.
    """
    kind = KINDS[landed.kind]
    table = read_as_text(path, landed.name)
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
        conn.execute(f"create or replace temp table problems as {problems_sql(conn, kind, landed)}")
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
    finally:
        conn.unregister("landed_text")
    (quarantined,) = conn.execute("select count(distinct source_row) from problems").fetchone()
    return Staged(table.num_rows, quarantined)


def text(column: str) -> str:
    """A delivered cell as text: trimmed, empty meaning null."""
    return f"nullif(trim(\"{column}\"), '')"


def record_key_sql(kind: Kind) -> str:
    return " || '|' || ".join(text(k) for k in kind.key)


def problems_sql(conn: duckdb.DuckDBPyConnection, kind: Kind, landed: LandedFile) -> str:
    """Every rule a row can break, as (source_row, column_name, rule, value)."""

    personal = {c.name for c in kind.columns if c.personal}

    def probe(column: str, rule: str, where: str, value: str | None = None) -> str:
        # the audit trail must not become a copy of the personal data it rejected
        shown = "'(personal data)'" if column in personal else value or text(column)
        return (
            f"select source_row, '{column}' as column_name, '{rule}' as rule, "
            f"cast({shown} as varchar) as value from landed_text where {where}"
        )

    probes = []
    for col in kind.columns:
        raw, typed = text(col.name), cast_sql(col)
        if col.required:
            probes.append(probe(col.name, "required value missing", f"{raw} is null"))
        if col.type not in (Type.TEXT, Type.CODE):
            probes.append(
                probe(
                    col.name,
                    f"must be {EXPECTED[col.type]}",
                    f"{raw} is not null and ({typed}) is null",
                )
            )
        if col.codes:
            allowed = ", ".join(f"'{code}'" for code in col.codes)
            value = f"cast({typed} as varchar)" if col.type is Type.INT_CODE else raw
            shown = (
                ", ".join(col.codes) if len(col.codes) <= 10 else f"{col.codes[0]}..{col.codes[-1]}"
            )
            probes.append(
                probe(col.name, f"unknown code (allowed: {shown})", f"{value} not in ({allowed})")
            )
        if col.rule:
            predicate, wording = col.rule
            probes.append(probe(col.name, wording, f"not ({predicate.format(v=typed)})"))
    for start, end in kind.date_order:
        start_sql, end_sql = cast_sql(kind.column(start)), cast_sql(kind.column(end))
        probes.append(
            probe(end, f"must not be before {start}", f"{end_sql} < {start_sql}", text(end))
        )
    key = record_key_sql(kind)
    probes.append(
        probe(
            "+".join(kind.key),
            "duplicate key within the file",
            f"{key} in (select {key} from landed_text group by all having count(*) > 1)",
            key,
        )
    )
    probes += reference_probes(conn, kind, landed, probe)
    return " union all ".join(probes)


def reference_probes(conn, kind: Kind, landed: LandedFile, probe) -> list[str]:
    """Rows that point at records the authority never delivered (checked against raw)."""
    la = landed.la_code
    if kind.name == "agency_timesheets":
        known = f"select assignment_id from raw.agency_assignments where la_code = '{la}'"
        return [
            probe(
                "assignment_id",
                "refers to an agency assignment not in any agency_assignments extract",
                f"{text('assignment_id')} not in ({known})",
            )
        ]
    if kind.name == "case_allocations":
        worker = f"pseudonym('{la}:' || {text('worker_id')})"
        employees = f"select employee_pseudonym from raw.hr_staff where la_code = '{la}'"
        agency = (
            f"select agency_worker_pseudonym from raw.agency_assignments where la_code = '{la}'"
        )
        return [
            probe(
                "worker_id",
                "refers to a worker not in any hr_staff or agency_assignments extract",
                f"({text('worker_source')} = 'employee' and {worker} not in ({employees})) or "
                f"({text('worker_source')} = 'agency' and {worker} not in ({agency}))",
                "'(pseudonymised)'",
            )
        ]
    return []


EXPECTED = {
    Type.DATE: "a date (YYYY-MM-DD or DD/MM/YYYY)",
    Type.BOOL: "a boolean (0/1, true/false, Y/N)",
    Type.INT_CODE: "a whole-number code",
    Type.FTE: "a number",
    Type.QUANTITY: "a number",
    Type.MONEY: "a number",
}


def incoming_sql(kind: Kind, landed: LandedFile) -> str:
    typed = []
    for col in kind.stored_columns:
        expr = (
            pseudonym_sql(col, landed.la_code)
            if col.personal is Personal.PSEUDONYMISE
            else (cast_sql(col))
        )
        typed.append(f"{expr} as {col.raw_name}")
    key = record_key_sql(kind)
    stored = ", ".join(f"'{c.raw_name}': {c.raw_name}" for c in kind.stored_columns)
    return f"""
        select *, md5(to_json({{{stored}}})) as row_hash
        from (
            select {key} as record_key, source_row, {", ".join(typed)}
            from landed_text
        )
    """


# --- applying a staged file to the raw tables ------------------------------------------------


def apply_snapshot(conn: duckdb.DuckDBPyConnection, kind: Kind, landed: LandedFile) -> None:
    """Close versions that changed or vanished; open versions for new or changed records."""
    table = f"raw.{kind.name}"
    open_versions = f"{table} where la_code = $la and valid_to is null"
    conn.execute(
        f"""
        update {table} set valid_to = $d
        where la_code = $la and valid_to is null and record_key in (
            select r.record_key from (select * from {open_versions}) r
            anti join incoming i on r.record_key = i.record_key and r.row_hash = i.row_hash
            -- a quarantined row says nothing reliable: its record keeps its last good version
            anti join quarantined_keys q on r.record_key = q.record_key
        )""",
        {"la": landed.la_code, "d": landed.extract_date},
    )
    columns = [name for name, _ in raw_columns(kind)]
    values = {
        "la_code": "$la",
        "valid_from": "$d",
        "valid_to": "null::date",
        "file_id": "$file",
    }
    select = ", ".join(values.get(c, f"i.{c}") for c in columns)
    conn.execute(
        f"""
        insert into {table} ({", ".join(columns)})
        select {select} from incoming i
        anti join (select * from {open_versions}) r
            on r.record_key = i.record_key and r.row_hash = i.row_hash""",
        {"la": landed.la_code, "d": landed.extract_date, "file": landed.sha256},
    )


def truncate_history(conn: duckdb.DuckDBPyConnection, kind: Kind, la_code: str, d: date) -> None:
    """Forget what snapshots dated d or later said, so they can be replayed."""
    table = f"raw.{kind.name}"
    conn.execute(f"delete from {table} where la_code = ? and valid_from >= ?", [la_code, d])
    conn.execute(
        f"update {table} set valid_to = null where la_code = ? and valid_to >= ?", [la_code, d]
    )


def apply_period(conn: duckdb.DuckDBPyConnection, kind: Kind, landed: LandedFile) -> None:
    columns = [name for name, _ in raw_columns(kind)]
    values = {"la_code": "$la", "extract_date": "$d", "file_id": "$file"}
    select = ", ".join(values.get(c, c) for c in columns)
    conn.execute(
        f"insert into raw.{kind.name} ({', '.join(columns)}) select {select} from incoming",
        {"la": landed.la_code, "d": landed.extract_date, "file": landed.sha256},
    )


# --- DfE reference files ----------------------------------------------------------------------


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
            if col.name in kind.codes and not LA_CODE.match(value):
                raise RejectedFile(
                    f"{name}: row {row_number}, column {col.header}: {value!r} is not a "
                    "3-digit DfE LA code"
                )
        if landed.kind == "dfe_indicators" and not re.fullmatch(r"\d{4}", cells["time_period"]):
            raise RejectedFile(
                f"{name}: row {row_number}, column time_period: "
                f"{cells['time_period']!r} is not a year (YYYY)"
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


def apply_reference(
    conn: duckdb.DuckDBPyConnection, landed: LandedFile, path: Path, replaces: str | None
) -> Staged:
    """Store a DfE file's rows in raw.<kind>; a correction's predecessor's rows go."""
    kind = REFERENCE_KINDS[landed.kind]
    table = read_reference(path, landed)
    if replaces:
        conn.execute(
            f"delete from raw.{kind.name} where extract_date = ? and file_id = ?",
            [landed.extract_date, replaces],
        )
    names = [name for name, _ in reference_columns(kind)]
    values = {"file_id": "$file", "extract_date": "$d"}
    conn.register("reference_text", table)
    try:
        conn.execute(
            f"insert into raw.{kind.name} ({', '.join(names)}) "
            f"select {', '.join(values.get(c, c) for c in names)} from reference_text",
            {"file": landed.sha256, "d": landed.extract_date},
        )
    finally:
        conn.unregister("reference_text")
    return Staged(table.num_rows, 0)


# --- the ingestion pass ----------------------------------------------------------------------


class Ingestor:
    """One ingestion pass over the landing folder, for some or all kinds."""

    def __init__(self, settings: Settings, run_id: str, log: Callable[[str], None] = print):
        self.settings = settings
        self.run_id = run_id
        self.log = log
        self.thresholds = load_thresholds(settings.home)
        self.mappings: dict[str, dict[str, KindMapping]] = {}

    def run(self, kinds: list[str] | None = None, unrecognised: bool = False) -> IngestReport:
        """Load new files of `kinds`; with `unrecognised`, reject files no kind can claim."""
        self.settings.prepare()
        report = IngestReport()
        wanted = set(kinds or [])
        with connect(self.settings.warehouse) as conn:
            create_schemas(conn)
            register_pseudonym(conn, self.settings.pseudonym_key())
            claimed = []
            for path in landed_files(self.settings.landing):
                try:
                    landed = classify(path, self.settings.landing)
                except RejectedFile as reason:
                    if unrecognised:
                        self.reject(conn, path, None, str(reason), report)
                    continue
                if landed.kind in wanted:
                    claimed.append(landed)
            # Kinds in contract order (people before the timesheets and cases that refer to
            # them), each authority's files oldest first so history is usually appended.
            order = list(KINDS) + list(REFERENCE_KINDS)
            claimed.sort(
                key=lambda f: (order.index(f.kind), f.la_code or "", f.extract_date, f.name)
            )
            for landed in claimed:
                self.ingest_file(conn, landed, report)
        return report

    def mapping(self, landed: LandedFile) -> KindMapping | None:
        if landed.la_code not in self.mappings:
            self.mappings[landed.la_code] = load_mappings(self.settings.home, landed.la_code)
        return self.mappings[landed.la_code].get(landed.kind)

    def ingest_file(
        self, conn: duckdb.DuckDBPyConnection, landed: LandedFile, report: IngestReport
    ) -> None:
        known = conn.execute(
            "select file_id, status, file_name from audit.files "
            "where la_code is not distinct from ? and kind = ? and extract_date = ?",
            [landed.la_code, landed.kind, landed.extract_date],
        ).fetchall()
        # Already loaded, or an older version still lying in landing/ after its correction.
        if any(
            sha == landed.sha256 and (status in ("loaded", "rejected") or name == landed.name)
            for sha, status, name in known
        ):
            report.skipped.append(landed.name)
            return
        previous = next((row for row in known if row[1] == "loaded"), None)
        conn.execute("begin transaction")
        try:
            if landed.extract_date > date.today():
                raise RejectedFile(
                    f"{landed.name}: extract date {landed.extract_date} is in the future "
                    "(rule: the file name's date is the date the data is as at)"
                )
            archived = self.archive(landed)
            if landed.is_reference:
                staged = apply_reference(conn, landed, archived, previous and previous[0])
            else:
                staged = self.apply(conn, landed, archived, previous)
            if previous:
                conn.execute(
                    "update audit.files set status = 'superseded', reason = ? "
                    "where la_code is not distinct from ? and kind = ? and extract_date = ? "
                    "and file_id = ?",
                    [
                        f"corrected by {landed.name} in run {self.run_id}",
                        landed.la_code,
                        landed.kind,
                        landed.extract_date,
                        previous[0],
                    ],
                )
            self.record(conn, landed, archived, staged, "loaded", None)
            conn.execute("commit")
        except RejectedFile as reason:
            conn.execute("rollback")
            self.reject(conn, landed.path, landed, str(reason), report)
            return
        except BaseException:
            conn.execute("rollback")
            raise
        (report.corrected if previous else report.loaded).append(landed.name)
        if staged.rows_quarantined:
            report.quarantined.append((landed.name, staged.rows_quarantined, staged.rows_read))
        self.log(
            f"{'corrected' if previous else 'loaded'} {landed.name} ({staged.rows_loaded} rows"
            + (f", {staged.rows_quarantined} quarantined)" if staged.rows_quarantined else ")")
        )

    def apply(
        self,
        conn: duckdb.DuckDBPyConnection,
        landed: LandedFile,
        archived: Path,
        previous: tuple | None,
    ) -> Staged:
        """An authority's extract: stage, check, apply to raw, keep its quarantined rows."""
        kind = KINDS[landed.kind]
        staged = stage(conn, landed, archived, self.mapping(landed))
        if kind.snapshot:
            self.check_not_partial(conn, landed, staged)
            self.apply_snapshot_in_order(conn, kind, landed)
        else:
            if previous:
                conn.execute(
                    f"delete from raw.{kind.name} where la_code = ? and extract_date = ? "
                    "and file_id = ?",
                    [landed.la_code, landed.extract_date, previous[0]],
                )
            apply_period(conn, kind, landed)
        conn.execute(
            "insert into audit.quarantine select ?, ?, ?, ?, ?, ?, source_row, column_name, "
            "rule, value, current_timestamp from problems order by source_row, column_name",
            [
                self.run_id,
                landed.sha256,
                landed.name,
                landed.la_code,
                landed.kind,
                landed.extract_date,
            ],
        )
        return staged

    def check_not_partial(
        self, conn: duckdb.DuckDBPyConnection, landed: LandedFile, staged: Staged
    ) -> None:
        """A snapshot much smaller than the one before is more likely cut short than true."""
        before = conn.execute(
            "select rows_read, file_name from audit.files where la_code = ? and kind = ? "
            "and status = 'loaded' and extract_date < ? order by extract_date desc limit 1",
            [landed.la_code, landed.kind, landed.extract_date],
        ).fetchall()
        share = self.thresholds.max_snapshot_drop_share
        if before and staged.rows_read < before[0][0] * (1 - share):
            raise RejectedFile(
                f"{landed.name}: {staged.rows_read} rows where {before[0][1]} had {before[0][0]}: "
                f"a likely partial export (rule: a snapshot may not drop more than {share:.0%} "
                "of the previous snapshot's rows; max_snapshot_drop_share in workforce.yaml)"
            )

    def apply_snapshot_in_order(
        self, conn: duckdb.DuckDBPyConnection, kind: Kind, landed: LandedFile
    ) -> None:
        """Forward case: diff against the current state. Otherwise replay from this date on."""
        later = conn.execute(
            "select extract_date, file_id, archived_path, file_name from audit.files "
            "where la_code = ? and kind = ? and status = 'loaded' and extract_date >= ? "
            "order by extract_date",
            [landed.la_code, landed.kind, landed.extract_date],
        ).fetchall()
        if not later:
            apply_snapshot(conn, kind, landed)
            return
        replays = [row for row in later if row[0] > landed.extract_date]
        if replays:
            self.log(f"{landed.name} arrived late: replaying {len(replays)} later snapshot(s)")
        truncate_history(conn, kind, landed.la_code, landed.extract_date)
        apply_snapshot(conn, kind, landed)
        for extract_date, file_id, archived_path, file_name in replays:
            replayed = LandedFile(
                Path(archived_path), file_name, landed.la_code, landed.kind, extract_date, file_id
            )
            stage(conn, replayed, self.settings.archive / archived_path)
            apply_snapshot(conn, kind, replayed)

    def archive(self, landed: LandedFile) -> Path:
        target = self.settings.archive / landed.archive_name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".partial")
            shutil.copyfile(landed.path, tmp)
            tmp.replace(target)
        return target

    def record(
        self,
        conn: duckdb.DuckDBPyConnection,
        landed: LandedFile,
        archived: Path | None,
        staged: Staged | None,
        status: str,
        reason: str | None,
    ) -> None:
        conn.execute(
            "insert into audit.files (file_id, la_code, kind, extract_date, file_name, "
            "archived_path, size_bytes, rows_read, rows_loaded, rows_quarantined, status, reason, "
            "run_id, received_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
            [
                landed.sha256,
                landed.la_code,
                landed.kind,
                landed.extract_date,
                landed.name,
                archived.relative_to(self.settings.archive).as_posix() if archived else None,
                landed.path.stat().st_size,
                staged.rows_read if staged else None,
                staged.rows_loaded if staged else 0,
                staged.rows_quarantined if staged else None,
                status,
                reason,
                self.run_id,
            ],
        )

    def reject(
        self,
        conn: duckdb.DuckDBPyConnection,
        path: Path,
        landed: LandedFile | None,
        reason: str,
        report: IngestReport,
    ) -> None:
        """Keep the file and its reason under rejected/; record it once per content."""
        name = path.relative_to(self.settings.landing).as_posix()
        sha = landed.sha256 if landed else sha256_of(path)
        seen = conn.execute(
            "select 1 from audit.files where file_name = ? and file_id = ? and status = 'rejected'",
            [name, sha],
        ).fetchone()
        if seen:
            report.skipped.append(name)
            return
        kept = self.settings.rejected / f"{sha[:12]}_{path.name}"
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, kept)
        kept.with_name(kept.name + ".reason.txt").write_text(reason + "\n")
        record_as = landed or LandedFile(path, name, None, None, None, sha)  # type: ignore[arg-type]
        self.record(conn, record_as, None, None, "rejected", reason)
        report.rejected.append((name, reason))
        self.log(f"REJECTED {reason}")
