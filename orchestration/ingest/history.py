"""Snapshot history and replay: applying a staged file to the raw tables.

A snapshot kind's raw table holds record versions (`valid_from`/`valid_to`, see
`warehouse.py`). A snapshot newer than every loaded one is diffed against the current state,
so it costs time in proportion to itself. A correction or a late file forgets what the
snapshots from its date on said and replays them, oldest first, from the archive. Period
kinds keep every delivered row; DfE's reference files keep every row of each file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

from orchestration.contract import REFERENCE_KINDS, Kind
from orchestration.ingest.landing import LandedFile, RejectedFile
from orchestration.ingest.readers import read_reference
from orchestration.ingest.stage import Staged
from orchestration.warehouse import raw_columns, reference_columns


def apply_snapshot_in_order(
    conn: duckdb.DuckDBPyConnection,
    kind: Kind,
    landed: LandedFile,
    later: list[LandedFile],
    stage: Callable[[LandedFile], Staged],
    log: Callable[[str], None],
) -> None:
    """`landed` is staged as `incoming`. With no snapshot of its date or later (`later`),
    diff it against the current state; otherwise replay from its date on. Each replayed
    snapshot is staged by `stage`, exactly as it was when first loaded (mapping included)."""
    if not later:
        apply_snapshot(conn, kind, landed)
        return
    replays = [f for f in later if f.extract_date > landed.extract_date]
    if replays:
        log(f"{landed.name} arrived late: replaying {len(replays)} later snapshot(s)")
    truncate_history(conn, kind, landed.la_code, landed.extract_date)
    apply_snapshot(conn, kind, landed)
    for replayed in replays:
        try:
            stage(replayed)
        except RejectedFile as e:
            raise RejectedFile(
                f"{landed.name}: arrived late, but the later snapshot {replayed.name} "
                f"(archived {replayed.path}) could not be replayed after it: {e}"
            ) from e
        apply_snapshot(conn, kind, replayed)


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


# Applying a batch at once. A first load (or any run of snapshots all newer than every one
# loaded) applies each file after the one before; done file by file that is a transaction,
# a diff and ledger rows per file, most of a national build's time. The same versions follow
# from one statement over the batch: for each record, its state in each snapshot in date
# order (position 0 is its open version, if any) is the row's hash, carried through a
# snapshot that quarantined it, and absent from a snapshot without it. A version starts where
# the state changes and ends where the next starts or the record's run of snapshots ends.
# `batch_files` (file_no, position, extract_date, file_id) numbers the batch's files 1..n in
# date order; `{staged}_incoming` and `{staged}_quarantined_keys` are its staged rows.
BATCH_VERSIONS = """
create or replace temp table batch_versions as
with events as (
    select record_key, row_hash as state, 0 as position
    from {table} where la_code = $la and valid_to is null
    union all
    select i.record_key, i.row_hash, f.position
    from {staged}_incoming i join batch_files f using (file_no)
    union all
    select q.record_key, null, f.position
    from {staged}_quarantined_keys q join batch_files f using (file_no)
),
runs as (  -- consecutive snapshots holding the record share a run
    select *, position - row_number() over (partition by record_key order by position) as run
    from events
),
carried as (
    select record_key, run, position,
        last_value(state ignore nulls) over (
            partition by record_key, run order by position
            rows between unbounded preceding and current row
        ) as state,
        max(position) over (partition by record_key, run) as run_ends
    from runs
),
changes as (
    select *, lag(state) over (partition by record_key, run order by position) as before
    from carried
)
select record_key, position, coalesce(
    lead(position) over (partition by record_key, run order by position), run_ends + 1
) as ends_at
from changes
where state is not null and state is distinct from before
"""


def apply_snapshots_at_once(
    conn: duckdb.DuckDBPyConnection, kind: Kind, la_code: str, staged: str
) -> None:
    """The batch's snapshots, all newer than every loaded one, as if applied one by one."""
    table = f"raw.{kind.name}"
    conn.execute(BATCH_VERSIONS.format(table=table, staged=staged), {"la": la_code})
    conn.execute(
        f"""
        update {table} r set valid_to = f.extract_date
        from batch_versions v join batch_files f on f.position = v.ends_at
        where r.la_code = $la and r.valid_to is null and v.position = 0
            and r.record_key = v.record_key""",
        {"la": la_code},
    )
    values = {
        "la_code": "$la",
        "valid_from": "f.extract_date",
        "valid_to": "e.extract_date",
        "file_id": "f.file_id",
    }
    columns = [name for name, _ in raw_columns(kind)]
    conn.execute(
        f"""
        insert into {table} ({", ".join(columns)})
        select {", ".join(values.get(c, f"i.{c}") for c in columns)}
        from batch_versions v
        join batch_files f on f.position = v.position
        join {staged}_incoming i on i.file_no = f.file_no and i.record_key = v.record_key
        left join batch_files e on e.position = v.ends_at
        where v.position > 0""",
        {"la": la_code},
    )
    conn.execute("drop table batch_versions")


def apply_periods_at_once(
    conn: duckdb.DuckDBPyConnection, kind: Kind, la_code: str, staged: str
) -> None:
    """The batch's period files (none a correction): every row kept, with its file."""
    columns = [name for name, _ in raw_columns(kind)]
    values = {"la_code": "$la", "extract_date": "f.extract_date", "file_id": "f.file_id"}
    conn.execute(
        f"insert into raw.{kind.name} ({', '.join(columns)}) "
        f"select {', '.join(values.get(c, f'i.{c}') for c in columns)} "
        f"from {staged}_incoming i join batch_files f using (file_no)",
        {"la": la_code},
    )
