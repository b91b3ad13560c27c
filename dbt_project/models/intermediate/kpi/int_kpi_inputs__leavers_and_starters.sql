-- leavers_fte by length of service and by reason, starters_fte by recruitment route and by
-- origin, summed over the CFSW spells of each census year. Only values with a leaver (or a
-- starter) have a row.
with

census_years as (
    select * from {{ ref('int_census_years') }}
),

spells as (
    select * from {{ ref('int_cfsw_spells') }}
),

spell_breakdowns as (
    select
        spells.la_code,
        spells.census_year,
        breakdowns.kpi_code,
        breakdowns.breakdown,
        breakdowns.breakdown_value,
        breakdowns.fte
    from spells,
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
),

final as (
    select
        spell_breakdowns.la_code,
        spell_breakdowns.kpi_code,
        spell_breakdowns.breakdown,
        spell_breakdowns.breakdown_value,
        'census_year' as period_type,
        census_years.period_start_date as period_start,
        census_years.census_date as period_end,
        spell_breakdowns.census_year,
        sum(cast(spell_breakdowns.fte as decimal(38, 12))) as numerator,
        cast(null as decimal(38, 12)) as denominator
    from spell_breakdowns
    inner join census_years
        on spell_breakdowns.la_code = census_years.la_code
            and spell_breakdowns.census_year = census_years.census_year
    group by all
)

select * from final
