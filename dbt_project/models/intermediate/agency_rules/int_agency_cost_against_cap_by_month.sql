{{ config(materialized='table') }}
-- The cost of the agency workforce per authority and calendar month (every timesheet, dated by
-- its week ending, as the return's agency_cost_gbp), and what the hours of assignments over
-- their price cap cost above it: hours x (pay rate + on-costs - cap). A table rebuilt in full,
-- as int_agency_rule_flags it reads (a caps file changes it with no authority in scope).
with

timesheets as (
    select * from {{ ref('stg_agency__timesheets') }}
),

flags as (
    select * from {{ ref('int_agency_rule_flags') }}
),

final as (
    select
        -- ids
        timesheets.la_code,
        cast(date_trunc('month', timesheets.week_ending) as date) as period_start_date,

        -- dates
        last_day(timesheets.week_ending) as period_end_date,

        -- numbers
        sum(timesheets.charge_gbp) as agency_cost_gbp,
        sum(timesheets.hours) as hours,
        coalesce(sum(timesheets.hours) filter (where flags.is_over_cap), 0) as over_cap_hours,
        coalesce(
            sum(timesheets.hours * (flags.hourly_cost_gbp - flags.price_cap_gbp))
            filter (where flags.is_over_cap),
            0
        ) as pay_above_cap_gbp

    from timesheets
    left join flags
        on timesheets.la_code = flags.la_code
            and timesheets.assignment_id = flags.assignment_id
    group by timesheets.la_code, period_start_date, period_end_date
)

select * from final
