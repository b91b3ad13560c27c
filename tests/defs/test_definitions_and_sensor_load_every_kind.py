"""The Dagster code location: it loads, and the landing sensor starts one run per new delivery."""

from __future__ import annotations

import os
import shutil

import dagster as dg

from orchestration.defs import defs
from orchestration.defs.automation import landing_folder
from tests.builders import write_extract


def test_the_definitions_load_with_every_kind_the_dbt_models_checks_sensor_and_schedule():
    repo = defs.get_repository_def()
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    for kind in (
        "hr_staff",
        "hr_establishment",
        "hr_absence",
        "payroll",
        "agency_assignments",
        "agency_timesheets",
        "case_allocations",
        "hr_pay_offer",
        "recruitment",
    ):
        assert f"raw/{kind}" in keys
    assert {
        "marts/kpi_values",
        "published/workforce",
        "staging/stg_hr__staff",
        "staging/stg_hr__pay_offer",
        "staging/stg_recruitment__applications",
    } <= keys
    check_names = {key.name for key in repo.asset_graph.asset_check_keys}
    assert {"gx_kpi_values", "gx_stg_recruitment__applications"} <= check_names
    assert any(name.startswith("not_null") or name.startswith("unique") for name in check_names)
    assert repo.has_sensor_def("landing_folder") and repo.has_schedule_def("nightly")
    # The published file is downstream of every raw kind: lineage runs end to end.
    upstream = repo.asset_graph.get(dg.AssetKey(["published", "workforce"])).parent_keys
    assert dg.AssetKey(["marts", "kpi_values"]) in upstream


def test_the_sensor_requests_one_run_per_new_delivery_and_none_for_a_redelivery(home, monkeypatch):
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    landing = home / "landing"
    path = write_extract(landing, "383", "hr_staff", "2025-09-30", [])
    instance = dg.DagsterInstance.ephemeral()

    first = landing_folder(dg.build_sensor_context(instance=instance))
    assert len(first.run_requests) == 1
    again = landing_folder(dg.build_sensor_context(instance=instance, cursor=first.cursor))
    assert again.run_requests == []

    # Re-delivered with identical bytes (a new file, new mtime): same hash, no run.
    copy = path.with_suffix(".tmp")
    shutil.copy(path, copy)
    os.replace(copy, path)
    redelivered = landing_folder(dg.build_sensor_context(instance=instance, cursor=first.cursor))
    assert redelivered.run_requests == []

    write_extract(landing, "383", "hr_staff", "2025-12-31", [])
    newer = landing_folder(dg.build_sensor_context(instance=instance, cursor=first.cursor))
    assert len(newer.run_requests) == 1
    assert newer.run_requests[0].run_key != first.run_requests[0].run_key


def test_the_census_return_is_partitioned_on_demand_and_outside_the_workforce_job():
    repo = defs.get_repository_def()
    census = dg.AssetKey(["census", "csww_return"])
    node = repo.asset_graph.get(census)
    # downstream of the publication and of the dbt models its records come from
    assert node.parent_keys == {
        dg.AssetKey(["published", "workforce"]),
        *(
            dg.AssetKey(["intermediate", f"int_census_return_{part}"])
            for part in ("employed", "agency", "la_level")
        ),
    }
    partitions = node.partitions_def
    assert isinstance(partitions, dg.MultiPartitionsDefinition)
    assert {d.name for d in partitions.partitions_defs} == {"authority", "census_year"}
    # the sensor's, schedule's and CLI's job stays unpartitioned and never builds a return
    workforce = repo.get_job("workforce")
    assert workforce.partitions_def is None
    assert census not in workforce.asset_layer.executable_asset_keys
    assert census in repo.get_job("census_return").asset_layer.executable_asset_keys
    checks = {key.name for key in repo.asset_graph.asset_check_keys if key.asset_key == census}
    assert checks == {"ready_to_submit"}


def test_the_sensor_cursor_stays_one_digest_however_many_files_land(home, monkeypatch):
    """The cursor is stored by Dagster at every tick: it must not grow with the landing folder.
    What the sensor has seen lives in one file under the Dagster home, named by the cursor."""
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    landing = home / "landing"
    instance = dg.DagsterInstance.ephemeral()
    write_extract(landing, "383", "hr_staff", "2025-09-30", [])
    few = landing_folder(dg.build_sensor_context(instance=instance))
    for month in range(1, 13):
        write_extract(landing, "202", "hr_absence", f"2025-{month:02d}-28", [])
    many = landing_folder(dg.build_sensor_context(instance=instance, cursor=few.cursor))
    assert len(many.run_requests) == 1 and many.run_requests[0].tags["landed_files"] == "12"
    assert len(few.cursor) == len(many.cursor) == 64
    kept = sorted(p.stem for p in (home / "dagster" / "landing-seen").glob("*.json"))
    assert kept == sorted({few.cursor, many.cursor})  # the previous kept until the next tick

    # A cursor of an earlier version (the listing itself) is read as what was seen.
    listing = (home / "dagster" / "landing-seen" / f"{many.cursor}.json").read_text()
    upgraded = landing_folder(dg.build_sensor_context(instance=instance, cursor=listing))
    assert upgraded.run_requests == [] and upgraded.cursor == many.cursor
