-- Agency spend per authority and financial year (1 Apr - 31 Mar, as boards read it), every
-- timesheet dated by its week ending.
with

timesheets as (
    select * from {{ ref('stg_agency__timesheets') }}
),

dated as (
    select
        la_code,
        charge_gbp,
        case
            when month(week_ending) >= 4 then year(week_ending)
            else year(week_ending) - 1
        end as financial_year_start
    from timesheets
),

final as (
    select
        -- ids
        la_code,
        financial_year_start,

        -- dates
        make_date(financial_year_start, 4, 1) as period_start_date,
        make_date(financial_year_start + 1, 3, 31) as period_end_date,

        -- numbers
        count(*) as timesheet_count,
        sum(charge_gbp) as agency_spend_gbp

    from dated
    group by la_code, financial_year_start
)

select * from final
