"""The hub file: every authority's figures side by side, and the figures across them.

Each authority of a hub has its own warehouse, run and published file. After an authority's
run publishes, it hands the hub what the region needs of it, and nothing of its history:

- its KPI inputs (`int_kpi_inputs`: a numerator and a denominator per KPI, breakdown and
  period), from which the hub computes `ALL`, the regional medians and every value again with
  the same dbt models (kpi_values and what is built from it), so a formula exists once;
- its rows of the published tables no hub-wide figure is computed in (the census counts, the
  agency rules' facts), and DfE's benchmarks, which are the same for every authority;
- the files behind its publication (name, hash, row counts) and their acceptances.

These sit in the hub's own warehouse (warehouse/hub/), one authority's rows replaced at a
time under the hub's lock (short: tenants' runs wait for each other only here), then dbt
builds the KPI models over them and the hub file (published/workforce.duckdb) is published
as a single council's is: checked as a candidate, swapped in whole, logged.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.dbt_manifest import MANIFEST, seed_partial_parse
from orchestration.publish.digest import digest_path
from orchestration.settings import DBT_PROJECT_DIR, Settings
from orchestration.warehouse import (
    WarehouseBusy,
    connect,
    create_schemas,
    table_columns,
    warehouse_lock,
)

# What dbt computes over every authority in the hub (with the seeds): the rest of the published
# tables are the authorities' own rows, handed over as they were published.
HUB_ROOT, HUB_ALSO = "kpi_values", "kpi_settings"
HUB_MODELS = (f"{HUB_ROOT}+", HUB_ALSO)  # as dbt selects them
KPI_INPUTS = ("intermediate", "int_kpi_inputs")
DFE_WIDE = {"kpi_benchmarks"}  # DfE's figures for every authority: the newest handed over whole
LOCK_WAIT_SECONDS = 600

HUB_DDL = """
create schema if not exists audit;
create table if not exists audit.hub_contributions (
    la_code       varchar not null,
    run_id        varchar,           -- the authority's run that handed its figures over
    action        varchar not null,  -- contributed | forgotten
    recorded_at   timestamp not null
);
create table if not exists audit.hub_builds (
    fingerprint   varchar not null,  -- the project the hub's models and seeds were built by
    built_at      timestamp not null
);
"""


@dataclass(frozen=True)
class HubPublication:
    published: bool
    run_id: str | None
    kpi_rows: int
    authorities: list[str]
    findings: list[str]
    seconds: float

    def summary(self) -> str:
        what = "published" if self.published else "unchanged"
        if self.findings:
            what = "not published (" + "; ".join(self.findings) + ")"
        return (
            f"hub file {what}: {len(self.authorities)} authorities, {self.kpi_rows} KPI rows, "
            f"{self.seconds:.1f} s"
        )


class HubRollupFailed(Exception):
    """The hub file could not be rolled up; the message says why (the hub file in place stays)."""


@contextmanager
def hub_lock(hub: Settings, run_id: str, wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """The hub's warehouse lock (`warehouse_lock`, as every run takes its own): one roll-up at a
    time, waited for rather than refused, since a roll-up takes seconds."""
    deadline = time.monotonic() + wait_seconds
    while True:
        held = warehouse_lock(hub.lock_file, {"run_id": run_id, "launched_by": "the hub's roll-up"})
        try:
            held.__enter__()
            break
        except WarehouseBusy as busy:
            if time.monotonic() > deadline:
                raise HubRollupFailed(f"waited {wait_seconds:.0f} s for the hub: {busy}") from None
            time.sleep(0.2)
    try:
        yield
    finally:
        held.__exit__(None, None, None)


def hub_models(manifest: dict) -> set[str]:
    """The unique ids of the models dbt builds in the hub (HUB_MODELS: kpi_values and every
    model built from it, kpi_settings)."""
    children = manifest["child_map"]
    root = f"model.csc_workforce.{HUB_ROOT}"
    built = {root, f"model.csc_workforce.{HUB_ALSO}"}
    frontier = [root]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child.startswith("model.") and child not in built:
                built.add(child)
                frontier.append(child)
    return built


def computed_in_hub(manifest_path: Path = MANIFEST) -> set[str]:
    """The tables dbt builds in the hub (its models, and the seeds), by name."""
    manifest = json.loads(manifest_path.read_text())
    built, nodes = hub_models(manifest), manifest["nodes"]
    return {nodes[n]["alias"] for n in nodes if n in built or n.startswith("seed.")}


def tests_against_seeds(manifest_path: Path = MANIFEST) -> list[str]:
    """The tests that read a hub model beside a seed (a code against its code list): with the
    seeds not built again they would not be selected, so they are named."""
    manifest = json.loads(manifest_path.read_text())
    built = hub_models(manifest)
    named = []
    for node in manifest["nodes"].values():
        parents = set(node.get("depends_on", {}).get("nodes", []))
        seeds = {p for p in parents if p.startswith("seed.")}
        others = parents - seeds
        if node["resource_type"] == "test" and seeds and others and others <= built:
            named.append(node["name"])
    return sorted(named)


def handed_over(manifest_path: Path = MANIFEST) -> list[tuple[str, str]]:
    """The tables an authority hands the hub: its KPI inputs and its published rows of the
    tables the hub does not compute."""
    from orchestration.publish.publication import published_relations

    in_hub = computed_in_hub(manifest_path)
    return [KPI_INPUTS, *(r for r in published_relations(manifest_path) if r[1] not in in_hub)]


def authorities_in(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The authorities whose KPI inputs the hub holds."""
    if not table_columns(conn, *KPI_INPUTS):
        return []
    return [
        la
        for (la,) in conn.execute(
            f"select distinct la_code from {KPI_INPUTS[0]}.{KPI_INPUTS[1]} order by 1"
        ).fetchall()
    ]


