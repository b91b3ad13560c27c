"""The dbt project against hand-made raw rows: every expected figure below is worked out by hand
from the rows in `populated_warehouse`, following docs/outputs.md."""

from __future__ import annotations

import csv
import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.contract import KINDS, Type
from orchestration.kpi_seeds import kpi_codes, kpi_wording
from orchestration.publish.suites import with_seed_values
from orchestration.report.export import PERCENT, export_publication
from orchestration.report.headline import explained
from orchestration.report.kpi_docs import kpi_definitions_markdown
from orchestration.settings import EXPECTATIONS_DIR, Settings
from orchestration.warehouse import create_schemas
from tests.builders import (
    agency_assignments,
    agency_timesheets,
    case_allocations,
    hr_absence,
    hr_establishment,
    hr_pay_offer,
    hr_staff,
)
from tests.dbt.dbt_cli import run_dbt

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
KPI_COLUMNS = [
    "la_code", "kpi_code", "breakdown", "breakdown_value", "period_type", "period_start",
    "period_end", "value", "numerator", "denominator", "unit", "target", "rag",
    "national_value", "neighbour_median", "rank", "rank_of", "published_run_id",
]  # fmt: skip


def dbt_build(warehouse: Path, work_dir: Path) -> subprocess.CompletedProcess:
    return run_dbt("build", warehouse=warehouse, work_dir=work_dir)


class RawWriter:
    """Inserts raw rows the way ingestion stores them, filling the metadata columns."""

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn
        self.source_rows = itertools.count(1)

    def file(self, la_code: str, kind: str, extract_date: str, status: str = "loaded") -> str:
        file_id = f"{la_code}-{kind}-{extract_date}-{status}"
        self.conn.execute(
            "insert into audit.files (file_id, la_code, kind, extract_date, file_name, status,"
            " received_at) values (?, ?, ?, ?, ?, ?, current_timestamp)",
            [file_id, la_code, kind, extract_date, f"{la_code}/{kind}_{extract_date}.csv", status],
        )
        return file_id

    def snapshot_row(self, kind: str, la_code: str, valid_from: str, valid_to=None, row=None):
        row = raw_row(kind, row)
        key = "|".join(str(row[k]) for k in KINDS[kind].key)
        self.insert(
            kind,
            la_code=la_code,
            record_key=key,
            row_hash=str(hash(tuple(sorted(row.items())))),
            valid_from=valid_from,
            valid_to=valid_to,
            file_id=f"{la_code}-{kind}-{valid_from}-loaded",
            **row,
        )

    def period_row(self, kind: str, la_code: str, extract_date: str, row: dict):
        self.insert(
            kind,
            la_code=la_code,
            extract_date=extract_date,
            file_id=f"{la_code}-{kind}-{extract_date}-loaded",
            **raw_row(kind, row),
        )

    def insert(self, kind: str, **row):
        row["source_row"] = next(self.source_rows)
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.conn.execute(
            f"insert into raw.{kind} ({columns}) values ({marks})", list(row.values())
        )


def raw_row(kind: str, row: dict) -> dict:
    """A contract row (tests/builders.py) as ingestion stores it: names dropped, identifiers
    under their pseudonym columns (the test's ids stand in for pseudonyms), booleans typed."""
    stored = {}
    for column in KINDS[kind].stored_columns:
        if column.name in row:
            value = row[column.name]
            stored[column.raw_name] = (
                value in ("true", "1", "Y") if column.type is Type.BOOL else value
            )
    return stored


# What the rows below share; the contract's optional columns are left empty unless given.
NOT_GIVEN = {"full_name": None, "gender": None, "ethnicity": None, "swe_number": None}
CP1 = {"service_area": "Child Protection", "team": "CP1"}


def staff(raw: RawWriter, la: str, valid_from: str, valid_to=None, *, cfsw=True, **row):
    row = hr_staff(
        **NOT_GIVEN, **CP1, date_of_birth="1985-06-01", registered_social_worker=cfsw, **row
    )
    raw.snapshot_row("hr_staff", la, valid_from, valid_to, row)


