-- Recruitment and retention payments to employed CFSWs per financial year, in all and by pay
-- element (golden hellos, market supplements, retention allowances).
with

payments as (
    select * from {{ ref('int_recruitment_and_retention_payments_by_financial_year') }}
),

by_breakdown as (
    select
        la_code,
        'pay_element' as breakdown,
        pay_element as breakdown_value,
        period_start_date,
        period_end_date,
        amount_gbp
    from payments

    union all

    select
        la_code,
        'total' as breakdown,
        'total' as breakdown_value,
        period_start_date,
        period_end_date,
        sum(amount_gbp) as amount_gbp
    from payments
    group by la_code, period_start_date, period_end_date
),

final as (
    select
        la_code,
        'rr_payments_gbp' as kpi_code,
        breakdown,
        breakdown_value,
        'financial_year' as period_type,
        period_start_date as period_start,
        period_end_date as period_end,
        cast(null as integer) as census_year,
        cast(amount_gbp as decimal(38, 12)) as numerator,
        cast(null as decimal(38, 12)) as denominator
    from by_breakdown
)

select * from final
