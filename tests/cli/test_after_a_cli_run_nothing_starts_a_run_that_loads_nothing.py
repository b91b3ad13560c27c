"""After `workforce run` (or `workforce demo`), which run the job in-process, the landing sensor
and the nightly schedule start nothing for the files that run loaded; and a run launched with
every step while nothing is new (from the UI) leaves the checks of the publication in place
as the latest evaluation Dagster shows, not "skipped"."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.automation import landing_folder, nightly
from orchestration.defs.launch import instance_for, workforce_job
from orchestration.publish.outcome import read_outcome
from orchestration.settings import Settings
from tests.builders import write_extract

KPI_VALUES = dg.AssetKey(["marts", "kpi_values"])
PUBLISHED = dg.AssetKey(["published", "workforce"])


@pytest.fixture
def after_cli_run(hand_home: Path, tmp_path: Path, monkeypatch) -> Settings:
    """A copy of the hand home, published by `workforce run`, its files as they landed."""
    home = tmp_path / "workforce-data"
    shutil.copytree(hand_home, home)  # sizes and modification times kept
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    return Settings.from_env()


def test_the_sensors_first_tick_after_a_cli_run_requests_no_run(after_cli_run: Settings):
    instance = instance_for(after_cli_run)
    first = landing_folder(dg.build_sensor_context(instance=instance))
    assert first.run_requests == []

    # a file the run did not load is new, and only it
    write_extract(after_cli_run.landing, "383", "hr_staff", "2025-12-31", [])
    newer = landing_folder(dg.build_sensor_context(instance=instance, cursor=first.cursor))
    assert len(newer.run_requests) == 1 and newer.run_requests[0].tags["landed_files"] == "1"


def test_the_schedule_skips_when_nothing_is_new_and_runs_when_a_file_lands(
    after_cli_run: Settings,
):
    instance = instance_for(after_cli_run)
    skipped = nightly(dg.build_schedule_context(instance=instance))
    assert isinstance(skipped, dg.SkipReason) and "nothing new" in skipped.skip_message

    write_extract(after_cli_run.landing, "383", "hr_staff", "2025-12-31", [])
    assert isinstance(nightly(dg.build_schedule_context(instance=instance)), dg.RunRequest)


def latest_checks(instance: dg.DagsterInstance, asset: dg.AssetKey) -> dict:
    keys = [
        k for k in workforce_job().asset_layer.asset_graph.asset_check_keys if k.asset_key == asset
    ]
    assert keys
    return instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)


def test_a_ui_run_with_nothing_new_keeps_the_publications_checks_the_latest(
    after_cli_run: Settings,
):
    instance = instance_for(after_cli_run)
    before = {asset: latest_checks(instance, asset) for asset in (KPI_VALUES, PUBLISHED)}
    published = instance.fetch_materializations(KPI_VALUES, limit=1).records[0]
    for records in before.values():
        assert {r.status.value for r in records.values()} == {"SUCCEEDED"}

    # launched as from the UI, materializing kpi_values and the publication: their checks
    # planned (the ingestion steps left out, to keep the test short)
    result = dg.execute_job(
        dg.reconstructable(workforce_job),
        instance=instance,
        asset_selection=[KPI_VALUES, PUBLISHED],
    )
    assert result.success
    assert read_outcome(after_cli_run, result.run_id).status == "unchanged"

    for asset, records in before.items():
        after = latest_checks(instance, asset)
        assert after.keys() == records.keys()
        for key, record in after.items():
            # the run's own record of the check, carrying the last real evaluation
            assert record.run_id == result.run_id, key
            assert record.status.value == "SUCCEEDED", key
            evaluation = record.evaluation
            assert evaluation.passed
            assert evaluation.metadata["evaluated_in_run"].value == records[key].run_id
            assert "not evaluated again" in evaluation.description
    # kpi_values's checks still target the materialization they checked, the latest
    assert instance.fetch_materializations(KPI_VALUES, limit=1).records[0] == published
    for record in latest_checks(instance, KPI_VALUES).values():
        target = record.evaluation.target_materialization_data
        assert target is not None and target.storage_id == published.storage_id
