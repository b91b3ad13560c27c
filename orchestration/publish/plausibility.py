"""Plausibility: figures no English authority's data reaches are a wrong delivery, not news.

Each check reads the built warehouse and returns findings that block publication like any
failed check: the check, the authority, the file behind the figure, the value and the bound.
The bounds are the council's (`plausibility` in workforce.yaml, see config.py); the range of
published rates is DfE's, from the indicators file that ships in reference/.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from orchestration.config import Plausibility
from orchestration.settings import PROJECT_ROOT
from orchestration.warehouse import IN_BUILD_SCOPE

DFE_INDICATORS = PROJECT_ROOT / "reference" / "csww_indicators_2017_to_2025.csv"
# DfE's rates of the smallest workforces (City of London, Isles of Scilly) span 0 to 100%:
# the range is taken over authorities of at least this many FTE, and applied to those alone.
MIN_FTE_FOR_RATES = 20
# A handful of people moving is not a cut export: movement is judged from this headcount on.
MIN_HEADCOUNT_FOR_MOVEMENT = 20


@dataclass(frozen=True)
class Finding:
    check: str
    la_code: str
    file_name: str | None
    message: str  # the value and the bound, in words

    def __str__(self) -> str:
        source = f" ({self.file_name})" if self.file_name else ""
        return f"{self.check}: authority {self.la_code}{source}: {self.message}"


def findings(
    conn: duckdb.DuckDBPyConnection, bounds: Plausibility, scoped: bool = False
) -> list[Finding]:
    """`scoped`: caseloads and staff snapshots of the build's authorities only (the others'
    were judged when they were delivered)."""
    scope = IN_BUILD_SCOPE if scoped else "true"
    return [
        *caseload_per_worker(conn, bounds, scope),
        *headline_movement(conn, bounds, scope),
        *rates_within_published_range(conn, bounds),
    ]


def caseload_per_worker(
    conn: duckdb.DuckDBPyConnection, bounds: Plausibility, scope: str = "true"
) -> list[Finding]:
    rows = conn.execute(
        f"""
        with over as (
            select la_code, date_kind, reporting_date, max(cases) as cases, count(*) as workers
            from intermediate.int_caseloads_as_at
            where cases > $bound and {scope}
            group by all
        )
        select over.la_code, files.file_name, max(over.cases), max(over.workers),
            min(over.reporting_date)::varchar
        from over
        inner join intermediate.int_reporting_dates as dates
            using (la_code, date_kind, reporting_date)
        left join audit.files as files
            on files.la_code = over.la_code and files.kind = 'case_allocations'
            and files.status = 'loaded' and files.extract_date = dates.allocations_basis_date
        group by all order by all
        """,
        {"bound": bounds.max_caseload},
    ).fetchall()
    return [
        Finding(
            "max_caseload",
            la_code,
            file_name,
            f"{workers} worker(s) allocated up to {cases:,} children from {first} "
            f"(bound: plausibility.max_caseload {bounds.max_caseload} in workforce.yaml)",
        )
        for la_code, file_name, cases, workers, first in rows
    ]


def headline_movement(
    conn: duckdb.DuckDBPyConnection, bounds: Plausibility, scope: str = "true"
) -> list[Finding]:
    """In-post headcount and FTE of each staff snapshot against the snapshot before it."""
    rows = conn.execute(
        f"""
        with snapshots as (
            select la_code, extract_date, file_name from audit.files
            where kind = 'hr_staff' and status = 'loaded' and {scope}
        ),
        in_post as (
            select snapshots.la_code, snapshots.extract_date, snapshots.file_name,
                count(distinct staff.employee_pseudonym) as headcount,
                coalesce(sum(staff.fte), 0)::double as fte
            from snapshots
            left join raw.hr_staff as staff
                on staff.la_code = snapshots.la_code
                and staff.valid_from <= snapshots.extract_date
                and (staff.valid_to is null or staff.valid_to > snapshots.extract_date)
                and staff.start_date <= snapshots.extract_date
                and (staff.end_date is null or staff.end_date >= snapshots.extract_date)
            group by all
        ),
        paired as (
            select *,
                lag(headcount) over by_date as headcount_before,
                lag(fte) over by_date as fte_before,
                lag(file_name) over by_date as file_before
            from in_post
            window by_date as (partition by la_code order by extract_date)
        )
        select la_code, file_name, file_before, headcount_before, headcount, fte_before, fte
        from paired
        where headcount_before >= $min_headcount
            and (abs(headcount - headcount_before) > $share * headcount_before
                or abs(fte - fte_before) > $share * fte_before)
        order by la_code, extract_date
        """,
        {"min_headcount": MIN_HEADCOUNT_FOR_MOVEMENT, "share": bounds.max_headline_movement_share},
    ).fetchall()
    share = bounds.max_headline_movement_share
    return [
        Finding(
            "max_headline_movement_share",
            la_code,
            file_name,
            f"in post {headcount_before} -> {headcount} people, {fte_before:,.1f} -> {fte:,.1f} "
            f"FTE since {file_before} (bound: a change of at most {share:.0%}, "
            "plausibility.max_headline_movement_share in workforce.yaml)",
        )
        for la_code, file_name, file_before, headcount_before, headcount, fte_before, fte in rows
    ]


def published_rate_ranges(conn: duckdb.DuckDBPyConnection, kpi_codes: list[str]) -> dict:
    """(lowest, highest) of each rate over DfE's published authority figures, in one read."""
    bounds = ", ".join(
        f'min(try_cast("{code}" as double)), max(try_cast("{code}" as double))'
        for code in kpi_codes
    )
    row = conn.execute(
        f"""
        select {bounds} from read_csv($path, all_varchar = true)
        where geographic_level = 'Local authority'
            and try_cast(inpost_fte as double) >= $min_fte
        """,
        {"path": str(DFE_INDICATORS), "min_fte": MIN_FTE_FOR_RATES},
    ).fetchone()
    return {code: row[2 * i : 2 * i + 2] for i, code in enumerate(kpi_codes)}


