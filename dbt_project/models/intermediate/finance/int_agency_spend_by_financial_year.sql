-- Agency spend per authority and financial year (1 Apr - 31 Mar, as boards read it), the sum of
-- its months (all agency spend, and the part on agency CFSWs), and how it compares with a
-- baseline year: the change since the baseline and the spend avoided, cumulatively, by not
-- spending at the baseline year's level every year since (that level uplifted by var
-- agency_spend_baseline_uplift_percent a year, 0 by default).
-- A part year (fewer than 12 months with spend, the baseline year aside) is compared like with
-- like: its months against the same calendar months of the baseline year, never a part year
-- against a whole one; with no month in common it is not compared.
{%- set baseline_year = var('agency_spend_baseline_year') %}
{%- set uplift_percent = var('agency_spend_baseline_uplift_percent') | float %}

with

months as (
    select
        *,
        {{ financial_year_start('period_start_date') }} as financial_year_start
    from {{ ref('int_agency_spend_by_month') }}
    where {{ in_build_scope() }}
),

financial_years as (
    select
        la_code,
        financial_year_start,
        sum(timesheet_count) as timesheet_count,
        count(distinct period_start_date) as months_with_spend,
        sum(agency_spend_gbp) as agency_spend_gbp,
        sum(agency_spend_cfsw_gbp) as agency_spend_cfsw_gbp
    from months
    group by la_code, financial_year_start
),

-- the baseline: var agency_spend_baseline_year, or else the authority's earliest year with
-- spend in all 12 months (a first year that the extracts only partly cover is no baseline),
-- or, when no year has 12 months of spend, its earliest year
with_baseline_year as (
    select
        *,
        {% if baseline_year is none -%}
            coalesce(
                min(financial_year_start) filter (months_with_spend = 12) over (partition by la_code),
                min(financial_year_start) over (partition by la_code)
            )
        {%- else -%}
            {{ baseline_year | int }}
        {%- endif %} as baseline_financial_year_start
    from financial_years
),

baselines as (
    select
        la_code,
        agency_spend_gbp as baseline_agency_spend_gbp
    from with_baseline_year
    where financial_year_start = baseline_financial_year_start
),

-- each year's months with spend, beside the baseline year's spend in the same calendar month
same_months as (
    select
        years.la_code,
        years.financial_year_start,
        count(baseline_months.agency_spend_gbp) as compared_months,
        sum(year_months.agency_spend_gbp) filter (
            baseline_months.agency_spend_gbp is not null
        ) as compared_spend_gbp,
        sum(baseline_months.agency_spend_gbp) as baseline_same_months_gbp
    from with_baseline_year as years
    inner join months as year_months
        on
            years.la_code = year_months.la_code
            and years.financial_year_start = year_months.financial_year_start
    left join months as baseline_months
        on
            years.la_code = baseline_months.la_code
            and years.baseline_financial_year_start = baseline_months.financial_year_start
            and month(year_months.period_start_date) = month(baseline_months.period_start_date)
    group by years.la_code, years.financial_year_start
),

with_part_years as (
    select
        with_baseline_year.*,
        with_baseline_year.months_with_spend < 12
        and with_baseline_year.financial_year_start
        <> with_baseline_year.baseline_financial_year_start as is_part_year,
        same_months.compared_months,
        same_months.compared_spend_gbp,
        same_months.baseline_same_months_gbp
    from with_baseline_year
    inner join same_months
        on
            with_baseline_year.la_code = same_months.la_code
            and with_baseline_year.financial_year_start = same_months.financial_year_start
),

-- what is compared: a whole year's spend with the baseline year's, a part year's months with
-- the same months of the baseline year
compared as (
    select
        with_part_years.* exclude (compared_months, compared_spend_gbp),
        case
            when with_part_years.is_part_year then with_part_years.compared_months
            else with_part_years.months_with_spend
        end as compared_months,
        case
            when with_part_years.is_part_year then with_part_years.compared_spend_gbp
            else with_part_years.agency_spend_gbp
        end as compared_spend_gbp,
        case
            when with_part_years.is_part_year then with_part_years.baseline_same_months_gbp
            else baselines.baseline_agency_spend_gbp
        end as baseline_agency_spend_gbp,
        with_part_years.financial_year_start >= with_part_years.baseline_financial_year_start
        and baselines.baseline_agency_spend_gbp is not null
        and (not with_part_years.is_part_year or with_part_years.compared_months > 0)
            as is_from_baseline
    from with_part_years
    left join baselines
        on with_part_years.la_code = baselines.la_code
),

-- what the year would have cost at the baseline level
with_baseline_level as (
    select
        *,
        case
            -- no uplift: the baseline spend itself, exact (no power() through a double)
            when is_from_baseline and {{ uplift_percent }} = 0 then baseline_agency_spend_gbp
            when is_from_baseline then cast(
                    baseline_agency_spend_gbp
                    * power(
                        1 + {{ uplift_percent }} / 100, financial_year_start - baseline_financial_year_start
                    )
                    as decimal(18, 2)
                )
        end as baseline_level_spend_gbp
    from compared
),

with_running_total as (
    select
        *,
        sum(baseline_level_spend_gbp - compared_spend_gbp) over (
            partition by la_code
            order by financial_year_start
            rows between unbounded preceding and current row
        ) as avoided_since_baseline_gbp
    from with_baseline_level
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
        timesheet_count,
        months_with_spend,
        agency_spend_gbp,
        agency_spend_cfsw_gbp,

        -- against the baseline year (null before it, when the baseline year has no spend, or
        -- for a part year with no month in common with it)
        baseline_financial_year_start,
        is_part_year,
        compared_months,
        compared_spend_gbp,
        baseline_agency_spend_gbp,
        baseline_level_spend_gbp,
        case
            when is_from_baseline then compared_spend_gbp - baseline_agency_spend_gbp
        end as agency_spend_change_gbp,
        case when is_from_baseline then avoided_since_baseline_gbp end as agency_spend_avoided_gbp

    from with_running_total
)

select * from final
