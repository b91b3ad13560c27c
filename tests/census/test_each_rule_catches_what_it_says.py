"""Every business rule of the return on hand-made records: one that breaks it (the items it
names) and one that keeps it, with no pipeline run. The schema's own check is tested too. The
records are the 2023 collection's unless a rule checks items of a later one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from orchestration.census.encoding import encoding_for
from orchestration.census.records import Return, Worker, to_xml
from orchestration.census.rules import RULES, check_la_level, check_workers
from orchestration.census.schema import check_schema
from tests.conftest import PROJECT_ROOT

CENSUS = date(2025, 9, 30)
YEAR_START = date(2024, 10, 1)
EMPLOYED = {
    "AgencyWorker": "0",
    "SWENo": "SW1234567890",
    "FTE": Decimal("1.000000"),
    "PersonBirthDate": date(1984, 3, 7),
    "GenderCurrent": "2",
    "Ethnicity": "WBRI",
    "QualInst": "University of Leeds",
    "QualLevel": "1",
    "StepUpGrad": "0",
    "OrgRole": "5",
    "RoleStartDate": date(2020, 1, 1),
    "StartOrigin": "2",
    "FTE30": Decimal("1.000000"),
    "Cases30": 12,
    "WorkingDaysLost": Decimal("3.00"),
    "FrontlineGrad": "0",
    "Absat30Sept": "0",
}
LEAVER = {
    **EMPLOYED,
    "FTE": Decimal(0),
    "RoleEndDate": date(2025, 6, 30),
    "ReasonLeave": "1",
    "LeaverDestination": "1",
    "FTE30": Decimal("0.800000"),
    "Cases30": None,
    "Absat30Sept": None,
}
AGENCY = {
    "AgencyWorker": "1",
    "SWENo": "SW9876543210",
    "FTE": Decimal("1.000000"),
    "QualInst": "The Open University",
    "OrgRole": "5",
    "FTE30": Decimal("1.000000"),
    "Cases30": 9,
    "ContractWeeks": Decimal("20.0"),
}


# the collection whose items a rule checks, where it is not 2023
COLLECTION = {"CSWW18": 2025, "CSWW19": 2025}
LA_LEVEL = {
    "NumberOfVacancies": Decimal("2.00"),
    "NoAgencyFTE": Decimal("1.00"),
    "NoAgencyHeadcount": 1,
}


def census_of(*records: dict, collection: int = 2023) -> Return:
    encoding = encoding_for(collection)
    facts = [fact for _, fact in encoding.worker_items]
    workers = [
        Worker(n, {fact: record.get(fact) for fact in facts}) for n, record in enumerate(records, 1)
    ]
    la_level = {fact: LA_LEVEL.get(fact) for _, fact in encoding.la_level_items}
    return Return("383", "Leeds", 2025, CENSUS, YEAR_START, encoding, la_level, workers)


def broken(code: str, *records: dict) -> list[tuple[str, str]]:
    """(record, item) of each finding of rule `code` on the records."""
    rule = [r for r in RULES if r.code == code]
    census = census_of(*records, collection=COLLECTION.get(code, 2023))
    return [(f.worker, f.item) for f in check_workers(census, rule)]


# rule code, records breaking it, the (record, item) findings, records keeping it
CASES = [
    (
        "CSWW01",
        [{**EMPLOYED, "QualInst": None, "StartOrigin": None}],
        [("record 1 (employed)", "QualInst"), ("record 1 (employed)", "StartOrigin")],
        [EMPLOYED, AGENCY],
    ),
    ("CSWW02", [{**AGENCY, "QualInst": None}], [("record 1 (agency)", "QualInst")], [AGENCY]),
    (
        "CSWW03",
        [{**EMPLOYED, "StartOrigin": None}],
        [("record 1 (employed)", "StartOrigin")],
        [EMPLOYED, {**EMPLOYED, "RoleStartDate": None, "StartOrigin": None}],
    ),
    (
        "CSWW04",
        [{**LEAVER, "FTE": Decimal("0.8")}],
        [("record 1 (employed)", "FTE")],
        [LEAVER],
    ),
    (
        "CSWW05",
        [{**LEAVER, "ReasonLeave": None}],
        [("record 1 (employed)", "ReasonLeave")],
        [LEAVER, EMPLOYED],
    ),
    (
        "CSWW06",
        [{**EMPLOYED, "LeaverDestination": "3"}],
        [("record 1 (employed)", "LeaverDestination")],
        [EMPLOYED, LEAVER],
    ),
    (
        "CSWW07",
        [{**EMPLOYED, "FTE": Decimal("1.2"), "FTE30": Decimal("-0.1")}],
        [("record 1 (employed)", "FTE"), ("record 1 (employed)", "FTE30")],
        [EMPLOYED, {**EMPLOYED, "FTE": Decimal(1), "FTE30": Decimal(0)}],
    ),
    (
        "CSWW08",
        [{**EMPLOYED, "Cases30": 0}],
        [("record 1 (employed)", "Cases30")],
        [EMPLOYED, {**EMPLOYED, "OrgRole": "4", "Cases30": 0}, {**EMPLOYED, "Cases30": None}],
    ),
    (
        "CSWW09",
        [{**EMPLOYED, "RoleStartDate": date(2025, 10, 1)}],
        [("record 1 (employed)", "RoleStartDate")],
        [{**EMPLOYED, "RoleStartDate": CENSUS}],
    ),
    (
        "CSWW10",
        [{**LEAVER, "RoleEndDate": date(2025, 10, 1)}],
        [("record 1 (employed)", "RoleEndDate")],
        [{**LEAVER, "RoleEndDate": CENSUS}],
    ),
    (
        "CSWW11",
        [{**LEAVER, "RoleStartDate": date(2025, 7, 1)}],
        [("record 1 (employed)", "RoleEndDate")],
        [LEAVER],
    ),
    (
        "CSWW12",
        [{**LEAVER, "RoleEndDate": date(2024, 9, 30)}],
        [("record 1 (employed)", "RoleEndDate")],
        [{**LEAVER, "RoleEndDate": YEAR_START}],
    ),
    (
        "CSWW13",
        [EMPLOYED, {**AGENCY, "SWENo": EMPLOYED["SWENo"].lower()}],
        [("record 1 (employed)", "SWENo"), ("record 2 (agency)", "SWENo")],
        [EMPLOYED, AGENCY, {**LEAVER, "SWENo": EMPLOYED["SWENo"]}],
    ),
    (
        "CSWW14",
        [{**LEAVER, "RoleEndDate": date(2025, 1, 31)}, EMPLOYED],
        [("record 1 (employed)", "SWENo"), ("record 2 (employed)", "SWENo")],
        [EMPLOYED, AGENCY],
    ),
    (
        "CSWW15",
        [
            {**EMPLOYED, "PersonBirthDate": date(2005, 10, 1)},
            {**EMPLOYED, "SWENo": "SW0000000001", "PersonBirthDate": date(1949, 9, 30)},
        ],
        [("record 1 (employed)", "PersonBirthDate"), ("record 2 (employed)", "PersonBirthDate")],
        # 20 on the census date, and 75 until the next birthday
        [
            {**EMPLOYED, "PersonBirthDate": date(2005, 9, 30)},
            {**EMPLOYED, "SWENo": "SW0000000001", "PersonBirthDate": date(1949, 10, 1)},
        ],
    ),
    (
        "CSWW16",
        [
            {**EMPLOYED, "Absat30Sept": "1"},
            {**EMPLOYED, "SWENo": "SW0000000001", "ReasonAbsence": "SIC"},
        ],
        [("record 1 (employed)", "ReasonAbsence"), ("record 2 (employed)", "ReasonAbsence")],
        [
            EMPLOYED,
            {**EMPLOYED, "SWENo": "SW0000000001", "Absat30Sept": "1", "ReasonAbsence": "SIC"},
        ],
    ),
    (
        "CSWW17",
        [{**EMPLOYED, "WorkingDaysLost": Decimal("253.50")}],
        [("record 1 (employed)", "WorkingDaysLost")],
        [{**EMPLOYED, "WorkingDaysLost": Decimal("253.00")}],
    ),
    (
        "CSWW18",
        [{**EMPLOYED, "BaseSalary": None}],
        [("record 1 (employed)", "BaseSalary")],
        [{**EMPLOYED, "BaseSalary": Decimal("38000.00")}, {**LEAVER, "BaseSalary": None}, AGENCY],
    ),
    (
        "CSWW19",
        [{**EMPLOYED, "Sex": None}],
        [("record 1 (employed)", "Sex")],
        [{**EMPLOYED, "Sex": "F"}, {**EMPLOYED, "Sex": "M"}, AGENCY],
    ),
]


def test_every_rule_has_a_case_and_says_what_it_checks():
    assert [code for code, *_ in CASES] == [rule.code for rule in RULES]
    for rule in RULES:
        assert rule.severity in ("error", "query") and rule.message and rule.fix


@pytest.mark.parametrize(
    ("code", "breaking", "findings", "keeping"), CASES, ids=[c[0] for c in CASES]
)
def test_the_rule_flags_the_breaking_records_and_passes_the_others(
    code, breaking, findings, keeping
):
    assert broken(code, *breaking) == findings
    assert broken(code, *keeping) == []


def test_mandatory_items_of_employed_workers_follow_each_collection():
    alliance = {
        "SWENo", "PersonBirthDate", "GenderCurrent", "Ethnicity", "QualInst", "StepUpGrad",
        "OrgRole", "RoleStartDate", "StartOrigin", "FTE30", "WorkingDaysLost", "FrontlineGrad",
    }  # fmt: skip
    required = {
        year: set(encoding_for(year).employed_required) for year in (2022, 2023, 2024, 2025)
    }
    assert required[2022] == required[2023] == alliance
    # Sex is asked for from 2024 but a code other than 1 or 2 has none: a query, not an error
    assert required[2024] == alliance - {"GenderCurrent"}
    assert required[2025] == alliance - {"GenderCurrent", "QualInst"}
    assert encoding_for(2025).in_post_required == ("BaseSalary",)
    assert [encoding_for(year).agency_required for year in (2024, 2025)] == [
        ("SWENo", "QualInst"),
        ("SWENo",),
    ]


def test_a_rule_of_items_the_collection_does_not_ask_for_does_not_apply():
    # QualInst is gone from 2025: a record without it breaks nothing
    complete = {**EMPLOYED, "Sex": "F", "BaseSalary": Decimal("38000.00"), "QualInst": None}
    assert check_workers(census_of(complete, collection=2025)) == []
    assert check_workers(census_of(complete, collection=2024))[0].item == "QualInst"
    assert {r.code for r in RULES if r.applies(encoding_for(2023))} == {r.code for r in RULES} - {
        "CSWW18",
        "CSWW19",
    }


def test_a_missing_offer_item_is_an_error_of_the_authority():
    census = census_of(EMPLOYED, collection=2025)
    findings = check_la_level(census)
    assert [(f.code, f.severity, f.worker) for f in findings][0] == ("CSWW20", "error", "LA level")
    assert [f.item for f in findings] == [
        "RecruitmentBonus", "RetentionBonus", "PerformanceAward", "CarAllowance",
        "RelocationPackage", "RegionalWeighting", "CostSWE", "CostDBS", "OtherAllowances",
    ]  # fmt: skip
    assert all("hr_pay_offer" in f.fix for f in findings)
    assert check_la_level(census_of(EMPLOYED)) == []


def test_a_finding_never_shows_an_identifier_or_a_date_of_birth():
    census = census_of({**EMPLOYED, "PersonBirthDate": date(1940, 1, 1), "Cases30": 0})
    values = {(f.item, f.value) for f in check_workers(census)}
    assert values == {("PersonBirthDate", ""), ("Cases30", "0")}


def test_the_schema_names_the_record_and_item_without_the_value():
    census = census_of(
        EMPLOYED, {**AGENCY, "QualInst": None}, {**EMPLOYED, "SWENo": "SW12"}, collection=2022
    )
    findings = check_schema(to_xml(census), census.encoding)
    assert [(f.code, f.worker, f.item) for f in findings] == [
        ("XSD", "record 2", "QualInst"),
        ("XSD", "record 3", "SWENo"),
    ]
    assert all("SW12" not in f.message for f in findings)
    for year in (2022, 2023):
        census = census_of(EMPLOYED, LEAVER, AGENCY, collection=year)
        assert check_schema(to_xml(census), census.encoding) == []


def test_the_schema_check_finds_what_the_published_sample_lacks():
    """The alliance's synthetic sample return (reference/csww_2022_sample.xml): 12 of its 30
    records lack QualInst, which DfE's schema requires; nothing else is wrong with it."""
    sample = (PROJECT_ROOT / "reference" / "csww_2022_sample.xml").read_bytes()
    findings = check_schema(sample, encoding_for(2022))
    assert len(findings) == 12 and {f.item for f in findings} == {"QualInst"}


