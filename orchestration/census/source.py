"""What the return says, read from the same validated build as the published KPIs.

Every figure comes from the warehouse models the KPIs are computed from: the CFSW spells
(starters, leavers, a move being neither), the census-day stocks of each assignment, the
caseloads on 30 September, the sickness days split by census year and the LA-level stocks of
`fct_workforce_census`. The warehouse is read only when it is exactly the build behind the
publication in place (`up_to_date_since`): a run blocked by validation leaves unvalidated
tables there, and a return is never built from them.

The staff and agency extracts' basis snapshots give each worker's items (the version of every
assignment as at the basis date, as the KPIs read them). Dates of birth and `qual_inst` are
read from the raw layer; SWE numbers stay pseudonyms here (`swe_pseudonym`) until
`identifiers.py` recovers them from the archived deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from orchestration.publish.publication import not_the_published_build, up_to_date_since
from orchestration.settings import Settings
from orchestration.warehouse import records


class CensusError(Exception):
    """The return cannot be built (no publication, unknown authority or year, a warehouse that
    is not the published build); the message says what to do."""


@dataclass(frozen=True)
class CensusYear:
    la_code: str
    census_year: int
    period_start: date
    census_date: date
    staff_basis_date: date
    agency_basis_date: date | None
    allocations_basis_date: date | None
    has_absence_extract: bool


# The records, as the dbt models of the census return derive them (models/intermediate/
# census_return), in the order the return lists them. Dates of birth are joined from the raw
# layer here, by the version each record names: they never enter a model.
EMPLOYED_SQL = """
select records.*, raw_staff.date_of_birth
from intermediate.int_census_return_employed as records
left join raw.hr_staff as raw_staff
    on records.la_code = raw_staff.la_code
        and records.date_of_birth_assignment_id = raw_staff.assignment_id
        and records.date_of_birth_valid_from = raw_staff.valid_from
where records.la_code = $la and records.census_year = $year
order by records.spell_start_date, records.assignment_ids[1], records.spell_number
"""

AGENCY_SQL = """
select *
from intermediate.int_census_return_agency
where la_code = $la and census_year = $year
order by assignment_ids[1]
"""

LA_LEVEL_SQL = """
select * from intermediate.int_census_return_la_level where la_code = $la and census_year = $year
"""


@dataclass(frozen=True)
class CensusSource:
    year: CensusYear
    la_level: dict  # int_census_return_la_level's row
    employed: list[dict]  # int_census_return_employed's rows, with date_of_birth
    agency: list[dict]  # int_census_return_agency's rows
    publication_run_id: str = ""
    la_name: str = ""
    previous: CensusSource | None = None  # the census year before, when the data covers it


def published_years(settings: Settings) -> list[tuple[str, int]]:
    """(authority, census year) of every census year in the publication in place."""
    if not settings.published.exists():
        return []
    with duckdb.connect(str(settings.published), read_only=True) as conn:
        return [
            (la, int(year))
            for la, year in conn.execute(
                "select la_code, census_year from fct_workforce_census order by 1, 2"
            ).fetchall()
        ]


def read_source(settings: Settings, la_code: str, census_year: int) -> CensusSource:
    """The validated figures and items of one authority's census year."""
    published = published_years(settings)
    if not published:
        raise CensusError(
            f"No publication in {settings.published}: run `workforce run` first (the return is "
            "built only from validated, published data)"
        )
    if (la_code, census_year) not in published:
        choices = ", ".join(f"{la} {year}" for la, year in published)
        raise CensusError(
            f"Authority {la_code}, census year {census_year} is not published (published: "
            f"{choices})"
        )
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        run_id = up_to_date_since(conn, settings)
        if run_id is None:
            raise CensusError(not_the_published_build(settings))
        la_name = conn.execute(
            "select la_name from reference.dfe_authorities where la_code = ?", [la_code]
        ).fetchone()
        previous = read_year(conn, la_code, census_year - 1)
        source = read_year(conn, la_code, census_year)
    return CensusSource(
        source.year,
        source.la_level,
        source.employed,
        source.agency,
        run_id,
        la_name[0] if la_name else "",
        previous,
    )


def read_year(
    conn: duckdb.DuckDBPyConnection, la_code: str, census_year: int
) -> CensusSource | None:
    """One census year's records, or None when the data does not cover it."""
    found = conn.execute(
        "select period_start_date, census_date, staff_basis_date, agency_basis_date, "
        "allocations_basis_date, has_absence_extract from intermediate.int_census_years "
        "where la_code = ? and census_year = ?",
        [la_code, census_year],
    ).fetchone()
    if found is None:
        return None
    params = {"la": la_code, "year": census_year}
    (la_level,) = records(conn, LA_LEVEL_SQL, params)
    year = CensusYear(la_code, census_year, *found[:5], bool(found[5]))
    return CensusSource(
        year, la_level, records(conn, EMPLOYED_SQL, params), records(conn, AGENCY_SQL, params)
    )
