-- Absence episodes, the newest delivered row per absence_id.
with

source as (
    {{ newest_row_per_key(source('hr', 'hr_absence'), ['absence_id']) }}
),

renamed as (
    select
        -- ids
        la_code,
        absence_id,
        employee_pseudonym,

        -- attributes
        upper(absence_type) as absence_type,

        -- numbers
        working_days_lost,

        -- dates
        start_date,
        end_date,
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
