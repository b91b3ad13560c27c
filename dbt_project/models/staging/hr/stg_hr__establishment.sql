-- Budgeted posts from HR/finance, one row per post version.
with

source as (
    select * from {{ source('hr', 'hr_establishment') }}
),

renamed as (
    select
        -- ids
        la_code,
        post_id,

        -- attributes
        service_area,
        team,
        cast(org_role as integer) as org_role,
        coalesce(social_work_post, false) as social_work_post,
        cost_centre,

        -- numbers
        budgeted_fte,

        -- dates
        effective_from,
        effective_to,

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
