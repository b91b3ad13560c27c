-- Applications to social-work vacancies from the applicant tracking system, one row per
-- application version. A stage date is null until the application reaches the stage.
with

source as (
    select * from {{ source('recruitment', 'recruitment') }}
),

renamed as (
    select
        -- ids
        la_code,
        application_id,
        candidate_pseudonym,
        requisition_id,
        post_id,

        -- attributes
        service_area,
        team,
        cast(org_role as integer) as org_role,
        recruitment_route,
        withdrawn_by,

        -- numbers
        fte,

        -- stage dates, in the order an application reaches them
        requisition_opened,
        applied_date,
        shortlisted_date,
        interviewed_date,
        offer_date,
        offer_accepted_date,
        checks_cleared_date,
        planned_start_date,
        start_date,
        withdrawn_date,

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
