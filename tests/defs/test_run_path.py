"""One run path: a run started the way the landing sensor starts one and a run started by
`workforce run` go through the same job on the home's persistent Dagster instance, take the
same warehouse lock and leave the same outcome (publications row, audit trail, run tags)."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.automation import landing_folder
from orchestration.defs.launch import instance_for, workforce_job
from orchestration.publish.outcome import read_outcome
from orchestration.settings import Settings
from orchestration.warehouse import warehouse_lock
from tests.cli.test_pipeline_matches_the_hand_computation import write_hand_fixture
from tests.conftest import query, run_workforce

AUDIT_FILES = {"summary.json", "quarantine.csv", "validation.html", "gx"}


def launch_like_the_sensor(instance: dg.DagsterInstance, cursor: str | None = None):
    """Evaluate the sensor; launch its run request as the daemon would (a run worker executes
    the reconstructed job on the instance, with the sensor's tags)."""
    evaluation = landing_folder(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert len(evaluation.run_requests) == 1, "new files landed: one run requested"
    request = evaluation.run_requests[0]
    tags = {
        **request.tags,
        "dagster/sensor_name": "landing_folder",
        "dagster/run_key": request.run_key,
    }
    result = dg.execute_job(dg.reconstructable(workforce_job), instance=instance, tags=tags)
    return result, evaluation.cursor


@pytest.fixture
def sample_home(home: Path, monkeypatch) -> Path:
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    write_hand_fixture(home / "landing")  # two authorities, one census year: small and fast
    return home


def test_a_sensor_run_and_a_cli_run_leave_the_same_outcome_on_one_instance(sample_home: Path):
    settings = Settings.from_env()
    instance = instance_for(settings)

    result, cursor = launch_like_the_sensor(instance)
    sensor_run = result.run_id
    assert result.success
    outcome = read_outcome(settings, sensor_run)
    assert (outcome.status, outcome.exit_code) == ("published", 0)
    assert outcome.launched_by == "sensor landing_folder"
    assert {p.name for p in (settings.run_audit / sensor_run).iterdir()} == AUDIT_FILES
    # the published file's own check ran in the sensor's run too, on the candidate
    checked = {f"{c.asset}:{c.check_name}": c.passed for c in outcome.checks}
    assert checked["published/workforce:published_file"] is True

    # the next month's snapshot lands; this time the command line starts the run
    staff = sorted((sample_home / "landing").rglob("hr_staff_*.csv"))[-1]
    staff.with_name("hr_staff_20260131.csv").write_bytes(staff.read_bytes())
    cli = run_workforce(sample_home)
    assert cli.returncode == 0, cli.stderr
    cli_run = next(
        line.split()[1].rstrip(":") for line in cli.stderr.splitlines() if line.startswith("Run ")
    )
    assert {p.name for p in (settings.run_audit / cli_run).iterdir()} == AUDIT_FILES
    summary = json.loads((settings.run_audit / cli_run / "summary.json").read_text())
    assert summary["outcome"]["launched_by"] == "workforce run (command line)"
    assert summary["status"] == "published"

    # both runs are in the one instance's run storage, tagged with their outcome
    instance = dg.DagsterInstance.get()
    for run_id in (sensor_run, cli_run):
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.job_name == "workforce"
        assert run.tags["workforce/outcome"] == "published"
        assert run.tags["workforce/exit_code"] == "0"
    rows = query(
        settings.warehouse,
        "select run_id, status from audit.publications where run_id in (?, ?)",
        [sensor_run, cli_run],
    )
    assert sorted(rows) == sorted([(sensor_run, "published"), (cli_run, "published")])
    # the sensor's materialization links to the audit trail
    event = instance.get_latest_materialization_event(dg.AssetKey(["published", "workforce"]))
    links = event.asset_materialization.metadata
    assert Path(links["validation"].value).exists() and Path(links["summary"].value).exists()


def test_with_a_run_in_progress_a_second_start_is_refused_naming_it(sample_home: Path):
    settings = Settings.from_env()
    settings.prepare()
    instance = instance_for(settings)
    # the instance queues a single-council home's runs (sensor, schedule, UI) one at a time
    limits = instance.run_coordinator.get_run_queue_config().tag_concurrency_limits
    assert {"key": "workforce/home", "limit": 1} in limits

    holder = {"run_id": "run-in-progress", "launched_by": "schedule nightly"}
    with warehouse_lock(settings.lock_file, holder):
        cli = run_workforce(sample_home)
        assert cli.returncode == 1
        assert "run-in-progress" in cli.stderr and "schedule nightly" in cli.stderr
        assert "IO Error" not in cli.stderr and "Traceback" not in cli.stderr

        result, _ = launch_like_the_sensor(instance)
        assert not result.success
        refused = read_outcome(settings, result.run_id)
        assert refused.status == "refused" and "run-in-progress" in refused.error
        assert instance.get_run_by_id(result.run_id).tags["workforce/outcome"] == "refused"
    # nothing was written by either: no warehouse, no publication
    assert not settings.warehouse.exists() and not settings.published.exists()
