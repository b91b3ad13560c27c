-- Agency spend per financial year (with its change against the baseline year and the spend
-- avoided) and per calendar month; all of it, and the part on agency CFSWs.
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
            ('agency_spend_cfsw_gbp', cast(spend.agency_spend_cfsw_gbp as decimal(38, 12)), null),
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
        month_spend.la_code,
        formulas.kpi_code,
        'total' as breakdown,
        'total' as breakdown_value,
        'month' as period_type,
        month_spend.period_start_date as period_start,
        month_spend.period_end_date as period_end,
        cast(null as integer) as census_year,
        formulas.numerator,
        cast(null as decimal(38, 12)) as denominator
    from agency_spend_months as month_spend,
        lateral (
            values
            ('agency_spend_gbp', cast(month_spend.agency_spend_gbp as decimal(38, 12))),
            ('agency_spend_cfsw_gbp', cast(month_spend.agency_spend_cfsw_gbp as decimal(38, 12)))
        ) as formulas (kpi_code, numerator)
),

final as (
    select * from financial_years
    union all by name
    select * from months
)

select * from final
