-- Agency spend per financial year (with its change against the baseline year and the spend
-- avoided) and per calendar month.
with

agency_spend as (
    select * from {{ ref('int_agency_spend_by_financial_year') }}
),

agency_spend_months as (
    select * from {{ ref('int_agency_spend_by_month') }}
),

financial_years as (
    select
        spend.la_code,
        formulas.kpi_code,
        'total' as breakdown,
        'total' as breakdown_value,
        'financial_year' as period_type,
        spend.period_start_date as period_start,
        spend.period_end_date as period_end,
        cast(null as integer) as census_year,
        formulas.numerator,
        formulas.denominator
    from agency_spend as spend,
        lateral (
            values
            ('agency_spend_gbp', cast(spend.agency_spend_gbp as decimal(38, 12)), null),
            ('agency_spend_change_gbp', cast(spend.agency_spend_change_gbp as decimal(38, 12)), null),
            (
                'agency_spend_change_percent',
                cast(spend.agency_spend_change_gbp as decimal(38, 12)),
                cast(spend.baseline_agency_spend_gbp as decimal(38, 12))
            ),
            ('agency_spend_avoided_gbp', cast(spend.agency_spend_avoided_gbp as decimal(38, 12)), null)
        ) as formulas (kpi_code, numerator, denominator)
),

months as (
    select
        la_code,
        'agency_spend_gbp' as kpi_code,
        'total' as breakdown,
        'total' as breakdown_value,
        'month' as period_type,
        period_start_date as period_start,
        period_end_date as period_end,
        cast(null as integer) as census_year,
        cast(agency_spend_gbp as decimal(38, 12)) as numerator,
        cast(null as decimal(38, 12)) as denominator
    from agency_spend_months
),

final as (
    select * from financial_years
    union all by name
    select * from months
)

select * from final
