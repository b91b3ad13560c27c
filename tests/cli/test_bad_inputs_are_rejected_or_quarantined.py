"""Every bad input in the README's table, fed to `workforce run` on a published landing folder.

Each case asserts the exit code, the message (file, row, column, rule), what was kept, and
that `published/workforce.duckdb` is byte-identical to before.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.test_pipeline_matches_the_hand_computation import (
    SNAPSHOT,
    agency,
    allocation,
    cfsw,
    write_hand_fixture,
)
from tests.conftest import query, run_workforce, write_extract

STAFF_HEADER = (
    "assignment_id,employee_id,registered_social_worker,org_role,service_area,team,fte,"
    "contract_type,start_date,end_date"
)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("baseline") / "workforce-data"
    write_hand_fixture(home / "landing")
    result = run_workforce(home)
    assert result.returncode == 0, result.stderr
    return home


def staff_snapshot(bad_row: dict) -> list[dict]:
    """383's staff as delivered, plus one bad row: 1 of 12 rows (over the 5% threshold)."""
    return [
        cfsw("A1", "EMPX01", "P1", 5, 1.0, "2020-01-01"),
        cfsw("A3", "EMPX02", "P3", 4, 1.0, "2025-04-01"),
        cfsw("A5", "EMPX05", "P5", 5, 0.5, "2025-01-06"),
        cfsw("A6", "EMPX06", "P6", 3, 1.0, "2015-01-01"),
        cfsw("A10", "EMPX10", "P8", 5, 0.5, "2021-01-01"),
        cfsw("A11", "EMPX10", "P9", 5, 0.4, "2022-01-01"),
        cfsw("A4", "EMPX04", "P4", 5, 0.8, "2018-06-01", "2025-09-30", leaving_reason="1"),
        cfsw("A8", "EMPX08", "P7", 5, 1.0, "2023-02-01", "2024-12-31", leaving_reason="1"),
        cfsw("A9", "EMPX09", "", 5, 1.0, "2020-01-01", "2024-09-30", leaving_reason="5"),
        cfsw("A2", "EMPX02", "P2", 5, 1.0, "2019-05-01", "2025-03-31", leaving_reason="8"),
        cfsw("A12", "EMPX12", "P10", 5, 1.0, "2019-05-01"),
        bad_row,
    ]


def raw_file(name: str, content: bytes):
    def write(landing: Path) -> None:
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_bytes(content)

    return write


def staff_file(bad_row: dict):
    return lambda landing: write_extract(
        landing, "383", "hr_staff", "2025-11-30", staff_snapshot(bad_row)
    )


FILE_LEVEL = {
    "empty file": (
        raw_file("383/payroll_20251130.csv", b""),
        "383/payroll_20251130.csv: empty file",
    ),
    "truncated file (cut inside a quoted field)": (
        raw_file(
            "383/payroll_20251130.csv",
            b'employee_id,assignment_id,pay_period,pay_element,amount_gbp\nEMPX01,A1,2025-10,basic,"31',
        ),
        "383/payroll_20251130.csv: malformed CSV",
    ),
    "truncated file (cut mid-row)": (
        raw_file(
            "383/payroll_20251130.csv",
            b"employee_id,assignment_id,pay_period,pay_element,amount_gbp\nEMPX01,A1,2025-10,basic,3100\nEMPX01,A1,20",
        ),
        "383/payroll_20251130.csv: malformed CSV",
    ),
    "unreadable encoding": (
        raw_file("383/payroll_20251130.csv", b"employee_id,\x81\x8d\x8f\x90\x9d\n"),
        "383/payroll_20251130.csv: unreadable encoding (rule: UTF-8 or Windows-1252)",
    ),
    "missing required column": (
        raw_file("383/payroll_20251130.csv", b"employee_id,assignment_id\nEMPX01,A1\n"),
        "383/payroll_20251130.csv: missing required column(s) pay_period, pay_element, amount_gbp",
    ),
    "unknown kind in the file name": (
        raw_file("383/payslips_20251130.csv", b"a\n1\n"),
        "383/payslips_20251130.csv: unknown kind 'payslips'",
    ),
    "bad date in the file name": (
        raw_file("383/payroll_20251131.csv", b"a\n1\n"),
        "383/payroll_20251131.csv: '20251131' in the file name is not a date",
    ),
    "file outside an authority folder": (
        raw_file("payroll_20251130.csv", b"a\n1\n"),
        "payroll_20251130.csv: not in an authority folder",
    ),
    "extract date in the future": (
        raw_file("383/payroll_20991130.csv", b"a\n1\n"),
        "383/payroll_20991130.csv: extract date 2099-11-30 is in the future",
    ),
    "snapshot dropping most of the previous one's rows (partial export)": (
        lambda landing: write_extract(
            landing,
            "383",
            "hr_staff",
            "2025-11-30",
            [cfsw("A1", "EMPX01", "P1", 5, 1.0, "2020-01-01")],
        ),
        "383/hr_staff_20251130.csv: 1 rows where 383/hr_staff_20251031.csv had 11: a likely partial export",
    ),
}

