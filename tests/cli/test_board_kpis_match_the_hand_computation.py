"""The KPIs boards read beyond DfE's, each worked out by hand, through the real `workforce run`.

One landing folder, one run (module fixture), three authorities:

- 801, the worked example. Snapshots S1 = 10 Mar 2026, S2 = 30 Jun 2026 and S3 = 31 Oct 2026.
  S3 is the basis of census year 2026 (1 Oct 2025 - 30 Sep 2026, C = 30 Sep 2026: it lies in
  the 153-day return window); S1 lies after the window of 2025 (it closed on 2 Mar 2026), so
  2026 is the only census year. Month ends are covered from a kind's first snapshot to its
  latest, each drawn from the latest snapshot on or before it:
      staff        S1 (Mar-May), S2 (Jun-Sep), S3 (Oct)
      establishment, agency   S1 (Mar-Sep), S3 (Oct)
      allocations  S2 (Jun-Sep), S3 (Oct)
- 802, one team of the Front Door, all dated 31 Oct 2026: the `ALL` rows are sums (a maximum
  for caseload_max), not copies.
- 383, Leeds: only the agency spend of the 2018 executive board report (2011/12 - 2017/18).

Service areas and teams of 801: Assessment (teams "Assess 1", "Assess 2") and Child Protection
("CP 1", "CP 2"). Roles: CSWW org_role codes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.builders import (
    agency_assignments,
    agency_timesheets,
    case_allocations,
    hr_establishment,
    hr_staff,
    payroll,
    write_extract,
)
from tests.conftest import PROJECT_ROOT, query, run_workforce

S1, S2, S3 = "2026-03-10", "2026-06-30", "2026-10-31"
CENSUS_2026 = ("2025-10-01", "2026-09-30")
FY_2025 = ("2025-04-01", "2026-03-31")
FY_2026 = ("2026-04-01", "2027-03-31")


def caseload(worker, prefix, count, source="employee", end=""):
    """`count` children held by one worker from 1 Jun 2026, one worker each."""
    return [
        case_allocations(
            allocation_id=f"L-{prefix}{i:02}",
            child_id=f"CH-{prefix}{i:02}",
            worker_id=worker,
            allocation_start="2026-06-01",
            allocation_end=end,
            worker_source=source,
            team="any",
        )
        for i in range(1, count + 1)
    ]


ASSESS_1 = {"service_area": "Assessment", "team": "Assess 1"}
ASSESS_2 = {"service_area": "Assessment", "team": "Assess 2"}
CP_1 = {"service_area": "Child Protection", "team": "CP 1"}
CP_2 = {"service_area": "Child Protection", "team": "CP 2"}
FRONT_DOOR = {"service_area": "Front Door", "team": "FD 1"}

# --- 801 staff ------------------------------------------------------------------------------
A1 = hr_staff(
    assignment_id="A1", employee_id="E1", fte=1.0, start_date="2020-01-01", post_id="P1", **ASSESS_1
)
A2 = hr_staff(
    assignment_id="A2",
    employee_id="E2",
    fte=0.5,
    start_date="2019-01-01",
    post_id="P2",
    org_role=4,
    **ASSESS_1,
)
# E2's second, smaller CFSW assignment: her main assignment (largest FTE) stays A2
A2B = hr_staff(
    assignment_id="A2b", employee_id="E2", fte=0.3, start_date="2024-01-01", org_role=4, **CP_2
)
# starter in census year 2026 by the frontline route, start origin 1
A3 = hr_staff(
    assignment_id="A3",
    employee_id="E3",
    fte=1.0,
    start_date="2026-03-01",
    post_id="P3",
    recruitment_route="frontline",
    start_origin="1",
    **CP_1,
)
# leaver on 31 Jul 2026, but S2 (30 Jun) does not know it yet
A4_OPEN = hr_staff(
    assignment_id="A4",
    employee_id="E4",
    fte=1.0,
    start_date="2015-01-01",
    post_id="P4",
    org_role=3,
    **CP_1,
)
A4_ENDED = {**A4_OPEN, "end_date": "2026-07-31", "leaving_reason": "1"}
# E5 moves from P5 (0.8 FTE) to P6 (0.6 FTE) on 1 May: one spell, neither starter nor leaver.
# S1 (10 Mar) does not know the move yet.
A5A_OPEN = hr_staff(
    assignment_id="A5a",
    employee_id="E5",
    fte=0.8,
    start_date="2022-01-01",
    post_id="P5",
    **ASSESS_2,
)
A5A_ENDED = {**A5A_OPEN, "end_date": "2026-04-30", "leaving_reason": "7"}
A5B = hr_staff(
    assignment_id="A5b",
    employee_id="E5",
    fte=0.6,
    start_date="2026-05-01",
    post_id="P6",
    org_role=4,
    recruitment_route="internal",
    **CP_2,
)
# starter on 3 Aug 2026 with no route or origin recorded; only S3 knows them
A6 = hr_staff(
    assignment_id="A6", employee_id="E6", fte=0.6, start_date="2026-08-03", post_id="P5", **ASSESS_2
)
# starter on 1 Nov 2025 by the ASYE route, start origin 3
A7 = hr_staff(
    assignment_id="A7",
    employee_id="E7",
    fte=1.0,
    start_date="2025-11-01",
    post_id="P7",
    recruitment_route="asye",
    start_origin="3",
    **ASSESS_2,
)
# not registered: a family support worker, never a CFSW (but allocated children)
A8 = hr_staff(
    assignment_id="A8",
    employee_id="N1",
    registered_social_worker=False,
    fte=1.0,
    start_date="2020-01-01",
    **ASSESS_1,
)

STAFF_801 = {
    S1: [A1, A2, A2B, A3, A4_OPEN, A5A_OPEN, A7, A8],
    S2: [A1, A2, A2B, A3, A4_OPEN, A5A_ENDED, A5B, A7, A8],
    S3: [A1, A2, A2B, A3, A4_ENDED, A5A_ENDED, A5B, A6, A7, A8],
}

# --- 801 establishment (S1; S3 adds P9, a social-work post with no role from 1 Sep 2026) ----
POSTS_801 = [
    hr_establishment(post_id="P1", budgeted_fte=1.0, **ASSESS_1),
    hr_establishment(post_id="P2", budgeted_fte=1.0, org_role="4", **ASSESS_1),
    hr_establishment(post_id="P3", budgeted_fte=1.0, **CP_1),
    hr_establishment(post_id="P4", budgeted_fte=1.0, org_role="3", **CP_1),
    hr_establishment(post_id="P5", budgeted_fte=1.0, **ASSESS_2),
    hr_establishment(post_id="P6", budgeted_fte=1.0, org_role="4", **CP_2),
    hr_establishment(post_id="P7", budgeted_fte=1.0, **ASSESS_2),
    hr_establishment(
        post_id="P8", budgeted_fte=2.0, org_role="", social_work_post=False, **ASSESS_1
    ),  # not a social-work post
]
P9 = hr_establishment(
    post_id="P9", budgeted_fte=0.5, org_role="", effective_from="2026-09-01", **CP_2
)
ESTABLISHMENT_801 = {S1: POSTS_801, S3: [*POSTS_801, P9]}

# --- 801 agency (S1; S3 adds G4 from 1 Sep 2026) ---------------------------------------------
G1 = agency_assignments(
    assignment_id="G1",
    agency_worker_id="W1",
    fte=1.0,
    cover_reason="vacancy",
    start_date="2025-12-01",
    **CP_1,
    hourly_charge_gbp=50,
)
G2 = agency_assignments(
    assignment_id="G2",
    agency_worker_id="W2",
    fte=0.5,
    cover_reason="sickness",
    start_date="2026-02-01",
    end_date="2026-07-31",
    **ASSESS_2,
    hourly_charge_gbp=50,
)
G3 = agency_assignments(
    assignment_id="G3",
    agency_worker_id="W3",
    fte=1.0,
    cover_reason="vacancy",
    start_date="2025-10-01",
    registered_social_worker=False,
    **ASSESS_1,
    hourly_charge_gbp=50,
)  # not a CFSW
G4 = agency_assignments(
    assignment_id="G4",
    agency_worker_id="W4",
    fte=1.0,
    cover_reason="additional_capacity",
    start_date="2026-09-01",
    org_role=4,
    **CP_2,
    hourly_charge_gbp=50,
)
AGENCY_801 = {S1: [G1, G2, G3], S3: [G1, G2, G3, G4]}

# --- 801 case allocations (S2 and S3) -----------------------------------------------------------
# Four children with a history in the 12 months to C (1 Oct 2025 - 30 Sep 2026):
#   K1: E4 to 31 Dec 2025, W1 Jan-Mar 2026, E1 from 1 Apr 2026   -> 3 workers
#   K2: E4 to 30 Sep 2025 (before the 12 months), W1, then E3     -> 2 workers
#   K3: E1, N1 for January, E1 again                               -> 2 workers
#   K4: N1 (not a CFSW: still a worker), W2, then E3               -> 3 workers
# K5 is allocated to E1 on 5 Oct 2026, after C: only in S3, not in the 12 months.
HISTORY = [
    case_allocations(
        allocation_id="L-K1a",
        child_id="K1",
        worker_id="E4",
        allocation_start="2025-06-01",
        allocation_end="2025-12-31",
        team="any",
    ),
    case_allocations(
        allocation_id="L-K1b",
        child_id="K1",
        worker_id="W1",
        allocation_start="2026-01-01",
        allocation_end="2026-03-31",
        worker_source="agency",
        team="any",
    ),
    case_allocations(
        allocation_id="L-K1c",
        child_id="K1",
        worker_id="E1",
        allocation_start="2026-04-01",
        team="any",
    ),
    case_allocations(
        allocation_id="L-K2a",
        child_id="K2",
        worker_id="E4",
        allocation_start="2025-01-01",
        allocation_end="2025-09-30",
        team="any",
    ),
    case_allocations(
        allocation_id="L-K2b",
        child_id="K2",
        worker_id="W1",
        allocation_start="2025-10-01",
        allocation_end="2026-02-28",
        worker_source="agency",
        team="any",
    ),
    case_allocations(
        allocation_id="L-K2c",
        child_id="K2",
        worker_id="E3",
        allocation_start="2026-03-01",
        team="any",
    ),
    case_allocations(
        allocation_id="L-K3a",
        child_id="K3",
        worker_id="E1",
        allocation_start="2025-11-01",
        allocation_end="2025-12-31",
        team="any",
    ),
    case_allocations(
        allocation_id="L-K3b",
        child_id="K3",
        worker_id="N1",
        allocation_start="2026-01-01",
        allocation_end="2026-01-31",
        team="any",
    ),
    case_allocations(
        allocation_id="L-K3c",
        child_id="K3",
        worker_id="E1",
        allocation_start="2026-02-01",
        team="any",
    ),
    case_allocations(
        allocation_id="L-K4a",
        child_id="K4",
        worker_id="N1",
        allocation_start="2025-12-01",
        allocation_end="2026-02-28",
        team="any",
    ),
    case_allocations(
        allocation_id="L-K4b",
        child_id="K4",
        worker_id="W2",
        allocation_start="2026-02-01",
        allocation_end="2026-05-31",
        worker_source="agency",
        team="any",
    ),
    case_allocations(
        allocation_id="L-K4c",
        child_id="K4",
        worker_id="E3",
        allocation_start="2026-03-01",
        team="any",
    ),
]
# 90 children with one worker each, from 1 Jun 2026. E4's child H01 ends with E4 (31 Jul),
# which S2 does not know yet.
PLAIN = [
    *caseload("E1", "A", 20),
    *caseload("W1", "B", 21, source="agency"),
    *caseload("E5", "C", 21),
    *caseload("E3", "D", 3),
    *caseload("E7", "E", 20),
    *caseload("E2", "F", 2),
    *caseload("N1", "G", 2),
]
ALLOCATIONS_801 = {
    S2: [*HISTORY, *PLAIN, *caseload("E4", "H", 1)],
    S3: [*HISTORY, *PLAIN, *caseload("E4", "H", 1, end="2026-07-31"),
         case_allocations(allocation_id="L-K5", child_id="K5", worker_id="E1", allocation_start="2026-10-05", team="any")],
}  # fmt: skip

# --- 801 payroll and timesheets -------------------------------------------------------------------
PAYROLL_801 = [
    payroll(
        employee_id="E1", assignment_id="A1", pay_period="2026-02", amount_gbp=3000
    ),  # February: before S1, no snapshot covers it
    payroll(employee_id="E1", assignment_id="A1", pay_period="2026-03", amount_gbp=3000),
    *[
        payroll(employee_id="E1", assignment_id="A1", pay_period=f"2026-0{m}", amount_gbp=3000)
        for m in (4, 5, 6, 7)
    ],
    *[
        payroll(
            employee_id="E1",
            assignment_id="A1",
            pay_period=f"2026-0{m}",
            amount_gbp=300,
            pay_element="employer_ni",
        )
        for m in (4, 5, 6, 7)
    ],
    *[
        payroll(employee_id="E2", assignment_id="A2", pay_period=f"2026-0{m}", amount_gbp=1500)
        for m in (4, 5, 6, 7)
    ],
    payroll(
        employee_id="E2",
        assignment_id="A2",
        pay_period="2026-06",
        amount_gbp=-100,
        pay_element="other",
    ),  # an adjustment
    payroll(employee_id="E5", assignment_id="A5a", pay_period="2026-04", amount_gbp=2400),
    *[
        payroll(employee_id="E5", assignment_id="A5b", pay_period=f"2026-0{m}", amount_gbp=1800)
        for m in (5, 6, 7)
    ],
    *[
        payroll(employee_id="N1", assignment_id="A8", pay_period=f"2026-0{m}", amount_gbp=2000)
        for m in (4, 5, 6, 7)
    ],  # not a CFSW
]
TIMESHEETS_801 = [
    agency_timesheets(
        timesheet_id="T01", assignment_id="G1", week_ending="2026-02-27", charge_gbp=4000
    ),  # February: before S1, spend but not cost
    agency_timesheets(
        timesheet_id="T02", assignment_id="G1", week_ending="2026-03-27", charge_gbp=4000
    ),
    agency_timesheets(
        timesheet_id="T03", assignment_id="G1", week_ending="2026-04-10", charge_gbp=6000
    ),
    agency_timesheets(
        timesheet_id="T04", assignment_id="G2", week_ending="2026-04-17", charge_gbp=3000
    ),
    agency_timesheets(
        timesheet_id="T05", assignment_id="G3", week_ending="2026-04-24", charge_gbp=1500
    ),  # not a CFSW: spend but not cost
    agency_timesheets(
        timesheet_id="T06", assignment_id="G1", week_ending="2026-05-15", charge_gbp=6000
    ),
    agency_timesheets(
        timesheet_id="T07", assignment_id="G2", week_ending="2026-05-22", charge_gbp=3000
    ),
    agency_timesheets(
        timesheet_id="T08", assignment_id="G1", week_ending="2026-06-12", charge_gbp=6000
    ),
    agency_timesheets(
        timesheet_id="T09", assignment_id="G1", week_ending="2026-06-19", charge_gbp=-200
    ),  # credit note
]

# --- Leeds, CSWS agency spend by financial year (£k), 2018 executive board report ----------------
LEEDS_SPEND_K = {2011: 4830, 2012: 3602, 2013: 3016, 2014: 2606, 2015: 1235, 2016: 1031, 2017: 1423}


def leeds_timesheets() -> list[dict]:
    """Two timesheets a year: one in the summer, one in the February of the financial year."""
    rows = []
    for year, spend_k in LEEDS_SPEND_K.items():
        summer = spend_k * 1000 // 2
        rows += [
            agency_timesheets(
                timesheet_id=f"LT{year}a",
                assignment_id="LG1",
                week_ending=f"{year}-07-01",
                charge_gbp=summer,
            ),
            agency_timesheets(
                timesheet_id=f"LT{year}b",
                assignment_id="LG1",
                week_ending=f"{year + 1}-02-24",
                charge_gbp=spend_k * 1000 - summer,
            ),
        ]
    return rows


def write_board_fixture(landing: Path) -> None:
    for date, rows in STAFF_801.items():
        write_extract(landing, "801", "hr_staff", date, rows)
    for date, rows in ESTABLISHMENT_801.items():
        write_extract(landing, "801", "hr_establishment", date, rows)
    for date, rows in AGENCY_801.items():
        write_extract(landing, "801", "agency_assignments", date, rows)
    for date, rows in ALLOCATIONS_801.items():
        write_extract(landing, "801", "case_allocations", date, rows)
    write_extract(landing, "801", "payroll", S3, PAYROLL_801)
    write_extract(landing, "801", "agency_timesheets", S3, TIMESHEETS_801)

    # 802: B1 (1.0 FTE, 25 children), agency X1 (1.0 FTE, 4 children), post Q1 of 2.0 FTE
    write_extract(landing, "802", "hr_staff", S3,
                  [hr_staff(assignment_id="B1", employee_id="EB1", fte=1.0, start_date="2020-01-01", post_id="Q1", **FRONT_DOOR)])  # fmt: skip
    write_extract(
        landing,
        "802",
        "hr_establishment",
        S3,
        [hr_establishment(post_id="Q1", budgeted_fte=2.0, **FRONT_DOOR)],
    )
    write_extract(landing, "802", "agency_assignments", S3,
                  [agency_assignments(assignment_id="H1", agency_worker_id="X1", fte=1.0, cover_reason="vacancy", start_date="2026-01-01", **FRONT_DOOR, hourly_charge_gbp=50)])  # fmt: skip
    write_extract(landing, "802", "case_allocations", S3,
                  [*caseload("EB1", "Y", 25), *caseload("X1", "Z", 4, source="agency")])  # fmt: skip
    write_extract(
        landing,
        "802",
        "payroll",
        S3,
        [payroll(employee_id="EB1", assignment_id="B1", pay_period="2026-10", amount_gbp=4000)],
    )
    write_extract(
        landing,
        "802",
        "agency_timesheets",
        S3,
        [
            agency_timesheets(
                timesheet_id="U1", assignment_id="H1", week_ending="2026-10-09", charge_gbp=6000
            )
        ],
    )

    # 383 Leeds: the agency assignment every timesheet refers to, and the timesheets
    write_extract(landing, "383", "agency_assignments", "2018-04-30",
                  [agency_assignments(assignment_id="LG1", agency_worker_id="LW1", fte=1.0, cover_reason="vacancy", start_date="2011-04-01", end_date="2018-03-31", **CP_1, hourly_charge_gbp=50)])  # fmt: skip
    write_extract(landing, "383", "agency_timesheets", "2018-04-30", leeds_timesheets())


@pytest.fixture(scope="module")
def board_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("boards") / "workforce-data"
    write_board_fixture(home / "landing")
    result = run_workforce(home)
    assert result.returncode == 0, result.stdout + result.stderr
    return home


@pytest.fixture(scope="module")
def published(board_home: Path) -> Path:
    return board_home / "published" / "workforce.duckdb"


PERIOD_TYPES = {CENSUS_2026: "census_year", FY_2025: "financial_year", FY_2026: "financial_year"}


def kpi(published: Path, la, code, period, breakdown="total", value="total", period_type=None):
    """The row's (value, numerator, denominator, unit, target, rag) or None when absent."""
    period_type = period_type or PERIOD_TYPES[period]
    rows = query(
        published,
        "select value, numerator, denominator, unit, target, rag from kpi_values "
        "where la_code = ? and kpi_code = ? and breakdown = ? and breakdown_value = ? "
        "and period_type = ? and period_start = ? and period_end = ?",
        [la, code, breakdown, value, period_type, *period],
    )
    assert len(rows) <= 1
    return rows[0] if rows else None


