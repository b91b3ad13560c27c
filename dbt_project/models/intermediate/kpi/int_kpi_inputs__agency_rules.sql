-- The agency rules per authority and calendar quarter (period_type `quarter`): the assignments
-- breaching each rule, and the share of those with a price cap that are within it.
with

by_quarter as (
    select * from {{ ref('int_agency_rules_by_quarter') }}
),

final as (
    select
        by_quarter.la_code,
        formulas.kpi_code,
        'total' as breakdown,
        'total' as breakdown_value,
        'quarter' as period_type,
        by_quarter.quarter_start as period_start,
        by_quarter.quarter_end as period_end,
        cast(null as integer) as census_year,
        formulas.numerator,
        formulas.denominator
    from by_quarter,
        lateral (
            values
            ('agency_rules_assignments', cast(by_quarter.assignments as decimal(38, 12)), null),
            (
                'agency_rules_over_cap_not_approved',
                cast(by_quarter.over_cap_not_approved as decimal(38, 12)),
                null
            ),
            ('agency_rules_over_cap_approved', cast(by_quarter.over_cap_approved as decimal(38, 12)), null),
            ('agency_rules_under_3_years_pqe', cast(by_quarter.under_3_years_pqe as decimal(38, 12)), null),
            (
                'agency_rules_reengaged_within_3_months',
                cast(by_quarter.reengaged_within_3_months as decimal(38, 12)),
                null
            ),
            (
                'agency_rules_no_practice_reference',
                cast(by_quarter.no_practice_reference as decimal(38, 12)),
                null
            ),
            (
                'agency_rules_project_team_workers',
                cast(by_quarter.project_team_workers as decimal(38, 12)),
                null
            ),
            (
                'agency_rules_within_cap_percent',
                cast(by_quarter.within_cap as decimal(38, 12)),
                cast(by_quarter.assignments_with_price_cap as decimal(38, 12))
            )
        ) as formulas (kpi_code, numerator, denominator)
)

select * from final
