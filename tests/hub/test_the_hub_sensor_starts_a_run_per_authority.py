"""In a hub, the landing sensor starts one run per authority with new files (its partition),
adds a new authority's partition with its first file, and starts a run for every authority
when DfE's files (landing/ itself, everyone's) change."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.automation import landing_folder
from orchestration.settings import HUB_ENV
from tests.builders import write_extract
from tests.conftest import drop_dfe_reference_files


def requested(evaluation) -> dict[str, str]:
    return {r.partition_key: r.tags["landed_files"] for r in evaluation.run_requests}


def added(evaluation) -> list[str]:
    return [
        key
        for request in evaluation.dynamic_partitions_requests or []
        for key in request.partition_keys
    ]


def test_the_sensor_requests_a_run_per_authority_and_adds_new_authorities(home, monkeypatch):
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.setenv(HUB_ENV, "1")
    landing = home / "landing"
    write_extract(landing, "383", "hr_staff", "2025-09-30", [])
    write_extract(landing, "383", "hr_establishment", "2025-09-30", [])
    write_extract(landing, "202", "hr_staff", "2025-09-30", [])
    instance = dg.DagsterInstance.ephemeral()

    first = landing_folder(dg.build_sensor_context(instance=instance))
    assert requested(first) == {"202": "1", "383": "2"}
    assert sorted(added(first)) == ["202", "383"]
    instance.add_dynamic_partitions("authority", added(first))  # as the daemon does

    write_extract(landing, "202", "hr_staff", "2025-12-31", [])
    second = landing_folder(dg.build_sensor_context(instance=instance, cursor=first.cursor))
    assert requested(second) == {"202": "1"} and added(second) == []

    # DfE's files are every authority's: one run each (no partition for landing/ itself)
    drop_dfe_reference_files(landing)
    third = landing_folder(dg.build_sensor_context(instance=instance, cursor=second.cursor))
    assert set(requested(third)) == {"202", "383"} and added(third) == []
    quiet = landing_folder(dg.build_sensor_context(instance=instance, cursor=third.cursor))
    assert quiet.run_requests == []