def rates_within_published_range(
    conn: duckdb.DuckDBPyConnection, bounds: Plausibility
) -> list[Finding]:
    """The benchmarked rates of each census year against every authority's published ones."""
    codes = [
        code
        for (code,) in conn.execute(
            "select kpi_code from reference.kpi_definitions where is_benchmarked order by 1"
        ).fetchall()
    ]
    ranges = published_rate_ranges(conn, codes)
    rows = conn.execute(
        """
        with rates as (
            select la_code, kpi_code, period_end, value from marts.kpi_values
            where breakdown = 'total' and period_type = 'census_year'
                and kpi_code in (select unnest($codes)) and la_code != 'ALL'
        ),
        sizes as (
            select la_code, period_end, value as inpost_fte from marts.kpi_values
            where breakdown = 'total' and period_type = 'census_year' and kpi_code = 'inpost_fte'
        ),
        basis as (
            select census.la_code, census.census_date,
                staff.file_name as staff_file, allocations.file_name as allocations_file
            from intermediate.int_census_years as census
            left join audit.files as staff
                on staff.la_code = census.la_code and staff.kind = 'hr_staff'
                and staff.status = 'loaded' and staff.extract_date = census.staff_basis_date
            left join audit.files as allocations
                on allocations.la_code = census.la_code
                and allocations.kind = 'case_allocations' and allocations.status = 'loaded'
                and allocations.extract_date = census.allocations_basis_date
        )
        select rates.la_code, rates.kpi_code, rates.period_end::varchar, rates.value,
            case when rates.kpi_code like 'caseload%' then basis.allocations_file
                else basis.staff_file end
        from rates
        inner join sizes using (la_code, period_end)
        left join basis
            on basis.la_code = rates.la_code and basis.census_date = rates.period_end
        where sizes.inpost_fte >= $min_fte and rates.value is not null
        order by all
        """,
        {"codes": codes, "min_fte": MIN_FTE_FOR_RATES},
    ).fetchall()
    found = []
    for la_code, code, census_date, value, file_name in rows:
        low, high = ranges[code]
        if low is None:
            continue
        low, high = low - bounds.rate_margin, high + bounds.rate_margin
        if not low <= value <= high:
            found.append(
                Finding(
                    "rates_within_published_range",
                    la_code,
                    file_name,
                    f"{code} {value:,.1f} at {census_date}, outside {low:,.1f} to {high:,.1f}, "
                    f"the range DfE published for authorities of {MIN_FTE_FOR_RATES}+ FTE "
                    "2017-2025 (plausibility.rate_margin in workforce.yaml widens it)",
                )
            )
    return found
