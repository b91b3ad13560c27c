"""`workforce census` on the hand fixture (tests/census/conftest.py): the XML element by
element, its schema validity, the report's findings, the exit codes and the file's mode."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from tests.builders import swe_number
from tests.census.dfe_aggregate import aggregate
from tests.census.test_each_collection_writes_its_own_items import EXPECTED_202_2025
from tests.conftest import PROJECT_ROOT, query, run_workforce

# the tests of this module write into one home: one xdist worker runs them all
pytestmark = pytest.mark.xdist_group("census_home")

COLLECTIONS = PROJECT_ROOT / "orchestration" / "census" / "collections"
SCHEMA = etree.XMLSchema(etree.parse(str(COLLECTIONS / "csww_2025.xsd")))
NOT_READY = "csww-383-2025-NOT-READY-has-errors.xml"


@pytest.fixture(scope="module")
def returns(census_home: Path) -> dict[str, subprocess.CompletedProcess]:
    """The command run once per case: 383 (errors), 202 (ready), an unpublished authority."""
    return {
        "383": run_workforce(census_home, "census", "--la", "383", "--year", "2025"),
        "202": run_workforce(census_home, "census", "--la", "202", "--year", "2025"),
        "999": run_workforce(census_home, "census", "--la", "999", "--year", "2025"),
    }


def workers_by_swe(path: Path) -> dict[str, list[tuple[str, str]]]:
    root = etree.parse(str(path)).getroot()
    return {
        worker.findtext("SWENo"): [(child.tag, child.text) for child in worker]
        for worker in root.iter("CSWWWorker")
    }


def employed(swe_of: str, *items: tuple[str, str]) -> list[tuple[str, str]]:
    return [("AgencyWorker", "0"), ("SWENo", swe_number(swe_of)), *items]


EXPECTED_383 = {
    swe_number("EMPC01"): employed(
        "EMPC01",
        ("FTE", "1.000000"),
        ("PersonBirthDate", "1984-03-07"),
        ("Sex", "F"),
        ("Ethnicity", "WBRI"),
        ("QualLevel", "1"),
        ("StepUpGrad", "0"),
        ("OrgRole", "5"),
        ("RoleStartDate", "2020-01-01"),
        ("StartOrigin", "2"),
        ("FTE30", "1.000000"),
        ("Cases30", "2"),
        ("WorkingDaysLost", "2.00"),  # 29 and 30 September of the 5-day episode
        ("FrontlineGrad", "0"),
        ("Absat30Sept", "1"),
        ("ReasonAbsence", "SIC"),
        ("BaseSalary", "41250.00"),
        ("RRPayments", "0.00"),
        ("OtherPayments", "0.00"),
    ),
    # the mover: one record, started in the first post, the second post's role
    swe_number("EMPC02"): employed(
        "EMPC02",
        ("FTE", "1.000000"),
        ("PersonBirthDate", "1984-03-07"),
        ("Sex", "F"),
        ("Ethnicity", "WBRI"),
        ("QualLevel", "2"),
        ("StepUpGrad", "0"),
        ("OrgRole", "4"),
        ("RoleStartDate", "2019-05-01"),
        ("StartOrigin", "3"),
        ("FTE30", "1.000000"),
        ("Cases30", "0"),
        ("WorkingDaysLost", "0.00"),
        ("FrontlineGrad", "0"),
        ("Absat30Sept", "0"),
        ("BaseSalary", "44000.00"),
        ("RRPayments", "0.00"),
        ("OtherPayments", "0.00"),
    ),
    # the leaver on 30 September: FTE 0, the FTE on leaving in FTE30, reason and destination
    swe_number("EMPC03"): employed(
        "EMPC03",
        ("FTE", "0"),
        ("PersonBirthDate", "1984-03-07"),
        ("Sex", "F"),
        ("Ethnicity", "WBRI"),
        ("QualLevel", "1"),
        ("StepUpGrad", "0"),
        ("OrgRole", "5"),
        ("RoleStartDate", "2018-06-01"),
        ("StartOrigin", "2"),
        ("RoleEndDate", "2025-09-30"),
        ("LeaverDestination", "1"),
        ("ReasonLeave", "1"),
        ("FTE30", "0.800000"),
        ("WorkingDaysLost", "0.00"),
        ("FrontlineGrad", "0"),
        ("RRPayments", "0.00"),
        ("OtherPayments", "150.50"),
    ),
    # the part-time starter
    swe_number("EMPC04"): employed(
        "EMPC04",
        ("FTE", "0.500000"),
        ("PersonBirthDate", "1999-05-01"),
        ("Sex", "F"),
        ("Ethnicity", "WBRI"),
        ("QualLevel", "1"),
        ("StepUpGrad", "0"),
        ("OrgRole", "5"),
        ("RoleStartDate", "2025-01-06"),
        ("StartOrigin", "1"),
        ("FTE30", "0.500000"),
        ("Cases30", "1"),
        ("WorkingDaysLost", "1.00"),
        ("FrontlineGrad", "0"),
        ("Absat30Sept", "0"),
        ("BaseSalary", "18500.00"),
        ("RRPayments", "2000.00"),
        ("OtherPayments", "0.00"),
    ),
    # the case holder without cases, recruited through Frontline
    swe_number("EMPC05"): employed(
        "EMPC05",
        ("FTE", "1.000000"),
        ("PersonBirthDate", "1948-01-01"),
        ("Sex", "F"),
        ("Ethnicity", "WBRI"),
        ("QualLevel", "2"),
        ("StepUpGrad", "0"),
        ("OrgRole", "5"),
        ("RoleStartDate", "2016-03-01"),
        ("StartOrigin", "1"),
        ("FTE30", "1.000000"),
        ("Cases30", "0"),
        ("WorkingDaysLost", "0.00"),
        ("FrontlineGrad", "1"),
        ("Absat30Sept", "0"),
        ("BaseSalary", "39000.00"),
        ("RRPayments", "0.00"),
        ("OtherPayments", "0.00"),
    ),
    # no qualifying institution: the item is left out, never made up
    swe_number("EMPC06"): employed(
        "EMPC06",
        ("FTE", "1.000000"),
        ("PersonBirthDate", "1984-03-07"),
        ("Sex", "F"),
        ("Ethnicity", "WBRI"),
        ("QualLevel", "1"),
        ("StepUpGrad", "0"),
        ("OrgRole", "3"),
        ("RoleStartDate", "2021-09-01"),
        ("StartOrigin", "2"),
        ("FTE30", "1.000000"),
        ("Cases30", "0"),
        ("WorkingDaysLost", "0.00"),
        ("FrontlineGrad", "0"),
        ("Absat30Sept", "0"),
        ("RRPayments", "0.00"),
        ("OtherPayments", "0.00"),
    ),
    # the agency worker in post on 30 September (AGC02 left in August: not returned)
    swe_number("AGC01"): [
        ("AgencyWorker", "1"),
        ("SWENo", swe_number("AGC01")),
        ("FTE", "1.000000"),
        ("OrgRole", "5"),
        ("FTE30", "1.000000"),
        ("Cases30", "3"),
        ("ContractWeeks", "24.1"),  # 15 April to 30 September: 169 days
    ],
}


def test_the_return_with_errors_exits_3_and_says_it_is_not_ready(census_home, returns):
    result = returns["383"]
    assert result.returncode == 3, result.stdout + result.stderr
    assert "reads restricted data" in result.stderr
    folder = census_home / "census"
    assert (folder / NOT_READY).exists() and not (folder / "csww-383-2025.xml").exists()
    assert f"Return (NOT READY): {folder / NOT_READY}" in result.stdout
    assert "(2025 encoding): 7 worker record(s), 1 error(s), 2 query(ies): NOT READY" in (
        result.stdout
    )


def test_the_xml_is_owner_only(census_home, returns):
    for name in (NOT_READY, "csww-202-2025.xml"):
        mode = stat.S_IMODE(os.stat(census_home / "census" / name).st_mode)
        assert mode == 0o600, (name, oct(mode))


def test_every_worker_and_item_is_as_the_extracts_say(census_home, returns):
    path = census_home / "census" / NOT_READY
    assert workers_by_swe(path) == EXPECTED_383
    root = etree.parse(str(path)).getroot()
    assert [child.tag for child in root] == [
        "Header",
        "LALevel",
        *["CSWWWorker"] * len(EXPECTED_383),
    ]
    header = {
        e.tag: e.text for e in root.iter() if len(e) == 0 and e.getparent().tag != "CSWWWorker"
    }
    assert header["Collection"] == "CSWW" and header["Year"] == "2025"
    assert header["ReferenceDate"] == "2025-09-30" and header["LEA"] == "383"
    # vacancies: P2 emptied by the move 1.0, P4 left on 30 September 0.8, P5 half filled 0.5;
    # the offer: registration and DBS fees paid for all, nothing else, no other allowance
    assert [(e.tag, e.text) for e in root.find("LALevel")] == [
        ("NumberOfVacancies", "2.30"),
        ("NoAgencyFTE", "1.00"),
        ("NoAgencyHeadcount", "1"),
        ("RecruitmentBonus", "0"),
        ("RetentionBonus", "0"),
        ("PerformanceAward", "0"),
        ("CarAllowance", "0"),
        ("RelocationPackage", "0"),
        ("RegionalWeighting", "0"),
        ("CostSWE", "1"),
        ("CostDBS", "1"),
        ("OtherAllowances", None),
    ]


def test_the_2025_schema_accepts_both_returns_and_the_error_is_a_rule(census_home, returns):
    # 383's error is a missing salary, which the schema leaves optional and the rules require
    for name in (NOT_READY, "csww-202-2025.xml"):
        assert SCHEMA.validate(etree.parse(str(census_home / "census" / name))), SCHEMA.error_log


def test_the_report_lists_each_finding_without_personal_values(census_home, returns):
    rows = list(csv.DictReader((census_home / "census" / "csww-383-2025-report.csv").open()))
    position = {
        swe: n for n, swe in enumerate(workers_by_swe(census_home / "census" / NOT_READY), 1)
    }
    manager = f"record {position[swe_number('EMPC06')]} (employed)"
    no_cases = f"record {position[swe_number('EMPC05')]} (employed)"
    assert sorted((r["rule"], r["severity"], r["worker"], r["item"], r["value"]) for r in rows) == [
        ("CSWW08", "query", no_cases, "Cases30", "0"),
        ("CSWW15", "query", no_cases, "PersonBirthDate", ""),  # a date of birth is not shown
        ("CSWW18", "error", manager, "BaseSalary", ""),  # a salary is not shown either
    ]
    fixes = {r["rule"]: r["fix"] for r in rows}
    assert "base_salary_gbp in hr_staff" in fixes["CSWW18"]
    assert "case_allocations" in fixes["CSWW08"]
    html = (census_home / "census" / "csww-383-2025-report.html").read_text()
    assert "Leeds (383)" in html and "NOT READY" in html and "CSWW08" in html
    assert "how to fix" in html and "base_salary_gbp in hr_staff" in html
    for report in ("csww-383-2025-report.csv", "csww-383-2025-report.html"):
        text = (census_home / "census" / report).read_text()
        for person in ("EMPC01", "EMPC05", "EMPC06", "AGC01"):
            assert swe_number(person) not in text and person not in text
        assert "1948-01-01" not in text and "1984-03-07" not in text
        assert "41250" not in text and "2000.00" not in text


def test_a_return_without_errors_exits_0_named_ready(census_home, returns):
    result = returns["202"]
    assert result.returncode == 0, result.stdout + result.stderr
    path = census_home / "census" / "csww-202-2025.xml"
    assert f"Return (ready to submit): {path}" in result.stdout
    assert workers_by_swe(path) == EXPECTED_202_2025


def test_an_authority_not_published_exits_1_and_writes_nothing(census_home, returns):
    result = returns["999"]
    assert result.returncode == 1
    assert (
        "999, census year 2025 is not published (published: 202 2022, 202 2023, 202 2024, "
        "202 2025, 383 2025)"
    ) in result.stderr
    assert not list((census_home / "census").glob("*999*"))


def test_dfe_aggregating_the_xml_gets_the_published_kpis(census_home, returns):
    counts = aggregate(census_home / "census" / NOT_READY)
    kpis = dict(
        query(
            census_home / "published" / "workforce.duckdb",
            "select kpi_code, value from kpi_values where la_code = '383' and breakdown = 'total'"
            " and period_type = 'census_year' and period_end = '2025-09-30'",
        )
    )
    # in post: EMPC01, 02, 04, 05, 06 (4.5 FTE); starters EMPC04 0.5; leavers EMPC03 0.8;
    # case holders EMPC01 (2), EMPC04 (1), AGC01 (3); sickness 2 + 1 days
    expected = {
        "inpost_fte": 4.5,
        "inpost_headcount": 5,
        "starters_fte": 0.5,
        "leavers_fte": 0.8,
        "agency_fte": 1.0,
        "vacancy_fte": 2.3,
        "case_holders_fte": 2.5,
        "cases": 6,
        "working_days_lost_fte": 3,
    }
    for kpi, value in expected.items():
        assert float(counts[kpi]) == pytest.approx(value) == kpis[kpi], kpi
    for rate in ("turnover_rate_fte", "agency_rate_fte", "vacancy_rate_fte", "caseload_fte"):
        assert float(counts[rate]) == pytest.approx(kpis[rate], abs=1e-9), rate
    assert float(counts["absence_rate_fte"]) == pytest.approx(kpis["absence_rate_fte"], abs=1e-9)


def test_the_command_materializes_the_partition_on_the_homes_instance(
    census_home, returns, monkeypatch
):
    import dagster as dg

    from orchestration.defs.census import CENSUS_KEY, partition_key

    monkeypatch.setenv("DAGSTER_HOME", str(census_home / "dagster"))
    with dg.DagsterInstance.get() as instance:
        partitions = instance.get_materialized_partitions(CENSUS_KEY)
        latest = instance.get_latest_materialization_event(CENSUS_KEY).asset_materialization
    assert partitions == {partition_key("383", 2025), partition_key("202", 2025)}
    assert latest.partition == partition_key("202", 2025)  # the last built
    assert latest.metadata["ready"].value is True
    assert latest.metadata["path"].value == str(census_home / "census" / "csww-202-2025.xml")
