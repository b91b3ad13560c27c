-- The agency rules per authority and quarter: assignments active in the quarter, breaches of
-- each rule and the quarter's agency cost. Counts only: no identifier of a worker or an
-- assignment.
with

by_quarter as (
    select * from {{ ref('int_agency_rules_by_quarter') }}
),

final as (
    select
        la_code,
        region_name,
        quarter,
        quarter_start,
        quarter_end,
        cast(assignments as integer) as assignments,
        cast(assignments_with_price_cap as integer) as assignments_with_price_cap,
        cast(within_cap as integer) as within_cap,
        cast(over_cap_not_approved as integer) as over_cap_not_approved,
        cast(over_cap_approved as integer) as over_cap_approved,
        cast(under_3_years_pqe as integer) as under_3_years_pqe,
        cast(reengaged_within_3_months as integer) as reengaged_within_3_months,
        cast(no_practice_reference as integer) as no_practice_reference,
        cast(project_team_workers as integer) as project_team_workers,
        cast(agency_cost_gbp as decimal(38, 6)) as agency_cost_gbp,
        cast(pay_above_cap_gbp as decimal(38, 6)) as pay_above_cap_gbp
    from by_quarter
)

select * from final
order by la_code, quarter_start
