"""Rows of the extract contract, one builder per kind, for every test that delivers extracts.

Each builder takes the contract's column names as keyword arguments and fills the rest with
defaults that make a valid row: a registered, full-time case holder in Assessment, a budgeted
social-work post, a vacancy-covering agency worker, and so on. A keyword set to `None` (or
`""`) leaves that cell empty. Every column name is checked against
`orchestration.contract.KINDS`, so a fixture cannot use a column the contract does not have.

Values are written as a council's export would write them: numbers as given (money to the
penny), dates ISO, booleans spelled differently per kind (`true`/`false`, `1`/`0`, `Y`/`N`,
all three of which the contract accepts), so the suite reads each spelling.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

from orchestration.contract import KINDS, Type

Row = dict[str, str]

BOOLEANS = {
    "hr_staff": ("true", "false"),
    "agency_assignments": ("1", "0"),
    "hr_establishment": ("Y", "N"),
}


def swe_number(person: str) -> str:
    """A Social Work England number (2 letters + 10 digits) that is the person's alone."""
    return "SW" + str(int(hashlib.sha256(person.encode()).hexdigest(), 16))[:10]


def _row(kind: str, defaults: dict, values: dict) -> Row:
    columns = {c.name: c for c in KINDS[kind].columns}
    unknown = set(values) - set(columns)
    assert not unknown, f"{kind} has no column(s) {sorted(unknown)} in the contract"
    row: Row = {}
    for name, value in {**defaults, **values}.items():
        if value is None or value == "":
            continue
        column_type = columns[name].type
        if isinstance(value, bool):
            yes, no = BOOLEANS.get(kind, ("true", "false"))
            value = yes if value else no
        elif isinstance(value, date):
            value = value.isoformat()
        elif column_type is Type.MONEY and isinstance(value, int | float):
            value = f"{value:.2f}"
        row[name] = str(value)
    return row


def _registered(values: dict) -> bool:
    registered = values.get("registered_social_worker", True)
    return registered in (True, "true", "1", "Y")


def hr_staff(**values) -> Row:
    """A directly employed assignment: by default a registered case holder (org_role 5), in
    post full time since 2020, with a name, date of birth and SWE number to be pseudonymised
    or dropped. Unregistered staff get no role and no SWE number unless given."""
    employee = values.get("employee_id", "E1")
    registered = _registered(values)
    defaults = {
        "assignment_id": "A1",
        "employee_id": employee,
        "full_name": f"Name of {employee}",
        "date_of_birth": "1984-03-07",
        "gender": "2",
        "ethnicity": "WBRI",
        "swe_number": swe_number(employee) if registered else None,
        "registered_social_worker": True,
        "org_role": 5 if registered else None,
        "service_area": "Assessment",
        "team": "Assessment 1",
        "fte": 1.0,
        "contract_type": "permanent",
        "start_date": "2020-01-01",
    }
    return _row("hr_staff", defaults, values)


def hr_establishment(**values) -> Row:
    """A budgeted post: by default a 1.0 FTE social-work case-holder post, effective since
    2015 and open-ended; a post that is not a social-work post has no role unless given."""
    social_work = values.get("social_work_post", True) in (True, "Y", "true", "1")
    defaults = {
        "post_id": "P1",
        "service_area": "Assessment",
        "team": "Assessment 1",
        "org_role": 5 if social_work else None,
        "social_work_post": True,
        "budgeted_fte": 1.0,
        "effective_from": "2015-01-01",
    }
    return _row("hr_establishment", defaults, values)


def hr_absence(**values) -> Row:
    """An absence episode: by default one day's sickness."""
    defaults = {
        "absence_id": "S1",
        "employee_id": "E1",
        "absence_type": "SIC",
        "start_date": "2025-02-03",
        "end_date": "2025-02-03",
        "working_days_lost": 1,
    }
    return _row("hr_absence", defaults, values)


