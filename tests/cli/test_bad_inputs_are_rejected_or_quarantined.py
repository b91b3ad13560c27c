"""Every bad input in the README's table, fed to `workforce run` on a published landing folder.

Each case asserts the exit code, the message (file, row, column, rule), what was kept, and
that `published/workforce.duckdb` is byte-identical to before.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.builders import (
    agency_timesheets,
    case_allocations,
    hr_staff,
    write_extract,
)
from tests.cli.test_pipeline_matches_the_hand_computation import AGENCY_WORKERS, SNAPSHOT
from tests.conftest import kept_file, query, run_workforce
from tests.personal_data import leaks

STAFF_HEADER = (
    "assignment_id,employee_id,registered_social_worker,org_role,service_area,team,fte,"
    "contract_type,start_date,end_date"
)


@pytest.fixture(scope="session")  # the shared hand_home: not a module's own build
def baseline(hand_home: Path) -> Path:
    return hand_home


def staff_snapshot(bad_row: dict) -> list[dict]:
    """383's staff as delivered, plus one bad row: 1 of 12 rows (over the 5% threshold)."""
    return [
        hr_staff(
            assignment_id="A1",
            employee_id="EMPX01",
            post_id="P1",
            org_role=5,
            fte=1.0,
            start_date="2020-01-01",
        ),
        hr_staff(
            assignment_id="A3",
            employee_id="EMPX02",
            post_id="P3",
            org_role=4,
            fte=1.0,
            start_date="2025-04-01",
        ),
        hr_staff(
            assignment_id="A5",
            employee_id="EMPX05",
            post_id="P5",
            org_role=5,
            fte=0.5,
            start_date="2025-01-06",
        ),
        hr_staff(
            assignment_id="A6",
            employee_id="EMPX06",
            post_id="P6",
            org_role=3,
            fte=1.0,
            start_date="2015-01-01",
        ),
        hr_staff(
            assignment_id="A10",
            employee_id="EMPX10",
            post_id="P8",
            org_role=5,
            fte=0.5,
            start_date="2021-01-01",
        ),
        hr_staff(
            assignment_id="A11",
            employee_id="EMPX10",
            post_id="P9",
            org_role=5,
            fte=0.4,
            start_date="2022-01-01",
        ),
        hr_staff(
            assignment_id="A4",
            employee_id="EMPX04",
            post_id="P4",
            org_role=5,
            fte=0.8,
            start_date="2018-06-01",
            end_date="2025-09-30",
            leaving_reason="1",
        ),
        hr_staff(
            assignment_id="A8",
            employee_id="EMPX08",
            post_id="P7",
            org_role=5,
            fte=1.0,
            start_date="2023-02-01",
            end_date="2024-12-31",
            leaving_reason="1",
        ),
        hr_staff(
            assignment_id="A9",
            employee_id="EMPX09",
            post_id="",
            org_role=5,
            fte=1.0,
            start_date="2020-01-01",
            end_date="2024-09-30",
            leaving_reason="5",
        ),
        hr_staff(
            assignment_id="A2",
            employee_id="EMPX02",
            post_id="P2",
            org_role=5,
            fte=1.0,
            start_date="2019-05-01",
            end_date="2025-03-31",
            leaving_reason="8",
        ),
        hr_staff(
            assignment_id="A12",
            employee_id="EMPX12",
            post_id="P10",
            org_role=5,
            fte=1.0,
            start_date="2019-05-01",
        ),
        bad_row,
    ]


def raw_file(name: str, content: bytes):
    def write(landing: Path) -> None:
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        (landing / name).write_bytes(content)

    return write


def staff_file(bad_row: dict, extract_date: str):
    """383's staff snapshot of `extract_date` with one bad row: each staff case has its own
    date, so all of them are delivered in one run, each file its own quarantine."""
    return lambda landing: write_extract(
        landing, "383", "hr_staff", extract_date, staff_snapshot(bad_row)
    )


