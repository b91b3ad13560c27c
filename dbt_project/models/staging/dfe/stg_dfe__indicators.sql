-- DfE's published indicators in long form: one row per area, census year and indicator of the
-- newest delivered file. A cell is either a number (value) or one of DfE's symbols
-- (value_symbol, with its meaning in value_status); a symbol never becomes a number.
with

delivered as (
    select * from {{ source('dfe', 'dfe_indicators') }}
),

source as (
    select *
    from delivered
    where extract_date = (select max(newest.extract_date) from delivered as newest)
),

-- every column after the area and period columns is an indicator, named as DfE names it
unpivoted as (
    select *
    from source
    unpivot include nulls (
        cell for kpi_code in (columns(* exclude (
            file_id, extract_date, source_row, time_period, time_identifier, geographic_level,
            country_code, country_name, region_code, region_name, old_la_code, new_la_code,
            la_name
        )))
    )
),

parsed as (
    select
        *,
        try_cast(replace(trim(cell), ',', '') as double) as number,
        lower(trim(cell)) as symbol
    from unpivoted
),

renamed as (
    select
        -- ids
        cast(time_period as integer) as census_year,
        geographic_level,
        country_code,
        region_code,
        old_la_code as la_code,
        new_la_code,
        kpi_code,

        -- attributes
        region_name,
        la_name,

        -- numbers
        number as value,  -- noqa: RF04
        case when number is null then symbol end as value_symbol,
        case
            when number is not null then 'published'
            when symbol = 'x' then 'unavailable'
            when symbol = 'u' then 'low reliability'
            when symbol = 'z' then 'not applicable'
            when symbol = 'c' then 'suppressed'
            when symbol = 'low' then 'rounds to zero'
            when symbol is null then 'not in file'
        end as value_status,

        -- dates
        make_date(cast(time_period as integer) - 1, 10, 1) as period_start,
        make_date(cast(time_period as integer), 9, 30) as period_end,
        extract_date,

        -- lineage
        file_id,
        source_row

    from parsed
),

final as (
    select * from renamed
)

select * from final
