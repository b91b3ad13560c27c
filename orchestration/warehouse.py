"""The working warehouse: DuckDB file layout of the raw and audit schemas.

The raw layer is written only by ingestion (Python); dbt reads it as sources and builds
staging, intermediate and marts in their own schemas of the same file.

raw.<kind> for a snapshot kind holds one row per record *version*: a version is valid from
the extract date of the snapshot that first showed it (`valid_from`) until the extract date
of the first later snapshot that changed or dropped it (`valid_to`, exclusive; null while
current). "As at" date D is therefore `valid_from <= D and (valid_to is null or valid_to > D)`,
and storage grows with change, not with deliveries.

raw.<kind> for a period kind holds every delivered row with the extract date of its file;
staging keeps the newest row per natural key.

raw.<reference kind> (dfe_indicators, dfe_statistical_neighbours) holds every row of each
loaded DfE file, every source column as text so DfE's suppression symbols survive, with the
file's extract date; staging reads the newest extract date. A correction replaces its
predecessor's rows.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.contract import KINDS, REFERENCE_KINDS, Kind, ReferenceKind

if TYPE_CHECKING:
    from orchestration.settings import Settings

SNAPSHOT_META = (
    ("la_code", "VARCHAR NOT NULL"),
    ("record_key", "VARCHAR NOT NULL"),
    ("row_hash", "VARCHAR NOT NULL"),
    ("valid_from", "DATE NOT NULL"),
    ("valid_to", "DATE"),
    ("file_id", "VARCHAR NOT NULL"),
    ("source_row", "INTEGER NOT NULL"),
)
PERIOD_META = (
    ("la_code", "VARCHAR NOT NULL"),
    ("extract_date", "DATE NOT NULL"),
    ("file_id", "VARCHAR NOT NULL"),
    ("source_row", "INTEGER NOT NULL"),
)
REFERENCE_META = (
    ("file_id", "VARCHAR NOT NULL"),
    ("extract_date", "DATE NOT NULL"),
    ("source_row", "INTEGER NOT NULL"),
)

AUDIT_DDL = """
create schema if not exists audit;
create table if not exists audit.files (
    file_id       varchar not null,  -- SHA-256 of the delivered bytes
    la_code       varchar,           -- null for a DfE reference file (landing/ itself)
    kind          varchar,
    extract_date  date,
    file_name     varchar not null,  -- path below landing/
    archived_path varchar,           -- where the bytes are kept
    size_bytes    bigint,
    rows_read     bigint,
    rows_loaded   bigint,
    rows_quarantined bigint,
    status        varchar not null,  -- loaded | superseded | rejected
    reason        varchar,
    run_id        varchar,
    received_at   timestamp not null
);
create table if not exists audit.quarantine (
    run_id        varchar not null,
    file_id       varchar not null,
    file_name     varchar not null,
    la_code       varchar not null,
    kind          varchar not null,
    extract_date  date not null,
    source_row    integer not null,  -- spreadsheet row: the header is row 1
    column_name   varchar not null,
    rule          varchar not null,
    value         varchar,           -- as delivered; personal data is never copied here
    recorded_at   timestamp not null
);
create table if not exists audit.publications (
    run_id        varchar not null,
    started_at    timestamp not null,
    finished_at   timestamp not null,
    status        varchar not null,  -- published | blocked | failed
    failed_checks varchar[],
    source_files  struct(file_name varchar, sha256 varchar)[],
    content_hash  varchar            -- of what was published: an unchanged rerun keeps the file
);
create table if not exists audit.builds (
    run_id        varchar not null,  -- a run whose publication reflects this build
    fingerprint   varchar not null,  -- of the loaded files, dbt project, seeds, suites, config
    recorded_at   timestamp not null
);
-- the file as it stood in landing/ when hashed: a run finding it unchanged does not hash it
-- again (null before these columns existed, and for a file no kind claims)
alter table audit.files add column if not exists landed_size bigint;
alter table audit.files add column if not exists landed_mtime_ns bigint;
-- of the dbt project, seeds, suites and config alone (a warehouse from before has none)
alter table audit.builds add column if not exists project_fingerprint varchar;
-- the authorities the next dbt build re-derives (orchestration/publish/scope.py)
create table if not exists audit.build_scope (la_code varchar not null);
-- a loaded file over its quarantine bound that someone accepted on the record (`workforce
-- accept`): who, when and why, for that content (ingest/quarantine_share.py)
create table if not exists audit.acceptances (
    file_id          varchar not null,  -- SHA-256 of the content accepted
    file_name        varchar not null,  -- path below landing/
    la_code          varchar,
    kind             varchar,
    extract_date     date,
    check_name       varchar not null,  -- the check it lets pass: quarantine_share
    rows_read        bigint,
    rows_quarantined bigint,
    max_share        double,            -- the bound it was over when accepted
    reason           varchar not null,
    accepted_by      varchar not null,  -- the OS user who accepted it
    accepted_at      timestamp not null
);
-- the accepted files a publication attempt rested on
alter table audit.publications add column if not exists accepted_files struct(
    file_name varchar, sha256 varchar, reason varchar, accepted_by varchar,
    accepted_at timestamp)[];
