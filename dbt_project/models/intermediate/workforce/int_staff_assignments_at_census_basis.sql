-- Employed assignments as the staff basis snapshot of each census year shows them.
with

census_years as (
    select * from {{ ref('int_census_years') }}
),

staff as (
    select * from {{ ref('stg_hr__staff') }}
),

final as (
    select
        -- ids
        census_years.la_code,
        census_years.census_year,
        staff.assignment_id,
        staff.employee_pseudonym,
        staff.post_id,

        -- attributes
        staff.is_cfsw,
        staff.org_role,
        staff.service_area,
        staff.team,
        staff.contract_type,
        staff.leaving_reason,
        {{ is_active_on('staff.start_date', 'staff.end_date', 'census_years.census_date') }}
            as is_in_post_at_census_date,

        -- numbers
        staff.fte,

        -- dates
        census_years.period_start_date,
        census_years.census_date,
        staff.start_date,
        staff.service_start_date,
        staff.end_date

    from census_years
    inner join staff
        on census_years.la_code = staff.la_code
            and {{ version_valid_at('staff', 'census_years.staff_basis_date') }}
)

select * from final
