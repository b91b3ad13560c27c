"""The extract contract (docs/extracts.md) as data.

One place says which kinds exist, which columns each carries, how each column is typed in
the raw layer, which columns are personal data and which refer to another kind's records.
Ingestion, the Dagster assets, the generator and the tests read it from here: a new extract
kind is one entry in `KINDS`, and no code branches on a kind's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from orchestration.kpi_seeds import benchmarked_kpis


class Type(StrEnum):
    TEXT = "text"
    CODE = "code"  # a code list value kept as delivered text
    INT_CODE = "int_code"  # a numeric CSWW code
    BOOL = "bool"
    DATE = "date"
    FTE = "fte"
    QUANTITY = "quantity"
    MONEY = "money"

    @property
    def sql(self) -> str:
        """The column's type in the raw layer."""
        return SQL_TYPES[self]


SQL_TYPES = {
    Type.TEXT: "VARCHAR",
    Type.CODE: "VARCHAR",
    Type.INT_CODE: "INTEGER",
    Type.BOOL: "BOOLEAN",
    Type.DATE: "DATE",
    # decimals are read as written (EXTRACTS.md): FTE to 10 places (30/37 = 0.8108108108; the
    # census return carries 6), hours and days likewise, money to 6 (shown rounded to pence)
    Type.FTE: "DECIMAL(18,10)",
    Type.QUANTITY: "DECIMAL(24,10)",
    Type.MONEY: "DECIMAL(24,6)",
}


class Personal(StrEnum):
    """What ingestion does with a personal-data column."""

    DROP = "drop"  # never stored (names)
    PSEUDONYMISE = "pseudonymise"  # replaced by a keyed HMAC pseudonym in `<name>_pseudonym`
    RAW_ONLY = "raw_only"  # kept in the raw layer only; staging derives what it needs


# An integer code as a cell may spell it: leading zeros and an all-zero fraction are the same
# code (`05` and `5.0` are 5: a spreadsheet or pandas wrote a code column as numbers). The row
# rules (ingest/rules.py) and the check of vendor mappings (config.py) read codes by it.
WHOLE_NUMBER = r"[0-9]+(\.0*)?"

# As on the register (`SW12345`: no leading zeros since the transfer from HCPC) and as DfE's
# census schema checks it from 2023; compared case-insensitively (pseudonyms of the upper case)
SWE_NUMBER = (
    "[A-Za-z]{2}[0-9]{1,10}",
    "is not a Social Work England number (2 letters and 1 to 10 digits, e.g. SW12345)",
)


@dataclass(frozen=True)
class Column:
    name: str
    type: Type
    required: bool = False
    personal: Personal | None = None
    codes: tuple[str, ...] | None = None  # the code list a value must belong to
    rule: tuple[str, str] | None = None  # (SQL predicate over the typed value `{v}`, wording)
    pattern: tuple[str, str] | None = None  # (regular expression the text must match, wording)
    # required on a row unless the column `required_unless[0]` holds the code
    # `required_unless[1]` (as read: `Other_Allowances` is `other_allowances`)
    required_unless: tuple[str, str] | None = None
    # required on a row where the column `required_with` holds a value (a withdrawal says by
    # whom; an actual start needs an accepted offer)
    required_with: str | None = None
    # pseudonyms are per authority, unless the identifier is national (SWE numbers): then
    # this namespace, so one person has one pseudonym in every authority and kind
    national_namespace: str | None = None

    @property
    def raw_name(self) -> str:
        """Column name in the raw table (pseudonymised identifiers are renamed)."""
        if self.personal is Personal.PSEUDONYMISE:
            return self.name.removesuffix("_id").removesuffix("_number") + "_pseudonym"
        return self.name


@dataclass(frozen=True)
class Reference:
    """A column naming a record of another kind of the same authority: a row whose value is
    in no delivered extract of that kind is quarantined. With `when`, only rows where the
    column `when[0]` holds `when[1]` refer to that kind."""

    column: str
    kind: str
    target: str  # the referred kind's column (its raw name: pseudonymised ids are compared so)
    rule: str  # the quarantine reason
    when: tuple[str, str] | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    snapshot: bool  # snapshot kinds are complete state; period kinds carry rows by key
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    date_order: tuple[tuple[str, str], ...] = ()  # (start, end): end may not precede start
    # stage dates in the order they are reached, each maybe empty: a date may not precede any
    # earlier stage's date that is present (an empty stage is skipped, not a break)
    date_chain: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()

    @property
    def refers_to(self) -> list[str]:
        """The kinds this kind's rows are checked against, which therefore load first."""
        return list(dict.fromkeys(r.kind for r in self.references))

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def stored_columns(self) -> list[Column]:
        return [c for c in self.columns if c.personal is not Personal.DROP]


