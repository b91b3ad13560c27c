"""The return's records: one `Worker` per children and family social worker, and the XML.

A record's items are worked out here, every one the collections have asked for (a "fact",
named as DfE names the item); the collection's encoding (encoding.py) picks which of them the
return carries, under which element names and in which order. A value of None is an item the
extracts do not supply, and is left out of the XML (the validation then reports it where DfE
requires it). docs/census-return.md gives each item's source and DfE's definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from orchestration.census.encoding import Encoding
from orchestration.census.source import CensusSource

# Items that identify a person, are a protected characteristic or are their pay: the validation
# report never shows their values.
PERSONAL_ITEMS = frozenset(
    {"SWENo", "PersonBirthDate", "GenderCurrent", "Sex", "Ethnicity", "BaseSalary",
     "RRPayments", "OtherPayments"}
)  # fmt: skip
SEX = {1: "M", 2: "F"}  # from the CSWW gender code; 0 not known and 9 not specified have none
OFFER_ITEMS = {
    "RecruitmentBonus": "recruitment_bonus",
    "RetentionBonus": "retention_bonus",
    "PerformanceAward": "performance_award",
    "CarAllowance": "car_allowance",
    "RelocationPackage": "relocation_package",
    "RegionalWeighting": "regional_weighting",
    "CostSWE": "cost_swe",
    "CostDBS": "cost_dbs",
}
SOFTWARE_CODE = "csc-workforce"


def rounded(value: Decimal | float | int | None, places: int) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass
class Worker:
    """One CSWWWorker: `items` maps each fact the encoding asks for to its value (str, int,
    Decimal, date or None); `key` is the record's pseudonym, never written."""

    number: int  # 1-based position in the return, how the report names the record
    items: dict[str, object] = field(default_factory=dict)
    key: str = ""

    @property
    def agency(self) -> bool:
        return self.items.get("AgencyWorker") == "1"

    @property
    def label(self) -> str:
        return f"record {self.number} ({'agency' if self.agency else 'employed'})"

    def get(self, item: str) -> object:
        return self.items.get(item)


@dataclass(frozen=True)
class Return:
    la_code: str
    la_name: str
    census_year: int
    census_date: date
    period_start: date
    encoding: Encoding
    la_level: dict[str, object]  # the LA-level facts the encoding asks for
    workers: list[Worker]


def code(value: object) -> str | None:
    return None if value is None else str(value)


def yes_no(value: bool | None) -> str | None:
    return None if value is None else ("1" if value else "0")


def graduate(row: dict, flag: str) -> str | None:
    """StepUpGrad / FrontlineGrad from the route into the authority: 1 when one of the
    person's assignments was recruited through the programme, 0 when a route is recorded and
    none was, not supplied when no route is recorded."""
    if row[flag]:
        return "1"
    return "0" if row["has_route"] else None


def swe_as_encoded(number: str | None, digits: int | None) -> str | None:
    """The SWE number as the collection writes it: as registered (SW12345), or with its digits
    zero-padded where the collection's pattern wants exactly `digits` (2022: SW0000012345)."""
    if number is None or digits is None:
        return number
    return number[:2] + number[2:].zfill(digits)


def employed_facts(row: dict, source: CensusSource, swe: str | None) -> dict[str, object]:
    year = source.year
    leaver = row["is_leaver"]
    fte_in_post = Decimal(row["fte_in_post"] or 0)
    # FTE30: the FTE the KPIs count this record with (see docs/census-return.md)
    if leaver:
        fte30 = row["ending_fte"]
    elif row["is_starter"]:
        fte30 = row["starting_fte"]
    else:
        fte30 = fte_in_post
    absent = row["absence_type_at_census_date"]
    return {
        "AgencyWorker": "0",
        "SWENo": swe,
        "FTE": rounded(0 if leaver else fte_in_post, 6),
        "PersonBirthDate": row["date_of_birth"],
        "GenderCurrent": code(row["gender"]),
        "Sex": SEX.get(row["gender"]),
        "Ethnicity": row["ethnicity"],
        "QualInst": row["qual_inst"],
        "QualLevel": code(row["qual_level"]),
        "StepUpGrad": graduate(row, "is_step_up"),
        "OrgRole": code(row["org_role"]),
        "RoleStartDate": row["spell_start_date"],
        "StartOrigin": code(row["start_origin"]),
        "RoleEndDate": row["spell_end_date"] if leaver else None,
        "LeaverDestination": code(row["leaver_destination"]) if leaver else None,
        "ReasonLeave": code(row["leaving_reason"]) if leaver else None,
        "FTE30": rounded(fte30, 6),
        # a worker in post: the children allocated on 30 September (0 for none) when the
        # allocations extract has a basis snapshot for the year
        "Cases30": None
        if leaver or year.allocations_basis_date is None
        else int(row["cases"] or 0),
        "WorkingDaysLost": rounded(row["working_days_lost"], 2)
        if year.has_absence_extract
        else None,
        "ContractWeeks": None,
        "FrontlineGrad": graduate(row, "is_frontline"),
        "Absat30Sept": None if leaver or not year.has_absence_extract else yes_no(bool(absent)),
        "ReasonAbsence": None if leaver else absent,
        "CFKSSstatus": code(row["cfkss_status"]),
        # pay: the contracted salary of the posts held on 30 September (none for a leaver);
        # payments of the census year's pay periods, when payroll covers the year
        "BaseSalary": None if leaver else rounded(row["base_salary_gbp"], 2),
        "RRPayments": rounded(row["recruitment_retention_gbp"], 2),
        "OtherPayments": rounded(row["other_payments_gbp"], 2),
    }


