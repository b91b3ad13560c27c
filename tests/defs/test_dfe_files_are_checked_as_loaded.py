"""The DfE reference files are checked as loaded (raw.dfe_indicators and
raw.dfe_statistical_neighbours, check `dfe_file`): DfE's own files pass; an authority code the
seed does not know warns; a table with two rows for one area and year blocks publication."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs import defs
from orchestration.defs.launch import instance_for
from orchestration.publish.outcome import RunOutcome, read_outcome
from orchestration.settings import Settings
from tests.conftest import DFE_REFERENCE_FILES, drop_dfe_reference_files

DFE_ASSETS = {
    dg.AssetKey(["raw", "dfe_indicators"]),
    dg.AssetKey(["raw", "dfe_statistical_neighbours"]),
}


def ingest_dfe_files(settings: Settings) -> RunOutcome:
    """The workforce job's DfE ingestion steps (and so their checks), as any run runs them."""
    job = defs.resolve_job_def("workforce").get_subset(asset_selection=DFE_ASSETS)
    result = job.execute_in_process(instance=instance_for(settings), raise_on_error=False)
    return read_outcome(settings, result.run_id)


def dfe_checks(outcome: RunOutcome) -> dict[str, tuple[bool, str, str | None]]:
    return {
        c.asset: (c.passed, c.severity, c.description)
        for c in outcome.checks
        if c.check_name == "dfe_file"
    }


@pytest.fixture
def settings(home: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    drop_dfe_reference_files(home / "landing")
    return Settings.from_env()


def test_dfe_files_pass_then_an_unknown_code_warns_and_a_duplicate_row_blocks(settings):
    outcome = ingest_dfe_files(settings)
    assert dfe_checks(outcome) == {
        "raw/dfe_indicators": (True, "ERROR", None),
        "raw/dfe_statistical_neighbours": (True, "ERROR", None),
    }

    # a newer indicators file in which Darlington (841) is listed under a code DfE never used
    text = DFE_REFERENCE_FILES["dfe_indicators"].read_text(encoding="utf-8")
    darlington = ",North East,841,E06000005,Darlington,"
    assert text.count(darlington) == 9  # one row per census year
    (settings.landing / "dfe_indicators_20260105.csv").write_text(
        text.replace(darlington, ",North East,999,E06000005,Darlington,"), encoding="utf-8"
    )
    outcome = ingest_dfe_files(settings)
    assert dfe_checks(outcome)["raw/dfe_indicators"] == (
        False,
        "WARN",
        "authority codes not in seeds/dfe_authorities.csv: 999",
    )
    assert outcome.status == "not_published" and outcome.exit_code == 0  # a warning only

    # the stored rows gain a second row for Darlington's 2025 (as no delivery could make them)
    with duckdb.connect(str(settings.warehouse)) as conn:
        conn.execute(
            "insert into raw.dfe_indicators select * from raw.dfe_indicators "
            "where old_la_code = '999' and time_period = '2025' and extract_date = '2026-01-05'"
        )
    outcome = ingest_dfe_files(settings)
    passed, severity, description = dfe_checks(outcome)["raw/dfe_indicators"]
    assert (passed, severity) == (False, "ERROR")
    assert description.startswith(
        "raw.dfe_indicators: 2 rows for time_period, geographic_level, country_code, "
        "region_code, old_la_code = 2025, Local authority, E92000001, E12000001, 999 "
        "(file of 2026-01-05)"
    )
    assert (outcome.status, outcome.exit_code) == ("blocked", 3)