C = Column
T = Type
P = Personal


def numbered(last: int) -> tuple[str, ...]:
    return tuple(str(n) for n in range(1, last + 1))


ORG_ROLES = numbered(6)
ETHNICITIES = (
    "WBRI", "WIRI", "WOTH", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN", "AOTH",
    "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
)  # fmt: skip
RECRUITMENT_ROUTES = (
    "external", "internal", "asye", "frontline", "step_up", "apprenticeship", "international",
    "return_to_practice", "agency_conversion",
)  # fmt: skip
PAY_ELEMENTS = (
    "basic", "overtime", "market_supplement", "retention_allowance", "golden_hello",
    "employer_ni", "employer_pension", "other",
)  # fmt: skip
PAY_OFFER_ITEMS = (
    "recruitment_bonus", "retention_bonus", "performance_award", "car_allowance",
    "relocation_package", "regional_weighting", "cost_swe", "cost_dbs", "other_allowances",
)  # fmt: skip
OTHER_ALLOWANCES = "other_allowances"  # the pay offer's item described in words, not by eligibility
# The agency rules' role categories: social worker, senior social worker, advanced practitioner,
# team manager, independent reviewing officer or child protection conference chair
AGENCY_ROLE_CATEGORIES = ("SW", "SSW", "AP", "TM", "IRO")
FTE_RULE = ("{v} > 0 and {v} <= 1", "must be more than 0 and at most 1")
NOT_NEGATIVE = ("{v} >= 0", "must not be negative")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "hr_staff",
            snapshot=True,
            key=("assignment_id",),
            date_order=(("start_date", "end_date"),),
            columns=(
                C("assignment_id", T.TEXT, True),
                C("employee_id", T.TEXT, True, P.PSEUDONYMISE),
                C("post_id", T.TEXT),
                C("full_name", T.TEXT, personal=P.DROP),
                C("date_of_birth", T.DATE, personal=P.RAW_ONLY),
                C("gender", T.INT_CODE, codes=("0", "1", "2", "9")),
                C("ethnicity", T.CODE, codes=ETHNICITIES),
                C(
                    "swe_number",
                    T.TEXT,
                    personal=P.PSEUDONYMISE,
                    national_namespace="swe",
                    pattern=SWE_NUMBER,
                ),
                C("registered_social_worker", T.BOOL, True),
                C("org_role", T.INT_CODE, codes=ORG_ROLES),
                C("job_title", T.TEXT),
                C("service_area", T.TEXT, True),
                C("team", T.TEXT, True),
                C("fte", T.FTE, True, rule=FTE_RULE),
                C("contract_type", T.CODE, True, codes=("permanent", "fixed_term", "casual")),
                C("start_date", T.DATE, True),
                C("service_start_date", T.DATE),
                C("end_date", T.DATE),
                C("leaving_reason", T.INT_CODE, codes=numbered(10)),
                C("leaver_destination", T.INT_CODE, codes=numbered(9)),
                C("start_origin", T.INT_CODE, codes=numbered(10)),
                C("recruitment_route", T.CODE, codes=RECRUITMENT_ROUTES),
                C("cfkss_status", T.INT_CODE, codes=numbered(4)),
                C("qual_level", T.INT_CODE, codes=numbered(3)),
                C("qual_inst", T.TEXT),
                C("base_salary_gbp", T.MONEY, rule=NOT_NEGATIVE),
            ),
        ),
        Kind(
            "hr_establishment",
            snapshot=True,
            key=("post_id",),
            date_order=(("effective_from", "effective_to"),),
            columns=(
                C("post_id", T.TEXT, True),
                C("service_area", T.TEXT, True),
                C("team", T.TEXT, True),
                C("org_role", T.INT_CODE, codes=ORG_ROLES),
                C("social_work_post", T.BOOL, True),
                C("budgeted_fte", T.FTE, True, rule=NOT_NEGATIVE),
                C("effective_from", T.DATE, True),
                C("effective_to", T.DATE),
                C("cost_centre", T.TEXT),
            ),
        ),
        Kind(
            "hr_absence",
            snapshot=False,
            key=("absence_id",),
            date_order=(("start_date", "end_date"),),
            columns=(
                C("absence_id", T.TEXT, True),
                C("employee_id", T.TEXT, True, P.PSEUDONYMISE),
                C(
                    "absence_type",
                    T.CODE,
                    True,
                    codes=("SIC", "MAT", "OTH", "PUB", "TRN", "UNA", "UNP"),
                ),
                C("start_date", T.DATE, True),
                C("end_date", T.DATE),
                C("working_days_lost", T.QUANTITY, True, rule=NOT_NEGATIVE),
            ),
        ),
        Kind(
            "payroll",
            snapshot=False,
            key=("assignment_id", "pay_period", "pay_element"),
            columns=(
                C("employee_id", T.TEXT, True, P.PSEUDONYMISE),
                C("assignment_id", T.TEXT, True),
                C(
                    "pay_period",
                    T.TEXT,
                    True,
                    rule=("regexp_full_match({v}, '\\d{{4}}-(0[1-9]|1[0-2])')", "must be YYYY-MM"),
                ),
                C("pay_element", T.CODE, True, codes=PAY_ELEMENTS),
                C("amount_gbp", T.MONEY, True),
                C("cost_centre", T.TEXT),
            ),
        ),
        Kind(
            "agency_assignments",
            snapshot=True,
            key=("assignment_id",),
            date_order=(("start_date", "end_date"),),
            columns=(
                C("assignment_id", T.TEXT, True),
                C("agency_worker_id", T.TEXT, True, P.PSEUDONYMISE),
                C(
                    "swe_number",
                    T.TEXT,
                    personal=P.PSEUDONYMISE,
                    national_namespace="swe",
                    pattern=SWE_NUMBER,
                ),
                C("registered_social_worker", T.BOOL, True),
                C("agency_name", T.TEXT, True),
                C("org_role", T.INT_CODE, codes=ORG_ROLES),
                C("service_area", T.TEXT, True),
                C("team", T.TEXT, True),
                C("post_id", T.TEXT),
                C(
                    "cover_reason",
                    T.CODE,
                    True,
                    codes=("vacancy", "sickness", "maternity", "additional_capacity", "project"),
                ),
                C("fte", T.FTE, True, rule=FTE_RULE),
                C("start_date", T.DATE, True),
                C("end_date", T.DATE),
                C("hourly_charge_gbp", T.MONEY, True, rule=("{v} > 0", "must be more than 0")),
                C("qual_inst", T.TEXT),
                # the agency rules (docs/agency-rules.md): all optional, so older extracts load
                C("role_category", T.CODE, codes=AGENCY_ROLE_CATEGORIES),
                C("hourly_pay_rate_gbp", T.MONEY, rule=NOT_NEGATIVE),
                C("hourly_oncosts_gbp", T.MONEY, rule=NOT_NEGATIVE),
                C("project_team", T.BOOL),
                C("pqe_la_years", T.QUANTITY, rule=NOT_NEGATIVE),
                C("cap_exceeded_approved_by", T.TEXT),
                C("practice_reference_received", T.BOOL),
            ),
        ),
        Kind(
            "agency_timesheets",
            snapshot=False,
            key=("timesheet_id",),
            references=(
                Reference(
                    "assignment_id",
                    "agency_assignments",
                    "assignment_id",
                    "refers to an agency assignment not in any agency_assignments extract",
                ),
            ),
            columns=(
                C("timesheet_id", T.TEXT, True),
                C("assignment_id", T.TEXT, True),
                C("week_ending", T.DATE, True),
                C("hours", T.QUANTITY, True, rule=NOT_NEGATIVE),
                C("charge_gbp", T.MONEY, True),
            ),
        ),
        Kind(
            "case_allocations",
            snapshot=True,
            key=("allocation_id",),
            date_order=(("allocation_start", "allocation_end"),),
            references=tuple(
                Reference(
                    "worker_id",
                    kind,
                    target,
                    "refers to a worker not in any hr_staff or agency_assignments extract",
                    when=("worker_source", source),
                )
                for source, kind, target in (
                    ("employee", "hr_staff", "employee_pseudonym"),
                    ("agency", "agency_assignments", "agency_worker_pseudonym"),
                )
            ),
            columns=(
                C("allocation_id", T.TEXT, True),
                C("child_id", T.TEXT, True, P.PSEUDONYMISE),
                C("worker_id", T.TEXT, True, P.PSEUDONYMISE),
                C("worker_source", T.CODE, True, codes=("employee", "agency")),
                C("team", T.TEXT, True),
                C(
                    "case_type",
                    T.CODE,
                    True,
                    codes=("assessment", "CIN", "CP", "CLA", "care_leaver"),
                ),
                C("allocation_start", T.DATE, True),
                C("allocation_end", T.DATE),
            ),
        ),
        Kind(
            "recruitment",
            snapshot=True,
            key=("application_id",),
            columns=(
                C("application_id", T.TEXT, True),
                C("candidate_id", T.TEXT, True, P.PSEUDONYMISE),
                C("requisition_id", T.TEXT, True),
                C("post_id", T.TEXT),
                C("service_area", T.TEXT, True),
                C("team", T.TEXT),
                C("org_role", T.INT_CODE, codes=ORG_ROLES),
                C("recruitment_route", T.CODE, codes=RECRUITMENT_ROUTES),
                C("requisition_opened", T.DATE, True),
                C("applied_date", T.DATE, True),
                C("shortlisted_date", T.DATE),
                C("interviewed_date", T.DATE),
                C("offer_date", T.DATE),
                C("offer_accepted_date", T.DATE, required_with="start_date"),
                C("checks_cleared_date", T.DATE),
                C("planned_start_date", T.DATE),
                C("start_date", T.DATE),
                C("withdrawn_date", T.DATE, required_with="withdrawn_by"),
                C(
                    "withdrawn_by",
                    T.CODE,
                    codes=("candidate", "employer"),
                    required_with="withdrawn_date",
                ),
                C("fte", T.FTE, rule=FTE_RULE),
            ),
            date_chain=(
                "requisition_opened",
                "applied_date",
                "shortlisted_date",
                "interviewed_date",
                "offer_date",
                "offer_accepted_date",
                "checks_cleared_date",
                "start_date",
            ),  # fmt: skip
            date_order=(("applied_date", "withdrawn_date"),),
        ),
        Kind(
            "hr_pay_offer",
            snapshot=True,
            key=("item",),
            columns=(
                C("item", T.CODE, True, codes=PAY_OFFER_ITEMS),
                C(
                    "eligible",
                    T.CODE,
                    codes=("none", "all", "some"),
                    required_unless=("item", OTHER_ALLOWANCES),
                ),
                C("detail", T.TEXT),
            ),
        ),
    )
}

