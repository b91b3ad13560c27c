"""Publish: copy the validated marts into a new DuckDB file and move it into place.

The new file starts as a copy of the one in place, in which only the authorities whose rows
differ are rewritten (`update_by_authority`): a delivery's publication costs its authority's
rows and the roll-ups, not the whole national file.

Readers of `published/workforce.duckdb` never see a half-written file and never block the
pipeline: the file is built beside the old one and swapped in with one `os.replace`. Every
attempt, published or not, is appended to `audit.publications`; the published file carries
that log as `publications`, the checks evaluated in the publishing run as `checks`, the
files behind the figures as `source_files` and those of them accepted over their quarantine
bound as `acceptances` (for the board pack's data-quality panel).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.dbt_manifest import MANIFEST
from orchestration.publish.candidate import findings
from orchestration.publish.outcome import CheckResult
from orchestration.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, SEEDS_DIR, Settings
from orchestration.warehouse import connect, create_schemas

# What is published is declared in dbt, as this exposure's members (see
# dbt_project/models/marts/publication/_publication__exposures.yml).
PUBLISHED_EXPOSURE = "exposure.csc_workforce.published_workforce"


def published_relations(manifest_path: Path = MANIFEST) -> list[tuple[str, str]]:
    """(schema, table) of each model and seed the published file holds, by table name."""
    manifest = json.loads(manifest_path.read_text())
    members = manifest["exposures"][PUBLISHED_EXPOSURE]["depends_on"]["nodes"]
    relations = [(manifest["nodes"][m]["schema"], manifest["nodes"][m]["alias"]) for m in members]
    return sorted(relations, key=lambda relation: relation[1])


def sql_string(value: object) -> str:
    """A SQL string literal (ATTACH takes no parameters): any path, apostrophes included."""
    return "'" + str(value).replace("'", "''") + "'"


def source_files_sql() -> str:
    return (
        "select coalesce(list({'file_name': file_name, 'sha256': file_id} order by file_name), [])"
        " from audit.files where status = 'loaded'"
    )


def accepted_files_sql() -> str:
    """The acceptances of the files loaded now (`workforce accept`): who let each stand, and why."""
    from orchestration.ingest.quarantine_share import ACCEPTED_LOADED_SQL

    return (
        "select coalesce(list({'file_name': file_name, 'sha256': sha256, 'reason': reason, "
        "'accepted_by': accepted_by, 'accepted_at': accepted_at} order by file_name), []) "
        f"from ({ACCEPTED_LOADED_SQL})"
    )


def record_attempt(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    started_at: datetime,
    status: str,
    failed_checks: list[str] | None = None,
) -> None:
    """Log a publication attempt that did not publish (blocked by checks, or failed)."""
    create_schemas(conn)
    conn.execute(
        "insert into audit.publications by name select ? as run_id, ? as started_at, "
        "current_timestamp as finished_at, ? as status, ? as failed_checks, "
        f"({source_files_sql()}) as source_files, ({accepted_files_sql()}) as accepted_files",
        [run_id, started_at, status, failed_checks or []],
    )


def project_fingerprint(settings: Settings) -> str:
    """What the marts are computed by: the dbt project, its seeds, the expectation suites and
    the council's workforce.yaml. When it changes, every authority is derived again."""
    digest = hashlib.sha256()
    sources = [
        *(p for p in DBT_PROJECT_DIR.rglob("*") if not {"target", "logs"} & set(p.parts)),
        *SEEDS_DIR.glob("*"),
        *EXPECTATIONS_DIR.glob("*.json"),
        settings.home / "workforce.yaml",
    ]
    for path in sorted(p for p in sources if p.is_file()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def build_fingerprint(conn: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """What the marts and their checks are computed from: every loaded file (by content) and
    the project (`project_fingerprint`). Two builds with one fingerprint give one
    publication, so the second need not run."""
    digest = hashlib.sha256()
    (files,) = conn.execute(
        "select coalesce(string_agg(concat_ws(':', file_id, status, la_code, kind, "
        "extract_date), ',' order by file_id, status, file_name), '') from audit.files "
        "where status in ('loaded', 'superseded')"
    ).fetchone()
    digest.update(files.encode())
    # the raw rows themselves, so a warehouse changed by other means than a delivery rebuilds
    digest.update(raw_digest(conn, settings).encode())
    digest.update(project_fingerprint(settings).encode())
    return digest.hexdigest()


def raw_digest(conn: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """Row count and sum of row hashes of each raw table. Reading them all takes seconds nationally, and a no-op run
    asks twice (before it starts and as it concludes), so the digest is kept beside the
    warehouse with the file's size and time: while they stand, nothing has written to it."""
    kept = settings.warehouse.with_name("raw-digest.json")
    stamp = file_stamp(settings.warehouse)
    try:
        cached = json.loads(kept.read_text())
        if stamp[0] and cached["stamp"] == stamp:
            return cached["digest"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    digest = ""
    for (table,) in conn.execute(
        "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
    ).fetchall():
        (content,) = conn.execute(
            f"select count(*) || ':' || coalesce(sum(hash(t)::hugeint), 0) from raw.{table} t"
        ).fetchone()
        digest += f"{table}:{content}"
    if stamp[0] and file_stamp(settings.warehouse) == stamp:  # nothing written meanwhile
        kept.write_text(json.dumps({"stamp": stamp, "digest": digest}))
    return digest


def file_stamp(database: Path) -> list:
    """Size and modification time of a DuckDB file and its write-ahead log."""
    stamp = []
    for path in (database, database.with_name(database.name + ".wal")):
        try:
            status = path.stat()
            stamp.append([status.st_size, status.st_mtime_ns])
        except FileNotFoundError:
            stamp.append(None)
    return stamp


def up_to_date_since(conn: duckdb.DuckDBPyConnection, settings: Settings) -> str | None:
    """The run whose publication already reflects exactly this warehouse and project, if the
    published file is in place: then a build would publish nothing new."""
    if not settings.published.exists():
        return None
    try:
        last = conn.execute(
            "select run_id, fingerprint, recorded_at from audit.builds "
            "order by recorded_at desc limit 1"
        ).fetchone()
    except duckdb.CatalogException:  # a warehouse from before builds were recorded
        return None
    if not last:
        return None
    (delivered_since,) = conn.execute(
        "select count(*) from audit.files where status in ('loaded', 'superseded') "
        "and received_at > ?",
        [last[2]],
    ).fetchone()
    if delivered_since:  # a file loaded since: the fingerprint differs, no need to hash raw
        return None
    return last[0] if last[1] == build_fingerprint(conn, settings) else None


def record_build(conn: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> None:
    """The publication in place reflects this build (see `up_to_date_since`)."""
    conn.execute(
        "insert into audit.builds by name select ? as run_id, ? as fingerprint, "
        "? as project_fingerprint, current_timestamp as recorded_at",
        [run_id, build_fingerprint(conn, settings), project_fingerprint(settings)],
    )


CHECKS_COLUMNS = (
    "run_id varchar, asset varchar, check_name varchar, passed boolean, severity varchar, "
    "description varchar"
)

# The files behind a publication: what its figures were computed from, with their row counts.
SOURCE_FILES_TABLE_SQL = """
    create or replace table publication.main.source_files as
    select file_name, kind, la_code, extract_date, file_id as sha256,
        rows_read, rows_loaded, rows_quarantined
    from audit.files where status = 'loaded'
    order by file_name
"""


# The files behind it that were over their quarantine bound and accepted: who, when and why.
def acceptances_table_sql() -> str:
    from orchestration.ingest.quarantine_share import ACCEPTED_LOADED_SQL

    return f"create or replace table publication.main.acceptances as {ACCEPTED_LOADED_SQL}"


@dataclass(frozen=True)
class Publication:
    published: bool  # false: kept (the content equals what is published, or it was blocked)
    run_id: str | None  # the run whose publication is in place
    kpi_rows: int
    # what the check of the published file found (candidate.py): not empty, nothing published
    findings: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.findings)


def content_hash(conn: duckdb.DuckDBPyConnection, relations: list[tuple[str, str]]) -> str:
    """A fingerprint of what a publication would contain, whatever order rows come in."""
    parts = [
        conn.execute(
            f"select '{name}:' || count(*) || ':' || coalesce(sum(hash(t)::hugeint), 0) "
            f"from {schema}.{name} t"
        ).fetchone()[0]
        for schema, name in relations
    ]
    parts.append(str(conn.execute(source_files_sql()).fetchone()[0]))
    accepted = conn.execute(accepted_files_sql()).fetchone()[0]
    if accepted:  # (a publication without any keeps the hash it had before acceptances)
        parts.append(str(accepted))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def columns_of(conn: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(name, kind) for name, kind, *_ in conn.execute(f"describe {relation}").fetchall()]


def update_by_authority(conn: duckdb.DuckDBPyConnection, source: str, published: str) -> bool:
    """Bring the published copy of a table up to `source` by replacing the rows of the
    authorities whose rows differ (by count and hash), leaving the others as they are. False
    when the table must be written whole: not published yet, other columns, or no la_code."""
    try:
        columns = columns_of(conn, source)
        if columns != columns_of(conn, published):
            return False
    except duckdb.CatalogException:
        return False
    names = [name for name, _ in columns]
    if "la_code" not in names:
        return False
    compared = ", ".join(f'"{n}"' for n in names if n != "published_run_id")

    def per_authority(relation: str) -> str:
        return (
            f"select la_code, count(*) as n, sum(hash(({compared}))::hugeint) as h "
            f"from {relation} group by la_code"
        )

    changed = [
        la_code
        for (la_code,) in conn.execute(
            f"select la_code from ({per_authority(source)}) s "
            f"full join ({per_authority(published)}) p using (la_code) "
            "where s.n is distinct from p.n or s.h is distinct from p.h"
        ).fetchall()
    ]
    if None in changed:
        return False
    if changed:
        conn.execute(f"delete from {published} where la_code in (select unnest(?))", [changed])
        conn.execute(
            f"insert into {published} select * from {source} where la_code in (select unnest(?))",
            [changed],
        )
    return True


def publish(
    settings: Settings,
    run_id: str,
    started_at: datetime,
    checks: list[CheckResult] | None = None,
) -> Publication:
    """Write the published file from the marts, unless it would be identical to the one there;
    check the new file (candidate.py) and move it into place only when nothing is found.

    An unchanged rerun leaves the file, and so every analyst's copy of it, byte-identical: the
    `checks` and `source_files` tables describe the run that published, so they stay out of
    the content hash (the files behind it are in it through `source_files_sql`).
    """
    target = settings.published
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{run_id}.tmp")
    relations = published_relations()
    this_attempt = (
        "select ?::varchar as run_id, ?::timestamp as started_at, current_timestamp as finished_at,"
        " 'published' as status, []::varchar[] as failed_checks, "
        f"({source_files_sql()}) as source_files, ?::varchar as content_hash, "
        f"({accepted_files_sql()}) as accepted_files"
    )
    with connect(settings.warehouse) as conn:
        # A killed run's half-built file and its write-ahead log (`.tmp.wal`). Only a process
        # holding the warehouse builds one, so none of them can still be in use.
        for debris in target.parent.glob(f".{target.name}.*.tmp*"):
            debris.unlink(missing_ok=True)
        content = content_hash(conn, relations)
        current = conn.execute(
            "select run_id, content_hash from audit.publications where status = 'published' "
            "order by finished_at desc limit 1"
        ).fetchall()
        copies = {name: (schema, name) for schema, name in relations}
        if target.exists() and current and current[0][1] == content:
            # the file in place holds this content: it is what the check reads
            conn.execute(f"attach {sql_string(target)} as publication (read_only)")
            try:
                found = findings(conn, copies, "publication.main")
            finally:
                conn.execute("detach publication")
            if found:
                return Publication(False, current[0][0], 0, found)
            (rows,) = conn.execute("select count(*) from marts.kpi_values").fetchone()
            record_build(conn, settings, current[0][0])
            return Publication(published=False, run_id=current[0][0], kpi_rows=rows)
        if target.exists() and current:
            # Start from the publication in place and rewrite only what differs: a delivery
            # for one authority changes its rows (and the roll-ups), not the national file.
            shutil.copyfile(target, tmp)
        conn.execute(f"attach {sql_string(tmp)} as publication")
        try:
            for schema, name in relations:
                # the KPI tables say which run published them; the warehouse cannot know
                stamped = name.startswith("kpi_values")
                columns = "* replace (?::varchar as published_run_id)" if stamped else "*"
                if update_by_authority(conn, f"{schema}.{name}", f"publication.main.{name}"):
                    if stamped:  # every row is of this publication, in-place ones included
                        conn.execute(
                            f"update publication.main.{name} set published_run_id = ?", [run_id]
                        )
                else:
                    conn.execute(
                        f"create or replace table publication.main.{name} as "
                        f"select {columns} from {schema}.{name}",
                        [run_id] if stamped else [],
                    )
            conn.execute(
                "create or replace table publication.main.publications as "
                "select * exclude (content_hash) "
                f"from (select * from audit.publications union all by name {this_attempt}) "
                "order by started_at, run_id",
                [run_id, started_at, content],
            )
            conn.execute(f"create or replace table publication.main.checks ({CHECKS_COLUMNS})")
            if checks:
                conn.executemany(
                    "insert into publication.main.checks values (?, ?, ?, ?, ?, ?)",
                    [
                        [run_id, c.asset, c.check_name, c.passed, c.severity, c.description]
                        for c in sorted(checks, key=lambda c: (c.asset, c.check_name))
                    ],
                )
            conn.execute(SOURCE_FILES_TABLE_SQL)
            conn.execute(acceptances_table_sql())
            kept = {name for _, name in relations} | {
                "publications",
                "checks",
                "source_files",
                "acceptances",
            }
            for (table,) in conn.execute(
                "select table_name from duckdb_tables() where database_name = 'publication'"
            ).fetchall():
                if table not in kept:  # no longer published (the copy in place had it)
                    conn.execute(f"drop table publication.main.{table}")
            (rows,) = conn.execute("select count(*) from publication.main.kpi_values").fetchone()
            found = findings(conn, copies, "publication.main")
        finally:
            conn.execute("detach publication")
        if found:  # the candidate goes; the file in place stays byte-identical
            for candidate in target.parent.glob(f"{tmp.name}*"):
                candidate.unlink(missing_ok=True)
            return Publication(False, current[0][0] if current else None, 0, found)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        conn.execute(
            f"insert into audit.publications by name ({this_attempt})",
            [run_id, started_at, content],
        )
        record_build(conn, settings, run_id)
    return Publication(published=True, run_id=run_id, kpi_rows=rows)
