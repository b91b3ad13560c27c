-- The published KPI table (../shared/contract/OUTPUTS.md): one row per authority, KPI,
-- breakdown and period, plus la_code 'ALL' for the authorities loaded. Every KPI formula is
-- written once, in kpi_inputs, as a numerator and a denominator. 'ALL' sums numerators and
-- denominators over the authorities and then divides: rates are never averaged (a maximum, such
-- as caseload_max, is the maximum over the authorities). A KPI built on two rates
-- (agency_premium_percent) is derived after that, from the rates of the authority or of ALL.
with

census as (
    select * from {{ ref('fct_workforce_census') }}
),

spells as (
    select * from {{ ref('int_cfsw_spells') }}
),

agency_spend as (
    select * from {{ ref('int_agency_spend_by_financial_year') }}
),

agency_spend_months as (
    select * from {{ ref('int_agency_spend_by_month') }}
),

costs_per_fte as (
    select * from {{ ref('int_cost_per_fte_by_financial_year') }}
),

stocks as (
    select * from {{ ref('int_workforce_stocks_as_at') }}
),

establishment_by_role as (
    select * from {{ ref('int_establishment_by_role_at_census_date') }}
),

caseload_distribution as (
    select * from {{ ref('int_caseload_distribution_at_census_date') }}
),

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

targets as (
    select * from {{ ref('kpi_targets') }}
),

national_indicators as (
    select * from {{ ref('dfe_national_indicators') }}
),

-- DfE's statistical-neighbour median and national rank of the authority's published figure
benchmarks as (
    select * from {{ ref('kpi_benchmarks') }}
),

-- counts as exact decimals of one type, so sums over authorities stay exact (12 dp: FTE-years,
-- twelfths of FTE-months, stay exact too)
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

census_year_inputs as (
    select
        counts.la_code,
        'census_year' as period_type,
        counts.period_start_date as period_start,
        counts.census_date as period_end,
        counts.census_year,
        'total' as breakdown,
        'total' as breakdown_value,
        formulas.kpi_code,
        formulas.numerator,
        formulas.denominator
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
),

-- leavers by length of service and by reason, starters by recruitment route and by origin
spell_breakdown_inputs as (
    select
        spells.la_code,
        'census_year' as period_type,
        census_counts.period_start_date as period_start,
        census_counts.census_date as period_end,
        spells.census_year,
        breakdowns.breakdown,
        breakdowns.breakdown_value,
        breakdowns.kpi_code,
        sum(cast(breakdowns.fte as decimal(38, 12))) as numerator,
        cast(null as decimal(38, 12)) as denominator
    from spells
    inner join census_counts
        on spells.la_code = census_counts.la_code
            and spells.census_year = census_counts.census_year,
        lateral (
            values
            -- kpi_code, breakdown, breakdown_value, the spell's FTE, whether the spell counts
            ('leavers_fte', 'service_band', spells.service_band, spells.ending_fte, spells.is_leaver),
            (
                'leavers_fte',
                'leaving_reason',
                coalesce(cast(spells.leaving_reason as varchar), 'not_recorded'),
                spells.ending_fte,
                spells.is_leaver
            ),
            (
                'starters_fte',
                'recruitment_route',
                coalesce(spells.recruitment_route, 'not_recorded'),
                spells.starting_fte,
                spells.is_starter
            ),
            (
                'starters_fte',
                'start_origin',
                coalesce(cast(spells.start_origin as varchar), 'not_recorded'),
                spells.starting_fte,
                spells.is_starter
            )
        ) as breakdowns (kpi_code, breakdown, breakdown_value, fte, is_counted)
    where breakdowns.is_counted
    group by all
),

-- the establishment table: every service area and role with a post or a worker in post
establishment_breakdown_inputs as (
    select
        by_role.la_code,
        'census_year' as period_type,
        census_counts.period_start_date as period_start,
        census_counts.census_date as period_end,
        by_role.census_year,
        by_role.breakdown,
        by_role.breakdown_value,
        formulas.kpi_code,
        formulas.numerator,
        cast(null as decimal(38, 12)) as denominator
    from establishment_by_role as by_role
    inner join census_counts
        on by_role.la_code = census_counts.la_code
            and by_role.census_year = census_counts.census_year,
        lateral (
            values
            ('establishment_fte', cast(by_role.establishment_fte as decimal(38, 12))),
            ('inpost_fte', cast(by_role.inpost_fte as decimal(38, 12))),
            ('agency_fte', cast(by_role.agency_fte as decimal(38, 12))),
            ('vacancy_fte', cast(by_role.vacancy_fte as decimal(38, 12))),
            (
                'establishment_gap_fte',
                cast(by_role.establishment_fte - by_role.inpost_fte - by_role.agency_fte as decimal(38, 12))
            )
        ) as formulas (kpi_code, numerator)
),