SNAPSHOT_KINDS = [k for k, v in KINDS.items() if v.snapshot]
PERIOD_KINDS = [k for k, v in KINDS.items() if not v.snapshot]


# --- reference kinds: national data a council downloads from DfE ------------------------------


@dataclass(frozen=True)
class SourceColumn:
    """A column of a reference file, found by its header label (case and spaces ignored).

    DfE's neighbour file repeats the label `SNP` after every `SNn`: such a column is the one
    right after the column labelled `after`, and its own label must be `header`.
    """

    name: str  # column name in the raw table (always text)
    header: str
    required: bool = False  # the file must have the column (cells may still be empty)
    after: str | None = None
    pattern: tuple[str, str] | None = None  # (regular expression a value must match, wording)


@dataclass(frozen=True)
class ReferenceKind:
    name: str
    description: str
    columns: tuple[SourceColumn, ...]
    key: tuple[str, ...]  # unique within a file (raw names); a duplicate rejects the file
    not_empty: tuple[str, ...] = ()  # cells that must have a value (raw names)
    numeric: tuple[str, ...] = ()  # cells that must be a number or a DfE suppression symbol
    codes: tuple[str, ...] = ()  # cells that must be a 3-digit DfE LA code when not empty

    @property
    def required(self) -> list[str]:
        return [c.header for c in self.columns if c.required]