ROW_LEVEL = {
    "wrong type": (
        staff_file(cfsw("A13", "EMPX13", "", 5, "one", "2020-01-01")),
        "383/hr_staff_20251130.csv row 13, column fte: 'one' must be a number",
    ),
    "FTE outside (0, 1]": (
        staff_file(cfsw("A13", "EMPX13", "", 5, 1.5, "2020-01-01")),
        "383/hr_staff_20251130.csv row 13, column fte: '1.5' must be more than 0 and at most 1",
    ),
    "end before start": (
        staff_file(cfsw("A13", "EMPX13", "", 5, 1.0, "2020-01-01", "2019-01-01")),
        "383/hr_staff_20251130.csv row 13, column end_date: '2019-01-01' must not be before start_date",
    ),
    "unknown code": (
        staff_file(cfsw("A13", "EMPX13", "", 7, 1.0, "2020-01-01")),
        "383/hr_staff_20251130.csv row 13, column org_role: '7' unknown code (allowed: 1, 2, 3, 4, 5, 6)",
    ),
    "duplicate key within a file": (
        staff_file(cfsw("A1", "EMPX13", "", 5, 1.0, "2020-01-01")),
        "383/hr_staff_20251130.csv row 2, column assignment_id: 'A1' duplicate key within the file",
    ),
    "timesheet for an unknown assignment": (
        lambda landing: write_extract(
            landing,
            "383",
            "agency_timesheets",
            "2025-11-30",
            [
                {
                    "timesheet_id": f"T{i}",
                    "assignment_id": "G1",
                    "week_ending": "2025-11-07",
                    "hours": "37",
                    "charge_gbp": "1850",
                }
                for i in range(10, 20)
            ]
            + [
                {
                    "timesheet_id": "T99",
                    "assignment_id": "G404",
                    "week_ending": "2025-11-07",
                    "hours": "37",
                    "charge_gbp": "1850",
                }
            ],
        ),
        "383/agency_timesheets_20251130.csv row 12, column assignment_id: 'G404' refers to an "
        "agency assignment not in any agency_assignments extract",
    ),
    "allocation to an unknown worker": (
        lambda landing: write_extract(
            landing,
            "383",
            "case_allocations",
            "2025-11-30",
            [
                allocation(f"L{i}", f"CHILDX{i:02d}", "EMPX01", "employee", "2025-05-01")
                for i in range(1, 12)
            ]
            + [allocation("L99", "CHILDX99", "EMPX404", "employee", "2025-05-01")],
        ),
        "383/case_allocations_20251130.csv row 13, column worker_id: '(personal data)' refers "
        "to a worker not in any hr_staff or agency_assignments extract",
    ),
}


def run_with(baseline: Path, tmp_path: Path, write) -> tuple:
    home = tmp_path / "home"
    shutil.copytree(baseline, home)
    published = home / "published" / "workforce.duckdb"
    before = published.read_bytes()
    write(home / "landing")
    result = run_workforce(home)
    return home, result, published.read_bytes() == before


