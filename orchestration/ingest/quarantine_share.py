"""The quarantine share of the loaded files, and the acceptances that let one stand.

A file with more of its rows quarantined than `max_quarantine_share` (workforce.yaml) allows
blocks publication for as long as it is loaded and current (`audit.files` status `loaded`),
whichever run delivered it: the block belongs to the data, not to the run. It ends when a
correction supersedes the file (same authority, kind and extract date, new content), or when
someone accepts it on the record (`workforce accept <file> --reason ...`): who (the OS user),
when and why, kept in `audit.acceptances` for that content (its SHA-256), so a later
correction is judged afresh. The check reads the ledger's per-file counts only: it costs the
same whatever the size of the warehouse.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime

import duckdb

from orchestration.warehouse import create_schemas, records, table_columns

CHECK_NAME = "quarantine_share"
SETTING = "max_quarantine_share in workforce.yaml"

# the acceptances of the files loaded now: what a publication rests on
ACCEPTED_LOADED_SQL = """
    select a.file_name, a.file_id as sha256, a.kind, a.la_code, a.extract_date,
        a.rows_read, a.rows_quarantined, a.max_share, a.reason, a.accepted_by, a.accepted_at
    from audit.acceptances a
    join audit.files f on f.file_id = a.file_id and f.file_name = a.file_name
        and f.status = 'loaded'
    where a.check_name = 'quarantine_share'
    qualify row_number() over (partition by a.file_id, a.file_name order by a.accepted_at desc) = 1
    order by a.file_name
"""


@dataclass(frozen=True)
class Acceptance:
    reason: str
    accepted_by: str
    accepted_at: datetime

    def line(self) -> str:
        return f"accepted by {self.accepted_by} on {self.accepted_at:%Y-%m-%d %H:%M}: {self.reason}"


@dataclass(frozen=True)
class OverBound:
    """A loaded file with more rows quarantined than the bound allows."""

    file_name: str
    file_id: str
    kind: str
    rows_quarantined: int
    rows_read: int
    max_share: float
    run_id: str | None  # the run that loaded it
    acceptance: Acceptance | None

    @property
    def blocks(self) -> bool:
        return self.acceptance is None

    def counts(self) -> str:
        return (
            f"{self.file_name}: {self.rows_quarantined} of {self.rows_read} rows quarantined "
            f"(more than {self.max_share:.0%})"
        )

    def line(self) -> str:
        if self.acceptance:
            return f"{self.counts()}, {self.acceptance.line()}"
        return (
            f"{self.counts()}; it blocks every run until a corrected file (same name and date, "
            f"new content) supersedes it or `workforce accept {self.file_name} --reason ...` "
            "accepts it"
        )


def has_acceptances(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse has the table yet (a read-only look at an older one may not)."""
    return bool(table_columns(conn, "audit", "acceptances"))


def over_bound(
    conn: duckdb.DuckDBPyConnection, max_share: float, kinds: list[str] | None = None
) -> list[OverBound]:
    """Every loaded file (of these kinds) over the bound, with its acceptance if it has one."""
    accepted = (
        "select file_id, file_name, reason, accepted_by, accepted_at from audit.acceptances "
        "where check_name = 'quarantine_share' "
        "qualify row_number() over (partition by file_id, file_name order by accepted_at desc) = 1"
        if has_acceptances(conn)
        else "select null::varchar as file_id, null::varchar as file_name, null::varchar as "
        "reason, null::varchar as accepted_by, null::timestamp as accepted_at where false"
    )
    rows = conn.execute(
        f"""
        select f.file_name, f.file_id, f.kind, f.rows_quarantined, f.rows_read, f.run_id,
            a.reason, a.accepted_by, a.accepted_at
        from audit.files f
        left join ({accepted}) a using (file_id, file_name)
        where f.status = 'loaded' and f.rows_read > 0
            and f.rows_quarantined > f.rows_read * $share
            and ($kinds is null or f.kind in (select unnest($kinds::varchar[])))
        order by f.file_name
        """,
        {"share": max_share, "kinds": kinds},
    ).fetchall()
    return [
        OverBound(
            name,
            sha,
            kind,
            quarantined,
            read,
            max_share,
            run_id,
            Acceptance(reason, who, when) if who else None,
        )
        for name, sha, kind, quarantined, read, run_id, reason, who, when in rows
    ]


def blocking(
    conn: duckdb.DuckDBPyConnection, max_share: float, kinds: list[str] | None = None
) -> list[OverBound]:
    """The loaded files over the bound that no one accepted: each blocks every run."""
    return [f for f in over_bound(conn, max_share, kinds) if f.blocks]


def accepted_loaded(conn: duckdb.DuckDBPyConnection) -> list[dict]:
    """The acceptances of the files loaded now (what a publication rests on), oldest file
    name first; [] in a warehouse without acceptances."""
    if not has_acceptances(conn):
        return []
    return records(conn, ACCEPTED_LOADED_SQL)


class NotAcceptable(Exception):
    """The file cannot be accepted; the message says why, naming it."""


def accept(
    conn: duckdb.DuckDBPyConnection,
    file_name: str,
    reason: str,
    max_share: float,
    who: str | None = None,
) -> tuple[OverBound, Acceptance]:
    """Record that `file_name` (as named below landing/), loaded and over its bound, may stand:
    who, when and why. Refused (NotAcceptable) when it is not loaded, not over its bound,
    already accepted, or no reason is given."""
    reason = " ".join(reason.split())
    if not reason:
        raise NotAcceptable(f"{file_name}: give the reason for accepting it (--reason)")
    create_schemas(conn)
    versions = conn.execute(
        "select status, reason, rows_read, rows_quarantined from audit.files "
        "where file_name = ? order by received_at desc",
        [file_name],
    ).fetchall()
    if not versions:
        raise NotAcceptable(
            f"{file_name} is not loaded: no file of that name below landing/ was delivered "
            "(name it as below landing/, e.g. 383/agency_timesheets_20250131.csv)"
        )
    if not any(status == "loaded" for status, *_ in versions):
        status, why, *_ = versions[0]
        raise NotAcceptable(
            f"{file_name} is not loaded: it was {status}" + (f" ({why})" if why else "")
        )
    (found,) = [f for f in over_bound(conn, max_share) if f.file_name == file_name] or [None]
    if found is None:
        _, _, read, quarantined = next(v for v in versions if v[0] == "loaded")
        raise NotAcceptable(
            f"{file_name} is not over its bound: {quarantined or 0} of {read or 0} rows "
            f"quarantined, at most {max_share:.0%} allowed ({SETTING}); nothing blocks on it"
        )
    if found.acceptance:
        raise NotAcceptable(f"{file_name} is already {found.acceptance.line()}")
    acceptance = Acceptance(reason, who or getpass.getuser(), datetime.now().replace(microsecond=0))
    conn.execute(
        "insert into audit.acceptances select file_id, file_name, la_code, kind, extract_date, "
        "?, rows_read, rows_quarantined, ?, ?, ?, ? from audit.files "
        "where file_name = ? and file_id = ? and status = 'loaded'",
        [
            CHECK_NAME,
            max_share,
            acceptance.reason,
            acceptance.accepted_by,
            acceptance.accepted_at,
            file_name,
            found.file_id,
        ],
    )
    return found, acceptance