def value_of(published, la, code, period, breakdown="total", value="total", period_type=None):
    row = kpi(published, la, code, period, breakdown, value, period_type)
    assert row is not None, (la, code, period, breakdown, value)
    return row[0]


def breakdown_values(published: Path, la: str, code: str, breakdown: str, period=CENSUS_2026):
    return dict(
        query(
            published,
            "select breakdown_value, value from kpi_values where la_code = ? and kpi_code = ? "
            "and breakdown = ? and period_start = ? and period_end = ?",
            [la, code, breakdown, *period],
        )
    )


def monthly(published: Path, la: str, code: str) -> dict[str, float]:
    return {
        str(end): value
        for end, value in query(
            published,
            "select period_end, value from kpi_values where la_code = ? and kpi_code = ? "
            "and period_type = 'month' and breakdown = 'total' order by period_end",
            [la, code],
        )
    }


def approx(expected):
    if isinstance(expected, dict):
        return {k: pytest.approx(v, abs=1e-9) for k, v in expected.items()}
    return pytest.approx(expected, abs=1e-9)


# --- 1. agency spend by month and against the baseline year -----------------------------------


def test_agency_spend_by_month_of_week_ending(published):
    assert monthly(published, "801", "agency_spend_gbp") == approx(
        {
            "2026-02-28": 4000,  # T01
            "2026-03-31": 4000,  # T02
            "2026-04-30": 6000 + 3000 + 1500,  # T03-T05, the non-CFSW's too: 10500
            "2026-05-31": 6000 + 3000,  # T06, T07
            "2026-06-30": 6000 - 200,  # T08 and the credit note T09
        }
    )
    assert monthly(published, "802", "agency_spend_gbp") == approx({"2026-10-31": 6000})
    assert monthly(published, "ALL", "agency_spend_gbp")["2026-10-31"] == approx(6000)
    row = kpi(
        published, "801", "agency_spend_gbp", ("2026-06-01", "2026-06-30"), period_type="month"
    )
    assert row == (approx(5800), None, None, "gbp", None, None)


