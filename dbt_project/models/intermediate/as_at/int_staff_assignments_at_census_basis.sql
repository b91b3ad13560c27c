{{ config(materialized='view') }}
-- Employed assignments as the staff basis snapshot of each census year shows them: the census
-- dates of int_staff_assignments_as_at, named as the census-year models read them.
with

assignments as (
    select * from {{ ref('int_staff_assignments_as_at') }}
),

final as (
    select
        -- ids
        la_code,
        census_year,
        assignment_id,
        employee_pseudonym,
        post_id,

        -- attributes
        is_cfsw,
        org_role,
        service_area,
        team,
        contract_type,
        recruitment_route,
        start_origin,
        leaving_reason,
        cfkss_status,
        gender,
        ethnicity,
        age_band_at_census_date as age_band,
        is_in_post_at_reporting_date as is_in_post_at_census_date,

        -- numbers
        fte,

        -- dates
        period_start_date,
        reporting_date as census_date,
        start_date,
        service_start_date,
        end_date

    from assignments
    where date_kind = 'census_date'
)

select * from final