caseload_distribution_inputs as (
    select
        distribution.la_code,
        'census_year' as period_type,
        census_counts.period_start_date as period_start,
        census_counts.census_date as period_end,
        distribution.census_year,
        distribution.breakdown,
        distribution.breakdown_value,
        formulas.kpi_code,
        formulas.numerator,
        formulas.denominator
    from caseload_distribution as distribution
    inner join census_counts
        on distribution.la_code = census_counts.la_code
            and distribution.census_year = census_counts.census_year,
        lateral (
            values
            (
                'caseload_above_threshold_share',
                cast(distribution.case_holders_above_threshold as decimal(38, 12)),
                cast(distribution.case_holders as decimal(38, 12))
            ),
            ('caseload_max', cast(distribution.max_cases as decimal(38, 12)), null)
        ) as formulas (kpi_code, numerator, denominator)
),

financial_year_inputs as (
    select
        spend.la_code,
        'financial_year' as period_type,
        spend.period_start_date as period_start,
        spend.period_end_date as period_end,
        cast(null as integer) as census_year,
        'total' as breakdown,
        'total' as breakdown_value,
        formulas.kpi_code,
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

cost_per_fte_inputs as (
    select
        la_code,
        'financial_year' as period_type,
        period_start_date as period_start,
        period_end_date as period_end,
        cast(null as integer) as census_year,
        'total' as breakdown,
        'total' as breakdown_value,
        case worker_source
            when 'employee' then 'pay_cost_per_fte_gbp'
            when 'agency' then 'agency_cost_per_fte_gbp'
        end as kpi_code,
        cast(cost_gbp as decimal(38, 12)) as numerator,
        cast(fte_years as decimal(38, 12)) as denominator
    from costs_per_fte
),

month_inputs as (
    select
        la_code,
        'month' as period_type,
        period_start_date as period_start,
        period_end_date as period_end,
        cast(null as integer) as census_year,
        'total' as breakdown,
        'total' as breakdown_value,
        'agency_spend_gbp' as kpi_code,
        cast(agency_spend_gbp as decimal(38, 12)) as numerator,
        cast(null as decimal(38, 12)) as denominator
    from agency_spend_months

    union all by name

    select
        month_ends.la_code,
        'month' as period_type,
        month_ends.period_start_date as period_start,
        month_ends.reporting_date as period_end,
        cast(null as integer) as census_year,
        'total' as breakdown,
        'total' as breakdown_value,
        formulas.kpi_code,
        formulas.numerator,
        formulas.denominator
    from stocks as month_ends,
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
    where month_ends.date_kind = 'month_end'
),

kpi_inputs as (
    select * from census_year_inputs
    union all by name
    select * from spell_breakdown_inputs
    union all by name
    select * from establishment_breakdown_inputs
    union all by name
    select * from caseload_distribution_inputs
    union all by name
    select * from financial_year_inputs
    union all by name
    select * from cost_per_fte_inputs
    union all by name
    select * from month_inputs
),

-- a KPI is known for an authority when its inputs are: a count needs its numerator, a rate
-- both (an extract without a basis snapshot leaves its KPIs out, not zero)
authority_inputs as (
    select kpi_inputs.*
    from kpi_inputs
    inner join definitions
        on kpi_inputs.kpi_code = definitions.kpi_code
    where
        kpi_inputs.numerator is not null
        and (not definitions.is_rate or kpi_inputs.denominator is not null)
),

all_authorities_inputs as (
    select
        'ALL' as la_code,
        authority_inputs.period_type,
        authority_inputs.period_start,
        authority_inputs.period_end,
        authority_inputs.census_year,
        authority_inputs.breakdown,
        authority_inputs.breakdown_value,
        authority_inputs.kpi_code,
        case definitions.all_authorities
            when 'max' then max(authority_inputs.numerator)
            else sum(authority_inputs.numerator)
        end as numerator,
        sum(authority_inputs.denominator) as denominator
    from authority_inputs
    inner join definitions
        on authority_inputs.kpi_code = definitions.kpi_code
    group by
        authority_inputs.period_type,
        authority_inputs.period_start,
        authority_inputs.period_end,
        authority_inputs.census_year,
        authority_inputs.breakdown,
        authority_inputs.breakdown_value,
        authority_inputs.kpi_code,
        definitions.all_authorities
),

summed_inputs as (
    select * from authority_inputs
    union all by name
    select * from all_authorities_inputs
),

-- the agency premium compares two costs per FTE, each already a ratio of sums: numerator the
-- agency cost per FTE minus the permanent one, denominator the permanent one
premium_inputs as (
    select
        agency_cost.la_code,
        agency_cost.period_type,
        agency_cost.period_start,
        agency_cost.period_end,
        agency_cost.census_year,
        agency_cost.breakdown,
        agency_cost.breakdown_value,
        'agency_premium_percent' as kpi_code,
        agency_cost.numerator / agency_cost.denominator
        - pay_cost.numerator / pay_cost.denominator as numerator,
        pay_cost.numerator / pay_cost.denominator as denominator
    from summed_inputs as agency_cost
    inner join summed_inputs as pay_cost
        on agency_cost.la_code = pay_cost.la_code
            and agency_cost.period_type = pay_cost.period_type
            and agency_cost.period_start = pay_cost.period_start
            and agency_cost.breakdown = pay_cost.breakdown
            and agency_cost.breakdown_value = pay_cost.breakdown_value
    where agency_cost.kpi_code = 'agency_cost_per_fte_gbp'
        and pay_cost.kpi_code = 'pay_cost_per_fte_gbp'
        and agency_cost.denominator > 0
        and pay_cost.denominator > 0
),

inputs as (
    select * from summed_inputs
    union all by name
    select * from premium_inputs
),

valued as (
    select
        inputs.*,
        definitions.unit,
        definitions.is_rate,
        definitions.national_column,
        case
            when not definitions.is_rate then cast(inputs.numerator as double)
            when definitions.unit = 'percent'
                then 100 * cast(inputs.numerator as double) / cast(inputs.denominator as double)
            else cast(inputs.numerator as double) / cast(inputs.denominator as double)
        end as kpi_value
    from inputs
    inner join definitions
        on inputs.kpi_code = definitions.kpi_code
    -- a rate over nothing is not published (rather than published as null)
    where not definitions.is_rate or inputs.denominator > 0
),

-- targets apply to the headline figures of census years; how far the value is on the wrong side
against_targets as (
    select
        valued.*,
        targets.target,
        targets.amber_band,
        targets.on_target_is_met,
        case targets.direction
            when 'lower_is_better' then valued.kpi_value - targets.target
            when 'higher_is_better' then targets.target - valued.kpi_value
        end as worse_than_target_by
    from valued
    left join targets
        on
            valued.kpi_code = targets.kpi_code
            and valued.breakdown = 'total'
            and valued.period_type = 'census_year'
),

national_values as (
    unpivot national_indicators
    on columns(* exclude (time_period))
    into name national_column value national_value
),

final as (
    select
        against_targets.la_code,
        against_targets.kpi_code,
        against_targets.breakdown,
        against_targets.breakdown_value,
        against_targets.period_type,
        against_targets.period_start,
        against_targets.period_end,
        against_targets.kpi_value as value,  -- noqa: RF04
        case when against_targets.is_rate then cast(against_targets.numerator as double) end
            as numerator,
        case when against_targets.is_rate then cast(against_targets.denominator as double) end
            as denominator,
        against_targets.unit,
        against_targets.target,
        {{ rag(
            'against_targets.worse_than_target_by',
            'against_targets.amber_band',
            'against_targets.on_target_is_met'
        ) }} as rag,
        national_values.national_value,
        benchmarks.neighbour_median,
        benchmarks.rank,  -- noqa: RF04
        benchmarks.rank_of,
        cast(null as varchar) as published_run_id
    from against_targets
    left join national_values
        on
            against_targets.national_column = national_values.national_column
            and against_targets.census_year = national_values.time_period
            and against_targets.breakdown = 'total'
            and against_targets.period_type = 'census_year'
    left join benchmarks
        on
            against_targets.la_code = benchmarks.la_code
            and against_targets.kpi_code = benchmarks.kpi_code
            and against_targets.census_year = benchmarks.census_year
            and against_targets.breakdown = 'total'
            and against_targets.period_type = 'census_year'
)

-- a stable, readable order: by authority, KPI and breakdown, then periods from the earliest,
-- the shorter of two periods starting the same day first
select * from final
order by la_code, kpi_code, breakdown, breakdown_value, period_start, period_end