# DfE's symbols for a value that is not published as a number (explore-education-statistics).
DFE_SYMBOLS = {
    "x": "unavailable",
    "u": "low reliability",
    "z": "not applicable",
    "c": "suppressed",
    "low": "rounds to zero",
}
DFE_INDICATORS = (
    "inpost_fte", "inpost_headcount", "starters_fte", "starters_headcount", "leavers_fte",
    "leavers_headcount", "turnover_rate_fte", "turnover_rate_headcount", "agency_fte",
    "agency_headcount", "agency_rate_fte", "agency_rate_headcount", "agency_cover_fte",
    "agency_cover_rate_fte", "vacancy_fte", "vacancy_rate_fte", "vacancy_agency_cover_rate_fte",
    "case_holders_fte", "cases", "caseload_fte", "working_days_lost_fte", "absence_rate_fte",
)  # fmt: skip
# The KPIs kpi_benchmarks compares (lower is better for each; seed kpi_definitions,
# is_benchmarked): a file without them is useless.
BENCHMARKED_KPIS = benchmarked_kpis()
NEIGHBOURS = 10
INDICATORS_FILE_COLUMNS = (
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
    "region_code", "region_name", "old_la_code", "new_la_code", "la_name", *DFE_INDICATORS,
)  # fmt: skip
INDICATORS_REQUIRED = (
    "time_period", "geographic_level", "old_la_code", "la_name", *BENCHMARKED_KPIS,
)  # fmt: skip

