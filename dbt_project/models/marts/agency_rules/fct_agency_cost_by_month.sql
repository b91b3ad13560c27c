-- The cost of the agency workforce per authority and month, against the price caps: every
-- timesheet's charge, the hours of assignments over their cap and the pay above the cap.
with

monthly_costs as (
    select * from {{ ref('int_agency_cost_against_cap_by_month') }}
),

final as (
    select
        la_code,
        period_start_date as period_start,
        period_end_date as period_end,
        cast(agency_cost_gbp as decimal(38, 6)) as agency_cost_gbp,
        cast(hours as decimal(38, 10)) as hours,
        cast(over_cap_hours as decimal(38, 10)) as over_cap_hours,
        cast(pay_above_cap_gbp as decimal(38, 6)) as pay_above_cap_gbp
    from monthly_costs
)

select * from final
order by la_code, period_start
