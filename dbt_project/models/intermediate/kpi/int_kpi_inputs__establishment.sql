-- The establishment table of each census year: establishment, in-post, agency and vacant FTE
-- and the gap, by service area and by role (every one with a post or a worker in post); the
-- vacancies and the vacancy rate by service area and by team.
with

census_years as (
    select * from {{ ref('int_census_years') }}
),

establishment_by_role as (
    select * from {{ ref('int_establishment_by_role_at_census_date') }}
),

final as (
    select
        by_role.la_code,
        formulas.kpi_code,
        by_role.breakdown,
        by_role.breakdown_value,
        'census_year' as period_type,
        census_years.period_start_date as period_start,
        census_years.census_date as period_end,
        by_role.census_year,
        formulas.numerator,
        cast(formulas.denominator as decimal(38, 12)) as denominator
    from establishment_by_role as by_role
    inner join census_years
        on by_role.la_code = census_years.la_code
            and by_role.census_year = census_years.census_year,
        lateral (
            values
            -- kpi_code, numerator, denominator (null for a count), the breakdowns it is given by
            (
                'establishment_fte',
                cast(by_role.establishment_fte as decimal(38, 12)),
                null,
                ['service_area', 'org_role']
            ),
            ('inpost_fte', cast(by_role.inpost_fte as decimal(38, 12)), null, ['service_area', 'org_role']),
            ('agency_fte', cast(by_role.agency_fte as decimal(38, 12)), null, ['service_area', 'org_role']),
            (
                'vacancy_fte',
                cast(by_role.vacancy_fte as decimal(38, 12)),
                null,
                ['service_area', 'org_role', 'team']
            ),
            (
                'vacancy_rate_fte',
                cast(by_role.vacancy_fte as decimal(38, 12)),
                cast(by_role.vacancy_fte + by_role.inpost_fte as decimal(38, 12)),
                ['service_area', 'team']
            ),
            (
                'establishment_gap_fte',
                cast(by_role.establishment_fte - by_role.inpost_fte - by_role.agency_fte as decimal(38, 12)),
                null,
                ['service_area', 'org_role']
            )
        ) as formulas (kpi_code, numerator, denominator, breakdowns)
    where list_contains(formulas.breakdowns, by_role.breakdown)
)

select * from final