def payroll(**values) -> Row:
    """A pay line: by default basic pay for September 2025."""
    defaults = {
        "employee_id": "E1",
        "assignment_id": "A1",
        "pay_period": "2025-09",
        "pay_element": "basic",
        "amount_gbp": 3000,
    }
    return _row("payroll", defaults, values)


def agency_assignments(**values) -> Row:
    """An agency assignment: by default a registered case holder covering a vacancy full time
    at £45 an hour, with an SWE number unless unregistered."""
    worker = values.get("agency_worker_id", "W1")
    registered = _registered(values)
    defaults = {
        "assignment_id": "G1",
        "agency_worker_id": worker,
        "swe_number": swe_number(worker) if registered else None,
        "registered_social_worker": True,
        "agency_name": "Agency Ltd",
        "org_role": 5 if registered else None,
        "service_area": "Assessment",
        "team": "Assessment 1",
        "cover_reason": "vacancy",
        "fte": 1.0,
        "start_date": "2025-01-01",
        "hourly_charge_gbp": 45,
    }
    return _row("agency_assignments", defaults, values)


def agency_timesheets(**values) -> Row:
    """A week's timesheet of an agency assignment: by default 37 hours, £1,850."""
    defaults = {
        "timesheet_id": "T1",
        "assignment_id": "G1",
        "week_ending": "2025-04-18",
        "hours": 37,
        "charge_gbp": 1850,
    }
    return _row("agency_timesheets", defaults, values)


def case_allocations(**values) -> Row:
    """A child's case allocated to an employed worker, open-ended."""
    defaults = {
        "allocation_id": "L1",
        "child_id": "C1",
        "worker_id": "E1",
        "worker_source": "employee",
        "team": "Assessment 1",
        "case_type": "CIN",
        "allocation_start": "2025-01-01",
    }
    return _row("case_allocations", defaults, values)


def hr_pay_offer(**values) -> Row:
    """An item of the authority's pay offer: by default every social worker gets the
    Social Work England registration fee paid."""
    defaults = {"item": "cost_swe", "eligible": "all"}
    return _row("hr_pay_offer", defaults, values)


def recruitment(**values) -> Row:
    """An application to a social-work vacancy: by default a candidate hired through an
    external campaign, every stage reached, in order."""
    defaults = {
        "application_id": "APP1",
        "candidate_id": "C1",
        "requisition_id": "REQ1",
        "post_id": "P1",
        "service_area": "Assessment",
        "team": "Assessment 1",
        "org_role": 3,
        "recruitment_route": "external",
        "requisition_opened": "2025-01-06",
        "applied_date": "2025-01-20",
        "shortlisted_date": "2025-02-03",
        "interviewed_date": "2025-02-17",
        "offer_date": "2025-02-20",
        "offer_accepted_date": "2025-02-24",
        "checks_cleared_date": "2025-03-14",
        "planned_start_date": "2025-04-01",
        "start_date": "2025-04-01",
        "fte": 1.0,
    }
    return _row("recruitment", defaults, values)


BUILDERS = {
    "hr_staff": hr_staff,
    "hr_establishment": hr_establishment,
    "hr_absence": hr_absence,
    "payroll": payroll,
    "agency_assignments": agency_assignments,
    "agency_timesheets": agency_timesheets,
    "case_allocations": case_allocations,
    "hr_pay_offer": hr_pay_offer,
    "recruitment": recruitment,
}
assert set(BUILDERS) == set(KINDS), "every extract kind has a builder"


def write_extract(landing: Path, la_code: str, kind: str, extract_date: str, rows: list[dict]):
    """Write one extract as a council delivers it: every contract column, missing cells empty."""
    path = landing / la_code / f"{kind}_{extract_date.replace('-', '')}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [c.name for c in KINDS[kind].columns]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            unknown = set(row) - set(columns)
            assert not unknown, f"fixture uses columns not in the contract: {unknown}"
            writer.writerow(row)
    return path
