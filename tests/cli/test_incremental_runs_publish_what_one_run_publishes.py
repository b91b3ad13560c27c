"""A run re-derives only the authorities its deliveries changed, and publishes exactly what one
run over every delivery publishes.

The hand fixture is published; then three deliveries arrive one run at a time: a new staff
snapshot for 383, a correction of 202's absence extract, and a staff snapshot for 383 dated
before the ones loaded (a late file, which replays the later snapshots). Each run names the one
authority it re-derives. A home that receives all of it in one run (a full build) publishes
the same `kpi_values`, row for row. When a build is full is tested on the scope itself
(tests/publish/test_build_scope_follows_the_deliveries.py).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from tests.builders import hr_absence, hr_staff, write_extract
from tests.cli.test_pipeline_matches_the_hand_computation import SNAPSHOT
from tests.conftest import query, run_workforce

KPIS = "select * exclude (published_run_id) from kpi_values order by all"
CENSUS = "select * from fct_workforce_census order by all"


def rows_of(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def staff_of_383(landing: Path) -> list[dict]:
    return rows_of(landing / "383" / f"hr_staff_{SNAPSHOT.replace('-', '')}.csv")


def new_snapshot_for_383(landing: Path, staff: list[dict]) -> None:
    """A month later: a new starter on 3 November."""
    starter = hr_staff(
        assignment_id="A20",
        employee_id="EMPX20",
        post_id="P20",
        org_role=5,
        fte=1.0,
        start_date="2025-11-03",
    )
    write_extract(landing, "383", "hr_staff", "2025-11-30", [*staff, starter])


def corrected_absence_for_202(landing: Path) -> None:
    """The same file name and date as the absence extract loaded: a correction."""
    sickness = hr_absence(
        absence_id="T1",
        employee_id="EMPY01",
        absence_type="SIC",
        start_date="2025-03-03",
        end_date="2025-03-05",
        working_days_lost=3,
    )
    write_extract(landing, "202", "hr_absence", SNAPSHOT, [sickness])


def late_snapshot_for_383(landing: Path, staff: list[dict]) -> None:
    """Dated 30 June, after 31 October and 30 November were loaded: those replay after it. On
    30 June the census-day leaver had not left yet."""
    june = [{**row, "end_date": "", "leaving_reason": ""} if row["assignment_id"] == "A4" else row
            for row in staff]  # fmt: skip
    write_extract(landing, "383", "hr_staff", "2025-06-30", june)


def deliver_all(landing: Path) -> None:
    """The three deliveries at once, after the hand fixture (whose 383 staff they build on)."""
    staff = staff_of_383(landing)
    new_snapshot_for_383(landing, staff)
    corrected_absence_for_202(landing)
    late_snapshot_for_383(landing, staff)


def run(home: Path, *args: str) -> str:
    result = run_workforce(home, "run", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_one_delivery_at_a_time_publishes_what_one_run_over_all_of_them_publishes(
    hand_home: Path, one_run_over_every_delivery: Path, tmp_path: Path
):
    home = tmp_path / "incremental" / "workforce-data"
    shutil.copytree(hand_home, home)
    landing = home / "landing"
    staff = staff_of_383(landing)
    before = query(home / "published" / "workforce.duckdb", KPIS)

    new_snapshot_for_383(landing, staff)
    assert "incremental build: authorities 383 " in run(home)
    corrected_absence_for_202(landing)
    assert "incremental build: authorities 202 " in run(home)
    late_snapshot_for_383(landing, staff)
    assert "incremental build: authorities 383 " in run(home)

    # one_run_over_every_delivery: the hand fixture and the three deliveries, one run, asked
    # to be full (a first build is full anyway; asked for, it says so: the flag reaches dbt)
    everything = one_run_over_every_delivery
    output = (everything.parent / "run-output.txt").read_text()
    assert "full build: a full rebuild was asked for" in output

    published = home / "published" / "workforce.duckdb"
    kpis = query(published, KPIS)
    assert kpis != before  # the deliveries changed the figures...
    assert kpis == query(everything / "published" / "workforce.duckdb", KPIS)  # ...the same way
    assert query(published, CENSUS) == query(everything / "published" / "workforce.duckdb", CENSUS)
