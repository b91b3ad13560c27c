-- Agency spend per authority and calendar month, every timesheet dated by its week ending: all
-- of it (every agency worker, social worker or not), and the part charged for agency CFSWs.
with

timesheets as (
    select * from {{ ref('stg_agency__timesheets') }}
    where {{ in_build_scope() }}
),

agency as (
    select * from {{ ref('stg_agency__assignments') }}
    where {{ in_build_scope() }}
),

-- whether each assignment is a CFSW's, as the newest snapshot holding it shows it (the agency
-- extract holds every assignment a delivered timesheet refers to)
cfsw_assignments as (
    select
        la_code,
        assignment_id
    from agency
    qualify
        row_number() over (partition by la_code, assignment_id order by valid_from desc) = 1
        and is_cfsw
),

final as (
    select
        -- ids
        timesheets.la_code,
        cast(date_trunc('month', timesheets.week_ending) as date) as period_start_date,

        -- dates
        last_day(timesheets.week_ending) as period_end_date,

        -- numbers
        count(*) as timesheet_count,
        sum(timesheets.charge_gbp) as agency_spend_gbp,
        coalesce(sum(timesheets.charge_gbp) filter (where cfsw_assignments.assignment_id is not null), 0)
            as agency_spend_cfsw_gbp

    from timesheets
    left join cfsw_assignments
        on timesheets.la_code = cfsw_assignments.la_code
            and timesheets.assignment_id = cfsw_assignments.assignment_id
    group by timesheets.la_code, period_start_date, period_end_date
)

select * from final
