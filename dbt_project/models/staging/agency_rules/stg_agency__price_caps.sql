-- The agency rules' regional price caps of the newest delivered caps file, typed: one row per
-- region, role category and first day the cap applies. Empty when no caps file was delivered.
with

delivered as (
    select * from {{ source('agency', 'agency_price_caps') }}
),

source as (
    select *
    from delivered
    where extract_date = (select max(newest.extract_date) from delivered as newest)
),

renamed as (
    select
        -- ids
        trim(region) as region_name,
        upper(trim(role_category)) as role_category,

        -- numbers
        cast(cap_gbp_per_hour as decimal(24, 6)) as cap_gbp_per_hour,

        -- dates
        cast(applies_from as date) as applies_from,
        cast(applies_to as date) as applies_to,
        extract_date,

        -- lineage
        file_id,
        source_row

    from source
),

final as (
    select * from renamed
)

select * from final
