-- The DfE census counts of each authority and census year, side by side, with the project's own
-- counts boards read beside them. A count whose extract has no basis snapshot for the year is
-- null (not known), never zero. Stocks are the census dates of int_workforce_stocks_as_at.
with

census_years as (
    select * from {{ ref('int_census_years') }}
),

stocks as (
    select * from {{ ref('int_workforce_stocks_as_at') }}
),

spells as (
    select * from {{ ref('int_cfsw_spells') }}
),

sickness as (
    select * from {{ ref('int_sickness_days_by_census_year') }}
),

child_workers as (
    select * from {{ ref('int_child_workers_by_census_year') }}
),

census_stocks as (
    select *
    from stocks
    where date_kind = 'census_date'
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

sickness_totals as (
    select
        la_code,
        census_year,
        sum(working_days_lost_in_year) as working_days_lost_fte
    from sickness
    group by la_code, census_year
),

child_worker_totals as (
    select
        la_code,
        census_year,
        count(*) as children_allocated,
        count(*) filter (where worker_count >= 3) as children_with_3plus_workers
    from child_workers
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
        census_stocks.inpost_fte,
        census_stocks.inpost_headcount,
        cast(coalesce(flows.starters_fte, 0) as decimal(18, 6)) as starters_fte,
        cast(coalesce(flows.leavers_fte, 0) as decimal(18, 6)) as leavers_fte,

        -- agency CFSWs (agency basis)
        census_stocks.agency_fte,
        census_stocks.agency_cover_fte,

        -- vacancies (establishment basis)
        census_stocks.vacancy_fte,

        -- caseloads (allocations basis)
        census_stocks.case_holders_fte,
        census_stocks.cases,

        -- sickness (absence extract)
        case
            when census_years.has_absence_extract
                then cast(coalesce(sickness_totals.working_days_lost_fte, 0) as decimal(18, 6))
        end as working_days_lost_fte,

        -- beyond DfE: establishment (establishment basis)
        census_stocks.establishment_fte,

        -- beyond DfE: changes of worker in the 12 months to 30 Sep (allocations basis)
        case
            when census_years.allocations_basis_date is not null
                then cast(coalesce(child_worker_totals.children_allocated, 0) as bigint)
        end as children_allocated,
        case
            when census_years.allocations_basis_date is not null
                then cast(coalesce(child_worker_totals.children_with_3plus_workers, 0) as bigint)
        end as children_with_3plus_workers

    from census_years
    inner join census_stocks
        on census_years.la_code = census_stocks.la_code
            and census_years.census_date = census_stocks.reporting_date
    left join flows
        on census_years.la_code = flows.la_code
            and census_years.census_year = flows.census_year
    left join sickness_totals
        on census_years.la_code = sickness_totals.la_code
            and census_years.census_year = sickness_totals.census_year
    left join child_worker_totals
        on census_years.la_code = child_worker_totals.la_code
            and census_years.census_year = child_worker_totals.census_year
)

select * from final
