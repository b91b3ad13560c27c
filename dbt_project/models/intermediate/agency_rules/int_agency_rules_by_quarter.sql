{{ config(materialized='table') }}
-- Per authority and calendar quarter from var agency_rules_from (the rules took effect on
-- 31 October 2024): how many agency assignments of registered social workers were active on
-- any day of the quarter (start on or before its last day, end_date, the last day worked, on or
-- after its first or none) and how many of them break each rule, with the cost of the quarter's
-- timesheets. A quarter is listed from the first with an active assignment or a timesheet up to
-- the quarter of the authority's newest agency_assignments extract. A table rebuilt in full, as
-- int_agency_rule_flags it reads.
with

flags as (
    select * from {{ ref('int_agency_rule_flags') }}
),

monthly_costs as (
    select * from {{ ref('int_agency_cost_against_cap_by_month') }}
),

files as (
    select * from {{ ref('stg_audit__files') }}
),

authorities as (
    select * from {{ ref('dfe_authorities') }}
),

newest_extracts as (
    select
        la_code,
        max(extract_date) as extract_date
    from files
    where kind = 'agency_assignments' and status = 'loaded'
    group by la_code
),

first_quarters as (
    select
        la_code,
        min(quarter_start) as quarter_start
    from (
        select
            la_code,
            date_trunc('quarter', start_date) as quarter_start
        from flags
        union all
        select
            la_code,
            date_trunc('quarter', period_start_date) as quarter_start
        from monthly_costs
    ) as activity
    group by la_code
),

quarters as (
    select
        first_quarters.la_code,
        cast(series.series_start as date) as quarter_start,
        cast(series.series_start + interval 3 month - interval 1 day as date) as quarter_end
    from first_quarters
    inner join newest_extracts
        on first_quarters.la_code = newest_extracts.la_code,
        unnest(generate_series(
            greatest(
                first_quarters.quarter_start,
                date_trunc('quarter', cast('{{ var("agency_rules_from") }}' as date))
            ),
            date_trunc('quarter', newest_extracts.extract_date),
            interval 3 month
        )) as series (series_start)
),

active as (
    select
        quarters.la_code,
        quarters.quarter_start,
        flags.* exclude (la_code)  -- noqa: RF02
    from quarters
    inner join flags
        on quarters.la_code = flags.la_code
            and quarters.quarter_end >= flags.start_date
            and (flags.end_date is null or quarters.quarter_start <= flags.end_date)
),

counted as (
    select
        la_code,
        quarter_start,
        count(*) as assignments,
        count(is_over_cap) as assignments_with_price_cap,
        count(*) filter (where not is_over_cap) as within_cap,
        count(*) filter (where is_over_cap_not_approved) as over_cap_not_approved,
        count(*) filter (where is_over_cap_approved) as over_cap_approved,
        count(*) filter (where is_under_3_years_pqe) as under_3_years_pqe,
        count(*) filter (where is_reengaged_within_3_months) as reengaged_within_3_months,
        count(*) filter (where not has_practice_reference) as no_practice_reference,
        count(*) filter (where is_project_team) as project_team_workers
    from active
    group by la_code, quarter_start
),

costs as (
    select
        quarters.la_code,
        quarters.quarter_start,
        sum(monthly_costs.agency_cost_gbp) as agency_cost_gbp,
        sum(monthly_costs.pay_above_cap_gbp) as pay_above_cap_gbp
    from quarters
    inner join monthly_costs
        on quarters.la_code = monthly_costs.la_code
            and monthly_costs.period_start_date between quarters.quarter_start and quarters.quarter_end
    group by quarters.la_code, quarters.quarter_start
),

final as (
    select
        -- ids
        quarters.la_code,
        authorities.region_name,
        year(quarters.quarter_start) || 'Q' || quarter(quarters.quarter_start) as quarter,  -- noqa: RF04

        -- dates
        quarters.quarter_start,
        quarters.quarter_end,

        -- numbers
        coalesce(counted.assignments, 0) as assignments,
        coalesce(counted.assignments_with_price_cap, 0) as assignments_with_price_cap,
        coalesce(counted.within_cap, 0) as within_cap,
        coalesce(counted.over_cap_not_approved, 0) as over_cap_not_approved,
        coalesce(counted.over_cap_approved, 0) as over_cap_approved,
        coalesce(counted.under_3_years_pqe, 0) as under_3_years_pqe,
        coalesce(counted.reengaged_within_3_months, 0) as reengaged_within_3_months,
        coalesce(counted.no_practice_reference, 0) as no_practice_reference,
        coalesce(counted.project_team_workers, 0) as project_team_workers,
        coalesce(costs.agency_cost_gbp, 0) as agency_cost_gbp,
        coalesce(costs.pay_above_cap_gbp, 0) as pay_above_cap_gbp

    from quarters
    left join authorities
        on quarters.la_code = authorities.la_code
    left join counted
        on quarters.la_code = counted.la_code
            and quarters.quarter_start = counted.quarter_start
    left join costs
        on quarters.la_code = costs.la_code
            and quarters.quarter_start = costs.quarter_start
)

select * from final