def agency(raw: RawWriter, la: str, valid_from: str, *, cfsw=True, **row):
    row = agency_assignments(
        swe_number=None, service_area="Front Door", team="FD1", registered_social_worker=cfsw, **row
    )
    raw.snapshot_row("agency_assignments", la, valid_from, row=row)


def post(raw: RawWriter, la: str, valid_from: str, **row):
    raw.snapshot_row(
        "hr_establishment", la, valid_from, row=hr_establishment(org_role=None, **CP1, **row)
    )


def allocation(raw: RawWriter, la: str, valid_from: str, allocation_id: str, worker: str,
               child: str, source: str = "employee", start="2024-06-01", end=None):  # fmt: skip
    row = case_allocations(
        allocation_id=allocation_id, child_id=child, worker_id=worker, worker_source=source,
        team="CP1", case_type="CP", allocation_start=start, allocation_end=end,
    )  # fmt: skip
    raw.snapshot_row("case_allocations", la, valid_from, row=row)


@pytest.fixture(scope="module")
def populated_warehouse(tmp_path_factory) -> Path:
    """Two authorities. 801 delivers every kind; its census year 2024 basis is the 15 Oct 2024
    snapshot (1 Sep is before census day, 1 Apr 2025 is after the 153-day window, 1 Nov was
    superseded). 802 delivers hr_staff only, on 10 Oct 2023 and 1 Dec 2024."""
    work = tmp_path_factory.mktemp("populated")
    warehouse = work / "warehouse.duckdb"
    conn = duckdb.connect(str(warehouse))
    create_schemas(conn)
    raw = RawWriter(conn)

    for kind in ("hr_staff", "hr_establishment", "agency_assignments", "case_allocations",
                 "hr_absence", "agency_timesheets"):  # fmt: skip
        raw.file("801", kind, "2024-10-15")
    raw.file("801", "hr_staff", "2024-09-01")
    raw.file("801", "hr_staff", "2024-11-01", status="superseded")
    raw.file("801", "hr_staff", "2025-04-01")
    raw.file("801", "hr_absence", "2024-02-01")
    raw.file("801", "agency_timesheets", "2024-04-10")
    raw.file("802", "hr_staff", "2023-10-10")
    raw.file("802", "hr_staff", "2024-12-01")

    basis = "2024-10-15"
    # --- 801 staff: in post at 30 Sep 2024 = E1 1.0 + E2 0.8 + E3 1.0 = 2.8 FTE, 3 people
    staff(raw, "801", "2024-09-01", assignment_id="s1", employee_id="E1", post_id="P1",
          fte=1.0, start_date="2020-01-01")  # fmt: skip
    # E2 moves between CFSW posts (ends 31 Mar, starts 1 Apr): neither starter nor leaver
    staff(raw, "801", basis, assignment_id="s2", employee_id="E2", post_id="P2",
          fte=0.5, start_date="2022-01-01", end_date="2024-03-31", leaving_reason=7)  # fmt: skip
    staff(raw, "801", basis, assignment_id="s3", employee_id="E2", post_id="P2",
          org_role=4, fte=0.8, start_date="2024-04-01")  # fmt: skip
    # E3 starts in the year: starters_fte 1.0
    staff(raw, "801", basis, assignment_id="s4", employee_id="E3", post_id="P2",
          fte=1.0, start_date="2023-11-01")  # fmt: skip
    # leavers: E4 0.6 (end 30 Sep, 5y+, reason 1), E5 1.0 (<2y from start, reason 3),
    # E7 1.0 (2-5y, reason 2, recorded late: the 1 Sep version still showed them in post)
    staff(raw, "801", basis, assignment_id="s5", employee_id="E4", fte=0.6,
          start_date="2015-06-01", end_date="2024-09-30", leaving_reason=1,
          service_start_date="2010-01-01")  # fmt: skip
    staff(raw, "801", basis, assignment_id="s6", employee_id="E5", fte=1.0,
          start_date="2023-02-01", end_date="2024-05-31", leaving_reason=3)  # fmt: skip
    staff(raw, "801", "2024-09-01", basis, assignment_id="s8", employee_id="E7",
          fte=1.0, start_date="2021-01-01", service_start_date="2021-01-01")  # fmt: skip
    staff(raw, "801", basis, assignment_id="s8", employee_id="E7", fte=1.0,
          start_date="2021-01-01", end_date="2024-08-31", leaving_reason=2,
          service_start_date="2021-01-01")  # fmt: skip
    # not a CFSW (not registered): counts nowhere
    staff(raw, "801", basis, cfsw=False, assignment_id="s7", employee_id="E6",
          fte=1.0, start_date="2020-01-01")  # fmt: skip
    # only in the snapshot after the window: not part of census year 2024
    staff(raw, "801", "2025-04-01", assignment_id="s9", employee_id="E8", fte=1.0,
          start_date="2024-08-01")  # fmt: skip

    # --- 801 establishment: vacancies P2 2.0 - 1.8 = 0.2, P3 1.5 (ends on census day) = 1.7
    post(raw, "801", basis, post_id="P1", budgeted_fte=1.0, effective_from="2019-01-01")
    post(raw, "801", basis, post_id="P2", budgeted_fte=2.0, effective_from="2019-01-01")
    post(raw, "801", basis, post_id="P3", budgeted_fte=1.5, effective_from="2019-01-01",
         effective_to="2024-09-30")  # fmt: skip
    post(raw, "801", basis, post_id="P4", budgeted_fte=1.0, effective_from="2019-01-01",
         effective_to="2024-09-29")  # fmt: skip
    post(raw, "801", basis, post_id="P5", budgeted_fte=3.0, effective_from="2019-01-01",
         social_work_post=False)  # fmt: skip

    # --- 801 agency: in post W1 1.0 (vacancy) + W2 0.5 (sickness) = 1.5, cover 1.0
    agency(raw, "801", basis, assignment_id="A1", agency_worker_id="W1",
           cover_reason="vacancy", fte=1.0, start_date="2024-06-01")  # fmt: skip
    agency(raw, "801", basis, assignment_id="A2", agency_worker_id="W2",
           cover_reason="sickness", fte=0.5, start_date="2024-01-01", end_date="2024-12-31")  # fmt: skip
    agency(raw, "801", basis, assignment_id="A3", agency_worker_id="W3",
           cover_reason="vacancy", fte=1.0, start_date="2024-01-01", end_date="2024-09-30")  # fmt: skip
    agency(raw, "801", basis, cfsw=False, assignment_id="A4", agency_worker_id="W4",
           cover_reason="vacancy", fte=1.0, start_date="2024-01-01")  # fmt: skip

    # --- 801 allocations at 30 Sep: E1 3 children, E3 2 (C1 shared), W1 1 -> 6 cases, 3.0 FTE
    allocation(raw, "801", basis, "al1", "E1", "C1")
    allocation(raw, "801", basis, "al2", "E1", "C1", start="2024-07-01")
    allocation(raw, "801", basis, "al3", "E1", "C2")
    allocation(raw, "801", basis, "al4", "E1", "C3")
    allocation(raw, "801", basis, "al5", "E3", "C1")
    allocation(raw, "801", basis, "al6", "E3", "C4")
    allocation(raw, "801", basis, "al7", "W1", "C5", source="agency")
    allocation(raw, "801", basis, "al8", "E4", "C6")  # E4 left on 30 Sep
    allocation(raw, "801", basis, "al9", "E6", "C7")  # not a CFSW
    allocation(raw, "801", basis, "al10", "E1", "C8", end="2024-09-30")
    allocation(raw, "801", basis, "al11", "E2", "C9", start="2024-10-01")

    # --- 801 sickness in 2024: 1.5 (3 of 5 weekdays of 2.5) + 5 (newest row) + 2 = 8.5 days
    def absence(extract, **row):
        raw.period_row("hr_absence", "801", extract, hr_absence(**row))

    absence("2024-10-15", absence_id="ab1", employee_id="E1", absence_type="SIC",
            start_date="2024-09-26", end_date="2024-10-02", working_days_lost=2.5)  # fmt: skip
    absence("2024-02-01", absence_id="ab2", employee_id="E3", absence_type="SIC",
            start_date="2024-01-08", end_date="2024-01-12", working_days_lost=4)  # fmt: skip
    absence("2024-10-15", absence_id="ab2", employee_id="E3", absence_type="SIC",
            start_date="2024-01-08", end_date="2024-01-12", working_days_lost=5)  # fmt: skip
    absence("2024-10-15", absence_id="ab3", employee_id="E6", absence_type="SIC",
            start_date="2024-03-04", end_date="2024-03-06", working_days_lost=3)  # fmt: skip
    absence("2024-10-15", absence_id="ab4", employee_id="E4", absence_type="SIC",
            start_date="2024-03-04", end_date="2024-03-05", working_days_lost=2)  # fmt: skip
    absence("2024-10-15", absence_id="ab5", employee_id="E1", absence_type="MAT",
            start_date="2024-01-01", end_date="2024-03-29", working_days_lost=64)  # fmt: skip

    # --- 801 agency spend: FY2023 1000.00; FY2024 1200.50 (newest row) - 200.00 = 1000.50
    def timesheet(extract, **row):
        raw.period_row("agency_timesheets", "801", extract, agency_timesheets(**row))

    timesheet("2024-04-10", timesheet_id="T1", assignment_id="A1", week_ending="2024-03-29",
              hours=20, charge_gbp=1000)  # fmt: skip
    timesheet("2024-04-10", timesheet_id="T2", assignment_id="A1", week_ending="2024-04-05",
              hours=22, charge_gbp=1100)  # fmt: skip
    timesheet("2024-10-15", timesheet_id="T2", assignment_id="A1", week_ending="2024-04-05",
              hours=24, charge_gbp=1200.50)  # fmt: skip
    timesheet("2024-10-15", timesheet_id="T3", assignment_id="A2", week_ending="2025-03-28",
              hours=0, charge_gbp=-200)  # fmt: skip

    # --- 802: staff only. 2023: F1 1.0 + F2 0.5 in post. 2024: F1 1.0 in post, F2 left
    # 29 Feb 2024 (0.5 FTE, <2y, reason 1) as the 1 Dec 2024 version shows.
    staff(raw, "802", "2023-10-10", assignment_id="f1", employee_id="F1", fte=1.0,
          start_date="2019-04-01")  # fmt: skip
    staff(raw, "802", "2023-10-10", "2024-12-01", assignment_id="f2", employee_id="F2",
          fte=0.5, start_date="2022-05-01", service_start_date="2023-01-01")  # fmt: skip
    staff(raw, "802", "2024-12-01", assignment_id="f2", employee_id="F2", fte=0.5,
          start_date="2022-05-01", end_date="2024-02-29", leaving_reason=1,
          service_start_date="2023-01-01")  # fmt: skip

    # --- 801 pay offer: the 30 Sep 2024 snapshot is census year 2024's basis (the 1 Apr 2025
    # one is after the window); car_allowance changed in it, cost_dbs was dropped
    raw.file("801", "hr_pay_offer", "2024-09-30")
    raw.file("801", "hr_pay_offer", "2025-04-01")
    for item, eligible, valid_to in (
        ("car_allowance", "none", "2025-04-01"),
        ("cost_swe", "all", None),
        ("cost_dbs", "some", "2025-04-01"),
    ):
        raw.snapshot_row(
            "hr_pay_offer",
            "801",
            "2024-09-30",
            valid_to,
            hr_pay_offer(item=item, eligible=eligible),
        )
    raw.snapshot_row(
        "hr_pay_offer", "801", "2024-09-30",
        row=hr_pay_offer(item="other_allowances", eligible=None, detail="Lease car scheme"),
    )  # fmt: skip
    raw.snapshot_row(
        "hr_pay_offer", "801", "2025-04-01", row=hr_pay_offer(item="car_allowance", eligible="all")
    )
    conn.close()

    dbt_build(warehouse, work)
    return warehouse