def test_agency_spend_against_the_earliest_financial_year(published):
    # 801: FY 2025/26 = T01 + T02 = 8000 (the baseline: the earliest year); FY 2026/27 = 10500 +
    # 9000 + 5800 = 25300. 802: FY 2026/27 only, 6000: its own baseline.
    assert value_of(published, "801", "agency_spend_gbp", FY_2025) == approx(8000)
    assert value_of(published, "801", "agency_spend_gbp", FY_2026) == approx(25300)
    assert value_of(published, "801", "agency_spend_change_gbp", FY_2025) == 0
    assert value_of(published, "801", "agency_spend_change_gbp", FY_2026) == approx(25300 - 8000)
    change = kpi(published, "801", "agency_spend_change_percent", FY_2026)  # 216.25%
    assert change[:4] == (approx(100 * 17300 / 8000), approx(17300), approx(8000), "percent")
    # avoided, cumulative: (8000 - 8000) + (8000 - 25300) = -17300 (more was spent)
    assert value_of(published, "801", "agency_spend_avoided_gbp", FY_2025) == 0
    assert value_of(published, "801", "agency_spend_avoided_gbp", FY_2026) == approx(-17300)
    assert value_of(published, "802", "agency_spend_change_percent", FY_2026) == 0
    # ALL sums numerators and denominators: 17300 + 0 over baselines 8000 + 6000
    assert value_of(published, "ALL", "agency_spend_gbp", FY_2026) == approx(25300 + 6000)
    assert value_of(published, "ALL", "agency_spend_change_gbp", FY_2026) == approx(17300)
    assert value_of(published, "ALL", "agency_spend_change_percent", FY_2026) == approx(
        100 * 17300 / (8000 + 6000)
    )
    assert value_of(published, "ALL", "agency_spend_avoided_gbp", FY_2026) == approx(-17300)


