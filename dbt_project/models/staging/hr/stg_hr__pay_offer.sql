-- The authority's pay offer to its social workers from HR/reward, one row per item version.
with

source as (
    select * from {{ source('hr', 'hr_pay_offer') }}
),

renamed as (
    select
        -- ids
        la_code,
        item,

        -- attributes
        eligible,
        detail,

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
