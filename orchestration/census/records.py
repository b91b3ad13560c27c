"""The return's records: one `Worker` per children and family social worker, and the XML.

Items are named and ordered as DfE's schema (`reference/csww_2022.xsd`) orders a
`CSWWWorker`; a value of None is an item the extracts do not supply, and is left out of the
XML (the validation then reports it where DfE requires it). docs/census-return.md gives each
item's source and DfE's definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from orchestration.census.source import CensusSource

# CSWWWorker's elements in the schema's order (an xs:sequence: the order is part of validity)
ITEMS = (
    "AgencyWorker", "SWENo", "FTE", "PersonBirthDate", "GenderCurrent", "Ethnicity", "QualInst",
    "QualLevel", "StepUpGrad", "OrgRole", "RoleStartDate", "StartOrigin", "RoleEndDate",
    "LeaverDestination", "ReasonLeave", "FTE30", "Cases30", "WorkingDaysLost", "ContractWeeks",
    "FrontlineGrad", "Absat30Sept", "ReasonAbsence", "CFKSSstatus",
)  # fmt: skip
# Items that identify a person or are a protected characteristic: the validation report never
# shows their values.
PERSONAL_ITEMS = frozenset({"SWENo", "PersonBirthDate", "GenderCurrent", "Ethnicity"})
# decimal places the schema allows (ftetype 6, twodecimalplaces 2, onedecimalplace 1)
PLACES = {"FTE": 6, "FTE30": 6, "WorkingDaysLost": 2, "ContractWeeks": 1}
SOFTWARE_CODE = "csc-workforce"


def rounded(value: Decimal | float | int | None, places: int) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass
class Worker:
    """One CSWWWorker: `items` maps an item of ITEMS to its value (str, int, Decimal, date)."""

    number: int  # 1-based position in the return, how the report names the record
    items: dict[str, object] = field(default_factory=dict)

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
    census_year: int
    census_date: date
    period_start: date
    vacancies: Decimal | None  # LALevelVacancies
    agency_fte: Decimal | None
    agency_headcount: int
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


def employed_items(row: dict, source: CensusSource, swe: dict[str, str]) -> dict[str, object]:
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
    absent = row["absence_type"]
    return {
        "AgencyWorker": "0",
        "SWENo": swe.get(row["swe_pseudonym"]),
        "FTE": rounded(0 if leaver else fte_in_post, 6),
        "PersonBirthDate": row["date_of_birth"],
        "GenderCurrent": code(row["gender"]),
        "Ethnicity": row["ethnicity"],
        "QualInst": row["qual_inst"],
        "QualLevel": code(row["qual_level"]),
        "StepUpGrad": graduate(row, "step_up"),
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
        "WorkingDaysLost": rounded(row["days_lost"], 2) if year.has_absence_extract else None,
        "ContractWeeks": None,
        "FrontlineGrad": graduate(row, "frontline"),
        "Absat30Sept": None if leaver or not year.has_absence_extract else yes_no(bool(absent)),
        "ReasonAbsence": None if leaver else absent,
        "CFKSSstatus": code(row["cfkss_status"]),
    }


def agency_items(row: dict, source: CensusSource, swe: dict[str, str]) -> dict[str, object]:
    fte = rounded(row["fte_in_post"], 6)
    return {
        "AgencyWorker": "1",
        "SWENo": swe.get(row["swe_pseudonym"]),
        "FTE": fte,
        "QualInst": row["qual_inst"],
        "OrgRole": code(row["org_role"]),
        "FTE30": fte,
        "Cases30": None if source.year.allocations_basis_date is None else int(row["cases"] or 0),
        # weeks of the census year the worker held a CFSW agency assignment
        "ContractWeeks": rounded(Decimal(row["days_worked"]) / 7, 1),
    }


def build_return(source: CensusSource, swe: dict[str, str]) -> Return:
    workers = [employed_items(row, source, swe) for row in source.employed]
    workers += [agency_items(row, source, swe) for row in source.agency]
    return Return(
        la_code=source.year.la_code,
        census_year=source.year.census_year,
        census_date=source.year.census_date,
        period_start=source.year.period_start,
        vacancies=rounded(source.la_level.vacancy_fte, 2),
        agency_fte=rounded(source.la_level.agency_fte, 2),
        agency_headcount=len(source.agency),
        workers=[
            Worker(n, {item: items.get(item) for item in ITEMS})
            for n, items in enumerate(workers, start=1)
        ],
    )


def text(value: object, item: str = "") -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # a leaver's FTE is written 0, as DfE's examples do (the alliance's check reads text)
        return "0" if item == "FTE" and value == 0 else format(value, "f")
    return str(value)


def to_xml(census: Return, created: datetime | None = None) -> bytes:
    """The return as DfE's XML: Message / Header / LALevelVacancies / CSWWWorker."""
    created = created or datetime.now(UTC)
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
    vacancies = etree.SubElement(message, "LALevelVacancies")
    for name, value in (
        ("NumberOfVacancies", census.vacancies),
        ("NoAgencyFTE", census.agency_fte),
        ("NoAgencyHeadcount", census.agency_headcount),
    ):
        if value is not None:
            etree.SubElement(vacancies, name).text = text(value)
    for worker in census.workers:
        element = etree.SubElement(message, "CSWWWorker")
        for item in ITEMS:
            value = worker.items.get(item)
            if value is not None:
                etree.SubElement(element, item).text = text(value, item)
    return etree.tostring(message, xml_declaration=True, encoding="UTF-8", pretty_print=True)
