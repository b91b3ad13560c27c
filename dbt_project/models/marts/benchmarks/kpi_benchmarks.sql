-- Each authority against England and its DfE statistical neighbours, on DfE's published figures
-- (the newest DfE files delivered): one row per local authority in the indicators file, KPI
-- (those flagged is_benchmarked in seed kpi_definitions: turnover, vacancy, agency rate,
-- caseload) and census year.
--   neighbour_median  median of the neighbours' published values that year; a neighbour with a
--                     symbol instead of a number (suppressed, unavailable, ...) or without a
--                     row that year is left out, and neighbours_with_value says how many counted
--   rank              1 = best among every authority with a published value that year; lower is
--                     better for all four KPIs; ties share the better rank (rank())
-- No DfE files delivered: no rows.
with

dfe_indicators as (
    select * from {{ ref('stg_dfe__indicators') }}
),

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

indicators as (
    select dfe_indicators.*
    from dfe_indicators
    inner join definitions
        on dfe_indicators.kpi_code = definitions.kpi_code
    where definitions.is_benchmarked
),

neighbours as (
    select * from {{ ref('stg_dfe__statistical_neighbours') }}
),

authorities as (
    select * from indicators
    where geographic_level = 'Local authority' and la_code is not null
),

england as (
    select
        census_year,
        kpi_code,
        value as national_value
    from indicators
    where geographic_level = 'National'
),

neighbour_values as (
    select
        authorities.la_code,
        authorities.census_year,
        authorities.kpi_code,
        median(neighbour.value) as neighbour_median,
        count(neighbour.value) as neighbours_with_value
    from authorities
    inner join neighbours
        on authorities.la_code = neighbours.la_code
    inner join authorities as neighbour
        on neighbours.neighbour_la_code = neighbour.la_code
            and authorities.census_year = neighbour.census_year
            and authorities.kpi_code = neighbour.kpi_code
    group by authorities.la_code, authorities.census_year, authorities.kpi_code
),

ranked as (
    select
        la_code,
        census_year,
        kpi_code,
        rank() over (partition by census_year, kpi_code order by value) as value_rank,
        count(*) over (partition by census_year, kpi_code) as ranked_authorities
    from authorities
    where value is not null
),

final as (
    select
        authorities.la_code,
        authorities.la_name,
        authorities.kpi_code,
        authorities.census_year,
        authorities.period_start,
        authorities.period_end,
        authorities.value,  -- noqa: RF04
        authorities.value_symbol,
        authorities.value_status,
        england.national_value,
        neighbour_values.neighbour_median,
        cast(coalesce(neighbour_values.neighbours_with_value, 0) as integer)
            as neighbours_with_value,
        cast(ranked.value_rank as integer) as rank,  -- noqa: RF04
        cast(ranked.ranked_authorities as integer) as rank_of
    from authorities
    left join england
        on authorities.census_year = england.census_year
            and authorities.kpi_code = england.kpi_code
    left join neighbour_values
        on authorities.la_code = neighbour_values.la_code
            and authorities.census_year = neighbour_values.census_year
            and authorities.kpi_code = neighbour_values.kpi_code
    left join ranked
        on authorities.la_code = ranked.la_code
            and authorities.census_year = ranked.census_year
            and authorities.kpi_code = ranked.kpi_code
)

select * from final
order by la_code, kpi_code, census_year