"""

# The fingerprint of the pseudonym key the warehouse's pseudonyms are made with (an HMAC of a
# fixed text under the key, never the key): written by ingest/pseudonyms.py, which refuses a
# run with another key. A warehouse from before it has no row until its next run adopts a key.
KEY_DDL = """
create schema if not exists audit;
create table if not exists audit.pseudonym_key (
    fingerprint   varchar not null,  -- HMAC-SHA256 of a fixed text under the key, in hex
    how           varchar not null,  -- made | first used | adopted (a warehouse from before)
    key_source    varchar not null,  -- the key file's path, or the environment variable
    recorded_at   timestamp not null
);
"""

# A row of an authority the build re-derived (the checks of a delivery read these only; the
# dbt side of the rule is dbt_project/macros/build_scope.sql)
IN_BUILD_SCOPE = "la_code in (select la_code from audit.build_scope)"


def raw_columns(kind: Kind) -> list[tuple[str, str]]:
    meta = SNAPSHOT_META if kind.snapshot else PERIOD_META
    return list(meta) + [(c.raw_name, c.type.sql) for c in kind.stored_columns]


def reference_columns(kind: ReferenceKind) -> list[tuple[str, str]]:
    return list(REFERENCE_META) + [(c.name, "VARCHAR") for c in kind.columns]


def create_schemas(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists raw")
    conn.execute(AUDIT_DDL)
    # every raw table's columns in one look (each step of a run calls this: one query per
    # table cost a run about a second)
    have: dict[str, dict[str, str]] = {}
    for table, column, data_type in conn.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where schema_name = 'raw' and database_name = current_database()"
    ).fetchall():
        have.setdefault(table, {})[column] = data_type
    for kind in KINDS.values():
        if kind.name not in have:
            cols = ",\n  ".join(f"{name} {sql_type}" for name, sql_type in raw_columns(kind))
            conn.execute(f"create table if not exists raw.{kind.name} (\n  {cols}\n)")
            continue
        add_new_optional_columns(conn, kind, have[kind.name])
        widen_decimal_columns(conn, kind, have[kind.name])
    for reference in REFERENCE_KINDS.values():
        if reference.name not in have:
            cols = ",\n  ".join(f"{name} {t}" for name, t in reference_columns(reference))
            conn.execute(f"create table if not exists raw.{reference.name} (\n  {cols}\n)")


def records(
    conn: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None
) -> list[dict]:
    """A query's rows as dicts keyed by column name."""
    cursor = conn.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def table_columns(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """The table's column names, in order ([] when there is no such table)."""
    return [
        name
        for (name,) in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def add_new_optional_columns(
    conn: duckdb.DuckDBPyConnection, kind: Kind, have: dict[str, str]
) -> None:
    """A column the contract gained after this warehouse was created (an optional one, such
    as `qual_inst`, `base_salary_gbp` or the agency rules' columns) is added to the raw
    table, null in the rows loaded before it existed, so staging always finds it. A snapshot
    kind's row hashes are computed again over the wider row (the new cells null), so the next
    snapshot opens a version only for a record whose delivered value is new, not for every
    record the table holds."""
    added = [(name, sql_type) for name, sql_type in raw_columns(kind) if name not in have]
    for name, sql_type in added:
        conn.execute(f"alter table raw.{kind.name} add column {name} {sql_type}")
    if added and have and kind.snapshot:
        conn.execute(f"update raw.{kind.name} set row_hash = {row_hash_sql(kind)}")


def row_hash_sql(kind: Kind) -> str:
    """A stored row's state, over its raw columns: what snapshot history compares."""
    hashed = ", ".join(f"'{c.raw_name}': {c.raw_name}" for c in kind.stored_columns)
    return f"md5(to_json({{{hashed}}}))"


def widen_decimal_columns(
    conn: duckdb.DuckDBPyConnection, kind: Kind, have: dict[str, str]
) -> None:
    """A decimal column stored at fewer places than the contract now keeps (FTE at 4 before
    decimals were read as written) is widened in place, its values unchanged; a snapshot
    kind's row hashes are computed again over the widened values, so the next snapshot
    compares like with like and opens no version for a record that did not change."""
    narrow = [
        (c.raw_name, c.type.sql)
        for c in kind.stored_columns
        if c.type.sql.startswith("DECIMAL")
        and have.get(c.raw_name, c.type.sql).replace(" ", "") != c.type.sql
    ]
    for name, sql_type in narrow:
        conn.execute(f"alter table raw.{kind.name} alter column {name} type {sql_type}")
    if narrow and kind.snapshot:
        conn.execute(f"update raw.{kind.name} set row_hash = {row_hash_sql(kind)}")


# DuckDB's own default is 80% of the machine's memory. The pipeline holds it lower, so a
# national build shares the machine (DuckDB spills to `<warehouse>.tmp/` beyond it); dbt's
# profile reads the same variable with the same default.
MEMORY_LIMIT_ENV = "WORKFORCE_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "3GB"


def memory_limit() -> str:
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


@contextmanager
def connect(path: Path, read_only: bool = False):
    """A short-lived connection: DuckDB allows one writer per file, so nobody holds one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only, config={"memory_limit": memory_limit()})
    try:
        yield conn
    finally:
        conn.close()


class WarehouseBusy(Exception):
    """Another run holds the warehouse; the message names it."""

    def __init__(self, lock_file: Path, holder: dict):
        self.holder = holder
        who = holder.get("run_id") or "another process"
        since = f" since {holder['since']}" if holder.get("since") else ""
        by = f", started by {holder['launched_by']}" if holder.get("launched_by") else ""
        super().__init__(
            f"Another workforce run is using the warehouse: run {who}{by}{since} (pid {holder.get('pid', '?')}, "
            f"lock {lock_file}); this run did not start. Try again when that run has finished."
        )


def lock_holder(lock_file: Path) -> dict:
    try:
        return json.loads(lock_file.read_text() or "{}")
    except (OSError, ValueError):
        return {}


@contextmanager
def warehouse_lock(lock_file: Path, holder: dict) -> Iterator[None]:
    """One writer at a time, whoever starts it (CLI, sensor, schedule, UI): DuckDB allows one
    writer per file, so a second run is refused here, naming the first, instead of meeting a
    DuckDB lock error halfway. The lock is the kernel's (flock): a killed run releases it."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(lock_file, lock_holder(lock_file)) from None
        lock.truncate(0)
        lock.write(
            json.dumps({**holder, "pid": os.getpid(), "since": f"{datetime.now():%H:%M:%S}"})
        )
        lock.flush()
        try:
            yield
        finally:
            lock.truncate(0)
            lock.flush()


def warehouse_unavailable(settings: Settings, error: duckdb.Error) -> str:
    """Why the run cannot open the warehouse, said once (DuckDB's own message kept: it names
    the process holding the file)."""
    message = str(error).strip()
    if "lock" in message.lower():
        return (
            f"the warehouse {settings.warehouse} is open in another process, so this run cannot "
            "write it (DuckDB allows no writer while another process has the file open, even "
            "read-only); close that connection and run again (analysts read "
            f"{settings.published}, which never blocks a run). DuckDB: {message}"
        )
    return f"the warehouse {settings.warehouse} could not be opened: {message}"
