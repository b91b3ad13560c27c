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
from decimal import Decimal

import duckdb

from orchestration.publish.publication import up_to_date_since
from orchestration.settings import Settings


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


@dataclass(frozen=True)
class LaLevel:
    vacancy_fte: Decimal | None
    agency_fte: Decimal | None


# One row per employed CFSW spell in the return (in post on 30 September or ended in the
# year). A spell's `relevant` assignments are those in post on the census date (a worker in
# post) or ending on the spell's last day (a leaver); its role is the most senior of them, and
# every other item is read from the first assignment that has it, relevant ones first, then the
# largest FTE, the earliest start and the first id (as int_caseloads_as_at picks a worker's main
# assignment): taken from another of the person's records, never made up.
EMPLOYED_SQL = """
with

census_year as (
    select * from intermediate.int_census_years where la_code = $la and census_year = $year
),

spells as (
    select spells.*, census_year.census_date, census_year.period_start_date
    from intermediate.int_cfsw_spells as spells
    inner join census_year using (la_code, census_year)
    where spells.spell_start_date <= census_year.census_date
        and (spells.spell_end_date is null
            or spells.spell_end_date >= census_year.period_start_date)
),

versions as (
    select staff.*, raw_staff.date_of_birth, {qual_inst} as qual_inst
    from staging.stg_hr__staff as staff
    inner join census_year on staff.la_code = census_year.la_code
    inner join raw.hr_staff as raw_staff
        on staff.la_code = raw_staff.la_code
            and staff.assignment_id = raw_staff.assignment_id
            and staff.valid_from = raw_staff.valid_from
    where staff.valid_from <= census_year.staff_basis_date
        and (staff.valid_to is null or staff.valid_to > census_year.staff_basis_date)
),

spell_assignments as (
    select
        spells.employee_pseudonym,
        spells.spell_number,
        versions.* exclude (employee_pseudonym),
        versions.start_date <= spells.census_date
            and (versions.end_date is null or versions.end_date > spells.census_date)
            as in_post,
        case
            when spells.is_leaver then versions.end_date = spells.spell_end_date
            else versions.start_date <= spells.census_date
                and (versions.end_date is null or versions.end_date > spells.census_date)
        end as relevant
    from spells
    inner join versions
        on versions.is_cfsw
            and spells.employee_pseudonym = versions.employee_pseudonym
            and versions.start_date >= spells.spell_start_date
            and versions.start_date <= coalesce(spells.spell_end_date, date '9999-12-31')
),

ranked_assignments as (
    select
        *,
        row_number() over (
            partition by employee_pseudonym, spell_number
            order by relevant desc, fte desc, start_date, assignment_id
        ) as rank
    from spell_assignments
),

by_spell as (
    select
        employee_pseudonym,
        spell_number,
        coalesce(sum(fte) filter (where in_post), 0) as fte_in_post,
        coalesce(min(org_role) filter (where relevant), arg_min(org_role, rank)) as org_role,
        min(leaver_destination) filter (where relevant) as leaver_destination,
        arg_min(swe_pseudonym, rank) filter (where swe_pseudonym is not null) as swe_pseudonym,
        arg_min(date_of_birth, rank) filter (where date_of_birth is not null) as date_of_birth,
        arg_min(gender, rank) filter (where gender is not null) as gender,
        arg_min(ethnicity, rank) filter (where ethnicity is not null) as ethnicity,
        arg_min(qual_inst, rank) filter (where qual_inst is not null) as qual_inst,
        arg_min(qual_level, rank) filter (where qual_level is not null) as qual_level,
        arg_min(cfkss_status, rank) filter (where cfkss_status is not null) as cfkss_status,
        list(assignment_id order by rank) as assignment_ids
    from ranked_assignments
    group by employee_pseudonym, spell_number
),

-- the route into the authority, over all of the person's assignments in the snapshot
routes as (
    select
        employee_pseudonym,
        count(recruitment_route) > 0 as has_route,
        bool_or(recruitment_route = 'step_up') as step_up,
        bool_or(recruitment_route = 'frontline') as frontline
    from versions
    group by employee_pseudonym
),

cases as (
    select worker_pseudonym, cases
    from intermediate.int_caseloads_as_at
    where la_code = $la and census_year = $year and date_kind = 'census_date'
        and worker_source = 'employee'
),

sickness as (
    select employee_pseudonym, sum(working_days_lost_in_year) as days_lost
    from intermediate.int_sickness_days_by_census_year
    where la_code = $la and census_year = $year
    group by employee_pseudonym
),

-- an absence episode of any type covering 30 September (open: known up to its extract)
absent_on_census_date as (
    select absences.employee_pseudonym, arg_min(absences.absence_type, absences.start_date) as absence_type
    from staging.stg_hr__absence as absences
    inner join census_year on absences.la_code = census_year.la_code
    where absences.start_date <= census_year.census_date
        and coalesce(absences.end_date, absences.extract_date) >= census_year.census_date
    group by absences.employee_pseudonym
),

latest_spell as (
    select employee_pseudonym, max(spell_number) as spell_number from spells group by all
)

select
    spells.employee_pseudonym,
    spells.spell_number,
    spells.is_starter,
    spells.is_leaver,
    spells.spell_start_date,
    spells.spell_end_date,
    spells.start_origin,
    spells.leaving_reason,
    spells.starting_fte,
    spells.ending_fte,
    by_spell.* exclude (employee_pseudonym, spell_number),
    routes.has_route,
    routes.step_up,
    routes.frontline,
    cases.cases,
    case when latest_spell.spell_number is not null then coalesce(sickness.days_lost, 0) else 0 end
        as days_lost,
    absent_on_census_date.absence_type
from spells
inner join by_spell using (employee_pseudonym, spell_number)
left join routes using (employee_pseudonym)
left join cases on spells.employee_pseudonym = cases.worker_pseudonym and not spells.is_leaver
left join sickness using (employee_pseudonym)
left join latest_spell using (employee_pseudonym, spell_number)
left join absent_on_census_date
    on spells.employee_pseudonym = absent_on_census_date.employee_pseudonym
        and not spells.is_leaver
order by spells.spell_start_date, by_spell.assignment_ids[1], spells.spell_number
"""