def test_continuity_with_last_years_return_names_records_not_values():
    """Last year: A, B, C and D in post, E a leaver. Now: A unchanged; B's role start moved;
    C's date of birth changed and FTE fell from 1.0 to 0.4; D is gone with no leaving date
    (CSWW21, named as last year's record); E, a leaver then, is not looked for."""
    from orchestration.census.continuity import check_continuity
    from orchestration.census.source import CensusSource

    def row(person, start, born, fte, leaver=False, starter=False):
        return {
            "employee_pseudonym": person,
            "spell_start_date": start,
            "date_of_birth": born,
            "fte_in_post": fte,
            "is_leaver": leaver,
            "is_starter": starter,
        }

    born, start = date(1984, 3, 7), date(2019, 1, 1)
    before = [
        row("A", start, born, 1),
        row("B", start, born, 1),
        row("C", start, born, 1),
        row("D", start, born, 1),
        row("E", start, born, 0, leaver=True),
    ]
    now = [
        row("A", start, born, 1),
        row("B", date(2020, 6, 1), born, 1),
        row("C", start, date(1985, 3, 7), Decimal("0.4")),
    ]
    previous = CensusSource(None, {}, before, [])
    source = CensusSource(None, {}, now, [], previous=previous)
    census = census_of(EMPLOYED, EMPLOYED, EMPLOYED)
    findings = check_continuity(census, source)
    assert sorted((f.code, f.severity, f.worker, f.item, f.value) for f in findings) == [
        ("CSWW21", "query", "record 4 (employed) of the 2024 return", "RoleEndDate", ""),
        ("CSWW22", "query", "record 2 (employed)", "RoleStartDate", ""),
        ("CSWW23", "query", "record 3 (employed)", "PersonBirthDate", ""),
        ("CSWW24", "query", "record 3 (employed)", "FTE", ""),
    ]
    assert all(f.fix for f in findings)
    assert check_continuity(census, CensusSource(None, {}, now, [])) == []
