"""The published file's own blocking check (published/workforce:published_file) runs on the
candidate, before the swap: row counts, one row per key, every headline KPI for every published
authority and census year. A candidate that fails it is not published; the run is `blocked`."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.defs import defs
from orchestration.defs.launch import instance_for
from orchestration.defs.run_guard import PUBLICATION_KEY
from orchestration.publish.candidate import findings
from orchestration.publish.outcome import read_outcome
from orchestration.settings import Settings
from tests.conftest import query

CHECK = "published/workforce:published_file"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def publishing_run(home: Path) -> str:
    [(run_id,)] = query(home / "published" / "workforce.duckdb", "select run_id from publications")
    return run_id


def test_a_published_run_evaluated_the_check_and_passed_it(hand_home: Path):
    outcome = read_outcome(Settings(hand_home), publishing_run(hand_home))
    [check] = [c for c in outcome.checks if f"{c.asset}:{c.check_name}" == CHECK]
    assert check.passed and check.severity == "ERROR"


@pytest.fixture
def tampered(hand_home: Path, tmp_path: Path, monkeypatch) -> Settings:
    """A copy of the hand home whose warehouse lost 202's 2025 turnover rate (headline) after
    the marts were checked: what a faulty copy or a model gone wrong would hand the publisher."""
    home = tmp_path / "workforce-data"
    shutil.copytree(hand_home, home)
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    with duckdb.connect(str(home / "warehouse" / "warehouse.duckdb")) as conn:
        for table in ("kpi_values", "kpi_values_for_publication"):
            conn.execute(
                f"delete from marts.{table} where la_code = '202' and kpi_code = "
                "'turnover_rate_fte' and breakdown = 'total' and period_type = 'census_year'"
            )
    return Settings.from_env()


def test_a_candidate_without_a_headline_kpi_is_blocked_and_the_file_in_place_stays(
    tampered: Settings,
):
    before = digest(tampered.published)
    # the workforce job (the one the CLI, the sensor and the schedule run), its publish step
    job = defs.resolve_job_def("workforce").get_subset(asset_selection={PUBLICATION_KEY})
    result = job.execute_in_process(instance=instance_for(tampered), raise_on_error=False)

    outcome = read_outcome(tampered, result.run_id)
    assert (outcome.status, outcome.exit_code) == ("blocked", 3)
    [failed] = outcome.failed_checks
    assert f"{failed.asset}:{failed.check_name}" == CHECK
    assert failed.description == "kpi_values has no turnover_rate_fte for 202, census year 2025"
    assert digest(tampered.published) == before
    assert sorted(p.name for p in tampered.published.parent.iterdir()) == [
        "workforce.duckdb",
        "workforce.duckdb.sha256.json",  # its digest, recorded at publication
    ]
    rows = query(
        tampered.warehouse,
        "select status, failed_checks from audit.publications where run_id = ?",
        [result.run_id],
    )
    assert rows == [("blocked", [CHECK])]


def test_the_check_finds_short_copies_and_duplicated_keys(hand_home: Path, tmp_path: Path):
    published = hand_home / "published" / "workforce.duckdb"
    candidate = tmp_path / "candidate.duckdb"
    shutil.copyfile(published, candidate)
    with duckdb.connect(str(candidate)) as conn:
        conn.execute(f"attach '{published}' as source (read_only)")
        copies = {
            name: ("source.main", name)
            for name in ("kpi_values", "kpi_benchmarks", "fct_workforce_census")
        }
        assert findings(conn, copies, "main") == []
        conn.execute("insert into fct_workforce_census select * from fct_workforce_census limit 1")
        (la_code, year) = conn.execute(
            "select la_code, census_year from fct_workforce_census order by all limit 1"
        ).fetchone()
        assert findings(conn, copies, "main") == [
            "fct_workforce_census has 3 rows, the warehouse's source.main.fct_workforce_census 2",
            f"fct_workforce_census has more than one row per la_code, census_year: {la_code}, {year}",
        ]
