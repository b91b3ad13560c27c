"""Build and write one authority's agency rules return for one quarter (`workforce
agency-return`, the Dagster asset `agency_rules/agency_return`): the two CSV files of
docs/agency-rules.md, owner-only (0600) because the assignments file holds real SWE numbers.

The numbers are recovered as the census return recovers them, by the census return's own
functions (orchestration/census/identifiers.py): the archived agency_assignments deliveries
are read again and each number's pseudonym recomputed under the home's key. Nothing else gains
them: they live in memory and in the owner-only file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from orchestration.agency_rules.source import AgencyReturnError, AgencySource, read_source
from orchestration.settings import Settings, write_owner_only
from orchestration.warehouse import warehouse_lock

RESTRICTED_NOTICE = (
    "The agency rules return holds real SWE numbers, recovered from the archived deliveries "
    "(archive/<la>/agency_assignments). Its assignments file is written owner-only; send it to "
    "DfE and keep no other copy."
)

ASSIGNMENT_COLUMNS = (
    "assignment_id", "swe_number", "role_category", "start_date", "end_date", "project_team",
    "hourly_pay_rate_gbp", "hourly_oncosts_gbp", "price_cap_gbp", "over_cap",
    "cap_exceeded_approved_by", "under_3_years_pqe", "reengaged_within_3_months",
    "practice_reference_received",
)  # fmt: skip
SUMMARY_COLUMNS = ("measure", "month", "value")
# the per-rule counts of the summary, in order, and the flag of int_agency_rule_flags each counts
RULE_MEASURES = (
    ("over_cap_not_approved", "is_over_cap_not_approved"),
    ("over_cap_approved", "is_over_cap_approved"),
    ("under_3_years_pqe", "is_under_3_years_pqe"),
    ("reengaged_within_3_months", "is_reengaged_within_3_months"),
    ("no_practice_reference", None),  # not has_practice_reference
    ("project_team_workers", "is_project_team"),
)

__all__ = ["AgencyReturnError", "AgencyReturnResult", "RESTRICTED_NOTICE", "write_agency_return"]


def money(value: Decimal | None) -> str:
    """As delivered, to the penny at least: 42 -> 42.00, 41.005 -> 41.005; empty for none."""
    if value is None:
        return ""
    value = Decimal(value).normalize()
    return f"{value.quantize(Decimal('0.01')) if value.as_tuple().exponent > -2 else value:f}"


def flag(value: bool | None) -> str:
    return "" if value is None else "1" if value else "0"


def assignment_rows(source: AgencySource, swe: dict[str, str]) -> list[dict[str, str]]:
    return [
        {
            "assignment_id": row["assignment_id"],
            "swe_number": swe.get(row["swe_pseudonym"] or "", ""),
            "role_category": row["role_category"] or "",
            "start_date": row["start_date"].isoformat(),
            "end_date": row["end_date"].isoformat() if row["end_date"] else "",
            "project_team": flag(bool(row["is_project_team"])),
            "hourly_pay_rate_gbp": money(row["hourly_pay_rate_gbp"]),
            "hourly_oncosts_gbp": money(row["hourly_oncosts_gbp"]),
            "price_cap_gbp": money(row["price_cap_gbp"]),
            "over_cap": flag(row["is_over_cap"]),
            "cap_exceeded_approved_by": row["cap_exceeded_approved_by"] or "",
            "under_3_years_pqe": flag(row["is_under_3_years_pqe"]),
            "reengaged_within_3_months": flag(bool(row["is_reengaged_within_3_months"])),
            "practice_reference_received": flag(bool(row["has_practice_reference"])),
        }
        for row in source.assignments
    ]


def rule_counts(source: AgencySource) -> dict[str, int]:
    return {
        measure: sum(
            1
            for row in source.assignments
            if (row[column] if column else not row["has_practice_reference"])
        )
        for measure, column in RULE_MEASURES
    }


def summary_rows(source: AgencySource) -> list[dict[str, str]]:
    rows = [
        {"measure": measure, "month": "", "value": str(count)}
        for measure, count in rule_counts(source).items()
    ]
    rows += [
        {"measure": "agency_cost_gbp", "month": f"{month:%Y-%m}", "value": money(cost)}
        for month, cost in source.monthly_cost.items()
    ]
    return rows


def to_csv(columns: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class AgencyReturnResult:
    la_code: str
    quarter: str
    assignments_file: Path
    summary_file: Path
    assignments: int
    missing_swe_numbers: int  # registered workers whose number the archive did not give
    counts: dict[str, int]
    monthly_cost: dict[str, str]  # YYYY-MM -> pounds as written
    publication_run_id: str

    @property
    def summary(self) -> str:
        breaches = ", ".join(f"{measure} {count}" for measure, count in self.counts.items())
        return (
            f"Agency rules return {self.la_code} {self.quarter}: {self.assignments} "
            f"assignment(s); {breaches}"
        )


def default_folder(settings: Settings) -> Path:
    return settings.room("agency-returns")


def write_agency_return(
    settings: Settings, la_code: str, quarter: str, out: Path | None = None
) -> AgencyReturnResult:
    """Read, recover the SWE numbers, write both files owner-only. Raises AgencyReturnError
    when the return cannot be built (nothing is written then)."""
    from orchestration.census.identifiers import recover_swe_numbers
    from orchestration.census.source import CensusError

    with warehouse_lock(
        settings.lock_file, {"run_id": None, "launched_by": "workforce agency-return"}
    ):
        source = read_source(settings, la_code, quarter)
        wanted = [row["swe_pseudonym"] for row in source.assignments]
        try:
            swe = recover_swe_numbers(
                settings, la_code, wanted, {"agency_assignments": source.agency_basis_date}
            )
        except CensusError as e:
            raise AgencyReturnError(str(e)) from None
    folder = out or default_folder(settings)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if out is None:  # the home's folder is owner-only, like the home
        folder.chmod(0o700)
    stem = f"agency-return-{la_code}-{source.quarter}"
    assignments = assignment_rows(source, swe)
    summary = summary_rows(source)
    assignments_file = folder / f"{stem}-assignments.csv"
    summary_file = folder / f"{stem}-summary.csv"
    write_owner_only(assignments_file, to_csv(ASSIGNMENT_COLUMNS, assignments))
    write_owner_only(summary_file, to_csv(SUMMARY_COLUMNS, summary))
    return AgencyReturnResult(
        la_code,
        source.quarter,
        assignments_file,
        summary_file,
        len(assignments),
        sum(1 for row in source.assignments if row["swe_pseudonym"] not in swe),
        rule_counts(source),
        {row["month"]: row["value"] for row in summary if row["measure"] == "agency_cost_gbp"},
        source.publication_run_id,
    )
