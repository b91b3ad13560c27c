-- Delivered files as recorded by ingestion; the snapshot dates of an authority come from here.
with

source as (
    select * from {{ source('audit', 'files') }}
),

renamed as (
    select
        -- ids
        file_id,
        la_code,

        -- attributes
        kind,
        file_name,
        status,
        reason,
        run_id,

        -- numbers
        rows_read,
        rows_loaded,

        -- dates
        extract_date,
        received_at

    from source
),

final as (
    select * from renamed
)

select * from final
