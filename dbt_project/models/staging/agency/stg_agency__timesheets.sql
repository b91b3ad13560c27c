-- Agency timesheets, the newest delivered row per timesheet_id.
with

source as (
    {{ newest_row_per_key(source('agency', 'agency_timesheets'), ['timesheet_id']) }}
),

renamed as (
    select
        -- ids
        la_code,
        timesheet_id,
        assignment_id,

        -- numbers
        hours,
        charge_gbp,

        -- dates
        week_ending,
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