@pytest.fixture(scope="module")
def kpis(populated_warehouse) -> dict[tuple, tuple]:
    """(la_code, kpi_code, breakdown_value, period_start) -> (value, numerator, denominator,
    unit, target, rag, national_value)."""
    with duckdb.connect(str(populated_warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select la_code, kpi_code, breakdown_value, period_start::varchar, value, numerator,"
            " denominator, unit, target, rag, national_value from marts.kpi_values"
        ).fetchall()
    return {row[:4]: row[4:] for row in rows}


Y2024 = "2023-10-01"  # period_start of census year 2024
Y2023 = "2022-10-01"


def value(kpis, la, code, period=Y2024, breakdown="total"):
    return kpis[(la, code, breakdown, period)][0]


def test_an_empty_warehouse_builds_an_empty_kpi_table(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        create_schemas(conn)
    dbt_build(warehouse, tmp_path)
    # The dbt unit tests run here (pipeline runs leave them out): every one, and each passed.
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    unit = [r for r in results if r["unique_id"].startswith("unit_test.")]
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    assert len(unit) == len(manifest["unit_tests"]) > 10
    assert {r["status"] for r in unit} == {"pass"}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from marts.kpi_values").fetchone() == (0,)
        columns = conn.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'marts' and table_name = 'kpi_values' order by ordinal_position"
        ).fetchall()
    assert [name for name, _ in columns] == KPI_COLUMNS
    assert dict(columns)["value"] == "DOUBLE"


def test_census_years_use_the_latest_snapshot_within_the_return_window(populated_warehouse):
    with duckdb.connect(str(populated_warehouse), read_only=True) as conn:
        years = conn.execute(
            "select la_code, census_year, staff_basis_date::varchar, agency_basis_date::varchar"
            " from intermediate.int_census_years order by all"
        ).fetchall()
    assert years == [
        ("801", 2024, "2024-10-15", "2024-10-15"),
        ("802", 2023, "2023-10-10", None),
        ("802", 2024, "2024-12-01", None),
    ]


def test_a_census_year_reports_the_pay_offer_of_its_basis_snapshot(populated_warehouse):
    with duckdb.connect(str(populated_warehouse), read_only=True) as conn:
        bases = conn.execute(
            "select la_code, census_year, pay_offer_basis_date::varchar"
            " from intermediate.int_census_years order by all"
        ).fetchall()
        offer = conn.execute(
            "select la_code, census_year, item, eligible, detail"
            " from intermediate.int_pay_offer_at_census_basis order by all"
        ).fetchall()
    assert bases == [("801", 2024, "2024-09-30"), ("802", 2023, None), ("802", 2024, None)]
    assert offer == [
        ("801", 2024, "car_allowance", "none", None),
        ("801", 2024, "cost_dbs", "some", None),
        ("801", 2024, "cost_swe", "all", None),
        ("801", 2024, "other_allowances", None, "Lease car scheme"),
    ]


def test_stocks_count_employed_cfsws_in_post_on_30_september(kpis):
    assert value(kpis, "801", "inpost_fte") == pytest.approx(2.8)
    assert value(kpis, "801", "inpost_headcount") == 3
    assert kpis[("801", "inpost_fte", "total", Y2024)][3] == "fte"


def test_a_move_between_posts_is_neither_a_start_nor_a_leave(kpis):
    assert value(kpis, "801", "starters_fte") == pytest.approx(1.0)
    assert value(kpis, "801", "leavers_fte") == pytest.approx(2.6)
    turnover = kpis[("801", "turnover_rate_fte", "total", Y2024)]
    assert turnover[:3] == pytest.approx((100 * 2.6 / 2.8, 2.6, 2.8))
    assert turnover[3:6] == ("percent", 15.0, "red")


def test_leavers_are_broken_down_by_service_band_and_reason(kpis):
    assert value(kpis, "801", "leavers_fte", breakdown="5y+") == pytest.approx(0.6)
    assert value(kpis, "801", "leavers_fte", breakdown="2-5y") == pytest.approx(1.0)
    assert value(kpis, "801", "leavers_fte", breakdown="<2y") == pytest.approx(1.0)
    assert value(kpis, "801", "leavers_fte", breakdown="3") == pytest.approx(1.0)
    assert value(kpis, "ALL", "leavers_fte", breakdown="<2y") == pytest.approx(1.5)
    assert value(kpis, "ALL", "leavers_fte", breakdown="1") == pytest.approx(1.1)


def test_people_are_counted_once_and_small_counts_of_them_suppressed(kpis):
    # leavers E4, E5 (15 months' service: not in their first year) and E7; starter E3
    assert value(kpis, "801", "leavers_headcount") == 3
    assert value(kpis, "801", "starters_headcount") == 1
    assert value(kpis, "801", "first_year_leavers_headcount") == 0
    # E2 moves from a case-holder post (5) to a senior practitioner post (4) on 1 Apr: a
    # promotion and an internal fill; E3's start is external
    assert value(kpis, "801", "promotions_headcount", breakdown="senior_practitioner") == 1
    assert value(kpis, "801", "internal_fill_percent") == pytest.approx(50.0)
    # turnover by role: 2.6 FTE of case holders left over 2.0 in post; none of role 4 left
    assert value(kpis, "801", "turnover_rate_fte", breakdown="5") == pytest.approx(130.0)
    assert value(kpis, "801", "turnover_rate_fte", breakdown="4") == 0
    # in post on 30 Sep: E1 (since 2020) and E2 (2022) 2-5 years, E3 under 2
    assert value(kpis, "801", "inpost_headcount", breakdown="2-5y") == 2
    assert value(kpis, "801", "inpost_headcount", breakdown="<2y") == 1
    # the three are 39 (born 1 Jun 1985) and of no recorded sex: fewer than 5, suppressed
    assert kpis[("801", "inpost_headcount", "30_39", Y2024)][:3] == (None, None, None)
    assert kpis[("801", "inpost_headcount", "0", Y2024)][:3] == (None, None, None)


def test_agency_vacancy_and_caseload_kpis(kpis):
    assert value(kpis, "801", "agency_fte") == pytest.approx(1.5)
    assert value(kpis, "801", "agency_cover_fte") == pytest.approx(1.0)
    assert value(kpis, "801", "agency_rate_fte") == pytest.approx(100 * 1.5 / 4.3)
    assert value(kpis, "801", "agency_cover_rate_fte") == pytest.approx(100 / 1.5)
    assert value(kpis, "801", "vacancy_fte") == pytest.approx(1.7)
    assert value(kpis, "801", "vacancy_rate_fte") == pytest.approx(100 * 1.7 / 4.5)
    assert value(kpis, "801", "vacancy_agency_cover_rate_fte") == pytest.approx(100 / 1.7)
    assert value(kpis, "801", "case_holders_fte") == pytest.approx(3.0)
    assert value(kpis, "801", "cases") == 6
    caseload = kpis[("801", "caseload_fte", "total", Y2024)]
    assert caseload[:6] == pytest.approx((2.0, 6, 3.0, "cases", 15.0, "green"))


def test_sickness_is_split_by_weekdays_and_rated_against_253_days(kpis):
    assert value(kpis, "801", "working_days_lost_fte") == pytest.approx(8.5)
    assert kpis[("801", "working_days_lost_fte", "total", Y2024)][3] == "days"
    absence = kpis[("801", "absence_rate_fte", "total", Y2024)]
    assert absence[:3] == pytest.approx((100 * 8.5 / (2.8 * 253), 8.5, 2.8 * 253))


def test_kpis_of_an_extract_without_a_basis_snapshot_are_left_out(kpis):
    codes_802 = {code for (la, code, _, period) in kpis if la == "802" and period == Y2024}
    assert codes_802 == {
        "inpost_fte", "inpost_headcount", "starters_fte", "leavers_fte", "turnover_rate_fte",
        "starters_headcount", "leavers_headcount", "first_year_leavers_headcount",
        "first_year_leavers_percent", "asye_inpost_headcount", "promotions_headcount",
    }  # fmt: skip
    # 2023: nobody left, so turnover is 0 (a rate over 1.5 FTE), not missing
    assert value(kpis, "802", "inpost_fte", period=Y2023) == pytest.approx(1.5)
    assert value(kpis, "802", "turnover_rate_fte", period=Y2023) == 0


def test_all_authorities_sum_counts_and_recompute_rates(kpis):
    assert value(kpis, "ALL", "inpost_fte") == pytest.approx(3.8)
    assert value(kpis, "ALL", "turnover_rate_fte") == pytest.approx(100 * 3.1 / 3.8)
    # 802 has no agency extract: its in-post FTE does not dilute the agency rate
    agency_rate = kpis[("ALL", "agency_rate_fte", "total", Y2024)]
    assert agency_rate[:3] == pytest.approx((100 * 1.5 / 4.3, 1.5, 4.3))
    assert value(kpis, "ALL", "inpost_fte", period=Y2023) == pytest.approx(1.5)


def test_agency_spend_is_summed_by_financial_year(kpis):
    assert value(kpis, "801", "agency_spend_gbp", period="2023-04-01") == pytest.approx(1000)
    spend = kpis[("801", "agency_spend_gbp", "total", "2024-04-01")]
    assert spend[0] == pytest.approx(1000.50)
    assert spend[1:4] == (None, None, "gbp")
    assert value(kpis, "ALL", "agency_spend_gbp", period="2024-04-01") == pytest.approx(1000.50)


def test_the_england_figure_of_the_year_is_attached(kpis):
    assert kpis[("801", "inpost_fte", "total", Y2024)][6] == pytest.approx(34328.2)
    assert kpis[("ALL", "turnover_rate_fte", "total", Y2024)][6] == pytest.approx(13.9)
    assert kpis[("801", "leavers_fte", "5y+", Y2024)][6] is None


def test_personal_data_stops_at_the_raw_layer(populated_warehouse):
    with duckdb.connect(str(populated_warehouse), read_only=True) as conn:
        leaked = conn.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where table_schema <> 'raw'"
            " and column_name in ('date_of_birth', 'full_name', 'employee_id', 'child_id',"
            " 'agency_worker_id', 'swe_number', 'worker_id')"
        ).fetchall()
        age_bands = conn.execute("select distinct age_band from staging.stg_hr__staff").fetchall()
    assert leaked == []
    assert age_bands == [("30-39",)]


