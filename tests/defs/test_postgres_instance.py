"""A hub's Dagster instance on PostgreSQL: with WORKFORCE_DAGSTER_POSTGRES_URL set, `workforce
run` keeps its run, event log and schedules in PostgreSQL, and the home's dagster.yaml names the
variable, never the URL (docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import psycopg2
import yaml
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

from orchestration.defs.launch import POSTGRES_URL_ENV
from tests.cli.test_pipeline_matches_the_hand_computation import write_hand_fixture
from tests.conftest import run_workforce


def test_a_run_on_a_postgres_instance_is_recorded_in_postgres(
    home: Path, postgres_url, monkeypatch
):
    monkeypatch.setenv(POSTGRES_URL_ENV, postgres_url)
    write_hand_fixture(home / "landing")  # two authorities, one census year: small and fast

    result = run_workforce(home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (home / "published" / "workforce.duckdb").exists()
    run_id = next(
        line.split()[1].rstrip(":")
        for line in result.stderr.splitlines()
        if line.startswith("Run ")
    )

    settings = (home / "dagster" / "dagster.yaml").read_text()
    assert yaml.safe_load(settings)["storage"] == {
        "postgres": {"postgres_url": {"env": POSTGRES_URL_ENV}}
    }
    assert postgres_url not in settings and "127.0.0.1" not in settings
    assert not list((home / "dagster").rglob("*.db")), "no SQLite storage beside it"

    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    try:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.job_name == "workforce"
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run_id in {r.run_id for r in instance.get_runs()}
        assert instance.all_logs(run_id), "the run's events are in Postgres too"
    finally:
        instance.dispose()

    with psycopg2.connect(postgres_url.replace("+psycopg2", "")) as conn, conn.cursor() as cursor:
        cursor.execute("select pipeline_name, status from runs where run_id = %s", [run_id])
        assert cursor.fetchall() == [("workforce", "SUCCESS")]
    conn.close()