def agency_facts(row: dict, source: CensusSource, swe: str | None) -> dict[str, object]:
    fte = rounded(row["fte_in_post"], 6)
    return {
        "AgencyWorker": "1",
        "SWENo": swe,
        "FTE": fte,
        "QualInst": row["qual_inst"],
        "OrgRole": code(row["org_role"]),
        "FTE30": fte,
        "Cases30": None if source.year.allocations_basis_date is None else int(row["cases"] or 0),
        # weeks of the census year the worker held a CFSW agency assignment
        "ContractWeeks": rounded(Decimal(row["days_worked"]) / 7, 1),
    }


def la_level_facts(la_level: dict) -> dict[str, object]:
    return {
        "NumberOfVacancies": rounded(la_level["vacancy_fte"], 2),
        "NoAgencyFTE": rounded(la_level["agency_fte"], 2),
        "NoAgencyHeadcount": la_level["agency_headcount"],
        **{fact: code(la_level[column]) for fact, column in OFFER_ITEMS.items()},
        "OtherAllowances": la_level["other_allowances"],
    }


def build_return(source: CensusSource, swe: dict[str, str], encoding: Encoding) -> Return:
    def number(row: dict) -> str | None:
        return swe_as_encoded(swe.get(row["swe_pseudonym"]), encoding.swe_digits)

    records = [
        (row["employee_pseudonym"], employed_facts(row, source, number(row)))
        for row in source.employed
    ]
    records += [
        (row["agency_worker_pseudonym"], agency_facts(row, source, number(row)))
        for row in source.agency
    ]
    worker_facts = [fact for _, fact in encoding.worker_items]
    la_level = la_level_facts(source.la_level)
    return Return(
        la_code=source.year.la_code,
        la_name=source.la_name,
        census_year=source.year.census_year,
        census_date=source.year.census_date,
        period_start=source.year.period_start,
        encoding=encoding,
        la_level={fact: la_level.get(fact) for _, fact in encoding.la_level_items},
        workers=[
            Worker(n, {fact: facts.get(fact) for fact in worker_facts}, key)
            for n, (key, facts) in enumerate(records, start=1)
        ],
    )


def text(value: object, fact: str = "") -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # a leaver's FTE is written 0, as DfE's examples do (the alliance's check reads text)
        return "0" if fact == "FTE" and value == 0 else format(value, "f")
    return str(value)


def to_xml(census: Return, created: datetime | None = None) -> bytes:
    """The return as the collection's XML: Message / Header / the LA level / CSWWWorker."""
    created = created or datetime.now(UTC)
    encoding = census.encoding
    message = etree.Element("Message")
    header = etree.SubElement(message, "Header")
    details = etree.SubElement(header, "CollectionDetails")
    for name, value in (
        ("Collection", "CSWW"),
        ("Year", str(census.census_year)),
        ("ReferenceDate", census.census_date.isoformat()),
    ):
        etree.SubElement(details, name).text = value
    source = etree.SubElement(header, "Source")
    for name, value in (
        ("SourceLevel", "L"),
        ("LEA", census.la_code),
        ("SoftwareCode", SOFTWARE_CODE),
        ("DateTime", created.strftime("%Y-%m-%dT%H:%M:%SZ")),
    ):
        etree.SubElement(source, name).text = value
    la_level = etree.SubElement(message, encoding.la_level_element)
    for element, fact in encoding.la_level_items:
        value = census.la_level.get(fact)
        if value is not None:
            etree.SubElement(la_level, element).text = text(value)
    for worker in census.workers:
        record = etree.SubElement(message, "CSWWWorker")
        for element, fact in encoding.worker_items:
            value = worker.items.get(fact)
            if value is not None:
                etree.SubElement(record, element).text = text(value, fact)
    return etree.tostring(message, xml_declaration=True, encoding="UTF-8", pretty_print=True)
