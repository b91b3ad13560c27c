"""Publish: copy the validated marts into a new DuckDB file and move it into place.

The new file starts as a copy of the one in place, in which only the authorities whose rows
differ are rewritten (`update_by_authority`): a delivery's publication costs its authority's
rows and the roll-ups, not the whole national file.

Readers of `published/workforce.duckdb` never see a half-written file and never block the
pipeline: the file is built beside the old one and swapped in with one `os.replace`; a
publication that fails on the way (a full disk) removes what it had written. Every
attempt, published or not, is appended to `audit.publications`; the published file carries
that log as `publications`, the checks evaluated in the publishing run as `checks`, the
files behind the figures as `source_files` and those of them accepted over their quarantine
bound as `acceptances` (for the board pack's data-quality panel).

The file in place is trusted only once checked against the digest recorded beside it at
publication (digest.py). Every run checks it as it starts (`check_publication`): a file
found missing, truncated, altered or unreadable is written again from the warehouse, whose
marts still hold what was published, and a warehouse rebuilt from scratch takes the
publications log over from the verified file, so the history survives it.
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
from orchestration.ingest.quarantine_share import ACCEPTED_LOADED_SQL
from orchestration.publish.candidate import findings
from orchestration.publish.digest import (
    Verification,
    file_sha256,
    fsync_folder,
    record_digest,
    verify,
)
from orchestration.publish.outcome import CheckResult, read_outcome
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


def accepted_files_sql() -> str:
    """The acceptances of the files loaded now (`workforce accept`): who let each stand, and why."""
    return (
        "select coalesce(list({'file_name': file_name, 'sha256': sha256, 'reason': reason, "
        "'accepted_by': accepted_by, 'accepted_at': accepted_at} order by file_name), []) "
        f"from ({ACCEPTED_LOADED_SQL})"
    )


def source_files_sql() -> str:
    return (
        "select coalesce(list({'file_name': file_name, 'sha256': file_id} order by file_name), [])"
        " from audit.files where status = 'loaded'"
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


def last_published(conn: duckdb.DuckDBPyConnection) -> tuple[str, str | None] | None:
    """(run_id, content_hash) of the last publication the warehouse recorded, if any."""
    try:
        return conn.execute(
            "select run_id, content_hash from audit.publications where status = 'published' "
            "order by finished_at desc limit 1"
        ).fetchone()
    except duckdb.CatalogException:  # a warehouse with no audit schema yet
        return None


def verify_in_place(conn: duckdb.DuckDBPyConnection, settings: Settings) -> Verification:
    """The published file checked against its recorded digest (a publication recorded in the
    warehouse makes a missing file a fault too)."""
    return verify(settings.published, expected=last_published(conn) is not None)


def not_the_published_build(settings: Settings) -> str:
    """Why a return (census, agency rules) is not built from the warehouse in place."""
    return (
        f"The warehouse {settings.warehouse} is not the build behind the publication in place "
        "(a later run was blocked or failed, or the project changed since): run `workforce run` "
        "until it publishes, then build the return"
    )


def up_to_date_since(
    conn: duckdb.DuckDBPyConnection, settings: Settings, check_file: bool = True
) -> str | None:
    """The run whose publication already reflects exactly this warehouse and project, if the
    published file is in place and its bytes are those published (checked against the digest
    recorded beside it): then a build would publish nothing new. `check_file=False` leaves
    the file to the caller."""
    if check_file and not verify(settings.published, expected=True).ok:
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
ACCEPTANCES_TABLE_SQL = (
    f"create or replace table publication.main.acceptances as {ACCEPTED_LOADED_SQL}"
)


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
    whole: bool = False,
) -> Publication:
    """Write the published file from the marts, unless it would be identical to the one there;
    check the new file (candidate.py) and move it into place only when nothing is found.

    `whole` writes the file afresh whatever is in place (a hub forgetting an authority: no
    freed page of the old file may keep its rows).

    An unchanged rerun leaves the file, and so every analyst's copy of it, byte-identical: the
    `checks` and `source_files` tables describe the run that published, so they stay out of
    the content hash (the files behind it are in it through `source_files_sql`). The file in
    place counts as holding what was published only when its bytes are those recorded at
    publication (digest.py); otherwise the new file is written whole from the marts.
    """
    target = settings.published
    target.parent.mkdir(parents=True, exist_ok=True)
    relations = published_relations()
    this_attempt = (
        "select ?::varchar as run_id, ?::timestamp as started_at, current_timestamp as finished_at,"
        " 'published' as status, []::varchar[] as failed_checks, "
        f"({source_files_sql()}) as source_files, ?::varchar as content_hash, "
        f"({accepted_files_sql()}) as accepted_files"
    )
    with connect(settings.warehouse) as conn:
        remove_debris(target)
        content = content_hash(conn, relations)
        current = last_published(conn)
        trusted = current is not None and verify(target, expected=True).state == "verified"
        copies = {name: (schema, name) for schema, name in relations}
        if trusted and current[1] == content and not whole:
            # the file in place holds this content: it is what the check reads
            conn.execute(f"attach {sql_string(target)} as publication (read_only)")
            try:
                found = findings(conn, copies, "publication.main")
            finally:
                conn.execute("detach publication")
            if found:
                return Publication(False, current[0], 0, found)
            (rows,) = conn.execute("select count(*) from marts.kpi_values").fetchone()
            record_build(conn, settings, current[0])
            return Publication(published=False, run_id=current[0], kpi_rows=rows)
        rows, found = write_and_move(
            conn,
            settings,
            relations,
            stamp=run_id,
            written_by=run_id,
            checks=checks,
            publications_sql="select * exclude (content_hash) from (select * from "
            f"audit.publications union all by name {this_attempt}) order by started_at, run_id",
            publications_params=[run_id, started_at, content],
            # Start from the publication in place and rewrite only what differs: a delivery
            # for one authority changes its rows (and the roll-ups), not the national file.
            # (`whole`: written afresh, so no freed page of the old file keeps removed rows)
            start_from=target if trusted and not whole else None,
        )
        if found:  # the file in place stays byte-identical
            return Publication(False, current[0] if current else None, 0, found)
        conn.execute(
            f"insert into audit.publications by name ({this_attempt})",
            [run_id, started_at, content],
        )
        record_build(conn, settings, run_id)
    return Publication(published=True, run_id=run_id, kpi_rows=rows)


def candidate_path(target: Path, run_id: str) -> Path:
    return target.with_name(f".{target.name}.{run_id}.tmp")


def remove_debris(target: Path) -> None:
    """A killed run's half-built file and its write-ahead log (`.tmp.wal`), and a half-written
    digest record. Only a process holding the warehouse builds one, so none can be in use."""
    for debris in target.parent.glob(f".{target.name}.*.tmp*"):
        debris.unlink(missing_ok=True)


def write_and_move(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    relations: list[tuple[str, str]],
    *,
    stamp: str,
    written_by: str,
    checks: list[CheckResult] | None,
    publications_sql: str,
    publications_params: list,
    start_from: Path | None,
) -> tuple[int, list[str]]:
    """Write the candidate beside the published file (from a copy of `start_from`, else from
    nothing), check it, and move it into place when nothing is found, recording its digest.
    (kpi rows, findings). Whatever stops it on the way (findings, a full disk, an error)
    removes the candidate: no temporary file is left in published/."""
    target = settings.published
    tmp = candidate_path(target, written_by)
    copies = {name: (schema, name) for schema, name in relations}
    try:
        if start_from is not None:
            shutil.copyfile(start_from, tmp)
        conn.execute(f"attach {sql_string(tmp)} as publication")
        try:
            write_tables(conn, relations, stamp, checks, publications_sql, publications_params)
            (rows,) = conn.execute("select count(*) from publication.main.kpi_values").fetchone()
            found = findings(conn, copies, "publication.main")
        finally:
            conn.execute("detach publication")
        if found:  # the candidate goes; the file in place stays byte-identical
            remove_candidate(tmp)
            return 0, found
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        size, sha256 = tmp.stat().st_size, file_sha256(tmp)
        os.replace(tmp, target)
    except BaseException:
        remove_candidate(tmp)
        raise
    fsync_folder(target.parent)
    record_digest(target, sha256, size, run_id=stamp, written_by=written_by)
    return rows, []


def remove_candidate(tmp: Path) -> None:
    for candidate in tmp.parent.glob(f"{tmp.name}*"):
        candidate.unlink(missing_ok=True)


def write_tables(
    conn: duckdb.DuckDBPyConnection,
    relations: list[tuple[str, str]],
    stamp: str,
    checks: list[CheckResult] | None,
    publications_sql: str,
    publications_params: list,
) -> None:
    """The published tables into the attached `publication`: the exposure's relations (the
    KPI tables stamped with the publishing run `stamp`), `publications`, `checks`,
    `source_files` and `acceptances`; a table no longer published is dropped."""
    for schema, name in relations:
        # the KPI tables say which run published them; the warehouse cannot know
        stamped = name.startswith("kpi_values")
        columns = "* replace (?::varchar as published_run_id)" if stamped else "*"
        if update_by_authority(conn, f"{schema}.{name}", f"publication.main.{name}"):
            if stamped:  # every row is of this publication, in-place ones included
                conn.execute(f"update publication.main.{name} set published_run_id = ?", [stamp])
        else:
            conn.execute(
                f"create or replace table publication.main.{name} as "
                f"select {columns} from {schema}.{name}",
                [stamp] if stamped else [],
            )
    conn.execute(
        f"create or replace table publication.main.publications as {publications_sql}",
        publications_params,
    )
    conn.execute(f"create or replace table publication.main.checks ({CHECKS_COLUMNS})")
    if checks:
        conn.executemany(
            "insert into publication.main.checks values (?, ?, ?, ?, ?, ?)",
            [
                [stamp, c.asset, c.check_name, c.passed, c.severity, c.description]
                for c in sorted(checks, key=lambda c: (c.asset, c.check_name))
            ],
        )
    conn.execute(SOURCE_FILES_TABLE_SQL)
    conn.execute(ACCEPTANCES_TABLE_SQL)
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


class CannotRepublish(Exception):
    """The warehouse cannot give the last publication again; the message says why."""


def republishable(conn: duckdb.DuckDBPyConnection) -> str:
    """The run whose publication the warehouse's marts still hold exactly (by content hash),
    so that it can be written again; raises CannotRepublish saying why not."""
    last = last_published(conn)
    if last is None:
        raise CannotRepublish("the warehouse records no publication")
    published_by, published_content = last
    try:
        content = content_hash(conn, published_relations())
    except duckdb.CatalogException as e:
        raise CannotRepublish(f"the warehouse's marts are incomplete ({e})") from None
    if content != published_content:
        raise CannotRepublish(
            f"the warehouse's marts no longer hold what run {published_by} published"
        )
    return published_by


def republish(conn: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> str:
    """Write the last publication the warehouse recorded again, whole, from its marts (the
    file in place is not used), stamped with the run that published it; `run_id` is the run
    doing it. Only when the marts still hold exactly what was published (its content hash):
    after a blocked build they hold something else, which no check has passed. Returns the
    run whose publication is in place again."""
    published_by = republishable(conn)
    relations = published_relations()
    outcome = read_outcome(settings, published_by)  # that run's checks, from its audit trail
    rows, found = write_and_move(
        conn,
        settings,
        relations,
        stamp=published_by,
        written_by=run_id,
        checks=outcome.checks if outcome else None,
        publications_sql="select * exclude (content_hash) from audit.publications "
        "order by started_at, run_id",
        publications_params=[],
        start_from=None,
    )
    if found:
        raise CannotRepublish("the file written again failed its check: " + "; ".join(found))
    return published_by


def adopt_history(conn: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """A warehouse with no publications logged (new, or rebuilt after it was lost) takes over
    the log the verified published file carries, so the history survives the warehouse. The
    rows come without a content hash: the next run writes its publication whole-table by
    authority as usual, and the log goes on. Returns the rows taken over."""
    (logged,) = conn.execute("select count(*) from audit.publications").fetchone()
    if logged or not settings.published.exists():
        return 0
    conn.execute(f"attach {sql_string(settings.published)} as publication (read_only)")
    try:
        (has_log,) = conn.execute(
            "select count(*) from duckdb_tables() where database_name = 'publication' "
            "and table_name = 'publications'"
        ).fetchone()
        if not has_log:
            return 0
        conn.execute(
            "insert into audit.publications by name select * from publication.main.publications"
        )
        (taken,) = conn.execute("select count(*) from audit.publications").fetchone()
    finally:
        conn.execute("detach publication")
    return taken


@dataclass(frozen=True)
class PublishedFileCheck:
    """What a run found when it checked the published file as it started, and what it did."""

    verified: bool  # the file in place (if any) is what was published, to the byte
    found: str | None = None  # what was wrong with it, and what was done, in words
    republished: bool = False  # written again from the warehouse
    history_taken_over: int = 0  # publications rows a new warehouse took from the file


def check_publication(settings: Settings, run_id: str) -> PublishedFileCheck:
    """Run by every run as it starts, holding the warehouse lock (run_guard.py): check the
    published file against its recorded digest; write it again from the warehouse when it is
    missing, truncated, altered or unreadable; let a new warehouse take the publications log
    over from a verified file. Raises duckdb.Error when the warehouse cannot be opened."""
    with connect(settings.warehouse) as conn:
        create_schemas(conn)
        checked = verify_in_place(conn, settings)
        if checked.ok:
            return PublishedFileCheck(True, history_taken_over=adopt_history(conn, settings))
        remove_debris(settings.published)
        try:
            published_by = republish(conn, settings, run_id)
        except CannotRepublish as why:
            return PublishedFileCheck(
                False,
                f"{checked.problem}; it could not be written again from the warehouse: {why}",
            )
        by = "" if published_by == checked.run_id else f" (the publication of run {published_by})"
        return PublishedFileCheck(
            True, f"{checked.problem}; written again from the warehouse{by}", republished=True
        )
