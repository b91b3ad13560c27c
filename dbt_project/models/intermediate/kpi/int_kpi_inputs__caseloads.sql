-- The caseload distribution of each census year by service area, team and length of service: the
-- share of case holders above var caseload_threshold (a headcount rate), the largest caseload,
-- and the average caseload (cases over the FTE of the case holders; its headline figure is
-- int_kpi_inputs__census_counts').
with

census_years as (
    select * from {{ ref('int_census_years') }}
),

caseload_distribution as (
    select * from {{ ref('int_caseload_distribution_at_census_date') }}
),

final as (
    select
        distribution.la_code,
        formulas.kpi_code,
        distribution.breakdown,
        distribution.breakdown_value,
        'census_year' as period_type,
        census_years.period_start_date as period_start,
        census_years.census_date as period_end,
        distribution.census_year,
        formulas.numerator,
        formulas.denominator
    from caseload_distribution as distribution
    inner join census_years
        on distribution.la_code = census_years.la_code
            and distribution.census_year = census_years.census_year,
        lateral (
            values
            (
                'caseload_above_threshold_share',
                cast(distribution.case_holders_above_threshold as decimal(38, 12)),
                cast(distribution.case_holders as decimal(38, 12))
            ),
            ('caseload_max', cast(distribution.max_cases as decimal(38, 12)), null),
            (
                'caseload_fte',
                cast(distribution.cases as decimal(38, 12)),
                cast(distribution.case_holders_fte as decimal(38, 12))
            )
        ) as formulas (kpi_code, numerator, denominator)
    where not (formulas.kpi_code = 'caseload_fte' and distribution.breakdown = 'total')
)

select * from final
