"""The extract contract (../shared/contract/EXTRACTS.md) as data.

One place says which kinds exist, which columns each carries, how each column is typed in
the raw layer, and which columns are personal data. Ingestion, the generator and the tests
read it from here, so the contract is written down once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Type(StrEnum):
    TEXT = "VARCHAR"
    CODE = "VARCHAR"  # a code list value kept as delivered text; staging casts numeric codes
    INT_CODE = "INTEGER"  # a numeric CSWW code
    BOOL = "BOOLEAN"
    DATE = "DATE"
    FTE = "DECIMAL(9,4)"
    QUANTITY = "DECIMAL(18,4)"
    MONEY = "DECIMAL(18,2)"


class Personal(StrEnum):
    """What ingestion does with a personal-data column."""

    DROP = "drop"  # never stored (names)
    PSEUDONYMISE = "pseudonymise"  # replaced by a keyed HMAC pseudonym in `<name>_pseudonym`
    RAW_ONLY = "raw_only"  # kept in the raw layer only; staging derives what it needs


@dataclass(frozen=True)
class Column:
    name: str
    type: Type
    required: bool = False
    personal: Personal | None = None

    @property
    def raw_name(self) -> str:
        """Column name in the raw table (pseudonymised identifiers are renamed)."""
        if self.personal is Personal.PSEUDONYMISE:
            return self.name.removesuffix("_id").removesuffix("_number") + "_pseudonym"
        return self.name


@dataclass(frozen=True)
class Kind:
    name: str
    snapshot: bool  # snapshot kinds are complete state; period kinds carry rows by key
    key: tuple[str, ...]
    columns: tuple[Column, ...]

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

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "hr_staff",
            snapshot=True,
            key=("assignment_id",),
            columns=(
                C("assignment_id", T.TEXT, True),
                C("employee_id", T.TEXT, True, P.PSEUDONYMISE),
                C("post_id", T.TEXT),
                C("full_name", T.TEXT, personal=P.DROP),
                C("date_of_birth", T.DATE, personal=P.RAW_ONLY),
                C("gender", T.INT_CODE),
                C("ethnicity", T.CODE),
                C("swe_number", T.TEXT, personal=P.PSEUDONYMISE),
                C("registered_social_worker", T.BOOL, True),
                C("org_role", T.INT_CODE),
                C("job_title", T.TEXT),
                C("service_area", T.TEXT, True),
                C("team", T.TEXT, True),
                C("fte", T.FTE, True),
                C("contract_type", T.CODE, True),
                C("start_date", T.DATE, True),
                C("service_start_date", T.DATE),
                C("end_date", T.DATE),
                C("leaving_reason", T.INT_CODE),
                C("leaver_destination", T.INT_CODE),
                C("start_origin", T.INT_CODE),
                C("recruitment_route", T.CODE),
                C("cfkss_status", T.INT_CODE),
                C("qual_level", T.INT_CODE),
            ),
        ),
        Kind(
            "hr_establishment",
            snapshot=True,
            key=("post_id",),
            columns=(
                C("post_id", T.TEXT, True),
                C("service_area", T.TEXT, True),
                C("team", T.TEXT, True),
                C("org_role", T.INT_CODE),
                C("social_work_post", T.BOOL, True),
                C("budgeted_fte", T.FTE, True),
                C("effective_from", T.DATE, True),
                C("effective_to", T.DATE),
                C("cost_centre", T.TEXT),
            ),
        ),
        Kind(
            "hr_absence",
            snapshot=False,
            key=("absence_id",),
            columns=(
                C("absence_id", T.TEXT, True),
                C("employee_id", T.TEXT, True, P.PSEUDONYMISE),
                C("absence_type", T.CODE, True),
                C("start_date", T.DATE, True),
                C("end_date", T.DATE),
                C("working_days_lost", T.QUANTITY, True),
            ),
        ),
        Kind(
            "payroll",
            snapshot=False,
            key=("assignment_id", "pay_period", "pay_element"),
            columns=(
                C("employee_id", T.TEXT, True, P.PSEUDONYMISE),
                C("assignment_id", T.TEXT, True),
                C("pay_period", T.TEXT, True),
                C("pay_element", T.CODE, True),
                C("amount_gbp", T.MONEY, True),
                C("cost_centre", T.TEXT),
            ),
        ),
        Kind(
            "agency_assignments",
            snapshot=True,
            key=("assignment_id",),
            columns=(
                C("assignment_id", T.TEXT, True),
                C("agency_worker_id", T.TEXT, True, P.PSEUDONYMISE),
                C("swe_number", T.TEXT, personal=P.PSEUDONYMISE),
                C("registered_social_worker", T.BOOL, True),
                C("agency_name", T.TEXT, True),
                C("org_role", T.INT_CODE),
                C("service_area", T.TEXT, True),
                C("team", T.TEXT, True),
                C("post_id", T.TEXT),
                C("cover_reason", T.CODE, True),
                C("fte", T.FTE, True),
                C("start_date", T.DATE, True),
                C("end_date", T.DATE),
                C("hourly_charge_gbp", T.MONEY, True),
            ),
        ),
        Kind(
            "agency_timesheets",
            snapshot=False,
            key=("timesheet_id",),
            columns=(
                C("timesheet_id", T.TEXT, True),
                C("assignment_id", T.TEXT, True),
                C("week_ending", T.DATE, True),
                C("hours", T.QUANTITY, True),
                C("charge_gbp", T.MONEY, True),
            ),
        ),
        Kind(
            "case_allocations",
            snapshot=True,
            key=("allocation_id",),
            columns=(
                C("allocation_id", T.TEXT, True),
                C("child_id", T.TEXT, True, P.PSEUDONYMISE),
                C("worker_id", T.TEXT, True, P.PSEUDONYMISE),
                C("worker_source", T.CODE, True),
                C("team", T.TEXT, True),
                C("case_type", T.CODE, True),
                C("allocation_start", T.DATE, True),
                C("allocation_end", T.DATE),
            ),
        ),
    )
}

SNAPSHOT_KINDS = [k for k, v in KINDS.items() if v.snapshot]
PERIOD_KINDS = [k for k, v in KINDS.items() if not v.snapshot]
