-- The published KPI table (../shared/contract/OUTPUTS.md): one row per authority, KPI,
-- breakdown and period, plus la_code 'ALL' for the authorities loaded. Every KPI formula is
-- written once, in kpi_inputs, as a numerator and a denominator. 'ALL' sums numerators and
-- denominators over the authorities and then divides: rates are never averaged.
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

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

targets as (
    select * from {{ ref('kpi_targets') }}
),

national_indicators as (
    select * from {{ ref('dfe_national_indicators') }}
),

-- counts as exact decimals of one type, so sums over authorities stay exact
census_counts as (
    select
        la_code,
        census_year,
        period_start_date,
        census_date,
        cast(inpost_fte as decimal(38, 6)) as inpost_fte,
        cast(inpost_headcount as decimal(38, 6)) as inpost_headcount,
        cast(starters_fte as decimal(38, 6)) as starters_fte,
        cast(leavers_fte as decimal(38, 6)) as leavers_fte,
        cast(agency_fte as decimal(38, 6)) as agency_fte,
        cast(agency_cover_fte as decimal(38, 6)) as agency_cover_fte,
        cast(vacancy_fte as decimal(38, 6)) as vacancy_fte,
        cast(case_holders_fte as decimal(38, 6)) as case_holders_fte,
        cast(cases as decimal(38, 6)) as cases,
        cast(working_days_lost_fte as decimal(38, 6)) as working_days_lost_fte
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
            ('absence_rate_fte', counts.working_days_lost_fte, counts.inpost_fte * 253)
        ) as formulas (kpi_code, numerator, denominator)
),

leavers as (
    select
        spells.la_code,
        spells.census_year,
        census_counts.period_start_date,
        census_counts.census_date,
        spells.service_band,
        coalesce(cast(spells.leaving_reason as varchar), 'not_recorded') as leaving_reason,
        cast(spells.ending_fte as decimal(38, 6)) as leaving_fte
    from spells
    inner join census_counts
        on spells.la_code = census_counts.la_code
            and spells.census_year = census_counts.census_year
    where spells.is_leaver
),

leaver_breakdown_inputs as (
    select
        leavers.la_code,
        'census_year' as period_type,
        leavers.period_start_date as period_start,
        leavers.census_date as period_end,
        leavers.census_year,
        breakdowns.breakdown,
        breakdowns.breakdown_value,
        'leavers_fte' as kpi_code,
        sum(leavers.leaving_fte) as numerator,
        cast(null as decimal(38, 6)) as denominator
    from leavers,
        lateral (
            values
            ('service_band', leavers.service_band),
            ('leaving_reason', leavers.leaving_reason)
        ) as breakdowns (breakdown, breakdown_value)
    group by all
),

financial_year_inputs as (
    select
        la_code,
        'financial_year' as period_type,
        period_start_date as period_start,
        period_end_date as period_end,
        cast(null as integer) as census_year,
        'total' as breakdown,
        'total' as breakdown_value,
        'agency_spend_gbp' as kpi_code,
        cast(agency_spend_gbp as decimal(38, 6)) as numerator,
        cast(null as decimal(38, 6)) as denominator
    from agency_spend
),

kpi_inputs as (
    select * from census_year_inputs
    union all by name
    select * from leaver_breakdown_inputs
    union all by name
    select * from financial_year_inputs
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
        period_type,
        period_start,
        period_end,
        census_year,
        breakdown,
        breakdown_value,
        kpi_code,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from authority_inputs
    group by all
),

inputs as (
    select * from authority_inputs
    union all by name
    select * from all_authorities_inputs
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

-- targets apply to headline figures; how far the value is on the wrong side of its target
against_targets as (
    select
        valued.*,
        targets.target,
        targets.amber_band,
        case targets.direction
            when 'lower_is_better' then valued.kpi_value - targets.target
            when 'higher_is_better' then targets.target - valued.kpi_value
        end as worse_than_target_by
    from valued
    left join targets
        on
            valued.kpi_code = targets.kpi_code
            and valued.breakdown = 'total'
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
        case
            when against_targets.worse_than_target_by <= 0 then 'green'
            when against_targets.worse_than_target_by <= against_targets.amber_band then 'amber'
            when against_targets.worse_than_target_by > against_targets.amber_band then 'red'
        end as rag,
        national_values.national_value,
        cast(null as varchar) as published_run_id
    from against_targets
    left join national_values
        on
            against_targets.national_column = national_values.national_column
            and against_targets.census_year = national_values.time_period
            and against_targets.breakdown = 'total'
            and against_targets.period_type = 'census_year'
)

select * from final
