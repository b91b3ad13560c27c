"""Ingestion is one step: one op materializes every kind's asset in one pass over landing/ on
one warehouse connection, each asset with its own files and its own check. Selected alone (from
the UI, say), one kind's asset loads that kind's files and no other's."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import dagster as dg
import pytest

from orchestration.contract import KINDS, REFERENCE_KINDS
from orchestration.defs import defs
from orchestration.defs.ingestion import UNRECOGNISED, ingest, raw_key
from orchestration.settings import Settings
from tests.cli.test_pipeline_matches_the_hand_computation import write_hand_fixture
from tests.conftest import query


@pytest.fixture
def landed(home: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    write_hand_fixture(home / "landing")  # two authorities, one census year
    return Settings.from_env()


def run_selecting(keys: set[dg.AssetKey]) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def("workforce").get_subset(asset_selection=keys)
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def materialized(result: dg.ExecuteInProcessResult) -> dict[dg.AssetKey, dict]:
    return {
        m.asset_key: {k: getattr(v, "value", v) for k, v in m.metadata.items()}
        for m in result.asset_materializations_for_node("ingest")
    }


def landed_by_kind(settings: Settings) -> Counter:
    names = [p.name for p in settings.landing.rglob("*.csv")]
    return Counter(
        next(k for k in [*KINDS, *REFERENCE_KINDS] if n.startswith(k + "_")) for n in names
    )


def test_one_op_owns_every_raw_asset_and_its_check():
    every_kind = {raw_key(kind) for kind in [*KINDS, *REFERENCE_KINDS]}
    assert set(ingest.keys) == every_kind | {UNRECOGNISED}
    assert {c.asset_key for c in ingest.check_keys} == every_kind
    job = defs.resolve_job_def("workforce")
    assert not [name for name in job.graph.node_dict if name.startswith("raw__")]


def test_one_kind_selected_alone_loads_only_its_files(landed: Settings):
    result = run_selecting({raw_key("hr_staff")})
    assert result.success
    files = landed_by_kind(landed)
    assert set(materialized(result)) == {raw_key("hr_staff")}
    metadata = materialized(result)[raw_key("hr_staff")]
    assert (metadata["files_loaded"], metadata["files_skipped"]) == (files["hr_staff"], 0)
    loaded = query(landed.warehouse, "select distinct kind from audit.files")
    assert loaded == [("hr_staff",)]
    checks = {(e.asset_key, e.check_name) for e in result.get_asset_check_evaluations()}
    assert checks == {(raw_key("hr_staff"), "quarantine_share")}

    # every kind together, in one step: each asset says what it loaded; hr_staff is in already
    every = {raw_key(kind) for kind in files} | {UNRECOGNISED}
    result = run_selecting(every)
    assert result.success
    reported = materialized(result)
    assert set(reported) == every
    for kind, count in files.items():
        metadata = reported[raw_key(kind)]
        expected = (0, count) if kind == "hr_staff" else (count, 0)
        assert (metadata["files_loaded"], metadata["files_skipped"]) == expected, kind
    assert (
        Counter(kind for (kind,) in query(landed.warehouse, "select kind from audit.files"))
        == files
    )
    steps = {e.step_key for e in result.all_events if e.is_step_success}
    assert "ingest" in steps and not [s for s in steps if s.startswith("raw__")]
