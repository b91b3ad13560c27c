-- The stocks at each month end the snapshots cover: in-post, agency and vacant FTE and the
-- caseload (cases over the FTE of case holders, both that day).
with

stocks as (
    select * from {{ ref('int_workforce_stocks_as_at') }}
),

month_ends as (
    select *
    from stocks
    where date_kind = 'month_end'
),

final as (
    select
        month_ends.la_code,
        formulas.kpi_code,
        'total' as breakdown,
        'total' as breakdown_value,
        'month' as period_type,
        month_ends.period_start_date as period_start,
        month_ends.reporting_date as period_end,
        cast(null as integer) as census_year,
        formulas.numerator,
        formulas.denominator
    from month_ends,
        lateral (
            values
            ('inpost_fte', cast(month_ends.inpost_fte as decimal(38, 12)), null),
            ('agency_fte', cast(month_ends.agency_fte as decimal(38, 12)), null),
            ('vacancy_fte', cast(month_ends.vacancy_fte as decimal(38, 12)), null),
            (
                'caseload_fte',
                cast(month_ends.cases as decimal(38, 12)),
                cast(month_ends.case_holders_fte as decimal(38, 12))
            )
        ) as formulas (kpi_code, numerator, denominator)
)

select * from final
