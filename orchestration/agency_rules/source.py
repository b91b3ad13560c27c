"""What the agency return says, read from the same validated build as the published KPIs.

The per-assignment rule flags are `intermediate.int_agency_rule_flags` (the dbt models of
docs/agency-rules.md); the monthly cost is `intermediate.int_agency_cost_against_cap_by_month`.
The warehouse is read only when it is exactly the build behind the publication in place
(`up_to_date_since`), as the census return reads it: a run blocked by validation leaves
unvalidated tables there, and a return is never built from them. SWE numbers stay pseudonyms
here until `orchestration.census.identifiers` recovers them from the archived deliveries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from orchestration.publish.publication import not_the_published_build, up_to_date_since
from orchestration.settings import Settings
from orchestration.warehouse import records

QUARTER = re.compile(r"(\d{4})Q([1-4])")


class AgencyReturnError(Exception):
    """The return cannot be built (no publication, unknown authority or quarter, a warehouse
    that is not the published build); the message says what to do."""


def quarter_dates(quarter: str) -> tuple[date, date]:
    """`2025Q3` -> (1 Jul 2025, 30 Sep 2025); AgencyReturnError for anything else."""
    match = QUARTER.fullmatch(quarter.strip().upper())
    if not match:
        raise AgencyReturnError(f"{quarter!r} is not a quarter: write YYYYQn, e.g. 2025Q3")
    year, number = int(match[1]), int(match[2])
    start = date(year, 3 * number - 2, 1)
    end = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def months_of(start: date) -> list[date]:
    return [date(start.year, start.month + n, 1) for n in range(3)]


@dataclass(frozen=True)
class Published:
    """The authorities and quarters the publication in place holds agency rules data for."""

    quarters: dict[str, list[str]]  # la_code -> quarters with an assignment or a timesheet

    @property
    def authorities(self) -> list[str]:
        return sorted(self.quarters)


def published_quarters(settings: Settings) -> Published:
    if not settings.published.exists():
        return Published({})
    quarters: dict[str, list[str]] = {}
    with duckdb.connect(str(settings.published), read_only=True) as conn:
        try:
            found = conn.execute(
                "select la_code, quarter from fct_agency_rules_by_quarter "
                "where assignments > 0 or agency_cost_gbp <> 0 order by la_code, quarter_start"
            ).fetchall()
        except duckdb.CatalogException:  # published before the agency rules existed
            found = []
    for la, quarter in found:
        quarters.setdefault(la, []).append(quarter)
    return Published(quarters)


def refusal(published: Published, la_code: str, quarter: str) -> str | None:
    """Why the return for this authority and quarter cannot be built, or None."""
    if not published.quarters:
        return (
            "No agency rules data in the publication in place: run `workforce run` with the "
            "agency_assignments extracts first (the return is built only from validated, "
            "published data)"
        )
    if la_code not in published.quarters:
        return (
            f"Authority {la_code} has no agency rules data published (authorities: "
            f"{', '.join(published.authorities)})"
        )
    if quarter not in published.quarters[la_code]:
        return (
            f"Authority {la_code} has no agency assignment or timesheet in quarter {quarter} "
            f"(quarters with data: {', '.join(published.quarters[la_code])})"
        )
    return None


ASSIGNMENTS_SQL = """
select
    assignment_id,
    swe_pseudonym,
    role_category,
    start_date,
    end_date,
    is_project_team,
    hourly_pay_rate_gbp,
    hourly_oncosts_gbp,
    price_cap_gbp,
    is_over_cap,
    is_over_cap_approved,
    is_over_cap_not_approved,
    cap_exceeded_approved_by,
    is_under_3_years_pqe,
    is_reengaged_within_3_months,
    has_practice_reference
from intermediate.int_agency_rule_flags
where la_code = $la and start_date <= $quarter_end
    and (end_date is null or end_date >= $quarter_start)
order by start_date, assignment_id
"""

COSTS_SQL = """
select period_start_date, agency_cost_gbp
from intermediate.int_agency_cost_against_cap_by_month
where la_code = $la and period_start_date between $quarter_start and $quarter_end
"""


@dataclass(frozen=True)
class AgencySource:
    la_code: str
    quarter: str
    quarter_start: date
    quarter_end: date
    assignments: list[dict]
    monthly_cost: dict[date, Decimal]  # first of the month -> Decimal, every month of the quarter
    agency_basis_date: date | None  # the newest agency_assignments extract loaded
    publication_run_id: str


def read_source(settings: Settings, la_code: str, quarter: str) -> AgencySource:
    quarter = quarter.strip().upper()
    start, end = quarter_dates(quarter)
    if why := refusal(published_quarters(settings), la_code, quarter):
        raise AgencyReturnError(why)
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        run_id = up_to_date_since(conn, settings)
        if run_id is None:
            raise AgencyReturnError(not_the_published_build(settings))
        params = {"la": la_code, "quarter_start": start, "quarter_end": end}
        assignments = records(conn, ASSIGNMENTS_SQL, params)
        costs = dict(conn.execute(COSTS_SQL, params).fetchall())
        (basis,) = conn.execute(
            "select max(extract_date) from audit.files where la_code = ? "
            "and kind = 'agency_assignments' and status = 'loaded'",
            [la_code],
        ).fetchone()
    monthly = {month: costs.get(month, Decimal(0)) for month in months_of(start)}
    return AgencySource(la_code, quarter, start, end, assignments, monthly, basis, run_id)
