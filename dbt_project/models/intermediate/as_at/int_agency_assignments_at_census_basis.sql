{{ config(materialized='view') }}
-- Agency assignments as the agency basis snapshot of each census year shows them: the census
-- dates of int_agency_assignments_as_at. No rows for a year without an agency basis snapshot.
with

assignments as (
    select * from {{ ref('int_agency_assignments_as_at') }}
),

final as (
    select
        -- ids
        la_code,
        census_year,
        assignment_id,
        agency_worker_pseudonym,
        post_id,

        -- attributes
        is_cfsw,
        org_role,
        service_area,
        team,
        cover_reason,
        is_in_post_at_reporting_date as is_in_post_at_census_date,

        -- numbers
        fte,

        -- dates
        reporting_date as census_date,
        start_date,
        end_date

    from assignments
    where date_kind = 'census_date'
)

select * from final
