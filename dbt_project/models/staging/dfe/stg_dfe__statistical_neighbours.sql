-- DfE's statistical neighbours in long form: one row per authority and neighbour (1 = closest)
-- of the newest delivered groupings file. DfE's note rows (no LA code) are left out.
{%- set neighbours = 10 %}

with

delivered as (
    select * from {{ source('dfe', 'dfe_statistical_neighbours') }}
),

source as (
    select *
    from delivered
    where
        extract_date = (select max(newest.extract_date) from delivered as newest)
        and la_code is not null
),

unpivoted as (
    select
        source.la_code,
        source.la_name,
        neighbours.neighbour_order,
        neighbours.neighbour_la_code,
        neighbours.closeness,
        source.extract_date,
        source.file_id,
        source.source_row
    from source,
        lateral (
            values
            {%- for n in range(1, neighbours + 1) %}
                ({{ n }}, source.sn{{ n }}, source.closeness{{ n }}){{ "," if not loop.last }}
            {%- endfor %}
        ) as neighbours (neighbour_order, neighbour_la_code, closeness)
),

renamed as (
    select
        -- ids
        la_code,
        cast(neighbour_order as integer) as neighbour_order,
        neighbour_la_code,

        -- attributes
        la_name,
        closeness,

        -- dates
        extract_date,

        -- lineage
        file_id,
        source_row

    from unpivoted
    where neighbour_la_code is not null
),

final as (
    select * from renamed
)

select * from final
