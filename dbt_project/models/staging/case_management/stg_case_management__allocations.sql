-- Case allocations from case management, one row per allocation version.
with

source as (
    select * from {{ source('case_management', 'case_allocations') }}
),

renamed as (
    select
        -- ids
        la_code,
        allocation_id,
        child_pseudonym,
        worker_pseudonym,

        -- attributes
        worker_source,
        team,
        case_type,

        -- dates
        allocation_start,
        allocation_end,

        -- version
        valid_from,
        valid_to,
        file_id,
        source_row

    from source
),

final as (
    select * from renamed
)

select * from final
