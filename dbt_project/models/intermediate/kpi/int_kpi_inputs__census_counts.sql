-- The headline (breakdown `total`) census-year KPIs as numerator and denominator, one formula
-- per KPI over the DfE census counts of fct_workforce_census. A count has no denominator.
with

census as (
    select * from {{ ref('fct_workforce_census') }}
),

-- exact decimals of one type, so that sums over authorities stay exact (12 dp keeps FTE-years,
-- twelfths of FTE-months, exact too)
census_counts as (
    select
        la_code,
        census_year,
        period_start_date,
        census_date,
        cast(inpost_fte as decimal(38, 12)) as inpost_fte,
        cast(inpost_headcount as decimal(38, 12)) as inpost_headcount,
        cast(starters_fte as decimal(38, 12)) as starters_fte,
        cast(leavers_fte as decimal(38, 12)) as leavers_fte,
        cast(agency_fte as decimal(38, 12)) as agency_fte,
        cast(agency_cover_fte as decimal(38, 12)) as agency_cover_fte,
        cast(vacancy_fte as decimal(38, 12)) as vacancy_fte,
        cast(case_holders_fte as decimal(38, 12)) as case_holders_fte,
        cast(cases as decimal(38, 12)) as cases,
        cast(working_days_lost_fte as decimal(38, 12)) as working_days_lost_fte,
        cast(establishment_fte as decimal(38, 12)) as establishment_fte,
        cast(children_allocated as decimal(38, 12)) as children_allocated,
        cast(children_with_3plus_workers as decimal(38, 12)) as children_with_3plus_workers
    from census
),

final as (
    select
        counts.la_code,
        formulas.kpi_code,
        'total' as breakdown,
        'total' as breakdown_value,
        'census_year' as period_type,
        counts.period_start_date as period_start,
        counts.census_date as period_end,
        counts.census_year,
        cast(formulas.numerator as decimal(38, 12)) as numerator,
        cast(formulas.denominator as decimal(38, 12)) as denominator
    from census_counts as counts,
        lateral (
            values
            -- kpi_code, numerator, denominator (null for a count)
            ('inpost_fte', counts.inpost_fte, null),
            ('inpost_headcount', counts.inpost_headcount, null),
            ('starters_fte', counts.starters_fte, null),
            ('leavers_fte', counts.leavers_fte, null),
            ('turnover_rate_fte', counts.leavers_fte, counts.inpost_fte),
            ('agency_fte', counts.agency_fte, null),
            ('agency_rate_fte', counts.agency_fte, counts.agency_fte + counts.inpost_fte),
            ('agency_cover_fte', counts.agency_cover_fte, null),
            ('agency_cover_rate_fte', counts.agency_cover_fte, counts.agency_fte),
            ('vacancy_fte', counts.vacancy_fte, null),
            ('vacancy_rate_fte', counts.vacancy_fte, counts.vacancy_fte + counts.inpost_fte),
            ('vacancy_agency_cover_rate_fte', counts.agency_cover_fte, counts.vacancy_fte),
            ('case_holders_fte', counts.case_holders_fte, null),
            ('cases', counts.cases, null),
            ('caseload_fte', counts.cases, counts.case_holders_fte),
            ('working_days_lost_fte', counts.working_days_lost_fte, null),
            -- DfE's absence rate: days lost over the working days of the FTE in post
            ('absence_rate_fte', counts.working_days_lost_fte, counts.inpost_fte * 253),
            ('establishment_fte', counts.establishment_fte, null),
            (
                'establishment_gap_fte',
                counts.establishment_fte - counts.inpost_fte - counts.agency_fte,
                null
            ),
            ('children_allocated', counts.children_allocated, null),
            ('children_with_3plus_workers', counts.children_with_3plus_workers, null),
            (
                'children_with_3plus_workers_percent',
                counts.children_with_3plus_workers,
                counts.children_allocated
            )
        ) as formulas (kpi_code, numerator, denominator)
)

select * from final
