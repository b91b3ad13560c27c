-- How caseloads are spread over the case holders on each census date: how many CFSWs hold cases,
-- how many hold more than var caseload_threshold children, and the most any one holds. For the
-- authority as a whole and by the service area and team of each worker's main assignment.
with

caseloads as (
    select * from {{ ref('int_caseloads_as_at') }}
    where {{ in_build_scope() }}
),

final as (
    select
        -- ids
        caseloads.la_code,
        caseloads.census_year,
        breakdowns.breakdown,
        breakdowns.breakdown_value,

        -- numbers
        count(*) as case_holders,
        count(*) filter (where caseloads.cases > {{ var('caseload_threshold') }})
            as case_holders_above_threshold,
        max(caseloads.cases) as max_cases

    from caseloads,
        lateral (
            values
            ('total', 'total'),
            ('service_area', caseloads.service_area),
            ('team', caseloads.team)
        ) as breakdowns (breakdown, breakdown_value)
    where caseloads.date_kind = 'census_date'
    group by caseloads.la_code, caseloads.census_year, breakdowns.breakdown, breakdowns.breakdown_value
)

select * from final
