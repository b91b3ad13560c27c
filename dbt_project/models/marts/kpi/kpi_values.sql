-- The published KPI table: one row per authority, KPI, breakdown and period, plus la_code
-- 'ALL' for the authorities loaded. Every KPI formula is written once, in the
-- int_kpi_inputs__* models, as a numerator and a denominator (int_kpi_inputs unions them); this
-- model only rolls up 'ALL', suppresses small counts, computes the values and decorates them
-- (target and RAG, England, benchmarks). 'ALL' sums numerators and denominators over the
-- authorities and then divides: rates are never averaged (a maximum, such as caseload_max, is
-- the maximum over the authorities). A KPI built on two rates (agency_premium_percent) is
-- derived after that, from the rates of the authority or of ALL.
with

kpi_inputs as (
    select * from {{ ref('int_kpi_inputs') }}
),

authorities as (
    select * from {{ ref('dfe_authorities') }}
),

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

breakdowns as (
    select * from {{ ref('kpi_breakdowns') }}
),

targets as (
    select * from {{ ref('kpi_targets') }}
),

national_indicators as (
    select * from {{ ref('dfe_national_indicators') }}
),

-- DfE's published figures: the statistical-neighbour median of the authority, and every other
-- authority's figure to rank the authority's own figure among
benchmarks as (
    select * from {{ ref('kpi_benchmarks') }}
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
    -- a median (time_to_hire_days) cannot be made from the authorities' medians: no ALL row
    where definitions.all_authorities <> 'none'
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

-- small counts of people are not published where their breakdown could identify someone
-- (kpi_breakdowns.suppress_below): a value counting fewer people (its numerator) is suppressed,
-- and where that leaves one value of a breakdown suppressed, the next smallest is too, so the
-- others and the total cannot give it away (DfE's secondary suppression). ALL was summed from
-- the authorities' unsuppressed inputs and is suppressed by the same rule.
primary_suppressed as (
    select
        valued.*,
        breakdowns.suppress_below is not null as is_suppressible,
        coalesce(valued.numerator < breakdowns.suppress_below, false) as is_small
    from valued
    left join breakdowns
        on valued.breakdown = breakdowns.breakdown
),

suppression_ranked as (
    select
        *,
        count(*) filter (where is_small) over breakdown_values as small_values,
        row_number() over (
            partition by la_code, kpi_code, period_type, period_start, breakdown, is_small
            order by numerator, breakdown_value
        ) as size_rank
    from primary_suppressed
    window breakdown_values as (partition by la_code, kpi_code, period_type, period_start, breakdown)
),

suppression_decided as (
    select
        * exclude (is_suppressible, is_small, small_values, size_rank),
        is_suppressible and (is_small or (small_values = 1 and size_rank = 1)) as is_suppressed
    from suppression_ranked
),

suppressed as (
    select
        * exclude (is_suppressed)
        replace (
            case when not is_suppressed then kpi_value end as kpi_value,
            case when not is_suppressed then numerator end as numerator,
            case when not is_suppressed then denominator end as denominator
        )
    from suppression_decided
),

-- targets apply to the headline figures of the census years of their period (applies_from to
-- applies_to, open-ended where blank); how far the value is on the wrong side
against_targets as (
    select
        suppressed.*,
        targets.target,
        targets.amber_band,
        targets.on_target_is_met,
        case targets.direction
            when 'lower_is_better' then suppressed.kpi_value - targets.target
            when 'higher_is_better' then targets.target - suppressed.kpi_value
        end as worse_than_target_by
    from suppressed
    left join targets
        on
            suppressed.kpi_code = targets.kpi_code
            and suppressed.breakdown = 'total'
            and suppressed.period_type = 'census_year'
            and suppressed.census_year >= coalesce(targets.applies_from, suppressed.census_year)
            and suppressed.census_year <= coalesce(targets.applies_to, suppressed.census_year)
),

-- where the authority's own figure (from its extracts, not DfE's figure for it) stands among
-- the other authorities' DfE published figures that year: 1 = lowest, ties share the better
-- rank, compared at DfE's published precision (one decimal place), out of those authorities
-- and itself. Only for the census years and KPIs DfE's file has.
own_ranks as (
    select
        valued.la_code,
        valued.kpi_code,
        valued.census_year,
        1 + count(*) filter (where other_authorities.value < round(valued.kpi_value, 1)) as own_rank,
        1 + count(*) as own_rank_of
    from valued
    inner join benchmarks as other_authorities
        on
            valued.kpi_code = other_authorities.kpi_code
            and valued.census_year = other_authorities.census_year
            and valued.la_code <> other_authorities.la_code
    where
        valued.la_code <> 'ALL'
        and valued.breakdown = 'total'
        and valued.period_type = 'census_year'
        and other_authorities.value is not null
    group by valued.la_code, valued.kpi_code, valued.census_year
),

-- the agency rules' quarters: the median of the same figure over the other authorities of the
-- authority's region loaded in this home (a regional hub holds them; DfE publishes no such
-- figure to compare with)
region_medians as (
    select
        valued.la_code,
        valued.kpi_code,
        valued.period_start,
        median(neighbours.kpi_value) as region_median
    from valued
    inner join authorities as own_region
        on valued.la_code = own_region.la_code
    inner join authorities as neighbour_region
        on own_region.region_name = neighbour_region.region_name
            and own_region.la_code <> neighbour_region.la_code
    inner join valued as neighbours
        on neighbour_region.la_code = neighbours.la_code
            and valued.kpi_code = neighbours.kpi_code
            and valued.period_type = neighbours.period_type
            and valued.period_start = neighbours.period_start
            and valued.breakdown = neighbours.breakdown
            and valued.breakdown_value = neighbours.breakdown_value
    where valued.period_type = 'quarter' and valued.breakdown = 'total'
    group by valued.la_code, valued.kpi_code, valued.period_start
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
        coalesce(benchmarks.neighbour_median, region_medians.region_median) as neighbour_median,
        cast(own_ranks.own_rank as integer) as rank,  -- noqa: RF04
        cast(own_ranks.own_rank_of as integer) as rank_of,
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
    left join region_medians
        on
            against_targets.la_code = region_medians.la_code
            and against_targets.kpi_code = region_medians.kpi_code
            and against_targets.period_start = region_medians.period_start
            and against_targets.period_type = 'quarter'
            and against_targets.breakdown = 'total'
    left join own_ranks
        on
            against_targets.la_code = own_ranks.la_code
            and against_targets.kpi_code = own_ranks.kpi_code
            and against_targets.census_year = own_ranks.census_year
            and against_targets.breakdown = 'total'
            and against_targets.period_type = 'census_year'
)

-- a stable, readable order: by authority, KPI and breakdown, then periods from the earliest,
-- the shorter of two periods starting the same day first
select * from final
order by la_code, kpi_code, breakdown, breakdown_value, period_start, period_end