@pytest.mark.parametrize("case", FILE_LEVEL, ids=list(FILE_LEVEL))
def test_a_bad_file_is_rejected_kept_and_the_publication_untouched(baseline, tmp_path, case):
    write, message = FILE_LEVEL[case]
    home, result, unchanged = run_with(baseline, tmp_path, write)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    reasons = list((home / "rejected").glob("*.reason.txt"))
    assert len(reasons) == 1 and message in reasons[0].read_text()
    kept = reasons[0].with_name(reasons[0].name.removesuffix(".reason.txt"))
    assert kept.exists()
    assert unchanged


@pytest.mark.parametrize("case", ROW_LEVEL, ids=list(ROW_LEVEL))
def test_a_bad_row_is_quarantined_and_too_many_block_publication(baseline, tmp_path, case):
    write, message = ROW_LEVEL[case]
    home, result, unchanged = run_with(baseline, tmp_path, write)
    assert result.returncode == 3, result.stderr
    assert f"quarantined: {message}" in result.stderr
    assert "quarantine_share" in result.stderr
    (kept,) = query(
        home / "warehouse/warehouse.duckdb",
        "select count(*) from audit.quarantine",
    )[0]
    assert kept >= 1
    assert unchanged


def test_below_the_threshold_quarantined_rows_are_left_out_and_the_rest_publishes(
    baseline, tmp_path
):
    home = tmp_path / "home"
    shutil.copytree(baseline, home)
    (home / "workforce.yaml").write_text("max_quarantine_share: 0.1\n")
    write, message = ROW_LEVEL["FTE outside (0, 1]"]
    write(home / "landing")
    result = run_workforce(home)
    assert result.returncode == 0, result.stderr
    assert f"quarantined: {message}" in result.stderr
    # A13 never reached the KPIs; A12 (new, 1.0 FTE, in post) did.
    inpost = query(
        home / "published/workforce.duckdb",
        "select value from kpi_values where la_code = '383' and kpi_code = 'inpost_fte' "
        "and breakdown = 'total' and period_type = 'census_year'",
    )
    assert inpost == [(pytest.approx(4.4 + 1.0),)]


def test_a_corrected_file_replaces_its_predecessor_and_the_kpis_follow(baseline, tmp_path):
    write = lambda landing: write_extract(  # noqa: E731
        landing, "202", "hr_staff", SNAPSHOT, [cfsw("B1", "EMPY01", "Q1", 5, 0.5, "2020-01-01")]
    )
    home, result, unchanged = run_with(baseline, tmp_path, write)
    assert result.returncode == 0, result.stderr
    assert not unchanged
    inpost = query(
        home / "published/workforce.duckdb",
        "select value from kpi_values where la_code = '202' and kpi_code = 'inpost_fte' "
        "and breakdown = 'total' and period_type = 'census_year'",
    )
    assert inpost == [(0.5,)]
    statuses = query(
        home / "warehouse/warehouse.duckdb",
        "select status from audit.files where file_name = '202/hr_staff_20251031.csv' "
        "order by received_at",
    )
    assert statuses == [("superseded",), ("loaded",)]


def test_an_agency_worker_left_out_of_a_newer_snapshot_is_gone_from_later_census_days(
    baseline, tmp_path
):
    # A later snapshot without G2: G2 no longer exists as at 30 Nov 2025, but it did on
    # 15 Nov, as the 31 Oct snapshot said.
    write = lambda landing: write_extract(  # noqa: E731
        landing,
        "383",
        "agency_assignments",
        "2025-11-30",
        [
            agency("G1", "AGWX01", 1.0, "vacancy", "2025-04-15", post_id="P2"),
            agency("G3", "AGWX03", 1.0, "vacancy", "2025-01-01", "2025-09-30"),
            agency("G4", "AGWX04", 1.0, "vacancy", "2025-01-01", registered=False),
        ],
    )
    home, result, _ = run_with(baseline, tmp_path, write)
    assert result.returncode == 0, result.stderr
    as_at = (
        "select count(*) from raw.agency_assignments where la_code = '383' and valid_from <= ? "
        "and (valid_to is null or valid_to > ?)"
    )
    warehouse = home / "warehouse/warehouse.duckdb"
    assert query(warehouse, as_at, ["2025-11-15", "2025-11-15"]) == [(4,)]
    assert query(warehouse, as_at, ["2025-11-30", "2025-11-30"]) == [(3,)]
