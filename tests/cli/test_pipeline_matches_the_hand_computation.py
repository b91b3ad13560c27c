"""The whole pipeline on a small landing folder whose every KPI is worked out by hand.

Census year 2025: 1 Oct 2024 to 30 Sep 2025, census day C = 30 Sep 2025. Every snapshot is
dated 31 Oct 2025, inside the census return window after C, so it is the basis of year 2025
(and of no other year). Two authorities: 383 (the interesting one) and 202 (one worker), so
the `ALL` rows are checked as sums, not copies.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.builders import (
    agency_assignments,
    agency_timesheets,
    case_allocations,
    hr_absence,
    hr_establishment,
    hr_staff,
    payroll,
    swe_number,
    write_extract,
)
from tests.conftest import kept_file, query, run_workforce
from tests.personal_data import leaks

SNAPSHOT = "2025-10-31"
YEAR = ("2024-10-01", "2025-09-30")


# 383's agency assignments on the snapshot (also the base of later snapshots in other tests)
AGENCY_WORKERS = [
    agency_assignments(
        assignment_id="G1",
        agency_worker_id="AGWX01",
        fte=1.0,
        cover_reason="vacancy",
        start_date="2025-04-15",
        post_id="P2",
        swe_number="SW9000000001",
    ),
    agency_assignments(
        assignment_id="G2",
        agency_worker_id="AGWX02",
        fte=0.6,
        cover_reason="sickness",
        start_date="2025-08-01",
        end_date="2025-12-31",
        swe_number="SW9000000001",
    ),
    agency_assignments(
        assignment_id="G3",
        agency_worker_id="AGWX03",
        fte=1.0,
        cover_reason="vacancy",
        start_date="2025-01-01",
        end_date="2025-09-30",
        swe_number="SW9000000001",
    ),  # gone on 30 Sep
    agency_assignments(
        assignment_id="G4",
        agency_worker_id="AGWX04",
        fte=1.0,
        cover_reason="vacancy",
        start_date="2025-01-01",
        registered_social_worker=False,
    ),  # not a CFSW
]


def write_hand_fixture(landing: Path) -> None:
    # --- authority 383 -------------------------------------------------------------------
    staff = [
        hr_staff(
            assignment_id="A1",
            employee_id="EMPX01",
            post_id="P1",
            org_role=5,
            fte=1.0,
            start_date="2020-01-01",
        ),
        # EMPX02 moves from post P2 to P3: A2 ends 31 Mar, A3 starts 1 Apr -> neither leaver nor starter
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
            assignment_id="A3",
            employee_id="EMPX02",
            post_id="P3",
            org_role=4,
            fte=1.0,
            start_date="2025-04-01",
        ),
        # leaves on census day: a leaver (0.8), not in post; 7 years' service -> 5y+
        hr_staff(
            assignment_id="A4",
            employee_id="EMPX04",
            post_id="P4",
            org_role=5,
            fte=0.8,
            start_date="2018-06-01",
            end_date="2025-09-30",
            leaving_reason="1",
            service_start_date="2018-06-01",
        ),
        # part-time starter in the year
        hr_staff(
            assignment_id="A5",
            employee_id="EMPX05",
            post_id="P5",
            org_role=5,
            fte=0.5,
            start_date="2025-01-06",
            start_origin="1",
            recruitment_route="asye",
        ),
        hr_staff(
            assignment_id="A6",
            employee_id="EMPX06",
            post_id="P6",
            org_role=3,
            fte=1.0,
            start_date="2015-01-01",
        ),
        # not registered: a family support worker, never a CFSW
        hr_staff(
            assignment_id="A7",
            employee_id="EMPX07",
            registered_social_worker=False,
            fte=1.0,
            start_date="2022-01-01",
        ),
        # left in December: a leaver (1.0) with under 2 years' service
        hr_staff(
            assignment_id="A8",
            employee_id="EMPX08",
            post_id="P7",
            org_role=5,
            fte=1.0,
            start_date="2023-02-01",
            end_date="2024-12-31",
            leaving_reason="1",
            service_start_date="2023-02-01",
        ),
        # left on 30 Sep 2024: a leaver of the previous year, not this one
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
        # one person, two concurrent assignments: FTE 0.9, headcount 1
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
    ]
    establishment = [
        hr_establishment(post_id="P1", budgeted_fte=1.0),  # A1 1.0 -> vacant 0
        hr_establishment(post_id="P2", budgeted_fte=1.0),  # emptied by the move -> vacant 1.0
        hr_establishment(post_id="P3", budgeted_fte=1.0),  # A3 -> 0
        hr_establishment(post_id="P4", budgeted_fte=0.8),  # A4 left on 30 Sep -> 0.8
        hr_establishment(post_id="P5", budgeted_fte=1.0),  # A5 0.5 -> 0.5
        hr_establishment(post_id="P6", budgeted_fte=1.0),  # A6 -> 0
        hr_establishment(post_id="P7", budgeted_fte=1.0),  # A8 left -> 1.0
        hr_establishment(post_id="P8", budgeted_fte=0.5),  # A10 0.5 -> 0
        hr_establishment(post_id="P9", budgeted_fte=0.5),  # A11 0.4 -> 0.1
        hr_establishment(
            post_id="P10", budgeted_fte=1.0, social_work_post=False
        ),  # not a social-work post
        hr_establishment(
            post_id="P11", budgeted_fte=1.0, effective_from="2025-10-15"
        ),  # not yet effective on 30 Sep
        hr_establishment(
            post_id="P12", budgeted_fte=1.0, effective_to="2025-06-30"
        ),  # no longer effective
    ]
    allocations = [
        case_allocations(
            allocation_id="L1",
            child_id="CHILDX01",
            worker_id="EMPX01",
            worker_source="employee",
            allocation_start="2025-05-01",
        ),
        case_allocations(
            allocation_id="L2",
            child_id="CHILDX02",
            worker_id="EMPX01",
            worker_source="employee",
            allocation_start="2025-06-01",
        ),
        case_allocations(
            allocation_id="L3",
            child_id="CHILDX03",
            worker_id="EMPX01",
            worker_source="employee",
            allocation_start="2025-06-01",
        ),
        case_allocations(
            allocation_id="L4",
            child_id="CHILDX03",
            worker_id="EMPX10",
            worker_source="employee",
            allocation_start="2025-07-01",
        ),  # one child, two workers
        case_allocations(
            allocation_id="L5",
            child_id="CHILDX04",
            worker_id="EMPX10",
            worker_source="employee",
            allocation_start="2025-07-01",
        ),
        case_allocations(
            allocation_id="L6",
            child_id="CHILDX05",
            worker_id="AGWX01",
            worker_source="agency",
            allocation_start="2025-05-01",
        ),
        case_allocations(
            allocation_id="L7",
            child_id="CHILDX06",
            worker_id="AGWX01",
            worker_source="agency",
            allocation_start="2025-05-01",
        ),
        case_allocations(
            allocation_id="L8",
            child_id="CHILDX07",
            worker_id="EMPX05",
            worker_source="employee",
            allocation_start="2025-02-01",
            allocation_end="2025-09-30",
        ),
        case_allocations(
            allocation_id="L9",
            child_id="CHILDX08",
            worker_id="EMPX04",
            worker_source="employee",
            allocation_start="2025-01-01",
            allocation_end="2025-09-30",
        ),
        case_allocations(
            allocation_id="L10",
            child_id="CHILDX09",
            worker_id="EMPX07",
            worker_source="employee",
            allocation_start="2025-01-01",
        ),  # not a CFSW
        case_allocations(
            allocation_id="L11",
            child_id="CHILDX10",
            worker_id="AGWX03",
            worker_source="agency",
            allocation_start="2025-01-01",
            allocation_end="2025-09-30",
        ),
        case_allocations(
            allocation_id="L12",
            child_id="CHILDX11",
            worker_id="EMPX06",
            worker_source="employee",
            allocation_start="2025-10-05",
        ),  # after census day
    ]
    absences = [
        hr_absence(
            absence_id="S1",
            employee_id="EMPX01",
            absence_type="SIC",
            start_date="2025-02-03",
            end_date="2025-02-07",
            working_days_lost=5,
        ),  # Mon-Fri: 5
        # crosses 1 Oct 2025: Mon 29, Tue 30 Sep in the year, Wed-Fri after: 2.5 x 2/5 = 1.0
        hr_absence(
            absence_id="S2",
            employee_id="EMPX05",
            absence_type="SIC",
            start_date="2025-09-29",
            end_date="2025-10-03",
            working_days_lost=2.5,
        ),
        # crosses 1 Oct 2024: Thu 26, Fri 27, Mon 30 Sep before, Tue 1 Oct in: 4 x 1/4 = 1.0
        hr_absence(
            absence_id="S3",
            employee_id="EMPX06",
            absence_type="SIC",
            start_date="2024-09-26",
            end_date="2024-10-01",
            working_days_lost=4,
        ),
        hr_absence(
            absence_id="S4",
            employee_id="EMPX01",
            absence_type="MAT",
            start_date="2025-03-03",
            end_date="2025-03-14",
            working_days_lost=10,
        ),  # not sickness
        hr_absence(
            absence_id="S5",
            employee_id="EMPX07",
            absence_type="SIC",
            start_date="2025-03-03",
            end_date="2025-03-05",
            working_days_lost=3,
        ),  # not a CFSW
        hr_absence(
            absence_id="S6",
            employee_id="EMPX08",
            absence_type="SIC",
            start_date="2024-11-04",
            end_date="2024-11-05",
            working_days_lost=2,
        ),  # a leaver, CFSW then: 2
    ]
    timesheets = [
        agency_timesheets(
            timesheet_id="T1",
            assignment_id="G1",
            week_ending="2025-04-18",
            hours=37,
            charge_gbp=1850,
        ),
        agency_timesheets(
            timesheet_id="T2",
            assignment_id="G1",
            week_ending="2025-03-28",
            hours=20,
            charge_gbp=1000,
        ),
        agency_timesheets(
            timesheet_id="T3",
            assignment_id="G2",
            week_ending="2025-08-08",
            hours=18,
            charge_gbp=900.50,
        ),
        agency_timesheets(
            timesheet_id="T4",
            assignment_id="G2",
            week_ending="2025-08-15",
            hours=0,
            charge_gbp=-100.25,
        ),  # credit note
    ]
    pay = [payroll(employee_id="EMPX01", assignment_id="A1", pay_period="2025-09", amount_gbp=3100)]
    for kind, rows in [
        ("hr_staff", staff),
        ("hr_establishment", establishment),
        ("agency_assignments", AGENCY_WORKERS),
        ("case_allocations", allocations),
        ("hr_absence", absences),
        ("agency_timesheets", timesheets),
        ("payroll", pay),
    ]:
        write_extract(landing, "383", kind, SNAPSHOT, rows)

    # --- authority 202: one full-time worker, two budgeted posts' worth, four children ----
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
                fte=1.0,
                start_date="2020-01-01",
            )
        ],
    )
    write_extract(
        landing,
        "202",
        "hr_establishment",
        SNAPSHOT,
        [hr_establishment(post_id="Q1", budgeted_fte=2.0)],
    )
    write_extract(landing, "202", "agency_assignments", SNAPSHOT, [])
    write_extract(
        landing,
        "202",
        "case_allocations",
        SNAPSHOT,
        [
            case_allocations(
                allocation_id=f"M{i}",
                child_id=f"CHILDY0{i}",
                worker_id="EMPY01",
                worker_source="employee",
                allocation_start="2025-01-01",
            )
            for i in range(1, 5)
        ],
    )
    write_extract(landing, "202", "hr_absence", SNAPSHOT, [])


# KPI values worked out by hand (see the comments in the fixture).
INPOST = {"383": 1.0 + 1.0 + 0.5 + 1.0 + 0.5 + 0.4, "202": 1.0}  # 4.4
LEAVERS = {"383": 0.8 + 1.0, "202": 0.0}
AGENCY = {"383": 1.0 + 0.6, "202": 0.0}
COVER = {"383": 1.0, "202": 0.0}
VACANCY = {"383": 1.0 + 0.8 + 0.5 + 1.0 + 0.1, "202": 1.0}  # 3.4
HOLDERS = {"383": 1.0 + 0.9 + 1.0, "202": 1.0}
CASES = {"383": 3 + 2 + 2, "202": 4}
DAYS = {"383": 5 + 1.0 + 1.0 + 2, "202": 0.0}


def expected_kpis(la: str) -> dict[str, float]:
    def total(d):
        return sum(d.values()) if la == "ALL" else d[la]

    inpost, leavers, agency_fte, cover = total(INPOST), total(LEAVERS), total(AGENCY), total(COVER)
    vacancy, holders, cases, days = total(VACANCY), total(HOLDERS), total(CASES), total(DAYS)
    kpis = {
        "inpost_fte": inpost,
        "inpost_headcount": {"383": 5, "202": 1, "ALL": 6}[la],
        "starters_fte": {"383": 0.5, "202": 0.0, "ALL": 0.5}[la],
        "leavers_fte": leavers,
        "turnover_rate_fte": 100 * leavers / inpost,
        "agency_fte": agency_fte,
        "agency_rate_fte": 100 * agency_fte / (agency_fte + inpost),
        "agency_cover_fte": cover,
        "vacancy_fte": vacancy,
        "vacancy_rate_fte": 100 * vacancy / (vacancy + inpost),
        "vacancy_agency_cover_rate_fte": 100 * cover / vacancy,
        "case_holders_fte": holders,
        "cases": cases,
        "caseload_fte": cases / holders,
        "working_days_lost_fte": days,
        "absence_rate_fte": 100 * days / (inpost * 253),
    }
    if agency_fte:  # a rate over no agency staff has no value (the row is absent)
        kpis["agency_cover_rate_fte"] = 100 * cover / agency_fte
    return kpis


@pytest.fixture(scope="session")  # the shared hand_home: not a module's own build
def published_home(hand_home: Path) -> Path:
    return hand_home


def census_values(published: Path, la: str) -> dict[str, float]:
    rows = query(
        published,
        "select kpi_code, value from kpi_values where la_code = ? and breakdown = 'total' "
        "and period_type = 'census_year' and period_start = ? and period_end = ?",
        [la, *YEAR],
    )
    return dict(rows)


# The DfE codes; the project's own KPIs are worked out in test_board_kpis_match_the_hand_computation.py.
DFE_KPIS = {
    "inpost_fte", "inpost_headcount", "starters_fte", "leavers_fte", "turnover_rate_fte",
    "agency_fte", "agency_rate_fte", "agency_cover_fte", "agency_cover_rate_fte", "vacancy_fte",
    "vacancy_rate_fte", "vacancy_agency_cover_rate_fte", "case_holders_fte", "cases",
    "caseload_fte", "working_days_lost_fte", "absence_rate_fte",
}  # fmt: skip


@pytest.mark.parametrize("la", ["383", "202", "ALL"])
def test_every_census_kpi_matches_the_hand_computation(published_home: Path, la: str):
    published = census_values(published_home / "published" / "workforce.duckdb", la)
    published = {code: value for code, value in published.items() if code in DFE_KPIS}
    expected = expected_kpis(la)
    assert set(published) == set(expected)
    for code, value in expected.items():
        assert published[code] == pytest.approx(value, abs=1e-9), code


def test_only_the_covered_census_year_is_published(published_home: Path):
    years = query(
        published_home / "published" / "workforce.duckdb",
        "select distinct period_end from kpi_values where period_type = 'census_year'",
    )
    assert [str(y) for (y,) in years] == ["2025-09-30"]


def test_agency_spend_is_summed_by_financial_year_with_credit_notes(published_home: Path):
    rows = query(
        published_home / "published" / "workforce.duckdb",
        "select period_start::varchar, value from kpi_values where kpi_code = 'agency_spend_gbp' "
        "and la_code = '383' and breakdown = 'total' and period_type = 'financial_year' order by 1",
    )
    assert rows == [("2024-04-01", 1000.0), ("2025-04-01", 1850.0 + 900.50 - 100.25)]


def test_leavers_are_split_by_length_of_service_and_reason(published_home: Path):
    rows = query(
        published_home / "published" / "workforce.duckdb",
        "select breakdown, breakdown_value, value from kpi_values where kpi_code = 'leavers_fte' "
        "and la_code = '383' and breakdown in ('service_band', 'leaving_reason')"
        " and period_end = '2025-09-30' order by 1, 2",
    )
    assert [(b, v, pytest.approx(x)) for b, v, x in rows] == [
        ("leaving_reason", "1", pytest.approx(1.8)),
        ("service_band", "5y+", pytest.approx(0.8)),
        ("service_band", "<2y", pytest.approx(1.0)),
    ]


def test_publication_is_logged_with_its_source_files(published_home: Path):
    published = published_home / "published" / "workforce.duckdb"
    ((run_id, status, files),) = query(
        published, "select run_id, status, source_files from publications"
    )
    assert status == "published"
    assert len(files) == 12 and all(len(f["sha256"]) == 64 for f in files)
    assert query(published, "select distinct published_run_id from kpi_values") == [(run_id,)]


def test_rerunning_the_same_landing_folder_loads_nothing_and_keeps_the_same_publication(
    published_home: Path, tmp_path: Path
):
    home = tmp_path / "again"
    shutil.copytree(published_home, home)
    before = (home / "published/workforce.duckdb").read_bytes()
    runs = sorted(path.name for path in (home / "audit/runs").iterdir())
    ((published_run,),) = query(
        home / "published/workforce.duckdb", "select run_id from publications"
    )
    result = run_workforce(home)
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())
    # as the sensor and the schedule would, the command starts no run: nothing to load
    assert f"Nothing new since run {published_run}" in said and "no run was started" in said
    assert "byte-identical" in said
    assert sorted(path.name for path in (home / "audit/runs").iterdir()) == runs
    # Identical KPIs: the very same file, run id included (and checked against the digest
    # recorded at publication before it said so).
    assert (home / "published/workforce.duckdb").read_bytes() == before
    assert (
        query(home / "warehouse/warehouse.duckdb", "select count(*) from audit.files")[0][0] == 12
    )
    raw_rows = "select count(*) from raw.hr_staff"
    assert query(home / "warehouse/warehouse.duckdb", raw_rows) == query(
        published_home / "warehouse/warehouse.duckdb", raw_rows
    )


def test_a_failed_check_blocks_publication_and_leaves_the_published_file_untouched(
    published_home: Path, tmp_path: Path
):
    home = tmp_path / "blocked"
    shutil.copytree(published_home, home)
    published = home / "published" / "workforce.duckdb"
    before = published.read_bytes()
    # Ingestion quarantines an FTE over 1; one that reached the raw layer anyway (a damaged
    # warehouse, an older pipeline) is caught by the Great Expectations suite on staging.
    with duckdb.connect(str(home / "warehouse/warehouse.duckdb")) as conn:
        conn.execute("update raw.hr_staff set fte = 1.5 where la_code = '202'")
    result = run_workforce(home)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "gx_stg_hr__staff" in result.stderr
    assert published.read_bytes() == before
    status, failed = query(
        home / "warehouse/warehouse.duckdb",
        "select status, failed_checks from audit.publications order by finished_at desc limit 1",
    )[0]
    assert status == "blocked" and any("gx_stg_hr__staff" in c for c in failed)


PERSONAL = [
    "Name of EMPX01",
    "1984-03-07",
    "EMPX01",
    "EMPX10",
    "AGWX01",
    "CHILDX03",
    "EMPY01",
    "CHILDY01",
]


def test_no_personal_data_reaches_marts_or_the_published_file(published_home: Path):
    needles = PERSONAL + [swe_number("EMPX01"), swe_number("EMPY01"), "SW9000000001"]
    for db, schemas in [
        (published_home / "published/workforce.duckdb", ("main",)),
        (published_home / "warehouse/warehouse.duckdb", ("marts", "intermediate")),
    ]:
        tables = query(
            db,
            "select table_schema, table_name from information_schema.tables where table_schema in ?",
            [list(schemas)],
        )
        assert tables
        for schema, table in tables:
            rows = query(db, f"select * from {schema}.{table}")
            text = "\n".join("|".join(map(str, row)) for row in rows)
            for needle in needles:
                assert needle not in text, f"{needle} found in {db.name}:{schema}.{table}"


def test_a_failed_dbt_test_blocks_publication_too(published_home: Path, tmp_path: Path):
    home = tmp_path / "blocked-by-dbt"
    shutil.copytree(published_home, home)
    published = home / "published" / "workforce.duckdb"
    before = published.read_bytes()
    # Ingestion quarantines unknown codes, so put one straight into the raw layer (as a
    # damaged warehouse or an older pipeline version might): dbt's code-list test still
    # stands between it and the published file.
    with duckdb.connect(str(home / "warehouse/warehouse.duckdb")) as conn:
        conn.execute("update raw.hr_staff set org_role = 9 where la_code = '202'")
    result = run_workforce(home)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "staging/stg_hr__staff:relationships_stg_hr__staff_org_role" in result.stderr
    assert published.read_bytes() == before


def test_too_many_quarantined_rows_block_publication(published_home: Path, tmp_path: Path):
    home = tmp_path / "blocked-by-quarantine"
    shutil.copytree(published_home, home)
    published = home / "published" / "workforce.duckdb"
    before = published.read_bytes()
    # 202's only worker now has an unknown role: 1 row of 1 quarantined (over 5%).
    write_extract(
        home / "landing",
        "202",
        "hr_staff",
        SNAPSHOT,
        [
            hr_staff(
                assignment_id="B1",
                employee_id="EMPY01",
                post_id="Q1",
                org_role=9,
                fte=1.0,
                start_date="2020-01-01",
            )
        ],
    )
    result = run_workforce(home)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "raw/hr_staff:quarantine_share" in result.stderr
    assert "202/hr_staff_20251031.csv: 1 of 1 rows quarantined" in result.stderr
    assert published.read_bytes() == before
    quarantined = query(
        home / "warehouse/warehouse.duckdb",
        "select file_name, source_row, column_name, value from audit.quarantine",
    )
    assert quarantined == [("202/hr_staff_20251031.csv", 2, "org_role", "9")]
    run_id = re.search(r"Run ([0-9a-f-]{36}):", result.stderr)[1]
    audit = (home / "audit" / "runs" / run_id / "quarantine.csv").read_text()
    assert "202/hr_staff_20251031.csv,2,org_role" in audit
    assert leaks(home) == []


@pytest.fixture(scope="module")
def rejected_and_suppressed(published_home: Path, tmp_path_factory) -> tuple:
    """One run, two independent changes that both publish: a bad payroll file beside a good
    timesheet file, and small-number suppression switched on in workforce.yaml."""
    home = tmp_path_factory.mktemp("rejected-and-suppressed") / "workforce-data"
    shutil.copytree(published_home, home)
    (home / "workforce.yaml").write_text("suppression_threshold: 5\n")
    bad = home / "landing" / "202" / "payroll_20251031.csv"
    bad.write_text("employee_id,assignment_id,pay_period\nEMPY01,B1,2025-10\n")
    good = write_extract(
        home / "landing",
        "383",
        "agency_timesheets",
        "2025-11-30",
        [
            agency_timesheets(
                timesheet_id="T5",
                assignment_id="G2",
                week_ending="2025-11-07",
                hours=18,
                charge_gbp=1000,
            ),
        ],
    )
    return home, run_workforce(home), bad, good


def test_a_rejected_file_exits_2_and_the_rest_still_publishes(rejected_and_suppressed):
    home, result, bad, good = rejected_and_suppressed
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "202/payroll_20251031.csv: missing required column(s) pay_element, amount_gbp"
        in result.stderr
    )
    published = home / "published/workforce.duckdb"
    (files,) = query(
        published,
        "select source_files from publications where status = 'published' "
        "order by finished_at desc limit 1",
    )[0]
    names = {f["file_name"] for f in files}
    assert "383/" + good.name in names and "202/" + bad.name not in names
    spend = query(
        published,
        "select value from kpi_values where kpi_code = 'agency_spend_gbp' "
        "and la_code = '383' and period_start = '2025-04-01' and period_type = 'financial_year'",
    )
    assert spend == [(1850.0 + 900.50 - 100.25 + 1000.0,)]
    (note,) = (home / "rejected").glob("*_payroll_20251031.csv.reason.txt")
    assert kept_file(home, note).read_bytes() == bad.read_bytes()
    assert leaks(home) == []


def test_small_numbers_can_be_suppressed_for_publication(rejected_and_suppressed):
    home, result, _, _ = rejected_and_suppressed
    assert "Published" in result.stderr, result.stderr
    rows = dict(
        query(
            home / "published/workforce.duckdb",
            "select kpi_code, value from kpi_values_for_publication where la_code = '383' "
            "and breakdown = 'total' and period_type = 'census_year'",
        )
    )
    # 383 has 4.4 FTE in post, 1.8 leavers: both under 5, so suppressed, and so is turnover.
    assert rows["inpost_fte"] == rows["leavers_fte"] == rows["turnover_rate_fte"] == "c"
    assert rows["cases"] == "7.0" and rows["caseload_fte"] == "2.4"  # not counts of people
    # The council's own kpi_values keeps every figure but the small counts of people on the
    # breakdowns that could identify someone (sex, ethnic group, age: kpi_breakdowns).
    assert (
        query(
            home / "published/workforce.duckdb",
            "select count(*) from kpi_values where value is null and breakdown not in"
            " (select breakdown from kpi_breakdowns where suppress_below is not null)",
        )[0][0]
        == 0
    )


def test_the_pseudonym_key_is_never_written_outside_its_file(published_home: Path):
    key = (published_home / "secrets" / "pseudonym.key").read_text().strip()
    assert len(key) == 64
    for path in published_home.rglob("*"):
        if path.is_file() and "secrets" not in path.parts:
            assert key.encode() not in path.read_bytes(), path