# --- 2. cost per FTE, permanent and agency --------------------------------------------------------


def test_pay_and_agency_cost_per_fte_and_the_agency_premium(published):
    # FTE-years are twelfths, held to 12 decimal places: exact to 1 part in 10^9 at worst
    def approx(expected):
        return pytest.approx(expected, rel=1e-9)

    # FY 2026/27, employed. Covered months with payroll of CFSW assignments: Apr, May, Jun, Jul.
    #   pay: A1 (3000 + 300) x 4 = 13200; A2 1500 x 4 - 100 = 5900; A5a 2400; A5b 1800 x 3 = 5400
    #        = 26900 (A8 is not a CFSW; A2b and A4 have no payroll, so no FTE either)
    #   month-end FTE in post: Apr (S1) A1 1.0 + A2 0.5 + A5a 0.8 = 2.3; May (S1) 2.3;
    #        Jun (S2) A1 1.0 + A2 0.5 + A5b 0.6 = 2.1; Jul (S2) 2.1 -> 8.8 FTE-months = 8.8 / 12
    #        FTE-years: an annual cost per FTE of 26900 x 12 / 8.8
    pay_cost = kpi(published, "801", "pay_cost_per_fte_gbp", FY_2026)
    assert pay_cost[:4] == (approx(26900 * 12 / 8.8), approx(26900), approx(8.8 / 12), "gbp")
    # agency: CFSW timesheets Apr-Jun: G1 6000 x 3 - 200 = 17800; G2 3000 x 2 = 6000 = 23800
    #   month-end FTE (S1): G1 1.0 + G2 0.5 (to 31 Jul) = 1.5 in Apr, May and Jun -> 4.5 / 12
    agency_cost = kpi(published, "801", "agency_cost_per_fte_gbp", FY_2026)
    assert agency_cost[:4] == (approx(23800 * 12 / 4.5), approx(23800), approx(4.5 / 12), "gbp")
    pay, agency = 26900 * 12 / 8.8, 23800 * 12 / 4.5  # 36681.82, 63466.67
    premium = kpi(published, "801", "agency_premium_percent", FY_2026)
    assert premium[0] == approx(100 * (agency / pay - 1))  # 73.02%
    assert premium[1:4] == (approx(agency - pay), approx(pay), "percent")

    # FY 2025/26: only March is covered (S1 is dated 10 Mar): February's pay and timesheet are
    # not costed. Pay 3000 for A1's 1.0 FTE for one month: 36000 a year; agency 4000: 48000.
    assert value_of(published, "801", "pay_cost_per_fte_gbp", FY_2025) == approx(36000)
    assert value_of(published, "801", "agency_cost_per_fte_gbp", FY_2025) == approx(48000)
    assert value_of(published, "801", "agency_premium_percent", FY_2025) == approx(100 / 3)

    # 802: October only: pay 4000 for 1.0 FTE-month, agency 6000 for 1.0 FTE-month
    assert value_of(published, "802", "pay_cost_per_fte_gbp", FY_2026) == approx(48000)
    assert value_of(published, "802", "agency_cost_per_fte_gbp", FY_2026) == approx(72000)
    # ALL: costs and FTE-years summed, then divided; the premium from those two ratios
    all_pay, all_agency = (26900 + 4000) * 12 / (8.8 + 1.0), (23800 + 6000) * 12 / (4.5 + 1.0)
    assert value_of(published, "ALL", "pay_cost_per_fte_gbp", FY_2026) == approx(all_pay)
    assert value_of(published, "ALL", "agency_cost_per_fte_gbp", FY_2026) == approx(all_agency)
    assert value_of(published, "ALL", "agency_premium_percent", FY_2026) == approx(
        100 * (all_agency / all_pay - 1)
    )