# One row per agency CFSW in post on 30 September (DfE counts agency workers on that day; the
# agency extract records no leaving reason or destination for a leaver).
AGENCY_SQL = """
with

census_year as (
    select * from intermediate.int_census_years where la_code = $la and census_year = $year
),

versions as (
    select agency.*, {qual_inst} as qual_inst
    from staging.stg_agency__assignments as agency
    inner join census_year on agency.la_code = census_year.la_code
    inner join raw.agency_assignments as raw_agency
        on agency.la_code = raw_agency.la_code
            and agency.assignment_id = raw_agency.assignment_id
            and agency.valid_from = raw_agency.valid_from
    where agency.valid_from <= census_year.agency_basis_date
        and (agency.valid_to is null or agency.valid_to > census_year.agency_basis_date)
        and agency.is_cfsw
),

in_post as (
    select
        versions.*,
        row_number() over (
            partition by versions.agency_worker_pseudonym
            order by versions.fte desc, versions.start_date, versions.assignment_id
        ) as rank
    from versions
    inner join census_year on true
    where versions.start_date <= census_year.census_date
        and (versions.end_date is null or versions.end_date > census_year.census_date)
),

workers as (
    select
        agency_worker_pseudonym,
        sum(fte) as fte_in_post,
        min(org_role) as org_role,
        arg_min(swe_pseudonym, rank) filter (where swe_pseudonym is not null) as swe_pseudonym,
        arg_min(qual_inst, rank) filter (where qual_inst is not null) as qual_inst,
        list(assignment_id order by rank) as assignment_ids
    from in_post
    group by agency_worker_pseudonym
),

-- days of the census year on which the worker held a CFSW agency assignment
days_worked as (
    select versions.agency_worker_pseudonym, count(distinct day) as days
    from versions
    inner join census_year on true,
        unnest(generate_series(
            greatest(versions.start_date, census_year.period_start_date),
            least(coalesce(versions.end_date - 1, census_year.census_date), census_year.census_date),
            interval 1 day
        )) as days (day)
    group by versions.agency_worker_pseudonym
),

cases as (
    select worker_pseudonym, cases
    from intermediate.int_caseloads_as_at
    where la_code = $la and census_year = $year and date_kind = 'census_date'
        and worker_source = 'agency'
)

select workers.*, coalesce(days_worked.days, 0) as days_worked, cases.cases
from workers
left join days_worked using (agency_worker_pseudonym)
left join cases on workers.agency_worker_pseudonym = cases.worker_pseudonym
order by workers.assignment_ids[1]
"""


def rows(conn: duckdb.DuckDBPyConnection, sql: str, params: dict) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def has_column(conn: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(
        conn.execute(
            "select 1 from information_schema.columns where table_schema = 'raw' "
            "and table_name = ? and column_name = ?",
            [table, column],
        ).fetchone()
    )


@dataclass(frozen=True)
class CensusSource:
    year: CensusYear
    la_level: LaLevel
    employed: list[dict]
    agency: list[dict]
    publication_run_id: str


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
            raise CensusError(
                f"The warehouse {settings.warehouse} is not the build behind the publication in "
                "place (a later run was blocked or failed, or the project changed since): run "
                "`workforce run` until it publishes, then build the return"
            )
        (
            period_start,
            census_date,
            staff_basis,
            agency_basis,
            allocations_basis,
            has_absence,
        ) = conn.execute(
            "select period_start_date, census_date, staff_basis_date, agency_basis_date, "
            "allocations_basis_date, has_absence_extract from intermediate.int_census_years "
            "where la_code = ? and census_year = ?",
            [la_code, census_year],
        ).fetchone()
        vacancy_fte, agency_fte = conn.execute(
            "select vacancy_fte, agency_fte from marts.fct_workforce_census "
            "where la_code = ? and census_year = ?",
            [la_code, census_year],
        ).fetchone()
        params = {"la": la_code, "year": census_year}
        # a warehouse created before the contract gained qual_inst has no such column yet
        staff_inst = "raw_staff.qual_inst" if has_column(conn, "hr_staff", "qual_inst") else "null"
        agency_inst = (
            "raw_agency.qual_inst"
            if has_column(conn, "agency_assignments", "qual_inst")
            else "null"
        )
        employed = rows(conn, EMPLOYED_SQL.replace("{qual_inst}", staff_inst), params)
        agency = (
            rows(conn, AGENCY_SQL.replace("{qual_inst}", agency_inst), params)
            if agency_basis
            else []
        )
    year = CensusYear(
        la_code,
        census_year,
        period_start,
        census_date,
        staff_basis,
        agency_basis,
        allocations_basis,
        bool(has_absence),
    )
    return CensusSource(year, LaLevel(vacancy_fte, agency_fte), employed, agency, run_id)
