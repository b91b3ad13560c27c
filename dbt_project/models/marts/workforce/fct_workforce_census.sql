-- The DfE census counts of each authority and census year, side by side. A count whose extract
-- has no basis snapshot for the year is null (not known), never zero.
with

census_years as (
    select * from {{ ref('int_census_years') }}
),

staff as (
    select * from {{ ref('int_staff_assignments_at_census_basis') }}
),

spells as (
    select * from {{ ref('int_cfsw_spells') }}
),

agency as (
    select * from {{ ref('int_agency_assignments_at_census_basis') }}
),

vacancies as (
    select * from {{ ref('int_vacancies_at_census_date') }}
),

caseloads as (
    select * from {{ ref('int_caseloads_at_census_date') }}
),

sickness as (
    select * from {{ ref('int_sickness_days_by_census_year') }}
),

in_post as (
    select
        la_code,
        census_year,
        sum(fte) as inpost_fte,
        count(distinct employee_pseudonym) as inpost_headcount
    from staff
    where is_cfsw and is_in_post_at_census_date
    group by la_code, census_year
),

flows as (
    select
        la_code,
        census_year,
        sum(starting_fte) filter (where is_starter) as starters_fte,
        sum(ending_fte) filter (where is_leaver) as leavers_fte
    from spells
    group by la_code, census_year
),

agency_in_post as (
    select
        la_code,
        census_year,
        sum(fte) as agency_fte,
        sum(fte) filter (where cover_reason = 'vacancy') as agency_cover_fte
    from agency
    where is_cfsw and is_in_post_at_census_date
    group by la_code, census_year
),

vacancy_totals as (
    select
        la_code,
        census_year,
        sum(vacancy_fte) as vacancy_fte
    from vacancies
    group by la_code, census_year
),

caseload_totals as (
    select
        la_code,
        census_year,
        sum(in_post_fte) as case_holders_fte,
        sum(cases) as cases
    from caseloads
    group by la_code, census_year
),

sickness_totals as (
    select
        la_code,
        census_year,
        sum(working_days_lost_in_year) as working_days_lost_fte
    from sickness
    group by la_code, census_year
),

final as (
    select
        -- ids
        census_years.la_code,
        census_years.census_year,

        -- dates
        census_years.period_start_date,
        census_years.census_date,
        census_years.staff_basis_date,
        census_years.establishment_basis_date,
        census_years.agency_basis_date,
        census_years.allocations_basis_date,

        -- employed CFSWs (staff basis)
        cast(coalesce(in_post.inpost_fte, 0) as decimal(18, 4)) as inpost_fte,
        cast(coalesce(in_post.inpost_headcount, 0) as bigint) as inpost_headcount,
        cast(coalesce(flows.starters_fte, 0) as decimal(18, 4)) as starters_fte,
        cast(coalesce(flows.leavers_fte, 0) as decimal(18, 4)) as leavers_fte,

        -- agency CFSWs (agency basis)
        case
            when census_years.agency_basis_date is not null
                then cast(coalesce(agency_in_post.agency_fte, 0) as decimal(18, 4))
        end as agency_fte,
        case
            when census_years.agency_basis_date is not null
                then cast(coalesce(agency_in_post.agency_cover_fte, 0) as decimal(18, 4))
        end as agency_cover_fte,

        -- vacancies (establishment basis)
        case
            when census_years.establishment_basis_date is not null
                then cast(coalesce(vacancy_totals.vacancy_fte, 0) as decimal(18, 4))
        end as vacancy_fte,

        -- caseloads (allocations basis)
        case
            when census_years.allocations_basis_date is not null
                then cast(coalesce(caseload_totals.case_holders_fte, 0) as decimal(18, 4))
        end as case_holders_fte,
        case
            when census_years.allocations_basis_date is not null
                then cast(coalesce(caseload_totals.cases, 0) as bigint)
        end as cases,

        -- sickness (absence extract)
        case
            when census_years.has_absence_extract
                then cast(coalesce(sickness_totals.working_days_lost_fte, 0) as decimal(18, 6))
        end as working_days_lost_fte

    from census_years
    left join in_post
        on census_years.la_code = in_post.la_code
            and census_years.census_year = in_post.census_year
    left join flows
        on census_years.la_code = flows.la_code
            and census_years.census_year = flows.census_year
    left join agency_in_post
        on census_years.la_code = agency_in_post.la_code
            and census_years.census_year = agency_in_post.census_year
    left join vacancy_totals
        on census_years.la_code = vacancy_totals.la_code
            and census_years.census_year = vacancy_totals.census_year
    left join caseload_totals
        on census_years.la_code = caseload_totals.la_code
            and census_years.census_year = caseload_totals.census_year
    left join sickness_totals
        on census_years.la_code = sickness_totals.la_code
            and census_years.census_year = sickness_totals.census_year
)

select * from final
