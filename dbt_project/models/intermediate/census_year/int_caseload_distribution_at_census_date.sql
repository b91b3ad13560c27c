-- How caseloads are spread over the case holders on each census date: how many CFSWs hold cases,
-- how many hold more than var caseload_threshold children, the most any one holds, and the cases
-- and FTE behind the average caseload. For the authority as a whole, by the service area and
-- team of each worker's main assignment, and by the worker's length of service (a worker in two
-- teams counts, with all their cases and FTE, in their main assignment's).
with

caseloads as (
    select * from {{ ref('int_caseloads_as_at') }}
    where {{ in_build_scope() }}
),

spells as (
    select * from {{ ref('int_cfsw_spells') }}
    where {{ in_build_scope() }}
),

-- an employee's continuous service at 30 Sep is that of the CFSW spell they are in post in;
-- agency workers have no service with the authority, so are a band of their own
case_holders as (
    select
        caseloads.*,
        case
            when caseloads.worker_source = 'agency' then 'agency'
            when date_sub('year', spells.service_start_date, caseloads.reporting_date) >= 5 then '5y+'
            when date_sub('year', spells.service_start_date, caseloads.reporting_date) >= 2 then '2-5y'
            when spells.service_start_date is not null then '<2y'
            else 'not_recorded'
        end as service_band
    from caseloads
    left join spells
        on caseloads.la_code = spells.la_code
            and caseloads.census_year = spells.census_year
            and caseloads.worker_source = 'employee'
            and caseloads.worker_pseudonym = spells.employee_pseudonym
            and {{ is_active_on(
                'spells.spell_start_date', 'spells.spell_end_date', 'caseloads.reporting_date'
            ) }}
    where caseloads.date_kind = 'census_date'
),

final as (
    select
        -- ids
        case_holders.la_code,
        case_holders.census_year,
        breakdowns.breakdown,
        breakdowns.breakdown_value,

        -- numbers
        count(*) as case_holders,
        count(*) filter (where case_holders.cases > {{ var('caseload_threshold') }})
            as case_holders_above_threshold,
        max(case_holders.cases) as max_cases,
        sum(case_holders.cases) as cases,
        cast(sum(case_holders.in_post_fte) as decimal(18, 6)) as case_holders_fte

    from case_holders,
        lateral (
            values
            ('total', 'total'),
            ('service_area', case_holders.service_area),
            ('team', case_holders.team),
            ('service_band', case_holders.service_band)
        ) as breakdowns (breakdown, breakdown_value)
    group by
        case_holders.la_code, case_holders.census_year, breakdowns.breakdown, breakdowns.breakdown_value
)

select * from final
