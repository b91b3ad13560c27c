-- What employed and agency CFSWs cost a year per FTE in each financial year: pay (every payroll
-- element) of employed CFSW assignments, or timesheet charges of agency CFSW assignments, over
-- the FTE-years behind them: their month-end in-post FTE summed over the months with costs, / 12.
-- A part year (a first or the current year) so gives an annual cost, comparable with full years.
-- Each month is read from the snapshot basis of its month end (int_*_as_at), so only the months
-- the snapshots cover are counted, in the costs and in the average alike.
with

reporting_dates as (
    select * from {{ ref('int_reporting_dates') }}
    where {{ in_build_scope() }}
),

staff as (
    select * from {{ ref('int_staff_assignments_as_at') }}
    where {{ in_build_scope() }}
),

agency as (
    select * from {{ ref('int_agency_assignments_as_at') }}
    where {{ in_build_scope() }}
),

pay_lines as (
    select * from {{ ref('stg_payroll__pay_lines') }}
    where {{ in_build_scope() }}
),

timesheets as (
    select * from {{ ref('stg_agency__timesheets') }}
    where {{ in_build_scope() }}
),

-- the months each workforce's snapshots cover
covered_months as (
    select
        la_code,
        'employee' as worker_source,
        reporting_date as month_end_date
    from reporting_dates
    where date_kind = 'month_end'

    union all

    select
        la_code,
        'agency' as worker_source,
        reporting_date as month_end_date
    from reporting_dates
    where date_kind = 'month_end' and agency_basis_date is not null
),

-- each assignment as the basis snapshot of a month end shows it (active in that month)
assignment_months as (
    select
        la_code,
        'employee' as worker_source,
        reporting_date as month_end_date,
        {{ financial_year_start('reporting_date') }} as financial_year_start,
        assignment_id,
        is_cfsw,
        is_in_post_at_reporting_date,
        fte
    from staff
    where date_kind = 'month_end'

    union all

    select
        la_code,
        'agency' as worker_source,
        reporting_date as month_end_date,
        {{ financial_year_start('reporting_date') }} as financial_year_start,
        assignment_id,
        is_cfsw,
        is_in_post_at_reporting_date,
        fte
    from agency
    where date_kind = 'month_end'
),

-- pay lines by pay period, timesheets by the month of their week ending
cost_lines as (
    select
        la_code,
        'employee' as worker_source,
        assignment_id,
        last_day(pay_period_start_date) as month_end_date,
        amount_gbp as cost_gbp
    from pay_lines

    union all

    select
        la_code,
        'agency' as worker_source,
        assignment_id,
        last_day(week_ending) as month_end_date,
        charge_gbp as cost_gbp
    from timesheets
),

-- an assignment is a CFSW assignment of the year when a covered month end of the year shows it so
cfsw_assignments as (
    select distinct
        la_code,
        worker_source,
        financial_year_start,
        assignment_id
    from assignment_months
    where is_cfsw
),

counted_lines as (
    select
        cost_lines.la_code,
        cost_lines.worker_source,
        {{ financial_year_start('cost_lines.month_end_date') }} as financial_year_start,
        cost_lines.month_end_date,
        cost_lines.assignment_id,
        cost_lines.cost_gbp
    from cost_lines
    inner join covered_months
        on cost_lines.la_code = covered_months.la_code
            and cost_lines.worker_source = covered_months.worker_source
            and cost_lines.month_end_date = covered_months.month_end_date
    semi join cfsw_assignments
        on cost_lines.la_code = cfsw_assignments.la_code
            and cost_lines.worker_source = cfsw_assignments.worker_source
            and {{ financial_year_start('cost_lines.month_end_date') }}
            = cfsw_assignments.financial_year_start
            and cost_lines.assignment_id = cfsw_assignments.assignment_id
),

costed_assignments as (
    select distinct
        la_code,
        worker_source,
        financial_year_start,
        assignment_id
    from counted_lines
),

costed_months as (
    select
        la_code,
        worker_source,
        financial_year_start,
        month_end_date,
        sum(cost_gbp) as cost_gbp
    from counted_lines
    group by la_code, worker_source, financial_year_start, month_end_date
),

-- month-end in-post FTE of the assignments with costs in the year
month_end_fte as (
    select
        assignment_months.la_code,
        assignment_months.worker_source,
        assignment_months.month_end_date,
        sum(assignment_months.fte) as in_post_fte
    from assignment_months
    semi join costed_assignments
        on assignment_months.la_code = costed_assignments.la_code
            and assignment_months.worker_source = costed_assignments.worker_source
            and assignment_months.financial_year_start = costed_assignments.financial_year_start
            and assignment_months.assignment_id = costed_assignments.assignment_id
    where assignment_months.is_cfsw and assignment_months.is_in_post_at_reporting_date
    group by assignment_months.la_code, assignment_months.worker_source, assignment_months.month_end_date
),

final as (
    select
        -- ids
        costed_months.la_code,
        costed_months.financial_year_start,
        costed_months.worker_source,

        -- dates
        make_date(costed_months.financial_year_start, 4, 1) as period_start_date,
        make_date(costed_months.financial_year_start + 1, 3, 31) as period_end_date,

        -- numbers
        count(*) as costed_months,
        sum(costed_months.cost_gbp) as cost_gbp,
        sum(coalesce(month_end_fte.in_post_fte, 0)) as month_end_fte_total,
        cast(sum(coalesce(month_end_fte.in_post_fte, 0)) / count(*) as decimal(18, 6)) as average_fte,
        cast(sum(coalesce(month_end_fte.in_post_fte, 0)) / 12 as decimal(38, 12)) as fte_years

    from costed_months
    left join month_end_fte
        on costed_months.la_code = month_end_fte.la_code
            and costed_months.worker_source = month_end_fte.worker_source
            and costed_months.month_end_date = month_end_fte.month_end_date
    group by costed_months.la_code, costed_months.financial_year_start, costed_months.worker_source
)

select * from final
