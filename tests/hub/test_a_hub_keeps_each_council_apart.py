"""A hub of many councils (WORKFORCE_HUB=1), on a Dagster instance in PostgreSQL: two
authorities' runs started together both publish, each into its own room; the hub file holds
both and ALL computed across them, as the hand computation says; the instance shows a
partition per authority; a run of a busy authority is refused while another authority's runs;
`workforce forget` leaves no trace of an authority but the audit record."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml

from orchestration.defs.launch import POSTGRES_URL_ENV
from orchestration.settings import HUB_ENV, Settings
from orchestration.warehouse import warehouse_lock
from tests.cli.test_pipeline_matches_the_hand_computation import (
    DFE_KPIS,
    PERSONAL,
    census_values,
    expected_kpis,
    write_hand_fixture,
)
from tests.conftest import PROJECT_ROOT, WORKFORCE, query

pytestmark = pytest.mark.xdist_group("hub")

AUTHORITIES = ("202", "383")


def workforce(home: Path, url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "WORKFORCE_HOME": str(home), HUB_ENV: "1", POSTGRES_URL_ENV: url}
    env.pop("WORKFORCE_PSEUDONYM_KEY", None)
    return subprocess.Popen(
        [str(WORKFORCE), *args],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen) -> tuple[int, str]:
    out, err = process.communicate(timeout=600)
    return process.returncode, out + err


@pytest.fixture(scope="module")
def hub(tmp_path_factory, postgres_server) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("hub") / "workforce-data"
    url = postgres_server.url("hub")
    write_hand_fixture(home / "landing")  # two authorities, one census year
    started = time.monotonic()
    runs = [workforce(home, url, "run", "--la", la) for la in AUTHORITIES]  # side by side
    results = [finished(run) for run in runs]
    for code, output in results:
        assert code == 0, output
    assert time.monotonic() - started < 600
    return home, url


def instance_of(home: Path, url: str) -> dg.DagsterInstance:
    os.environ[POSTGRES_URL_ENV] = url  # the instance's settings name the variable
    return dg.DagsterInstance.from_config(str(home / "dagster"))


def test_two_authorities_run_side_by_side_and_the_hub_holds_both_and_all(hub):
    home, _ = hub
    hub_file = home / "published" / "workforce.duckdb"
    for la in (*AUTHORITIES, "ALL"):
        published = census_values(hub_file, la)
        published = {code: value for code, value in published.items() if code in DFE_KPIS}
        expected = expected_kpis(la)
        assert set(published) == set(expected), la
        for code, value in expected.items():
            assert published[code] == pytest.approx(value, abs=1e-9), (la, code)
    # the hub file keeps the contract's tables: every authority's rows side by side
    assert query(hub_file, "select distinct la_code from fct_workforce_census order by 1") == [
        (la,) for la in AUTHORITIES
    ]
    files = query(hub_file, "select file_name from source_files order by 1")
    assert {name.split("/")[0] for (name,) in files if "/" in name} == set(AUTHORITIES)
    assert query(hub_file, "select count(*) from publications where status = 'published'")[0][
        0
    ] == len(AUTHORITIES)


@pytest.mark.parametrize("la", AUTHORITIES)
def test_each_authoritys_rooms_hold_its_rows_alone(hub, la):
    home, _ = hub
    tenant = Settings(home).for_authority(la)
    other = next(code for code in AUTHORITIES if code != la)
    for db in (tenant.warehouse, tenant.published):
        for schema, table in query(
            db,
            "select table_schema, table_name from information_schema.columns "
            "where column_name = 'la_code' and table_schema <> 'reference' "
            "and table_name not in ('kpi_benchmarks', 'dfe_authorities')",
        ):
            codes = {c for (c,) in query(db, f"select distinct la_code from {schema}.{table}")}
            assert codes <= {la, "ALL", None}, f"{db}: {schema}.{table} holds {codes}"
        for (name,) in query(
            db,
            "select file_name from "
            + ("audit.files" if db == tenant.warehouse else "source_files"),
        ):
            assert not name.startswith(f"{other}/"), f"{db} names {name}"
    # its own values, as the hand computation says
    own = census_values(tenant.published, la)
    assert own["turnover_rate_fte"] == pytest.approx(expected_kpis(la)["turnover_rate_fte"])
    # and nothing personal reaches its published file or the hub file
    for db in (tenant.published, home / "published" / "workforce.duckdb"):
        for (table,) in query(db, "select table_name from information_schema.tables"):
            text = "\n".join("|".join(map(str, row)) for row in query(db, f"select * from {table}"))
            for needle in PERSONAL:
                assert needle not in text, f"{needle} in {db}:{table}"


def test_the_instance_in_postgres_shows_a_partition_per_authority(hub):
    home, url = hub
    written = (home / "dagster" / "dagster.yaml").read_text()
    assert yaml.safe_load(written)["storage"] == {
        "postgres": {"postgres_url": {"env": POSTGRES_URL_ENV}}
    }
    assert "127.0.0.1" not in written
    instance = instance_of(home, url)
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert sorted(instance.get_dynamic_partitions("authority")) == list(AUTHORITIES)
        for key in (["published", "workforce"], ["published", "hub"], ["raw", "hr_staff"]):
            assert instance.get_materialized_partitions(dg.AssetKey(key)) == set(AUTHORITIES)
        runs = instance.get_runs(filters=dg.RunsFilter(job_name="workforce"))
        assert sorted(run.tags["dagster/partition"] for run in runs) == list(AUTHORITIES)
        assert {run.status for run in runs} == {dg.DagsterRunStatus.SUCCESS}
    finally:
        instance.dispose()


def test_an_authoritys_second_run_waits_its_turn_while_another_authority_runs(hub):
    home, url = hub
    tenant = Settings(home).for_authority("383")
    with warehouse_lock(tenant.lock_file, {"run_id": "r-383", "launched_by": "a test"}):
        same, other = (
            workforce(home, url, "run", "--la", "383"),
            workforce(home, url, "run", "--la", "202"),
        )
        (same_code, same_out), (other_code, other_out) = finished(same), finished(other)
    assert same_code == 1 and "r-383" in same_out, same_out  # refused, naming the run
    assert other_code == 0, other_out  # the other authority was not held up
    assert "Nothing new since run" in other_out  # (its files were loaded: no run started)
    # a plain run on a hub's home would pour every authority into one warehouse: refused
    plain = subprocess.run(
        [str(WORKFORCE), "run"],
        env={**{k: v for k, v in os.environ.items() if k != HUB_ENV}, "WORKFORCE_HOME": str(home)},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert plain.returncode == 1 and f"set {HUB_ENV}=1" in plain.stderr, plain.stderr
    assert not (home / "warehouse" / "warehouse.duckdb").exists()


def test_forget_leaves_no_trace_of_the_authority_but_the_audit_record(hub):
    home, url = hub
    code, output = finished(workforce(home, url, "forget", "--la", "202", "--yes"))
    assert code == 0, output
    record = home / "audit" / "forgotten.jsonl"
    for path in home.rglob("*"):
        if path.is_file() and path != record:
            assert b"202/" not in path.read_bytes(), f"{path} names a file of 202"
        assert "202" not in path.relative_to(home).parts, path
    hub_file = home / "published" / "workforce.duckdb"
    assert query(hub_file, "select distinct la_code from kpi_values order by 1") == [
        ("383",),
        ("ALL",),
    ]
    assert census_values(hub_file, "ALL")["inpost_fte"] == pytest.approx(
        expected_kpis("383")["inpost_fte"]
    )
    entry = yaml.safe_load(record.read_text())
    assert entry["la_code"] == "202" and entry["files_removed"] > 0
    assert "202/" not in record.read_text()
    instance = instance_of(home, url)
    try:
        assert instance.get_dynamic_partitions("authority") == ["383"]
        runs = instance.get_runs(filters=dg.RunsFilter(job_name="workforce"))
        assert {run.tags["dagster/partition"] for run in runs} == {"383"}
    finally:
        instance.dispose()