def contribute(tenant: Settings, run_id: str, log=print) -> HubPublication:
    """Hand the hub an authority's figures as just published, and publish the hub file again.
    Called by the authority's run (it holds the authority's lock, so its warehouse is as
    published)."""
    la_code = tenant.la_code
    assert la_code, "only an authority of a hub contributes to it"
    tables = handed_over()
    with connect(tenant.warehouse, read_only=True) as conn:
        rows = {
            relation: conn.sql(f"select * from {relation[0]}.{relation[1]}").to_arrow_table()
            for relation in tables
        }
        files = conn.sql(
            "select * from audit.files where status in ('loaded', 'superseded')"
        ).to_arrow_table()
        acceptances = conn.sql("select * from audit.acceptances").to_arrow_table()
    hub = tenant.rollup()
    with hub_lock(hub, run_id):
        with connect(hub.warehouse) as conn:
            prepare_hub(conn)
            conn.execute("begin")
            for (schema, name), table in rows.items():
                replace_rows(conn, schema, name, table, la_code, whole=name in DFE_WIDE)
            replace_rows(conn, "audit", "files", files, la_code, dfe_too=True)
            replace_rows(conn, "audit", "acceptances", acceptances, la_code)
            record(conn, la_code, run_id, "contributed")
            conn.execute("commit")
        return recompute(hub, run_id, log)


def forget(home_settings: Settings, la_code: str, run_id: str, log=print) -> HubPublication | None:
    """Remove an authority's rows from the hub and publish the hub file without them (None when
    the hub has no warehouse yet)."""
    hub = home_settings.rollup()
    if not hub.warehouse.exists():
        return None
    with hub_lock(hub, run_id):
        with connect(hub.warehouse) as conn:
            prepare_hub(conn)
            conn.execute("begin")
            for schema, name in [*handed_over(), ("audit", "files"), ("audit", "acceptances")]:
                if "la_code" in table_columns(conn, schema, name):
                    conn.execute(f"delete from {schema}.{name} where la_code = ?", [la_code])
            # the publications log lists the files behind each publication: not the
            # authority's any more; of its contributions only that it was forgotten stays
            own = f"starts_with(f.file_name, '{la_code}/')"
            conn.execute(
                "update audit.publications set "
                f"source_files = list_filter(source_files, lambda f: not {own}), "
                f"accepted_files = list_filter(accepted_files, lambda f: not {own})"
            )
            conn.execute("delete from audit.hub_contributions where la_code = ?", [la_code])
            record(conn, la_code, run_id, "forgotten")
            conn.execute("commit")
            left = authorities_in(conn)
        # written afresh: a deleted row can outlive its deletion in a database file's free pages
        rewrite_database(hub.warehouse)
        if not left:  # the last authority: no hub file remains to publish
            hub.published.unlink(missing_ok=True)
            digest_path(hub.published).unlink(missing_ok=True)
            return HubPublication(False, None, 0, [], [], 0.0)
        return recompute(hub, run_id, log, whole=True)


def rewrite_database(database: Path) -> None:
    """The DuckDB file copied table by table into a new file, which replaces it."""
    fresh = database.with_name(f".{database.name}.rewrite")
    fresh.unlink(missing_ok=True)
    with duckdb.connect() as conn:
        conn.execute(f"attach '{database}' as old (read_only)")
        conn.execute(f"attach '{fresh}' as fresh")
        conn.execute("copy from database old to fresh")
        conn.execute("detach fresh")
        conn.execute("detach old")
    os.replace(fresh, database)
    database.with_name(database.name + ".wal").unlink(missing_ok=True)


def prepare_hub(conn: duckdb.DuckDBPyConnection) -> None:
    create_schemas(conn)
    conn.execute(HUB_DDL)


def record(conn: duckdb.DuckDBPyConnection, la_code: str, run_id: str, action: str) -> None:
    conn.execute(
        "insert into audit.hub_contributions values (?, ?, ?, current_timestamp)",
        [la_code, run_id, action],
    )