# --- 3. starters by recruitment route and start origin ---------------------------------------------


def test_starters_by_recruitment_route_and_start_origin(published):
    # census 2026 starters: E7 (1 Nov 2025, asye, 3) 1.0, E3 (1 Mar, frontline, 1) 1.0,
    # E6 (3 Aug, none recorded) 0.6. E5's move to A5b ("internal") is not a start.
    assert value_of(published, "801", "starters_fte", CENSUS_2026) == approx(2.6)
    routes = breakdown_values(published, "801", "starters_fte", "recruitment_route")
    assert routes == approx({"asye": 1.0, "frontline": 1.0, "not_recorded": 0.6})
    origins = breakdown_values(published, "801", "starters_fte", "start_origin")
    assert origins == approx({"1": 1.0, "3": 1.0, "not_recorded": 0.6})
    assert breakdown_values(published, "ALL", "starters_fte", "start_origin") == origins


# --- 4. caseload distribution -------------------------------------------------------------------------


def test_caseload_distribution_with_threshold_20(published):
    # Case holders on C (S3), distinct children, main assignment's service area / team:
    #   E1 22 (K1, K3, A01-A20)  Assessment / Assess 1     above 20
    #   E2  2                    Assessment / Assess 1     (A2 0.5 outweighs A2b 0.3)
    #   E7 20                    Assessment / Assess 2     not above: 20 is the threshold
    #   E3  5 (K2, K4, D01-D03)  Child Protection / CP 1
    #   W1 21 (agency)           Child Protection / CP 1   above
    #   E5 21                    Child Protection / CP 2   above
    # N1 holds 2 but is not a CFSW; E4 has left; K5 comes after C.
    share = kpi(published, "801", "caseload_above_threshold_share", CENSUS_2026)
    assert share[:4] == (approx(100 * 3 / 6), approx(3), approx(6), "percent")
    assert value_of(published, "801", "caseload_max", CENSUS_2026) == 22
    assert kpi(published, "801", "caseload_max", CENSUS_2026)[1:4] == (None, None, "cases")
    by_area = breakdown_values(published, "801", "caseload_above_threshold_share", "service_area")
    assert by_area == approx({"Assessment": 100 / 3, "Child Protection": 200 / 3})
    by_team = breakdown_values(published, "801", "caseload_above_threshold_share", "team")
    assert by_team == approx({"Assess 1": 50, "Assess 2": 0, "CP 1": 50, "CP 2": 100})
    assert breakdown_values(published, "801", "caseload_max", "service_area") == {
        "Assessment": 22,
        "Child Protection": 21,
    }
    assert breakdown_values(published, "801", "caseload_max", "team") == {
        "Assess 1": 22, "Assess 2": 20, "CP 1": 21, "CP 2": 21,
    }  # fmt: skip
    # the DfE caseload of the same workers: 91 children over 1.0 + 0.8 + 1.0 + 1.0 + 1.0 + 0.6
    assert value_of(published, "801", "caseload_fte", CENSUS_2026) == approx(91 / 5.4)
    # 802: EB1 25 (above), X1 4. ALL: (3 + 1) / (6 + 2); the largest caseload anywhere, 25.
    assert value_of(published, "802", "caseload_above_threshold_share", CENSUS_2026) == 50
    assert value_of(published, "ALL", "caseload_above_threshold_share", CENSUS_2026) == 50
    assert value_of(published, "ALL", "caseload_max", CENSUS_2026) == 25
    assert breakdown_values(published, "ALL", "caseload_max", "service_area") == {
        "Assessment": 22, "Child Protection": 21, "Front Door": 25,
    }  # fmt: skip


