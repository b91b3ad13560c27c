-- Agency spend per authority and calendar month, every timesheet dated by its week ending.
with

timesheets as (
    select * from {{ ref('stg_agency__timesheets') }}
    where {{ in_build_scope() }}
),

final as (
    select
        -- ids
        la_code,
        cast(date_trunc('month', week_ending) as date) as period_start_date,

        -- dates
        last_day(week_ending) as period_end_date,

        -- numbers
        count(*) as timesheet_count,
        sum(charge_gbp) as agency_spend_gbp

    from timesheets
    group by la_code, period_start_date, period_end_date
)

select * from final