def replace_rows(
    conn: duckdb.DuckDBPyConnection,
    schema: str,
    name: str,
    table,
    la_code: str,
    whole: bool = False,
    dfe_too: bool = False,
) -> None:
    """The hub's copy of a table gets the authority's rows as handed over (created from them
    the first time; when the project changed its columns, the others' rows keep the columns
    both have). `whole`: the table is replaced entirely; `dfe_too`: the rows of no authority
    (DfE's files) are replaced as well."""
    conn.register("handed", table)
    try:
        conn.execute(f"create schema if not exists {schema}")
        columns = table_columns(conn, schema, name)
        handed_columns = list(table.column_names)
        if not columns or whole:
            conn.execute(f"create or replace table {schema}.{name} as select * from handed")
        elif columns != handed_columns:
            # the project changed the table: the others' rows keep the columns both have
            # until their next runs hand them over again
            common = ", ".join(f'"{c}"' for c in handed_columns if c in columns)
            conn.execute(
                f"create or replace table {schema}.{name} as select * from handed "
                f"union all by name select {common} from {schema}.{name} where la_code <> ?",
                [la_code],
            )
        else:
            which = "la_code = ? or la_code is null" if dfe_too else "la_code = ?"
            conn.execute(f"delete from {schema}.{name} where {which}", [la_code])
            conn.execute(f"insert into {schema}.{name} select * from handed")
    finally:
        conn.unregister("handed")


def recompute(hub: Settings, run_id: str, log=print, whole: bool = False) -> HubPublication:
    """dbt builds the KPI models over every authority in the hub; the hub file is published."""
    from orchestration.publish.publication import publish

    started = time.monotonic()
    started_at = datetime.now()
    run_dbt(hub)
    publication = publish(hub, run_id, started_at, checks=None, whole=whole)
    with connect(hub.warehouse, read_only=True) as conn:
        authorities = authorities_in(conn)
    result = HubPublication(
        publication.published,
        publication.run_id,
        publication.kpi_rows,
        authorities,
        publication.findings,
        time.monotonic() - started,
    )
    log(result.summary())
    if publication.blocked:
        raise HubRollupFailed(result.summary())
    return result


def close_dbt_connection() -> None:
    """dbt-duckdb keeps its DuckDB database open in the process after an invocation: closed,
    so that the publication can open the hub's warehouse (and nothing holds it after)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def seeds_built_with(hub: Settings, fingerprint: str) -> bool:
    """Whether the hub's last dbt build was of this project (its seeds are then in place)."""
    with connect(hub.warehouse, read_only=True) as conn:
        last = conn.execute(
            "select fingerprint from audit.hub_builds order by built_at desc limit 1"
        ).fetchone()
    return last is not None and last[0] == fingerprint


def run_dbt(hub: Settings) -> None:
    """`dbt build` of the hub's models and seeds on the hub's warehouse (its tests included).

    In this process (dbt's programmatic runner): the run has dbt imported already, and a
    process of its own cost the roll-up two of its four seconds."""
    from dbt.cli.main import dbtRunner

    from orchestration.config import load_thresholds
    from orchestration.publish.publication import project_fingerprint

    seed_partial_parse(hub.dbt_target)
    variables = {"suppression_threshold": load_thresholds(hub.home).suppression_threshold}
    built_with = project_fingerprint(hub)
    # the seeds (and their own tests) only when the project changed since the hub's last build
    seeds = tests_against_seeds() if seeds_built_with(hub, built_with) else ["resource_type:seed"]
    args = [
        "build",
        "--select",
        *HUB_MODELS,
        *seeds,
        "--exclude-resource-type",
        "unit_test",
        # only the tests whose every relation is the hub's (not those of a seed against an
        # authority's staging, which the hub does not hold)
        "--indirect-selection",
        "cautious",
        "--no-write-json",
        "--vars",
        json.dumps(variables),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(hub.dbt_target),
        "--quiet",
    ]
    settings = {
        "WORKFORCE_WAREHOUSE": str(hub.warehouse),  # the profile's path
        "DBT_LOG_PATH": str(hub.dbt_target / "logs"),
        "DBT_LOG_LEVEL_FILE": "warn",
    }
    before = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        result = dbtRunner().invoke(args)
    finally:
        close_dbt_connection()
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if result.success:
        with connect(hub.warehouse) as conn:
            conn.execute("insert into audit.hub_builds values (?, current_timestamp)", [built_with])
        return
    failed = [
        f"{r.node.name}: {(r.message or r.status).strip()}"
        for r in getattr(result.result, "results", None) or []
        if str(r.status) in ("error", "fail")
    ]
    raise HubRollupFailed(
        "the hub's dbt build failed: "
        + ("; ".join(failed[:5]) or str(result.exception or "see dbt's log"))
    )