# --- 5. children with three or more workers in the 12 months to 30 Sep ----------------------------


def test_children_with_three_or_more_workers(published):
    # 801: K1 and K4 had 3 workers; K2 and K3 2; 90 plain children 1 each; K5 after C.
    # Allocated: 4 + 90 = 94. 802: 25 + 4 = 29 children, one worker each.
    assert value_of(published, "801", "children_allocated", CENSUS_2026) == 94
    assert value_of(published, "801", "children_with_3plus_workers", CENSUS_2026) == 2
    percent = kpi(published, "801", "children_with_3plus_workers_percent", CENSUS_2026)
    assert percent[:4] == (approx(100 * 2 / 94), approx(2), approx(94), "percent")
    assert kpi(published, "801", "children_with_3plus_workers", CENSUS_2026)[3] == "headcount"
    assert value_of(published, "802", "children_with_3plus_workers", CENSUS_2026) == 0
    assert value_of(published, "ALL", "children_allocated", CENSUS_2026) == 94 + 29
    assert value_of(published, "ALL", "children_with_3plus_workers_percent", CENSUS_2026) == approx(
        100 * 2 / (94 + 29)
    )


# --- 6. the establishment table by service area and role --------------------------------------------


def test_establishment_by_service_area_and_role(published):
    # On C (S3): posts P1-P7 1.0 each + P9 0.5 = 7.5 (P8 is not a social-work post).
    # In post: A1 1.0, A2 0.5, A2b 0.3, A3 1.0, A5b 0.6, A6 0.6, A7 1.0 = 5.0; agency G1 + G4 = 2.0
    # Vacant: P2 0.5, P4 1.0 (A4 left), P5 1.0 - 0.6 = 0.4, P6 1.0 - 0.6 = 0.4, P9 0.5 = 2.8
    # Gap = 7.5 - 5.0 - 2.0 = 0.5 (under establishment)
    assert value_of(published, "801", "establishment_fte", CENSUS_2026) == approx(7.5)
    assert value_of(published, "801", "establishment_gap_fte", CENSUS_2026) == approx(0.5)
    assert value_of(published, "801", "vacancy_fte", CENSUS_2026) == approx(2.8)

    def table(la, breakdown):
        return {
            code: breakdown_values(published, la, code, breakdown)
            for code in ("establishment_fte", "inpost_fte", "agency_fte", "vacancy_fte",
                         "establishment_gap_fte")
        }  # fmt: skip

    # Assessment: posts P1, P2, P5, P7 = 4.0; A1 + A2 + A6 + A7 = 3.1; no agency on C (G2
    # ended); vacant P2 0.5 + P5 0.4; gap 4.0 - 3.1 - 0 = 0.9.
    # Child Protection: P3, P4, P6, P9 = 3.5; A2b + A3 + A5b = 1.9; G1 + G4 = 2.0; vacant
    # P4 1.0 + P6 0.4 + P9 0.5; gap 3.5 - 1.9 - 2.0 = -0.4 (over establishment).
    assert table("801", "service_area") == {
        "establishment_fte": approx({"Assessment": 4.0, "Child Protection": 3.5}),
        "inpost_fte": approx({"Assessment": 3.1, "Child Protection": 1.9}),
        "agency_fte": approx({"Assessment": 0.0, "Child Protection": 2.0}),
        "vacancy_fte": approx({"Assessment": 0.9, "Child Protection": 1.9}),
        "establishment_gap_fte": approx({"Assessment": 0.9, "Child Protection": -0.4}),
    }
    # role 5: P1, P3, P5, P7 = 4.0; A1 + A3 + A6 + A7 = 3.6; G1 1.0; vacant P5 0.4; gap -0.6
    # role 4: P2, P6 = 2.0; A2 + A2b + A5b = 1.4; G4 1.0; vacant 0.5 + 0.4; gap -0.4
    # role 3: P4 1.0; nobody (A4 left); vacant 1.0; gap 1.0
    # no role recorded: P9 0.5, vacant 0.5, gap 0.5
    assert table("801", "org_role") == {
        "establishment_fte": approx({"5": 4.0, "4": 2.0, "3": 1.0, "not_recorded": 0.5}),
        "inpost_fte": approx({"5": 3.6, "4": 1.4, "3": 0.0, "not_recorded": 0.0}),
        "agency_fte": approx({"5": 1.0, "4": 1.0, "3": 0.0, "not_recorded": 0.0}),
        "vacancy_fte": approx({"5": 0.4, "4": 0.9, "3": 1.0, "not_recorded": 0.5}),
        "establishment_gap_fte": approx({"5": -0.6, "4": -0.4, "3": 1.0, "not_recorded": 0.5}),
    }
    # 802: Q1 2.0 - B1 1.0 - X1 1.0 = 0. ALL: 7.5 + 2.0 and 0.5 + 0.
    assert value_of(published, "802", "establishment_gap_fte", CENSUS_2026) == approx(0)
    assert value_of(published, "ALL", "establishment_fte", CENSUS_2026) == approx(9.5)
    assert value_of(published, "ALL", "establishment_gap_fte", CENSUS_2026) == approx(0.5)
    assert table("ALL", "service_area")["establishment_gap_fte"] == approx(
        {"Assessment": 0.9, "Child Protection": -0.4, "Front Door": 0.0}
    )