# --- a new KPI is one seed row and its model ---------------------------------------------------

NEW_KPI_ROW = {  # a row of seeds/kpi_definitions.csv, as a contributor would add it
    "kpi_code": "starters_rate_fte",
    "unit": "percent",
    "description": "100 x starters_fte / inpost_fte",
    "is_rate": "true",
    "all_authorities": "sum",
    "label": "Starter rate (FTE)",
    "is_headline": "false",
    "is_benchmarked": "false",
    "numerator_label": "FTE starters in the year",
    "denominator_label": "FTE employed in post",
}
NEW_KPI_MODEL = """
select
    la_code,
    'starters_rate_fte' as kpi_code,
    'total' as breakdown,
    'total' as breakdown_value,
    'census_year' as period_type,
    period_start_date as period_start,
    census_date as period_end,
    census_year,
    cast(starters_fte as decimal(38, 12)) as numerator,
    cast(inpost_fte as decimal(38, 12)) as denominator
from {{ ref('fct_workforce_census') }}
"""


def test_a_kpi_added_to_the_seed_reaches_kpi_values_the_export_and_the_docs(
    populated_warehouse, tmp_path
):
    """A copy of the project with one new row in seeds/kpi_definitions.csv, its model and its
    union line in int_kpi_inputs.sql: nothing else is edited (the unit tests of kpi_values
    included), and the KPI is published, exported
    with its label and format, documented and allowed by the kpi_values suite. By hand: 801's
    census year 2024 has 1.0 FTE starter (E3) and 2.8 FTE in post, so 100 x 1.0 / 2.8."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR.parent / "seeds", project / "seeds")
    shutil.copytree(
        PROJECT_DIR, project / "dbt_project", symlinks=True,
        ignore=shutil.ignore_patterns("target", "logs"),
    )  # fmt: skip
    seeds = project / "seeds"
    with (seeds / "kpi_definitions.csv").open(newline="") as f:
        columns = next(csv.reader(f))
    with (seeds / "kpi_definitions.csv").open("a", newline="") as f:
        csv.DictWriter(f, columns, restval="", lineterminator="\n").writerow(NEW_KPI_ROW)
    kpi_dir = project / "dbt_project" / "models" / "intermediate" / "kpi"
    (kpi_dir / "int_kpi_inputs__starter_rate.sql").write_text(NEW_KPI_MODEL)
    union = kpi_dir / "int_kpi_inputs.sql"
    union.write_text(
        union.read_text()
        + "union all by name\nselect * from {{ ref('int_kpi_inputs__starter_rate') }}\n"
    )
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(populated_warehouse, warehouse)
    dbt = Path(sys.executable).with_name("dbt")
    built = subprocess.run(
        [str(dbt), "build", "--select", "kpi_definitions int_kpi_inputs__starter_rate int_kpi_inputs kpi_values+",
         "--project-dir", str(project / "dbt_project"), "--profiles-dir", str(PROJECT_DIR),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        env={**os.environ, "WORKFORCE_WAREHOUSE": str(warehouse)}, capture_output=True, text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-6000:]

    expected = 100 * 1.0 / 2.8
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        published = conn.execute(
            "select la_code, value, numerator, denominator from marts.kpi_values_by_authority"
            " where kpi_code = 'starters_rate_fte' and period_start = ? and breakdown = 'total'",
            [Y2024],
        ).fetchall()
    assert [(la, round(v, 9), n, d) for la, v, n, d in published if la == "801"] == [
        ("801", round(expected, 9), 1.0, 2.8)
    ]

    # the export: its label beside the code, shown as a percentage
    home = tmp_path / "home"
    (home / "published").mkdir(parents=True)
    with duckdb.connect(str(home / "published" / "workforce.duckdb")) as conn:
        conn.execute(f"attach '{warehouse}' as wh (read_only)")
        conn.execute("create table kpi_values as select * from wh.marts.kpi_values")
        conn.execute("create table kpi_definitions as select * from wh.reference.kpi_definitions")
    done = export_publication(Settings(home=home), "xlsx", tmp_path / "export")
    sheet = openpyxl.load_workbook(done.tables[0].path)["kpi_values"]
    header = [c.value for c in sheet[1]]
    new_rows = [
        dict(zip(header, row, strict=True))
        for row in sheet.iter_rows(min_row=2)
        if row[header.index("kpi_code")].value == "starters_rate_fte"
    ]
    assert new_rows and {r["kpi_label"].value for r in new_rows} == {"Starter rate (FTE)"}
    assert {r["value"].number_format for r in new_rows} == {PERCENT}

    # the docs, the headline wording and the kpi_values suite, from the seeds alone
    page = kpi_definitions_markdown(seeds)
    assert "### Starter rate (FTE) (`starters_rate_fte`)" in page
    assert "- Numerator: FTE starters in the year; denominator: FTE employed in post." in page
    assert (
        explained("starters_rate_fte", 1.0, 2.8, kpi_wording(seeds))
        == "1.0 FTE starters in the year ÷ 2.8 FTE employed in post"
    )
    suite = with_seed_values(json.loads((EXPECTATIONS_DIR / "kpi_values.json").read_text()), seeds)
    (codes,) = [
        e["kwargs"]["value_set"]
        for e in suite["expectations"]
        if e["kwargs"].get("column") == "kpi_code" and "value_set" in e["kwargs"]
    ]
    assert "starters_rate_fte" in codes and "starters_rate_fte" not in kpi_codes()
