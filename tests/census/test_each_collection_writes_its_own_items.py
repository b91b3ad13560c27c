"""One return per collection from the hand fixture's authority 202 (tests/census/conftest.py):
its two workers on 31 October of 2022, 2023, 2024 and 2025, each year written in that year's
encoding, valid against that year's schema, with the items worked out by hand. And the
encodings are data: a 2025 return in the 2024 encoding is refused by the 2025 schema, a
collection nobody has specified yet uses the latest, and a new one is a file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import etree

from orchestration.census.encoding import COLLECTIONS, encoding_for, read_encoding
from orchestration.census.run import generate_census_return
from orchestration.settings import Settings
from tests.builders import swe_number
from tests.census.conftest import REGISTER_SWE, YEARS_202

# the census home's tests run on one xdist worker (a return holds the warehouse's lock)
pytestmark = pytest.mark.xdist_group("census_home")

# the senior practitioner: the same items every year, under each year's names
D1 = {
    "AgencyWorker": "0",
    "SWENo": swe_number("EMPD01"),
    "FTE": "1.000000",
    "PersonBirthDate": "1984-03-07",
    "GenderCurrent": "2",
    "Sex": "F",
    "Ethnicity": "WBRI",
    "QualInst": "University of Sussex",
    "QualLevel": "2",
    "StepUpGrad": "1",
    "OrgRole": "4",
    "RoleStartDate": "2017-02-01",
    "StartOrigin": "2",
    "FTE30": "1.000000",
    "WorkingDaysLost": "0.00",  # no allocations extract: no Cases30
    "FrontlineGrad": "0",
    "Absat30Sept": "0",
    # 2025: the salary of the post; the overtime of October 2024 (the golden hello of
    # September 2024 was paid in census year 2024, and basic pay is no payment)
    "BaseSalary": "45000.00",
    "RRPayments": "0.00",
    "OtherPayments": "80.10",
}
# the man in two part-time posts: one record, FTE 0.5 + 0.3, both salaries, both payments
D2 = {
    **D1,
    "SWENo": REGISTER_SWE,
    "FTE": "0.800000",
    "GenderCurrent": "1",
    "Sex": "M",
    "QualInst": "University of Brighton",
    "QualLevel": "1",
    "StepUpGrad": "0",
    "OrgRole": "5",
    "RoleStartDate": "2021-03-01",
    "FTE30": "0.800000",
    "BaseSalary": "30400.80",  # 19,000.50 + £11,400.30
    "RRPayments": "350.00",  # market supplement 250 + retention allowance 100
    "OtherPayments": "0.00",
}
# each collection's items, in its order
ORDER = {
    2022: (
        "AgencyWorker", "SWENo", "FTE", "PersonBirthDate", "GenderCurrent", "Ethnicity",
        "QualInst", "QualLevel", "StepUpGrad", "OrgRole", "RoleStartDate", "StartOrigin",
        "FTE30", "WorkingDaysLost", "FrontlineGrad", "Absat30Sept",
    ),
    2025: (
        "AgencyWorker", "SWENo", "FTE", "PersonBirthDate", "Sex", "Ethnicity", "QualLevel",
        "StepUpGrad", "OrgRole", "RoleStartDate", "StartOrigin", "FTE30", "WorkingDaysLost",
        "FrontlineGrad", "Absat30Sept", "BaseSalary", "RRPayments", "OtherPayments",
    ),
}  # fmt: skip
ORDER[2023] = ORDER[2022]
ORDER[2024] = tuple("Sex" if item == "GenderCurrent" else item for item in ORDER[2022])


def expected_202(year: int) -> list[list[tuple[str, str]]]:
    records = []
    for worker in (D1, D2):
        items = dict(worker)
        if year == 2022:  # exactly 10 digits then: the register's number zero-padded
            items["SWENo"] = items["SWENo"][:2] + items["SWENo"][2:].zfill(10)
        records.append([(item, items[item]) for item in ORDER[year]])
    return records


EXPECTED_202_2025 = {record[1][1]: record for record in expected_202(2025)}
LA_LEVEL_2025 = [
    ("NumberOfVacancies", "0.00"),
    ("NoAgencyFTE", "0.00"),
    ("NoAgencyHeadcount", "0"),
    ("RecruitmentBonus", "2"),  # some
    ("RetentionBonus", "1"),  # all
    ("PerformanceAward", "0"),
    ("CarAllowance", "0"),
    ("RelocationPackage", "0"),
    ("RegionalWeighting", "0"),
    ("CostSWE", "1"),
    ("CostDBS", "0"),
    ("OtherAllowances", "Essential car user lump sum"),
]


def schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def records(path: Path) -> list[list[tuple[str, str]]]:
    root = etree.parse(str(path)).getroot()
    return [[(item.tag, item.text) for item in worker] for worker in root.iter("CSWWWorker")]


@pytest.fixture
def settings(census_home: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("WORKFORCE_HOME", str(census_home))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("WORKFORCE_WAREHOUSE", raising=False)
    return Settings.from_env()


@pytest.mark.parametrize("year", YEARS_202)
def test_each_year_is_written_in_its_own_encoding_and_valid(year, settings, tmp_path):
    result = generate_census_return(settings, "202", year, tmp_path / f"csww-202-{year}.xml")
    assert result.ready and result.collection == year and result.note is None, result.findings
    assert result.findings == []
    assert schema(COLLECTIONS / f"csww_{year}.xsd").validate(etree.parse(str(result.path)))
    assert records(result.path) == expected_202(year)
    root = etree.parse(str(result.path)).getroot()
    la_level = [(item.tag, item.text) for item in root[1]]
    if year < 2025:
        assert root[1].tag == "LALevelVacancies" and la_level == LA_LEVEL_2025[:3]
    else:
        assert root[1].tag == "LALevel" and la_level == LA_LEVEL_2025
    # each schema refuses the other years' returns, but 2023 only relaxed 2022's SWENo pattern
    for other in set(YEARS_202) - {year} - ({2023} if year == 2022 else set()):
        assert not schema(COLLECTIONS / f"csww_{other}.xsd").validate(
            etree.parse(str(result.path))
        ), (year, other)


def test_a_2025_return_in_the_2024_encoding_is_refused_by_the_2025_schema(settings, tmp_path):
    encoding = read_encoding(COLLECTIONS / "2024.yaml", 2025)
    result = generate_census_return(settings, "202", 2025, tmp_path / "old.xml", encoding)
    document = etree.parse(str(result.path))
    assert schema(COLLECTIONS / "csww_2024.xsd").validate(document)
    assert not schema(COLLECTIONS / "csww_2025.xsd").validate(document)
    # and the 383 return in the 2024 encoding needs the institution 2025 no longer asks for
    old_383 = generate_census_return(settings, "383", 2025, tmp_path / "383.xml", encoding)
    assert "QualInst" in {f.item for f in old_383.errors}


def test_a_collection_with_no_specification_uses_the_latest_and_says_so():
    latest = encoding_for(2026)
    assert latest.collection == 2025 and "2026" in latest.substitute
    assert "2025 encoding, the latest known" in latest.substitute
    earliest = encoding_for(2019)
    assert earliest.collection == 2022 and "earliest known" in earliest.substitute
    assert encoding_for(2024).substitute is None


def test_a_new_collection_is_a_file(settings, tmp_path):
    """A '2099' collection copied from 2025 with BaseSalary renamed BasicSalary."""
    collections = tmp_path / "collections"
    collections.mkdir()
    for name in ("2025.yaml", "csww_2025.xsd"):
        shutil.copy(COLLECTIONS / name, collections)
    spec = (collections / "2025.yaml").read_text()
    spec = spec.replace("collection: 2025", "collection: 2099")
    spec = spec.replace("schema: csww_2025.xsd", "schema: csww_2099.xsd")
    spec = spec.replace("  - BaseSalary  #", "  - BasicSalary: BaseSalary  #")
    (collections / "2099.yaml").write_text(spec)
    xsd = (collections / "csww_2025.xsd").read_text().replace('"BaseSalary"', '"BasicSalary"')
    (collections / "csww_2099.xsd").write_text(xsd)
    assert encoding_for(2100, collections).collection == 2099

    encoding = read_encoding(collections / "2099.yaml", 2025)
    result = generate_census_return(settings, "202", 2025, tmp_path / "2099.xml", encoding)
    assert result.ready, result.findings
    document = etree.parse(str(result.path))
    assert schema(collections / "csww_2099.xsd").validate(document)
    salaries = [worker.findtext("BasicSalary") for worker in document.iter("CSWWWorker")]
    assert salaries == ["45000.00", "30400.80"]
    assert not list(document.iter("BaseSalary"))