# --- 7. monthly stocks ------------------------------------------------------------------------------------

MONTH_ENDS = ["2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30", "2026-07-31",
              "2026-08-31", "2026-09-30", "2026-10-31"]  # fmt: skip


def test_monthly_stocks_use_the_latest_snapshot_on_or_before_each_month_end(published):
    # in post: S1 (Mar-May) A1 1.0 + A2 0.5 + A2b 0.3 + A3 1.0 + A4 1.0 + A5a 0.8 + A7 1.0 = 5.6;
    # S2 (Jun-Sep) the same with A5b 0.6 for A5a 0.8 = 5.4 (A4's leaving is not known yet);
    # S3 (Oct) A4 gone, A6 0.6 in = 5.0 (as the census year, whose basis is S3 too)
    assert monthly(published, "801", "inpost_fte") == approx(
        dict(zip(MONTH_ENDS, [5.6] * 3 + [5.4] * 4 + [5.0], strict=True))
    )
    assert value_of(published, "801", "inpost_fte", CENSUS_2026) == approx(5.0)
    # agency (S1 to Sep, then S3): G1 1.0 + G2 0.5 until G2 ends on 31 Jul; S1 does not know G4
    assert monthly(published, "801", "agency_fte") == approx(
        dict(zip(MONTH_ENDS, [1.5] * 4 + [1.0] * 3 + [2.0], strict=True))
    )
    # vacancies (posts of S1 to Sep):
    #   Mar-May (staff S1): P2 0.5 + P5 (A5a 0.8) 0.2 + P6 1.0 = 1.7
    #   Jun-Sep (staff S2): P2 0.5 + P5 1.0 + P6 (A5b 0.6) 0.4 = 1.9
    #   Oct (S3): 2.8, as on C
    assert monthly(published, "801", "vacancy_fte") == approx(
        dict(zip(MONTH_ENDS, [1.7] * 3 + [1.9] * 4 + [2.8], strict=True))
    )
    # caseloads from the first allocations snapshot (S2):
    #   Jun-Sep: E1 22, E2 2, E7 20, E3 5, W1 21, E5 21, E4 1 = 92 cases over
    #            1.0 + 0.8 + 1.0 + 1.0 + 1.0 + 0.6 + 1.0 = 6.4 FTE
    #   Oct (S3): E4 gone, K5 with E1 (23): 92 over 5.4
    assert monthly(published, "801", "caseload_fte") == approx(
        dict(zip(MONTH_ENDS[3:], [92 / 6.4] * 4 + [92 / 5.4], strict=True))
    )
    october = ("2026-10-01", "2026-10-31")
    caseload = kpi(published, "801", "caseload_fte", october, period_type="month")
    assert caseload == (approx(92 / 5.4), approx(92), approx(5.4), "cases", None, None)
    # 802 has one month end (31 Oct); ALL sums it with 801's October
    assert monthly(published, "802", "inpost_fte") == {"2026-10-31": 1.0}
    assert value_of(published, "ALL", "inpost_fte", october, period_type="month") == approx(6.0)
    assert value_of(published, "ALL", "agency_fte", october, period_type="month") == approx(3.0)
    assert value_of(published, "ALL", "vacancy_fte", october, period_type="month") == approx(3.8)
    assert value_of(published, "ALL", "caseload_fte", october, period_type="month") == approx(
        (92 + 29) / (5.4 + 2.0)
    )
    assert monthly(published, "ALL", "inpost_fte")["2026-06-30"] == approx(5.4)  # 801 alone


# --- 8. targets on census-year headlines only --------------------------------------------------------


def test_targets_and_rag_only_on_census_year_headline_rows(published):
    # caseload_fte 91 / 5.4 = 16.85 against 15 (amber within 2): amber
    assert kpi(published, "801", "caseload_fte", CENSUS_2026)[4:] == (15.0, "amber")
    # agency rate 2.0 / 7.0 = 28.6% against 20: red; turnover 1.0 / 5.0 = 20% against 15: red
    assert kpi(published, "801", "agency_rate_fte", CENSUS_2026)[4:] == (20.0, "red")
    assert kpi(published, "801", "turnover_rate_fte", CENSUS_2026)[4:] == (15.0, "red")
    assert kpi(published, "ALL", "vacancy_rate_fte", CENSUS_2026)[4:] == (10.0, "red")
    misplaced = query(
        published,
        "select count(*) from kpi_values where target is not null "
        "and (breakdown <> 'total' or period_type <> 'census_year')",
    )
    assert misplaced == [(0,)]
    targeted = query(
        published,
        "select distinct kpi_code from kpi_values where target is not null order by 1",
    )
    # no absence extract, so no absence rate to rate
    assert targeted == [("agency_rate_fte",), ("caseload_fte",), ("turnover_rate_fte",),
                        ("vacancy_rate_fte",)]  # fmt: skip


