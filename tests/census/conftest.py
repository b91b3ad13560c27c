"""The census return's hand fixture: a landing folder written by hand, run once, published.

Census year 2025 (1 Oct 2024 to 30 Sep 2025); every snapshot dated 31 Oct 2025, inside the
return window, so it is the basis of year 2025. Authority 383 holds every case the return must
get right. 202 holds two workers whose returns have no error in any collection: its snapshots
of 31 October 2022, 2023 and 2024 are the basis of those census years, one per encoding.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import (
    agency_assignments,
    agency_timesheets,
    case_allocations,
    hr_absence,
    hr_establishment,
    hr_pay_offer,
    hr_staff,
    payroll,
    write_extract,
)
from tests.conftest import published_once

SNAPSHOT = "2025-10-31"
# the census years 202 is returned for, each from its own snapshot of 31 October
YEARS_202 = (2022, 2023, 2024, 2025)
REGISTER_SWE = "SW12345"  # as on Social Work England's register (no leading zeros)
OFFER_ITEMS = (
    "recruitment_bonus", "retention_bonus", "performance_award", "car_allowance",
    "relocation_package", "regional_weighting", "cost_swe", "cost_dbs",
)  # fmt: skip


def pay_offer(eligible: dict[str, str], other_allowances: str) -> list[dict]:
    """Every item of the offer: `none` unless `eligible` says otherwise."""
    return [
        hr_pay_offer(item=item, eligible=eligible.get(item, "none")) for item in OFFER_ITEMS
    ] + [hr_pay_offer(item="other_allowances", eligible=None, detail=other_allowances)]


def staff_202() -> list[dict]:
    return [
        # a senior practitioner since 2017, every item supplied
        hr_staff(
            assignment_id="D1",
            employee_id="EMPD01",
            org_role=4,
            post_id="Q1",
            start_date="2017-02-01",
            start_origin="2",
            recruitment_route="step_up",
            qual_level="2",
            qual_inst="University of Sussex",
            base_salary_gbp="45000",
        ),
        # a man working part time in two posts (0.5 + 0.3), his SWE number as registered
        *(
            hr_staff(
                assignment_id=assignment,
                employee_id="EMPD02",
                swe_number=REGISTER_SWE,
                gender="1",
                post_id=post,
                fte=fte,
                start_date="2021-03-01",
                start_origin="2",
                recruitment_route="external",
                qual_level="1",
                qual_inst="University of Brighton",
                base_salary_gbp=salary,
            )
            for assignment, post, fte, salary in (
                ("D2", "Q2", 0.5, "19000.50"),
                ("D3", "Q3", 0.3, "£11,400.30"),
            )
        ),
    ]


def staff_383() -> list[dict]:
    return [
        # in post full time since 2020, holds two cases, off sick across 1 October
        hr_staff(
            assignment_id="C1",
            employee_id="EMPC01",
            post_id="P1",
            start_date="2020-01-01",
            start_origin="2",
            recruitment_route="external",
            qual_level="1",
            qual_inst="University of Leeds",
            base_salary_gbp="41250.00",
        ),
        # moves from P2 (a case holder) to P3 (a senior practitioner) on 1 April: one record
        # from the start of the first post, neither a starter nor a leaver
        hr_staff(
            assignment_id="C2A",
            employee_id="EMPC02",
            post_id="P2",
            start_date="2019-05-01",
            end_date="2025-03-31",
            leaving_reason="8",
            start_origin="3",
            recruitment_route="external",
            qual_level="2",
            qual_inst="University of York",
            base_salary_gbp="38000",
        ),
        hr_staff(
            assignment_id="C2B",
            employee_id="EMPC02",
            post_id="P3",
            org_role=4,
            start_date="2025-04-01",
            start_origin="3",
            recruitment_route="internal",
            qual_level="2",
            qual_inst="University of York",
            base_salary_gbp="44000",
        ),
        # leaves on 30 September: a leaver (not in post), FTE 0.8 on leaving
        hr_staff(
            assignment_id="C3",
            employee_id="EMPC03",
            post_id="P4",
            fte=0.8,
            start_date="2018-06-01",
            end_date="2025-09-30",
            leaving_reason="1",
            leaver_destination="1",
            start_origin="2",
            recruitment_route="external",
            qual_level="1",
            qual_inst="University of Bradford",
            base_salary_gbp="33000",
        ),
        # a part-time starter (newly qualified, ASYE) holding one case
        hr_staff(
            assignment_id="C4",
            employee_id="EMPC04",
            post_id="P5",
            fte=0.5,
            date_of_birth="1999-05-01",
            start_date="2025-01-06",
            start_origin="1",
            recruitment_route="asye",
            cfkss_status="1",
            qual_level="1",
            qual_inst="Sheffield Hallam University",
            base_salary_gbp="18500",
        ),
        # a case holder with no case on 30 September (a query), born in 1948 (a query)
        hr_staff(
            assignment_id="C5",
            employee_id="EMPC05",
            post_id="P6",
            date_of_birth="1948-01-01",
            start_date="2016-03-01",
            start_origin="1",
            recruitment_route="frontline",
            qual_level="2",
            qual_inst="Northumbria University",
            base_salary_gbp="39000",
        ),
        # a team manager without a qualifying institution recorded (an error to 2024) and
        # without a salary (an error from 2025)
        hr_staff(
            assignment_id="C6",
            employee_id="EMPC06",
            post_id="P7",
            org_role=3,
            start_date="2021-09-01",
            start_origin="2",
            recruitment_route="external",
            qual_level="1",
        ),
        # not a registered social worker: not in the return
        hr_staff(
            assignment_id="C7",
            employee_id="EMPC07",
            registered_social_worker=False,
            start_date="2022-01-01",
        ),
    ]


def write_census_fixture(landing: Path) -> None:
    write_extract(landing, "383", "hr_staff", SNAPSHOT, staff_383())
    write_extract(
        landing,
        "383",
        "hr_establishment",
        SNAPSHOT,
        [
            hr_establishment(post_id=post, budgeted_fte=0.8 if post == "P4" else 1.0)
            for post in ("P1", "P2", "P3", "P4", "P5", "P6", "P7")
        ],
    )
    write_extract(
        landing,
        "383",
        "agency_assignments",
        SNAPSHOT,
        [
            agency_assignments(
                assignment_id="G1",
                agency_worker_id="AGC01",
                start_date="2025-04-15",
                qual_inst="The Open University",
            ),
            # gone before 30 September: not in the return
            agency_assignments(
                assignment_id="G2",
                agency_worker_id="AGC02",
                start_date="2025-01-06",
                end_date="2025-08-31",
                qual_inst="University of Kent",
            ),
        ],
    )
    write_extract(
        landing,
        "383",
        "hr_absence",
        SNAPSHOT,
        [
            # Monday 29 September to Friday 3 October: 2 of its 5 weekdays in the year
            hr_absence(
                absence_id="S1",
                employee_id="EMPC01",
                start_date="2025-09-29",
                end_date="2025-10-03",
                working_days_lost=5,
            ),
            hr_absence(
                absence_id="S2",
                employee_id="EMPC04",
                start_date="2025-02-03",
                end_date="2025-02-04",
                working_days_lost=1,
            ),
        ],
    )
    write_extract(
        landing,
        "383",
        "case_allocations",
        SNAPSHOT,
        [
            case_allocations(allocation_id=f"L{n}", child_id=f"CH{n}", worker_id=worker, **extra)
            for n, worker, extra in (
                (1, "EMPC01", {}),
                (2, "EMPC01", {}),
                (3, "EMPC04", {"allocation_start": "2025-03-01"}),
                (4, "AGC01", {"worker_source": "agency", "allocation_start": "2025-05-01"}),
                (5, "AGC01", {"worker_source": "agency", "allocation_start": "2025-05-01"}),
                (6, "AGC01", {"worker_source": "agency", "allocation_start": "2025-05-01"}),
            )
        ],
    )
    write_extract(
        landing,
        "383",
        "payroll",
        SNAPSHOT,
        [
            payroll(employee_id="EMPC01", assignment_id="C1"),
            # the starter's golden hello; the leaver's last overtime
            payroll(
                employee_id="EMPC04",
                assignment_id="C4",
                pay_period="2025-01",
                pay_element="golden_hello",
                amount_gbp="2000",
            ),
            payroll(
                employee_id="EMPC03",
                assignment_id="C3",
                pay_period="2025-09",
                pay_element="overtime",
                amount_gbp="150.50",
            ),
        ],
    )
    write_extract(landing, "383", "agency_timesheets", SNAPSHOT, [agency_timesheets()])
    write_extract(
        landing,
        "383",
        "hr_pay_offer",
        SNAPSHOT,
        pay_offer({"cost_swe": "All", "cost_dbs": "all"}, other_allowances=""),
    )
    # 202: the same two workers on 31 October of each year, no agency worker, no absence
    for year in YEARS_202:
        snapshot = f"{year}-10-31"
        write_extract(landing, "202", "hr_staff", snapshot, staff_202())
        write_extract(
            landing,
            "202",
            "hr_establishment",
            snapshot,
            [
                hr_establishment(post_id=post, budgeted_fte=fte)
                for post, fte in (("Q1", 1.0), ("Q2", 0.5), ("Q3", 0.3))
            ],
        )
        write_extract(landing, "202", "agency_assignments", snapshot, [])
        write_extract(landing, "202", "hr_absence", snapshot, [])
    write_extract(
        landing,
        "202",
        "hr_pay_offer",
        SNAPSHOT,
        pay_offer(
            {"recruitment_bonus": "some", "retention_bonus": "all", "cost_swe": "all"},
            other_allowances="Essential car user lump sum",
        ),
    )
    write_extract(
        landing,
        "202",
        "payroll",
        SNAPSHOT,
        [
            payroll(
                employee_id=person,
                assignment_id=assignment,
                pay_period=period,
                pay_element=element,
                amount_gbp=amount,
            )
            for person, assignment, period, element, amount in (
                ("EMPD01", "D1", "2024-10", "overtime", "80.10"),
                ("EMPD01", "D1", "2024-09", "golden_hello", "1000"),  # census year 2024
                ("EMPD01", "D1", "2025-06", "basic", "3750"),  # basic pay is no payment
                ("EMPD02", "D2", "2025-03", "market_supplement", "250"),
                ("EMPD02", "D3", "2025-06", "retention_allowance", "100.00"),
            )
        ],
    )


@pytest.fixture(scope="session")
def census_home(tmp_path_factory, worker_id) -> Path:
    """The census hand fixture after its one `workforce run`, published. Tests write returns
    into it (each to its own path), never landing files."""
    return published_once(tmp_path_factory, worker_id, "census", write_census_fixture)
