-- Annual pay cost per FTE (employed) and agency cost per FTE of each financial year: cost over
-- FTE-years, so that ALL divides summed costs by summed FTE-years.
with

costs_per_fte as (
    select * from {{ ref('int_cost_per_fte_by_financial_year') }}
),

final as (
    select
        la_code,
        case worker_source
            when 'employee' then 'pay_cost_per_fte_gbp'
            when 'agency' then 'agency_cost_per_fte_gbp'
        end as kpi_code,
        'total' as breakdown,
        'total' as breakdown_value,
        'financial_year' as period_type,
        period_start_date as period_start,
        period_end_date as period_end,
        cast(null as integer) as census_year,
        cast(cost_gbp as decimal(38, 12)) as numerator,
        cast(fte_years as decimal(38, 12)) as denominator
    from costs_per_fte
)

select * from final
