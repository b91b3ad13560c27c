{{ config(meta={"dagster": {"ref": {"name": "kpi_values"}}}) }}
-- Fails if an `ALL` count in kpi_values is not the sum of the authorities' counts (for a maximum
-- such as caseload_max, their maximum). (Rates are not compared: ALL divides summed numerators
-- and denominators. A value suppressed for an authority or for ALL, see kpi_values, cannot be
-- compared: none of that value's rows are.)
with

kpis as (
    select * from {{ ref('kpi_values') }}
),

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

counts as (
    select
        kpis.*,
        definitions.all_authorities as combined_by
    from kpis
    inner join definitions
        on kpis.kpi_code = definitions.kpi_code
    where not definitions.is_rate and definitions.all_authorities <> 'none'
    qualify count(*) filter (where kpis.value is null) over (
            partition by
                kpis.kpi_code, kpis.breakdown, kpis.breakdown_value, kpis.period_type, kpis.period_start
        ) = 0
),

authority_sums as (
    select
        kpi_code,
        breakdown,
        breakdown_value,
        period_type,
        period_start,
        case any_value(combined_by)
            when 'max' then max(value)
            else sum(value)
        end as summed_value
    from counts
    where la_code <> 'ALL'
    group by all
),

all_authorities as (
    select
        kpi_code,
        breakdown,
        breakdown_value,
        period_type,
        period_start,
        value as all_value
    from counts
    where la_code = 'ALL'
),

final as (
    select
        coalesce(all_authorities.kpi_code, authority_sums.kpi_code) as kpi_code,
        coalesce(all_authorities.breakdown, authority_sums.breakdown) as breakdown,
        coalesce(all_authorities.breakdown_value, authority_sums.breakdown_value) as breakdown_value,
        coalesce(all_authorities.period_type, authority_sums.period_type) as period_type,
        coalesce(all_authorities.period_start, authority_sums.period_start) as period_start,
        all_authorities.all_value,
        authority_sums.summed_value
    from all_authorities
    full outer join authority_sums
        on all_authorities.kpi_code = authority_sums.kpi_code
            and all_authorities.breakdown = authority_sums.breakdown
            and all_authorities.breakdown_value = authority_sums.breakdown_value
            and all_authorities.period_type = authority_sums.period_type
            and all_authorities.period_start = authority_sums.period_start
    where
        all_authorities.all_value is null
        or authority_sums.summed_value is null
        -- a national spend sums to a billion pounds, where adding in another order moves the
        -- last digits (about 1e-6): a tenth of a penny in a billion still fails
        or abs(all_authorities.all_value - authority_sums.summed_value)
        > greatest(1e-6, 1e-12 * abs(authority_sums.summed_value))
)

select * from final
