-- Agency worker assignments from the agency provider, one row per assignment version.
with

source as (
    select * from {{ source('agency', 'agency_assignments') }}
),

renamed as (
    select
        -- ids
        la_code,
        assignment_id,
        agency_worker_pseudonym,
        swe_pseudonym,
        post_id,

        -- role
        coalesce(registered_social_worker, false) as registered_social_worker,
        cast(org_role as integer) as org_role,
        coalesce(registered_social_worker and org_role between 1 and 6, false) as is_cfsw,
        agency_name,
        service_area,
        team,
        cover_reason,
        qual_inst,

        -- agency rules (optional columns: null where the provider did not deliver them)
        role_category,
        project_team,
        practice_reference_received,
        nullif(trim(cap_exceeded_approved_by), '') as cap_exceeded_approved_by,

        -- numbers
        fte,
        hourly_charge_gbp,
        hourly_pay_rate_gbp,
        hourly_oncosts_gbp,
        pqe_la_years,

        -- dates
        start_date,
        end_date,

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
