-- The census return's records of agency CFSWs: one row per authority, census year and agency
-- worker in post on 30 September (DfE counts agency workers on that day; the agency extract
-- records no leaving reason or destination). No rows for a year without an agency basis
-- snapshot.
{%- set open_end = "date '9999-12-31'" %}

with

census_years as (
    select * from {{ ref('int_census_years') }}
    where
        {{ in_build_scope() }}
        and agency_basis_date is not null
),

agency as (
    select * from {{ ref('stg_agency__assignments') }}
    where {{ in_build_scope() }}
),

caseloads as (
    select * from {{ ref('int_caseloads_as_at') }}
    where
        {{ in_build_scope() }}
        and date_kind = 'census_date'
        and worker_source = 'agency'
),

-- every CFSW agency assignment as the year's agency basis snapshot shows it
versions as (
    select
        census_years.census_year,
        census_years.period_start_date,
        census_years.census_date,
        agency.*
    from agency
    inner join census_years on agency.la_code = census_years.la_code
    where
        agency.is_cfsw
        and agency.valid_from <= census_years.agency_basis_date
        and coalesce(agency.valid_to, {{ open_end }}) > census_years.agency_basis_date
),

in_post as (
    select
        *,
        row_number() over (
            partition by la_code, census_year, agency_worker_pseudonym
            order by fte desc, start_date asc, assignment_id asc
        ) as assignment_rank
    from versions
    where
        start_date <= census_date
        and coalesce(end_date, {{ open_end }}) > census_date
),

workers as (
    select
        la_code,
        census_year,
        agency_worker_pseudonym,
        sum(fte) as fte_in_post,
        min(org_role) as org_role,
        arg_min(swe_pseudonym, assignment_rank) filter (where swe_pseudonym is not null) as swe_pseudonym,
        arg_min(qual_inst, assignment_rank) filter (where qual_inst is not null) as qual_inst,
        list(assignment_id order by assignment_rank) as assignment_ids
    from in_post
    group by la_code, census_year, agency_worker_pseudonym
),

-- days of the census year on which the worker held a CFSW agency assignment
days_worked as (
    select
        versions.la_code,
        versions.census_year,
        versions.agency_worker_pseudonym,
        count(distinct worked.day) as days_worked
    from versions,
        unnest(generate_series(
            greatest(versions.start_date, versions.period_start_date),
            least(coalesce(versions.end_date - 1, versions.census_date), versions.census_date),
            interval 1 day
        )) as worked (day)
    group by versions.la_code, versions.census_year, versions.agency_worker_pseudonym
),

final as (
    select
        -- ids
        workers.la_code,
        workers.census_year,
        workers.agency_worker_pseudonym,
        workers.swe_pseudonym,
        workers.assignment_ids,

        -- role
        workers.org_role,
        workers.qual_inst,

        -- numbers
        workers.fte_in_post,
        coalesce(days_worked.days_worked, 0) as days_worked,
        caseloads.cases

    from workers
    left join days_worked
        on
            workers.la_code = days_worked.la_code
            and workers.census_year = days_worked.census_year
            and workers.agency_worker_pseudonym = days_worked.agency_worker_pseudonym
    left join caseloads
        on
            workers.la_code = caseloads.la_code
            and workers.census_year = caseloads.census_year
            and workers.agency_worker_pseudonym = caseloads.worker_pseudonym
)

select * from final