FILE_LEVEL = {
    "empty file": (
        raw_file("383/payroll_20251101.csv", b""),
        "383/payroll_20251101.csv: empty file",
    ),
    "truncated file (cut inside a quoted field)": (
        raw_file(
            "383/payroll_20251102.csv",
            b'employee_id,assignment_id,pay_period,pay_element,amount_gbp\nEMPX01,A1,2025-10,basic,"31',
        ),
        "383/payroll_20251102.csv: malformed CSV",
    ),
    "truncated file (cut mid-row)": (
        raw_file(
            "383/payroll_20251103.csv",
            b"employee_id,assignment_id,pay_period,pay_element,amount_gbp\nEMPX01,A1,2025-10,basic,3100\nEMPX01,A1,20",
        ),
        "383/payroll_20251103.csv: malformed CSV",
    ),
    "unreadable encoding": (
        raw_file("383/payroll_20251104.csv", b"employee_id,\x81\x8d\x8f\x90\x9d\n"),
        "383/payroll_20251104.csv: unreadable encoding (rule: UTF-8 or Windows-1252)",
    ),
    "missing required column": (
        raw_file("383/payroll_20251105.csv", b"employee_id,assignment_id\nEMPX01,A1\n"),
        "383/payroll_20251105.csv: missing required column(s) pay_period, pay_element, amount_gbp",
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
    # a good staff snapshot under a mistyped date: loaded, it would publish census year 1899
    "extract date before the earliest": (
        lambda landing: (landing / "383" / "hr_staff_19000101.csv").write_bytes(
            sorted((landing / "383").glob("hr_staff_*.csv"))[-1].read_bytes()
        ),
        "383/hr_staff_19000101.csv: extract date 1900-01-01 is before 2000-01-01, the "
        "earliest an extract may be dated (rule: extract_dates.earliest in workforce.yaml",
    ),
    "snapshot dropping most of the previous one's rows (partial export)": (
        lambda landing: write_extract(
            landing,
            "383",
            "hr_staff",
            "2025-11-30",
            [
                hr_staff(
                    assignment_id="A1",
                    employee_id="EMPX01",
                    post_id="P1",
                    org_role=5,
                    fte=1.0,
                    start_date="2020-01-01",
                )
            ],
        ),
        "383/hr_staff_20251130.csv: 1 rows where 383/hr_staff_20251031.csv had 11: a likely partial export",
    ),
    # configuration that refuses a file: left in landing/ (loaded once put right), exit 2
    "mapping sending two vendor columns to one contract column": (
        lambda landing: (
            raw_file(
                "../mappings/202.yaml",
                b"payroll:\n  columns:\n    Amount: amount_gbp\n    Pay Amount: amount_gbp\n",
            )(landing),
            raw_file(
                "202/payroll_20251106.csv",
                b"employee_id,assignment_id,pay_period,pay_element,Pay Amount\n"
                b"EMPY01,B1,2025-10,basic,3100\n",
            )(landing),
        ),
        "mappings/202.yaml, line 4: payroll.columns.Pay Amount: 'Amount' and 'Pay Amount' both "
        "map onto amount_gbp (rule: one vendor column per contract column)",
    ),
    "folder that is no DfE authority code": (
        raw_file("999/payroll_20251107.csv", b"employee_id\nEMPX01\n"),
        "999/payroll_20251107.csv: folder 999/ is not a DfE authority code",
    ),
}

# never read, each named in the run's output and summary with why
PASSED_OVER = {
    ".DS_Store": "skipped: a hidden file (its name begins with '.')",
    "383/~$payroll_20251130.xlsx": "skipped: an Office lock file (its name begins with '~$'",
}

ROW_LEVEL = {
    "wrong type": (
        staff_file(
            hr_staff(
                assignment_id="A13",
                employee_id="EMPX13",
                post_id="",
                org_role=5,
                fte="one",
                start_date="2020-01-01",
            ),
            "2025-11-30",
        ),
        "383/hr_staff_20251130.csv row 13, column fte: 'one' must be a number",
    ),
    "FTE outside (0, 1]": (
        staff_file(
            hr_staff(
                assignment_id="A13",
                employee_id="EMPX13",
                post_id="",
                org_role=5,
                fte=1.5,
                start_date="2020-01-01",
            ),
            "2025-12-01",
        ),
        "383/hr_staff_20251201.csv row 13, column fte: '1.5' must be more than 0 and at most 1",
    ),
    "end before start": (
        staff_file(
            hr_staff(
                assignment_id="A13",
                employee_id="EMPX13",
                post_id="",
                org_role=5,
                fte=1.0,
                start_date="2020-01-01",
                end_date="2019-01-01",
            ),
            "2025-12-02",
        ),
        "383/hr_staff_20251202.csv row 13, column end_date: '2019-01-01' must not be before start_date",
    ),
    "unknown code": (
        staff_file(
            hr_staff(
                assignment_id="A13",
                employee_id="EMPX13",
                post_id="",
                org_role=7,
                fte=1.0,
                start_date="2020-01-01",
            ),
            "2025-12-03",
        ),
        "383/hr_staff_20251203.csv row 13, column org_role: '7' unknown code (allowed: 1, 2, 3, 4, 5, 6)",
    ),
    "duplicate key within a file": (
        staff_file(
            hr_staff(
                assignment_id="A1",
                employee_id="EMPX13",
                post_id="",
                org_role=5,
                fte=1.0,
                start_date="2020-01-01",
            ),
            "2025-12-04",
        ),
        "383/hr_staff_20251204.csv row 2, column assignment_id: 'A1' duplicate key within the file",
    ),
    "timesheet for an unknown assignment": (
        lambda landing: write_extract(
            landing,
            "383",
            "agency_timesheets",
            "2025-11-30",
            [
                agency_timesheets(timesheet_id=f"T{i}", week_ending="2025-11-07", charge_gbp="1850")
                for i in range(10, 20)
            ]
            + [
                agency_timesheets(
                    timesheet_id="T99",
                    assignment_id="G404",
                    week_ending="2025-11-07",
                    charge_gbp="1850",
                )
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
                case_allocations(
                    allocation_id=f"L{i}",
                    child_id=f"CHILDX{i:02d}",
                    worker_id="EMPX01",
                    worker_source="employee",
                    allocation_start="2025-05-01",
                )
                for i in range(1, 12)
            ]
            + [
                case_allocations(
                    allocation_id="L99",
                    child_id="CHILDX99",
                    worker_id="EMPX404",
                    worker_source="employee",
                    allocation_start="2025-05-01",
                )
            ],
        ),
        "383/case_allocations_20251130.csv row 13, column worker_id: '(personal data)' refers "
        "to a worker not in any hr_staff or agency_assignments extract",
    ),
}


def run_with(baseline: Path, tmp_path: Path, *writes) -> tuple:
    home = tmp_path / "home"
    shutil.copytree(baseline, home)
    published = home / "published" / "workforce.duckdb"
    before = published.read_bytes()
    for write in writes:
        write(home / "landing")
    result = run_workforce(home)
    return home, result, published.read_bytes() == before


@pytest.fixture(scope="module")
def every_bad_file(baseline: Path, tmp_path_factory) -> tuple:
    """Every bad file of FILE_LEVEL delivered at once (each under its own name), one run: a
    rejection is about its file alone, so each case reads its own message from this run."""
    return run_with(
        baseline,
        tmp_path_factory.mktemp("bad-files"),
        *[w for w, _ in FILE_LEVEL.values()],
        *[raw_file(name, b"\0") for name in PASSED_OVER],
    )


@pytest.mark.parametrize("case", FILE_LEVEL, ids=list(FILE_LEVEL))
def test_a_bad_file_is_rejected_kept_and_the_publication_untouched(every_bad_file, case):
    _, message = FILE_LEVEL[case]
    home, result, unchanged = every_bad_file
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    reasons = list((home / "rejected").glob("*.reason.txt"))
    assert len(reasons) == len(FILE_LEVEL)  # each bad file rejected once, nothing else
    (reason,) = [r for r in reasons if message in r.read_text()]
    assert kept_file(home, reason).exists()
    assert unchanged
    assert leaks(home) == []


def test_files_held_by_the_configuration_and_files_passed_over_are_in_the_runs_summary(
    every_bad_file,
):
    home, result, _ = every_bad_file
    run_id = re.search(r"^Run (\S+): ", result.stderr, re.MULTILINE)[1]
    summary = json.loads((home / "audit" / "runs" / run_id / "summary.json").read_text())
    held = sorted(summary["files_held"])
    assert [reason.split(":")[0] for reason in held] == [
        "202/payroll_20251106.csv",
        "999/payroll_20251107.csv",
    ]
    for case in ("mapping sending two vendor columns to one contract column",
                 "folder that is no DfE authority code"):  # fmt: skip
        assert any(FILE_LEVEL[case][1] in reason for reason in held)
    assert summary["exit_code"] == 2 and summary["outcome"]["held"] == summary["files_held"]
    # held files stay new: neither recorded nor archived, still in landing/
    names = {f["file_name"] for f in summary["files"]}
    assert not names & {"202/payroll_20251106.csv", "999/payroll_20251107.csv"}
    assert (home / "landing" / "999" / "payroll_20251107.csv").exists()
    assert not (home / "archive" / "999").exists()
    for name, why in PASSED_OVER.items():
        assert f"{name}: {why}" in result.stderr
        assert any(line.startswith(f"{name}: {why}") for line in summary["files_skipped"])


# A staff file over the quarantine threshold fails a blocking check on raw.hr_staff, which
# holds back the kinds that refer to staff until a run passes it: those cases run apart.
REFERENCE_CASES = ("timesheet for an unknown assignment", "allocation to an unknown worker")


@pytest.fixture(scope="module")
def bad_row_runs(baseline: Path, tmp_path_factory) -> dict[bool, tuple]:
    """The files of ROW_LEVEL (one bad row each, each file its own name) in two runs: the
    staff cases together, the reference cases together."""
    runs = {}
    for references in (False, True):
        writes = [
            w for case, (w, _) in ROW_LEVEL.items() if (case in REFERENCE_CASES) == references
        ]
        runs[references] = run_with(baseline, tmp_path_factory.mktemp("bad-rows"), *writes)
    return runs


@pytest.mark.parametrize("case", ROW_LEVEL, ids=list(ROW_LEVEL))
def test_a_bad_row_is_quarantined_and_too_many_block_publication(bad_row_runs, case):
    _, message = ROW_LEVEL[case]
    home, result, unchanged = bad_row_runs[case in REFERENCE_CASES]
    file_name = message.split(" row ")[0]
    assert result.returncode == 3, result.stderr
    assert f"quarantined: {message}" in result.stderr
    # the blocking check names this file among those over the threshold
    assert any(
        "quarantine_share" in line and file_name in line for line in result.stderr.splitlines()
    ), result.stderr
    ((kept,),) = query(
        home / "warehouse/warehouse.duckdb",
        "select count(*) from audit.quarantine where file_name = ?",
        [file_name],
    )
    assert kept >= 1  # a duplicated key quarantines both of its rows
    assert unchanged
    assert leaks(home) == []


def corrected_camden_staff(landing: Path) -> None:
    """202's staff snapshot of 31 October delivered again with other content: a correction."""
    write_extract(
        landing,
        "202",
        "hr_staff",
        SNAPSHOT,
        [
            hr_staff(
                assignment_id="B1",
                employee_id="EMPY01",
                post_id="Q1",
                org_role=5,
                fte=0.5,
                start_date="2020-01-01",
            )
        ],
    )


def agency_without_g2(landing: Path) -> None:
    """A later agency snapshot without G2: G2 no longer exists as at 30 Nov 2025, but it did
    on 15 Nov, as the 31 Oct snapshot said."""
    later = [row for row in AGENCY_WORKERS if row["assignment_id"] != "G2"]
    write_extract(landing, "383", "agency_assignments", "2025-11-30", later)


@pytest.fixture(scope="module")
def changes_that_publish(baseline: Path, tmp_path_factory) -> tuple:
    """Three deliveries that publish, independent of each other (other authorities or kinds),
    in one run: a bad row below a raised threshold (383 staff), a corrected file (202 staff)
    and an agency worker left out of a newer snapshot (383 agency)."""
    below_threshold, _ = ROW_LEVEL["FTE outside (0, 1]"]

    def raise_threshold(landing: Path) -> None:
        (landing.parent / "workforce.yaml").write_text("max_quarantine_share: 0.1\n")

    return run_with(
        baseline,
        tmp_path_factory.mktemp("publishing"),
        raise_threshold,
        below_threshold,
        corrected_camden_staff,
        agency_without_g2,
    )


def inpost_fte(home: Path, la_code: str) -> list[tuple]:
    return query(
        home / "published/workforce.duckdb",
        "select value from kpi_values where la_code = ? and kpi_code = 'inpost_fte' "
        "and breakdown = 'total' and period_type = 'census_year'",
        [la_code],
    )


def test_below_the_threshold_quarantined_rows_are_left_out_and_the_rest_publishes(
    changes_that_publish,
):
    home, result, unchanged = changes_that_publish
    _, message = ROW_LEVEL["FTE outside (0, 1]"]
    assert result.returncode == 0, result.stderr
    assert not unchanged
    assert f"quarantined: {message}" in result.stderr
    # A13 never reached the KPIs; A12 (new, 1.0 FTE, in post) did.
    assert inpost_fte(home, "383") == [(pytest.approx(4.4 + 1.0),)]
    assert leaks(home) == []


def test_a_corrected_file_replaces_its_predecessor_and_the_kpis_follow(changes_that_publish):
    home, result, _ = changes_that_publish
    assert result.returncode == 0, result.stderr
    assert inpost_fte(home, "202") == [(0.5,)]
    statuses = query(
        home / "warehouse/warehouse.duckdb",
        "select status from audit.files where file_name = '202/hr_staff_20251031.csv' "
        "order by received_at",
    )
    assert statuses == [("superseded",), ("loaded",)]


def test_an_agency_worker_left_out_of_a_newer_snapshot_is_gone_from_later_census_days(
    changes_that_publish,
):
    home, result, _ = changes_that_publish
    assert result.returncode == 0, result.stderr
    as_at = (
        "select count(*) from raw.agency_assignments where la_code = '383' and valid_from <= ? "
        "and (valid_to is null or valid_to > ?)"
    )
    warehouse = home / "warehouse/warehouse.duckdb"
    assert query(warehouse, as_at, ["2025-11-15", "2025-11-15"]) == [(4,)]
    assert query(warehouse, as_at, ["2025-11-30", "2025-11-30"]) == [(3,)]
