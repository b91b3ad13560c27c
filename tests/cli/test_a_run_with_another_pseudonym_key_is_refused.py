"""A published home run with another pseudonym key, or with its key file gone, is refused
before anything is loaded (exit 1, naming the key source read and what to do): by
`workforce run`, by the workforce job however it is launched (sensor, schedule, UI), and by
the census return's recovery of SWE numbers. The home's own key runs.

Each test copies the session's published `hand_home`; none builds with dbt."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, WORKFORCE, query

FILES = "select * exclude (received_at) from audit.files order by all"
KEY_FILE = Path("secrets/pseudonym.key")
WAREHOUSE = Path("warehouse/warehouse.duckdb")
PUBLISHED = Path("published/workforce.duckdb")


def run_with_key(home: Path, key: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKFORCE_HOME": str(home)}
    env.pop("WORKFORCE_PSEUDONYM_KEY", None)
    if key is not None:
        env["WORKFORCE_PSEUDONYM_KEY"] = key
    return subprocess.run(
        [str(WORKFORCE), "run"], env=env, capture_output=True, text=True, cwd=PROJECT_ROOT
    )


@pytest.fixture
def copied_home(hand_home: Path, tmp_path: Path) -> Path:
    """The published hand fixture, and a new staff snapshot landed that a run would load."""
    home = tmp_path / "workforce-data"
    shutil.copytree(hand_home, home)
    staff = sorted((home / "landing" / "383").glob("hr_staff_*.csv"))[-1]
    staff.with_name("hr_staff_20251130.csv").write_bytes(staff.read_bytes())
    return home


def assert_nothing_loaded(home: Path, hand_home: Path) -> None:
    assert query(home / WAREHOUSE, FILES) == query(hand_home / WAREHOUSE, FILES)
    assert (home / PUBLISHED).read_bytes() == (hand_home / PUBLISHED).read_bytes()
    archived = {p.name for p in (home / "archive").rglob("*")}
    assert archived == {p.name for p in (hand_home / "archive").rglob("*")}


def test_another_key_in_the_environment_is_refused_and_nothing_is_loaded(
    copied_home: Path, hand_home: Path
):
    result = run_with_key(copied_home, "the key of some other home")
    said = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1, said
    assert "read from the environment variable WORKFORCE_PSEUDONYM_KEY" in said
    assert "Restore the key from your backup" in said
    assert_nothing_loaded(copied_home, hand_home)


def test_a_deleted_key_file_is_refused_and_no_key_is_made(copied_home: Path, hand_home: Path):
    (copied_home / KEY_FILE).unlink()
    result = run_with_key(copied_home, None)
    said = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1, said
    assert f"{copied_home / KEY_FILE} is missing" in said
    assert "Restore the key from your backup" in said
    assert not (copied_home / KEY_FILE).exists()
    assert_nothing_loaded(copied_home, hand_home)


def test_the_job_however_launched_refuses_another_key_and_runs_with_the_right_one(
    copied_home: Path, hand_home: Path, tmp_path: Path, monkeypatch
):
    """The sensor, the schedule and the UI launch the workforce job itself: its set-up
    refuses before any step (the command line's look before Dagster starts is not what stops
    it here). With the home's own key the same job runs."""
    from orchestration.defs.launch import run_pipeline
    from orchestration.settings import Settings

    monkeypatch.setenv("WORKFORCE_HOME", str(copied_home))
    monkeypatch.setenv("WORKFORCE_PSEUDONYM_KEY", "the key of some other home")
    settings = Settings.from_env()
    outcome = run_pipeline(settings, tmp_path / "refused.log")
    assert (outcome.status, outcome.exit_code) == ("failed", 1)
    assert "read from the environment variable WORKFORCE_PSEUDONYM_KEY" in outcome.error
    assert_nothing_loaded(copied_home, hand_home)

    # the right key, here through the environment too (nothing new landed: no dbt build;
    # tests/ingest/test_the_pseudonym_key_is_bound_to_the_warehouse.py loads with it)
    (copied_home / "landing" / "383" / "hr_staff_20251130.csv").unlink()
    monkeypatch.setenv("WORKFORCE_PSEUDONYM_KEY", (copied_home / KEY_FILE).read_text().strip())
    outcome = run_pipeline(settings, tmp_path / "right.log")
    assert (outcome.status, outcome.exit_code) == ("unchanged", 0), outcome.error


def test_the_census_return_refuses_another_key(copied_home: Path, monkeypatch):
    from orchestration.census.run import CensusError, generate_census_return
    from orchestration.settings import Settings

    monkeypatch.setenv("WORKFORCE_HOME", str(copied_home))
    monkeypatch.setenv("WORKFORCE_PSEUDONYM_KEY", "the key of some other home")
    with pytest.raises(CensusError, match="WORKFORCE_PSEUDONYM_KEY"):
        generate_census_return(Settings.from_env(), "383", 2025)
    assert not (copied_home / "census").exists()
