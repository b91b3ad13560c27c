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