def test_every_new_code_is_registered_with_its_unit(published):
    units = dict(query(published, "select distinct kpi_code, unit from kpi_values"))
    assert {code: units[code] for code in NEW_CODES} == NEW_CODES


NEW_CODES = {
    "agency_spend_change_gbp": "gbp",
    "agency_spend_change_percent": "percent",
    "agency_spend_avoided_gbp": "gbp",
    "pay_cost_per_fte_gbp": "gbp",
    "agency_cost_per_fte_gbp": "gbp",
    "agency_premium_percent": "percent",
    "caseload_above_threshold_share": "percent",
    "caseload_max": "cases",
    "children_allocated": "headcount",
    "children_with_3plus_workers": "headcount",
    "children_with_3plus_workers_percent": "percent",
    "establishment_fte": "fte",
    "establishment_gap_fte": "fte",
}


# --- the council report: Leeds, executive board, 2018 -----------------------------------------------


def leeds(published: Path, code: str) -> dict[int, float]:
    return {
        start.year: value
        for start, value in query(
            published,
            "select period_start, value from kpi_values where la_code = '383' and kpi_code = ? "
            "and period_type = 'financial_year' order by 1",
            [code],
        )
    }


def test_leeds_agency_spend_by_financial_year_as_the_board_report_shows_it(published):
    spend = leeds(published, "agency_spend_gbp")
    assert spend == approx({year: k * 1000 for year, k in LEEDS_SPEND_K.items()})
    assert sum(spend.values()) == approx(17_743_000)  # "£17.7 million" over seven years
    # "Change 11/12 to 17/18: -3,407" (£k) and "-71%"
    change = leeds(published, "agency_spend_change_gbp")
    assert change[2017] == approx(1_423_000 - 4_830_000) == approx(-3_407_000)
    percent = leeds(published, "agency_spend_change_percent")
    assert percent[2017] == approx(100 * -3407 / 4830)  # -70.54
    assert round(percent[2017]) == -71
    # Avoided, cumulative to 2017/18, at the 2011/12 level as defined (no uplift):
    # 7 x 4,830 - 17,743 = 33,810 - 17,743 = 16,067 (£k).
    avoided = leeds(published, "agency_spend_avoided_gbp")
    assert avoided[2011] == 0
    assert avoided[2017] == approx(7 * 4_830_000 - 17_743_000) == approx(16_067_000)
    # The report's "£35.9 m" at 2011/12 levels is not 7 x £4.830m (= £33.8m): it is the
    # 2011/12 spend uprated by 2% a year, which var agency_spend_baseline_uplift_percent
    # reproduces (test below). The report's own summary says "close to £17 m" avoided.


def test_leeds_cost_avoided_with_the_reports_2_percent_uplift(board_home: Path, tmp_path: Path):
    """The report's £35.9m, "if agency spend had remained at 2011/12 levels", is 4,830 x
    (1 + 1.02 + ... + 1.02^6) = 4,830 x 7.43428 = 35,907.6 (£k); minus the £17.7m spent, £18.2m
    avoided. The pipeline runs dbt with the project's vars, so the variant is built with dbt on
    a copy of the run's warehouse."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(board_home / "warehouse" / "warehouse.duckdb", warehouse)
    dbt = Path(sys.executable).with_name("dbt")
    project = PROJECT_ROOT / "dbt_project"
    subprocess.run(
        [str(dbt), "run", "--quiet", "--select", "int_agency_spend_by_financial_year",
         "--vars", "{agency_spend_baseline_uplift_percent: 2}",
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        env={**os.environ, "WORKFORCE_WAREHOUSE": str(warehouse)},
        check=True,
    )  # fmt: skip
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select financial_year_start, baseline_level_spend_gbp, agency_spend_avoided_gbp "
            "from intermediate.int_agency_spend_by_financial_year where la_code = '383' order by 1"
        ).fetchall()
    # each year's level to the penny, exactly as the model rounds it (DECIMAL(18, 2))
    penny = Decimal("0.01")
    levels = {
        year: Decimal(4_830_000 * 1.02 ** (year - 2011)).quantize(penny) for year in LEEDS_SPEND_K
    }
    assert {year: level for year, level, _ in rows} == levels
    counterfactual = sum(levels.values())  # 35,907,588.74
    assert round(counterfactual / 1_000_000, 1) == Decimal("35.9")  # "£35.9 m"
    avoided_2017 = rows[-1][2]
    assert avoided_2017 == counterfactual - 17_743_000  # 18,164,588.74
    assert round(avoided_2017 / 1_000_000, 1) == Decimal("18.2")  # 35.9 - 17.7


def test_the_default_baseline_is_the_first_financial_year_with_twelve_months_of_spend(
    demo_home: Path,
):
    """The demo's timesheets start in October, so its first financial year is a part year and
    no baseline: the change is measured from the first year with spend in every month."""
    published = demo_home / "published" / "workforce.duckdb"
    months = query(
        published,
        "select year(period_start - interval 3 month) as fy, count(*) from kpi_values "
        "where la_code = '383' and kpi_code = 'agency_spend_gbp' and period_type = 'month' "
        "group by fy order by fy",
    )
    assert months[0][1] < 12, months  # the demo's first year is a part year
    baseline = next(fy for fy, count in months if count == 12)
    change = dict(
        query(
            published,
            "select year(period_start), value from kpi_values where la_code = '383' "
            "and kpi_code = 'agency_spend_change_gbp' and period_type = 'financial_year'",
        )
    )
    assert min(change) == baseline and change[baseline] == 0
