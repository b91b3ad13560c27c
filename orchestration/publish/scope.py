"""Which authorities a build re-derives: a run costs what its deliveries bring.

The intermediate dbt tables are incremental by authority (dbt_project/macros/build_scope.sql).
A build re-derives the authorities with a file loaded (or corrected) since the build the
publication in place reflects: a run blocked by validation is no such build, so what it
loaded stays in scope until a run publishes it. Everything is derived again when a full
rebuild is asked for (`workforce run --full-refresh`), before the first publication, when the
dbt project, seeds, suites or workforce.yaml changed, and when the warehouse changed with no
delivery to say where.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from orchestration.publish.publication import project_fingerprint
from orchestration.settings import Settings


@dataclass(frozen=True)
class BuildScope:
    authorities: tuple[str, ...] | None  # None: every authority (a full build)
    reason: str

    @property
    def full(self) -> bool:
        return self.authorities is None

    def describe(self) -> str:
        if self.full:
            return f"full build: {self.reason}"
        names = ", ".join(self.authorities) or "none"
        return f"incremental build: authorities {names} ({self.reason})"


def build_scope(
    conn: duckdb.DuckDBPyConnection, settings: Settings, full_refresh: bool = False
) -> BuildScope:
    if full_refresh:
        return BuildScope(None, "a full rebuild was asked for")
    last = conn.execute(
        "select recorded_at, project_fingerprint from audit.builds "
        "order by recorded_at desc limit 1"
    ).fetchone()
    if last is None:
        return BuildScope(None, "nothing published yet")
    recorded_at, project = last
    if project != project_fingerprint(settings):
        return BuildScope(
            None, "the dbt project, seeds, suites or workforce.yaml changed since it published"
        )
    delivered = conn.execute(
        "select distinct la_code from audit.files "
        "where status <> 'rejected' and received_at > ? order by la_code nulls first",
        [recorded_at],
    ).fetchall()
    if not delivered:
        return BuildScope(None, "the warehouse changed, but by no delivery")
    authorities = tuple(la for (la,) in delivered if la is not None)
    return BuildScope(authorities, "delivered since the publication in place")


def write_build_scope(conn: duckdb.DuckDBPyConnection, scope: BuildScope) -> None:
    """audit.build_scope: the authorities the build re-derives, which the incremental models
    and the per-authority validation suites read. A full build (dbt runs with --full-refresh)
    lists every authority delivered."""
    conn.execute("delete from audit.build_scope")
    if scope.full:
        conn.execute(
            "insert into audit.build_scope select distinct la_code from audit.files "
            "where la_code is not null and status <> 'rejected'"
        )
    elif scope.authorities:
        conn.execute(
            "insert into audit.build_scope select unnest(?::varchar[])", [list(scope.authorities)]
        )
