"""Ingestion: landing folder -> archived, typed, pseudonymised raw tables with history.

Every file is hashed (SHA-256) and recorded in `audit.files`. A file whose bytes are already
loaded for the same authority, kind and extract date is skipped; a different file for the
same authority, kind and date is a correction and replaces its predecessor. Snapshot kinds
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
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from duckdb import sqltypes

from orchestration.contract import KINDS, Column, Kind, Personal, Type
from orchestration.settings import Settings
from orchestration.warehouse import connect, create_schemas, raw_columns

FILE_NAME = re.compile(
    r"^(?P<kind>[a-z_]+?)_(?P<date>\d{8})(?:_[^/]*)?\.(?P<ext>csv|xlsx|parquet)$", re.IGNORECASE
)
LA_CODE = re.compile(r"^\d{3}$")
REFERENCE_KINDS = ("dfe_indicators", "dfe_statistical_neighbours")
MAX_ERRORS_REPORTED = 10


class RejectedFile(Exception):
    """The file as a whole cannot be loaded; the message says why (file, row, column, rule)."""


@dataclass(frozen=True)
class LandedFile:
    path: Path
    name: str  # path below landing/, as people see it
    la_code: str
    kind: str
    extract_date: date
    sha256: str

    @property
    def archive_name(self) -> str:
        return f"{self.la_code}/{self.kind}/{self.sha256}{self.path.suffix.lower()}"


@dataclass
class IngestReport:
    loaded: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.loaded)} loaded, {len(self.corrected)} corrected, "
            f"{len(self.skipped)} already loaded, {len(self.rejected)} rejected"
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
    if match and match["kind"].lower() in REFERENCE_KINDS and len(parts) == 1:
        raise RejectedFile(f"{name}: reference kind {match['kind']} is not loaded by this version")
    if len(parts) != 2 or not LA_CODE.match(parts[0]):
        raise RejectedFile(
            f"{name}: not in an authority folder (rule: landing/<3-digit la_code>/<file>)"
        )
    if not match:
        raise RejectedFile(f"{name}: file name is not <kind>_<YYYYMMDD>[_<anything>].csv|parquet")
    kind = match["kind"].lower()
    if kind not in KINDS:
        raise RejectedFile(f"{name}: unknown kind '{kind}' (known: {', '.join(KINDS)})")
    try:
        extract_date = datetime.strptime(match["date"], "%Y%m%d").date()
    except ValueError as e:
        raise RejectedFile(f"{name}: '{match['date']}' in the file name is not a date") from e
    return LandedFile(path, name, parts[0], kind, extract_date, sha256_of(path))


# --- reading one file into a typed, pseudonymised relation -----------------------------------


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, as EXTRACTS.md allows."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RejectedFile(f"{name}: unreadable encoding (rule: UTF-8 or Windows-1252)")


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
        data = path.read_bytes()
        if not data.strip():
            raise RejectedFile(f"{name}: empty file (rule: a header row is required)")
        text = decode(data, name)
        header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])))
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
    else:
        raise RejectedFile(f"{name}: {suffix} files are not supported yet (rule: csv or parquet)")
    return table.rename_columns([c.strip().lower() for c in table.column_names])


def cast_sql(column: Column) -> str:
    """SQL turning the text cell `v` into the contract type; null where it does not parse."""
    v = f"nullif(trim(\"{column.name}\"), '')"
    match column.type:
        case Type.DATE:
            return f"coalesce(try_cast({v} as date), try_strptime({v}, '%d/%m/%Y')::date)"
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
    v = f"nullif(trim(\"{column.name}\"), '')"
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


def stage(conn: duckdb.DuckDBPyConnection, landed: LandedFile, path: Path) -> int:
    """Load `path` into the temp table `incoming`, typed, checked and pseudonymised.

    Returns the number of rows. Raises RejectedFile naming file, row, column and rule.
    """
    kind = KINDS[landed.kind]
    table = read_as_text(path, landed.name)
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
        check_cells(conn, kind, landed.name)
        check_unique_key(conn, kind, landed.name)
        conn.execute(f"create or replace temp table incoming as {incoming_sql(kind, landed)}")
    finally:
        conn.unregister("landed_text")
    return table.num_rows


def check_cells(conn: duckdb.DuckDBPyConnection, kind: Kind, name: str) -> None:
    """Reject the file if a required cell is empty or a cell does not parse as its type."""
    probes = []
    for col in kind.columns:
        raw = f"nullif(trim(\"{col.name}\"), '')"
        if col.required:
            probes.append(
                f"select source_row, '{col.name}' as col, null as val, 'required value missing' "
                f"as rule from landed_text where {raw} is null"
            )
        if col.type not in (Type.TEXT, Type.CODE):
            expected = {
                Type.DATE: "a date (YYYY-MM-DD or DD/MM/YYYY)",
                Type.BOOL: "a boolean (0/1, true/false, Y/N)",
                Type.INT_CODE: "a whole-number code",
            }.get(col.type, "a number")
            probes.append(
                f"select source_row, '{col.name}', {raw}, 'must be {expected}' from landed_text "
                f"where {raw} is not null and ({cast_sql(col)}) is null"
            )
    errors = conn.execute(
        f"select * from ({' union all '.join(probes)}) order by source_row, col "
        f"limit {MAX_ERRORS_REPORTED + 1}"
    ).fetchall()
    if errors:
        lines = [
            f"{name} row {row}, column {col}: {'' if val is None else repr(val) + ' '}{rule}"
            for row, col, val, rule in errors[:MAX_ERRORS_REPORTED]
        ]
        more = " (and more)" if len(errors) > MAX_ERRORS_REPORTED else ""
        raise RejectedFile("\n".join(lines) + more)


def check_unique_key(conn: duckdb.DuckDBPyConnection, kind: Kind, name: str) -> None:
    keys = ", ".join(f'trim("{k}")' for k in kind.key)
    duplicate = conn.execute(
        f"select {keys}, list(source_row order by source_row) from landed_text "
        f"group by all having count(*) > 1 limit 1"
    ).fetchall()
    if duplicate:
        duplicate = duplicate[0]
        rows = ", ".join(map(str, duplicate[-1]))
        raise RejectedFile(
            f"{name} rows {rows}, column {'+'.join(kind.key)}: duplicate key "
            f"{'|'.join(duplicate[:-1])} (rule: {'+'.join(kind.key)} is unique within a file)"
        )


def incoming_sql(kind: Kind, landed: LandedFile) -> str:
    typed = []
    for col in kind.stored_columns:
        expr = (
            pseudonym_sql(col, landed.la_code)
            if col.personal is Personal.PSEUDONYMISE
            else (cast_sql(col))
        )
        typed.append(f"{expr} as {col.raw_name}")
    key = " || '|' || ".join(f'trim("{k}")' for k in kind.key)
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


# --- the ingestion pass ----------------------------------------------------------------------


class Ingestor:
    """One ingestion pass over the landing folder, for some or all kinds."""

    def __init__(self, settings: Settings, run_id: str, log: Callable[[str], None] = print):
        self.settings = settings
        self.run_id = run_id
        self.log = log

    def run(self, kinds: list[str] | None = None, unrecognised: bool = False) -> IngestReport:
        """Load new files of `kinds`; with `unrecognised`, reject files no kind can claim."""
        self.settings.prepare()
        report = IngestReport()
        wanted = set(kinds or [])
        with connect(self.settings.warehouse) as conn:
            create_schemas(conn)
            register_pseudonym(conn, self.settings.pseudonym_key())
            for path in landed_files(self.settings.landing):
                try:
                    landed = classify(path, self.settings.landing)
                except RejectedFile as reason:
                    if unrecognised:
                        self.reject(conn, path, None, str(reason), report)
                    continue
                if landed.kind in wanted:
                    self.ingest_file(conn, landed, report)
        return report

    def ingest_file(
        self, conn: duckdb.DuckDBPyConnection, landed: LandedFile, report: IngestReport
    ) -> None:
        known = conn.execute(
            "select file_id, status, archived_path from audit.files "
            "where la_code = ? and kind = ? and extract_date = ? and status in ('loaded', 'rejected')",
            [landed.la_code, landed.kind, landed.extract_date],
        ).fetchall()
        if any(file_id == landed.sha256 for file_id, _, _ in known):
            report.skipped.append(landed.name)
            return
        previous = next((row for row in known if row[1] == "loaded"), None)
        archived = self.archive(landed)
        kind = KINDS[landed.kind]
        conn.execute("begin transaction")
        try:
            rows = stage(conn, landed, archived)
            if kind.snapshot:
                self.apply_snapshot_in_order(conn, kind, landed)
            else:
                if previous:
                    conn.execute(
                        f"delete from raw.{kind.name} where la_code = ? and extract_date = ? "
                        "and file_id = ?",
                        [landed.la_code, landed.extract_date, previous[0]],
                    )
                apply_period(conn, kind, landed)
            if previous:
                conn.execute(
                    "update audit.files set status = 'superseded', reason = ? "
                    "where la_code = ? and kind = ? and extract_date = ? and file_id = ?",
                    [
                        f"corrected by {landed.name} in run {self.run_id}",
                        landed.la_code,
                        landed.kind,
                        landed.extract_date,
                        previous[0],
                    ],
                )
            self.record(conn, landed, archived, rows, "loaded", None)
            conn.execute("commit")
        except RejectedFile as reason:
            conn.execute("rollback")
            self.reject(conn, landed.path, landed, str(reason), report)
            return
        except BaseException:
            conn.execute("rollback")
            raise
        (report.corrected if previous else report.loaded).append(landed.name)
        self.log(f"{'corrected' if previous else 'loaded'} {landed.name} ({rows} rows)")

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
        rows: int | None,
        status: str,
        reason: str | None,
    ) -> None:
        conn.execute(
            "insert into audit.files (file_id, la_code, kind, extract_date, file_name, "
            "archived_path, size_bytes, rows_read, rows_loaded, status, reason, run_id, "
            "received_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
            [
                landed.sha256,
                landed.la_code,
                landed.kind,
                landed.extract_date,
                landed.name,
                archived.relative_to(self.settings.archive).as_posix() if archived else None,
                landed.path.stat().st_size,
                rows,
                rows if status == "loaded" else 0,
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