# a date as ISO writes it (the price caps file's dates)
ISO_DATE = (r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])", "is not a date (YYYY-MM-DD)")

REFERENCE_KINDS: dict[str, ReferenceKind] = {
    k.name: k
    for k in (
        ReferenceKind(
            "dfe_indicators",
            "DfE Children's social work workforce indicators (explore-education-statistics CSV): "
            "national, regional and every authority, one row per area and census year",
            columns=tuple(
                SourceColumn(
                    name,
                    name,
                    name in INDICATORS_REQUIRED,
                    pattern=(r"\d{4}", "is not a year (YYYY)") if name == "time_period" else None,
                )
                for name in INDICATORS_FILE_COLUMNS
            ),
            key=("time_period", "geographic_level", "country_code", "region_code", "old_la_code"),
            not_empty=("time_period", "geographic_level"),
            numeric=DFE_INDICATORS,
        ),
        ReferenceKind(
            "dfe_statistical_neighbours",
            "DfE statistical neighbour groupings: each authority's 10 closest neighbours "
            "(old 3-digit LA codes), closest first, with a closeness band",
            columns=(
                SourceColumn("la_code", "LA num", True),
                SourceColumn("la_name", "LA Name", True),
                SourceColumn("la_number", "LA number"),
                SourceColumn("go_ind", "GOInd"),
                SourceColumn("go_region", "GOReg"),
                *(
                    column
                    for n in range(1, NEIGHBOURS + 1)
                    for column in (
                        SourceColumn(f"sn{n}", f"SN{n}", True),
                        SourceColumn(f"closeness{n}", "SNP", after=f"SN{n}"),
                    )
                ),
            ),
            # rows without an LA code are DfE's notes and section labels ("Old SNs:")
            key=("la_code",),
            codes=("la_code", *(f"sn{n}" for n in range(1, NEIGHBOURS + 1))),
        ),
        ReferenceKind(
            "agency_price_caps",
            "The agency rules' regional price caps: per region (DfE region name, as in "
            "seeds/dfe_authorities.csv) and role category, the most an hour of an agency "
            "worker's pay rate plus employer on-costs may cost, over the dates it applies",
            columns=(
                SourceColumn("region", "region", True),
                SourceColumn(
                    "role_category",
                    "role_category",
                    True,
                    pattern=(
                        "(?i)" + "|".join(AGENCY_ROLE_CATEGORIES),
                        f"is not a role category ({', '.join(AGENCY_ROLE_CATEGORIES)})",
                    ),
                ),
                SourceColumn(
                    "cap_gbp_per_hour",
                    "cap_gbp_per_hour",
                    True,
                    pattern=(r"[0-9]+(\.[0-9]+)?", "is not an amount in pounds (e.g. 45.50)"),
                ),
                SourceColumn("applies_from", "applies_from", True, pattern=ISO_DATE),
                # empty = open-ended; a file without the column: every cap open-ended
                SourceColumn("applies_to", "applies_to", pattern=ISO_DATE),
            ),
            key=("region", "role_category", "applies_from"),
            not_empty=("region", "role_category", "cap_gbp_per_hour", "applies_from"),
        ),
    )
}
