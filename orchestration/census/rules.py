"""The return's business rules, as data: what DfE's COLLECT checks beyond the XML schema.

Each `Rule` is a code, the message a council reads, the items it concerns, whether breaking
it is an `error` (DfE rejects the return until it is fixed) or a `query` (DfE asks for an
explanation), how to fix it, and a check returning the items of one record that break it.
Items are named as records.py names them (DfE's names, "facts"); a finding names the element
the collection writes. A rule whose items the collection does not ask for does not apply; the
items a record must have are the collection's (encoding.py). DfE's census guide
decides what an item means; where it is silent the rules follow the London Innovation and
Improvement Alliance's published validator (mandatory items of employed workers, starter and
leaver consistency, a leaver's FTE of 0). docs/census-return.md explains each rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from orchestration.census.encoding import Encoding
from orchestration.census.records import PERSONAL_ITEMS, Return, Worker

Severity = Literal["error", "query"]

# Where each item comes from: what to put right when a record lacks it
SOURCES = {
    "SWENo": "swe_number in hr_staff (agency_assignments for an agency worker)",
    "PersonBirthDate": "date_of_birth in hr_staff",
    "GenderCurrent": "gender in hr_staff",
    "Sex": "gender in hr_staff (1 male, 2 female)",
    "Ethnicity": "ethnicity in hr_staff",
    "QualInst": "qual_inst in hr_staff (agency_assignments for an agency worker)",
    "QualLevel": "qual_level in hr_staff",
    "StepUpGrad": "recruitment_route in hr_staff",
    "FrontlineGrad": "recruitment_route in hr_staff",
    "OrgRole": "org_role in hr_staff",
    "RoleStartDate": "start_date in hr_staff",
    "StartOrigin": "start_origin in hr_staff",
    "FTE30": "fte in hr_staff",
    "WorkingDaysLost": "an hr_absence extract covering the census year",
    "BaseSalary": "base_salary_gbp in hr_staff, for every post held on 30 September",
}
WORKING_DAYS_IN_A_YEAR = 253  # DfE's absence rate divides by 253 days per FTE
YOUNGEST_AGE, OLDEST_AGE = 20, 75


@dataclass(frozen=True)
class Context:
    """What a rule may know beyond one record: the census year and the other records."""

    census_date: date
    period_start: date
    by_swe: dict[str, list[Worker]]
    encoding: Encoding

    @classmethod
    def of(cls, census: Return) -> Context:
        by_swe: dict[str, list[Worker]] = defaultdict(list)
        for worker in census.workers:
            if worker.get("SWENo"):
                by_swe[str(worker.get("SWENo")).upper()].append(worker)
        return cls(census.census_date, census.period_start, dict(by_swe), census.encoding)


Check = Callable[[Worker, Context], Sequence[str]]


@dataclass(frozen=True)
class Rule:
    code: str
    message: str
    fields: tuple[str, ...]
    severity: Severity
    check: Check  # the items of the record that break the rule (empty: it holds)
    fix: str = ""  # what to put right, in the source systems; {source} is the item's source

    def applies(self, encoding: Encoding) -> bool:
        """Whether the collection asks for any item the rule checks (no items: always)."""
        return not self.fields or bool(encoding.facts & set(self.fields))

    def how_to_fix(self, fact: str) -> str:
        return self.fix.format(source=SOURCES.get(fact, "the extracts"))


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    worker: str  # the record, as the report names it (never an identifier)
    item: str  # the element, as the collection names it
    value: str  # empty when the item is personal data or has no value
    fix: str = ""

    def as_row(self) -> dict[str, str]:
        return {
            "rule": self.code,
            "severity": self.severity,
            "worker": self.worker,
            "item": self.item,
            "value": self.value,
            "message": self.message,
            "fix": self.fix,
        }


def shown(item: str, value: object) -> str:
    """A value as the report may show it: never an identifier or protected characteristic."""
    if value is None or item in PERSONAL_ITEMS:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def is_leaver(worker: Worker) -> bool:
    return worker.get("RoleEndDate") is not None


def lacks(worker: Worker, items: Sequence[str]) -> list[str]:
    return [item for item in items if worker.get(item) in (None, "")]


def employed_without_required(worker: Worker, context: Context) -> list[str]:
    return [] if worker.agency else lacks(worker, context.encoding.employed_required)


def agency_without_required(worker: Worker, context: Context) -> list[str]:
    return lacks(worker, context.encoding.agency_required) if worker.agency else []


def in_post_without_required(worker: Worker, context: Context) -> list[str]:
    if worker.agency or is_leaver(worker):
        return []
    return lacks(worker, context.encoding.in_post_required)


def employed_without_sex(worker: Worker, _: Context) -> list[str]:
    return [] if worker.agency or worker.get("Sex") else ["Sex"]


def both_or_neither(first: str, second: str) -> Check:
    def check(worker: Worker, _: Context) -> list[str]:
        has_first, has_second = worker.get(first) is not None, worker.get(second) is not None
        if has_first == has_second:
            return []
        return [second] if has_first else [first]

    return check


def leaver_fte_not_zero(worker: Worker, _: Context) -> list[str]:
    fte = worker.get("FTE")
    return ["FTE"] if is_leaver(worker) and fte is not None and Decimal(fte) != 0 else []


def leaver_without_reasons(worker: Worker, _: Context) -> list[str]:
    if not is_leaver(worker):
        return []
    return [item for item in ("ReasonLeave", "LeaverDestination") if worker.get(item) is None]


def non_leaver_with_reasons(worker: Worker, _: Context) -> list[str]:
    if is_leaver(worker):
        return []
    return [item for item in ("ReasonLeave", "LeaverDestination") if worker.get(item) is not None]


def fte_outside_0_1(worker: Worker, _: Context) -> list[str]:
    return [
        item
        for item in ("FTE", "FTE30")
        if worker.get(item) is not None and not 0 <= Decimal(worker.get(item)) <= 1
    ]


def case_holder_without_cases(worker: Worker, _: Context) -> list[str]:
    cases = worker.get("Cases30")
    in_post = not is_leaver(worker)
    return ["Cases30"] if in_post and worker.get("OrgRole") == "5" and cases == 0 else []


def after_census_date(item: str) -> Check:
    def check(worker: Worker, context: Context) -> list[str]:
        value = worker.get(item)
        return [item] if isinstance(value, date) and value > context.census_date else []

    return check


def ends_before_it_starts(worker: Worker, _: Context) -> list[str]:
    start, end = worker.get("RoleStartDate"), worker.get("RoleEndDate")
    return ["RoleEndDate"] if start and end and end < start else []


def left_before_the_year(worker: Worker, context: Context) -> list[str]:
    end = worker.get("RoleEndDate")
    return ["RoleEndDate"] if isinstance(end, date) and end < context.period_start else []


def others_with_same_swe(worker: Worker, context: Context) -> list[Worker]:
    swe = worker.get("SWENo")
    if not swe:
        return []
    return [w for w in context.by_swe.get(str(swe).upper(), []) if w is not worker]


def counted_twice(worker: Worker, context: Context) -> list[str]:
    """Two records of one person both in post on 30 September: the census counts them twice."""
    if is_leaver(worker):
        return []
    twins = [w for w in others_with_same_swe(worker, context) if not is_leaver(w)]
    return ["SWENo"] if twins else []


def returned_in_the_year(worker: Worker, context: Context) -> list[str]:
    """One person on two records that do not both stand on 30 September: a leaver who came
    back, or an agency worker the authority took on: DfE asks to confirm it is one person."""
    others = others_with_same_swe(worker, context)
    if not others or counted_twice(worker, context):
        return []
    return ["SWENo"]


def age_implausible(worker: Worker, context: Context) -> list[str]:
    born = worker.get("PersonBirthDate")
    if not isinstance(born, date):
        return []
    day = context.census_date
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return ["PersonBirthDate"] if age < YOUNGEST_AGE or age > OLDEST_AGE else []


def absence_without_reason(worker: Worker, _: Context) -> list[str]:
    absent, reason = worker.get("Absat30Sept"), worker.get("ReasonAbsence")
    if absent == "1" and reason is None:
        return ["ReasonAbsence"]
    if absent != "1" and reason is not None:
        return ["ReasonAbsence"]
    return []


def more_days_lost_than_a_year(worker: Worker, _: Context) -> list[str]:
    days = worker.get("WorkingDaysLost")
    return ["WorkingDaysLost"] if days is not None and days > WORKING_DAYS_IN_A_YEAR else []


REDELIVER = "then deliver the extract again and rerun the pipeline"
RULES: tuple[Rule, ...] = (
    Rule(
        "CSWW01",
        "A directly employed worker must have this item (the collection requires it of every "
        "employed CFSW; the extracts do not supply it)",
        (),
        "error",
        employed_without_required,
        f"Record {{source}}, {REDELIVER}",
    ),
    Rule(
        "CSWW02",
        "An agency worker must have this item (the collection's schema requires it of every "
        "record)",
        (),
        "error",
        agency_without_required,
        f"Ask the agency provider for it: {{source}}, {REDELIVER}",
    ),
    Rule(
        "CSWW03",
        "A starter's RoleStartDate and StartOrigin come together: one without the other",
        ("RoleStartDate", "StartOrigin"),
        "error",
        both_or_neither("RoleStartDate", "StartOrigin"),
        f"Record {{source}}, {REDELIVER}",
    ),
    Rule(
        "CSWW04",
        "A leaver (RoleEndDate given) must have an FTE of 0",
        ("FTE",),
        "error",
        leaver_fte_not_zero,
        "Report it: the return writes a leaver's FTE as 0 itself",
    ),
    Rule(
        "CSWW05",
        "A leaver must have ReasonLeave and LeaverDestination",
        ("ReasonLeave", "LeaverDestination"),
        "error",
        leaver_without_reasons,
        f"Record leaving_reason and leaver_destination in hr_staff, {REDELIVER}",
    ),
    Rule(
        "CSWW06",
        "A worker who has not left must have no ReasonLeave or LeaverDestination",
        ("ReasonLeave", "LeaverDestination"),
        "error",
        non_leaver_with_reasons,
        f"Clear leaving_reason and leaver_destination of the posts still held, {REDELIVER}",
    ),
    Rule(
        "CSWW07",
        "FTE must be between 0 and 1 (a worker with posts adding up to more is wrong)",
        ("FTE", "FTE30"),
        "error",
        fte_outside_0_1,
        f"Correct fte of the worker's posts in hr_staff (they add up to more than 1), {REDELIVER}",
    ),
    Rule(
        "CSWW08",
        "A case holder (OrgRole 5) in post holds no cases on 30 September: confirm the role "
        "or the allocations",
        ("Cases30",),
        "query",
        case_holder_without_cases,
        "Check org_role in hr_staff and the case_allocations extract; if right, explain in "
        "COLLECT (e.g. a new starter not yet allocated)",
    ),
    Rule(
        "CSWW09",
        "RoleStartDate is after the census date: the worker had not started in the census year",
        ("RoleStartDate",),
        "error",
        after_census_date("RoleStartDate"),
        f"Correct start_date in hr_staff, {REDELIVER}",
    ),
    Rule(
        "CSWW10",
        "A leaver's RoleEndDate is after the census date: a worker leaving later was in post on "
        "30 September and is not a leaver of this year",
        ("RoleEndDate",),
        "error",
        after_census_date("RoleEndDate"),
        f"Correct end_date in hr_staff, {REDELIVER}",
    ),
    Rule(
        "CSWW11",
        "RoleEndDate is before RoleStartDate",
        ("RoleEndDate",),
        "error",
        ends_before_it_starts,
        f"Correct start_date or end_date in hr_staff, {REDELIVER}",
    ),
    Rule(
        "CSWW12",
        "RoleEndDate is before the census year: a leaver of an earlier year is not returned",
        ("RoleEndDate",),
        "error",
        left_before_the_year,
        f"Correct end_date in hr_staff, {REDELIVER}",
    ),
    Rule(
        "CSWW13",
        "One SWE number on two records in post on 30 September: the worker is counted twice",
        ("SWENo",),
        "error",
        counted_twice,
        "Correct swe_number of one of the two people in hr_staff or agency_assignments (or end "
        f"the agency assignment of a worker the authority took on), {REDELIVER}",
    ),
    Rule(
        "CSWW14",
        "One SWE number on two records (a leaver who returned, or agency cover taken on): "
        "confirm they are one person",
        ("SWENo",),
        "query",
        returned_in_the_year,
        "If they are one person, explain in COLLECT; if not, correct swe_number",
    ),
    Rule(
        "CSWW15",
        f"The date of birth gives an age under {YOUNGEST_AGE} or over {OLDEST_AGE} on 30 September",
        ("PersonBirthDate",),
        "query",
        age_implausible,
        "Check date_of_birth in hr_staff; if right, explain in COLLECT",
    ),
    Rule(
        "CSWW16",
        "Absat30Sept and ReasonAbsence disagree: an absence on 30 September needs its reason, "
        "and only an absence has one",
        ("ReasonAbsence",),
        "error",
        absence_without_reason,
        f"Correct absence_type of the episode covering 30 September in hr_absence, {REDELIVER}",
    ),
    Rule(
        "CSWW17",
        f"More working days lost than a year has ({WORKING_DAYS_IN_A_YEAR})",
        ("WorkingDaysLost",),
        "query",
        more_days_lost_than_a_year,
        "Check working_days_lost of the worker's episodes in hr_absence (FTE-adjusted)",
    ),
    Rule(
        "CSWW18",
        "A directly employed worker in post on 30 September must have this item (the "
        "collection expects it of every LA-employed worker in post)",
        ("BaseSalary",),
        "error",
        in_post_without_required,
        f"Record {{source}}, {REDELIVER}",
    ),
    Rule(
        "CSWW19",
        "Sex is not given: the worker's gender code is not 1 (male) or 2 (female), or is not "
        "recorded",
        ("Sex",),
        "query",
        employed_without_sex,
        "Check gender in hr_staff; if it is right, explain in COLLECT",
    ),
)
assert len({rule.code for rule in RULES}) == len(RULES), "rule codes are unique"
# The authority's items and the continuity with last year's return are checked in la_level.py
# and continuity.py; their codes follow these.


def check_workers(census: Return, rules: Sequence[Rule] = RULES) -> list[Finding]:
    """Every rule the collection asks for on every record."""
    context = Context.of(census)
    applying = [rule for rule in rules if rule.applies(census.encoding)]
    findings = []
    for worker in census.workers:
        for rule in applying:
            for item in rule.check(worker, context):
                findings.append(
                    Finding(
                        rule.code,
                        rule.severity,
                        rule.message,
                        worker.label,
                        census.encoding.element(item),
                        shown(item, worker.get(item)),
                        rule.how_to_fix(item),
                    )
                )
    return findings


def check_la_level(census: Return) -> list[Finding]:
    """CSWW20: every item of the authority's block must be there (the schema requires each)."""
    sources = {
        "NumberOfVacancies": "an hr_establishment snapshot for the census year",
        "NoAgencyFTE": "an agency_assignments snapshot for the census year",
    }
    return [
        Finding(
            "CSWW20",
            "error",
            "The authority's item is missing: the collection requires each of its "
            f"{census.encoding.la_level_element} items",
            "LA level",
            element,
            "",
            f"Deliver {sources.get(fact, 'an hr_pay_offer snapshot for the census year with every item')}"
            f", {REDELIVER}",
        )
        for element, fact in census.encoding.la_level_items
        if census.la_level.get(fact) is None
    ]
