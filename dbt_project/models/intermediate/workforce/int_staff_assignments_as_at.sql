-- Employed assignments as the staff basis snapshot of each reporting date shows them. A census
-- date keeps every assignment of its snapshot (the year's starters and leavers come from it); a
-- month end keeps those active at some point in its month.
with

reporting_dates as (
    select * from {{ ref('int_reporting_dates') }}
),

staff as (
    select * from {{ ref('stg_hr__staff') }}
),

final as (
    select
        -- ids
        reporting_dates.la_code,
        reporting_dates.date_kind,
        reporting_dates.reporting_date,
        reporting_dates.census_year,
        staff.assignment_id,
        staff.employee_pseudonym,
        staff.post_id,

        -- attributes
        staff.is_cfsw,
        staff.org_role,
        staff.service_area,
        staff.team,
        staff.contract_type,
        staff.recruitment_route,
        staff.start_origin,
        staff.leaving_reason,
        {{ is_active_on('staff.start_date', 'staff.end_date', 'reporting_dates.reporting_date') }}
            as is_in_post_at_reporting_date,

        -- numbers
        staff.fte,

        -- dates
        reporting_dates.period_start_date,
        staff.start_date,
        staff.service_start_date,
        staff.end_date

    from reporting_dates
    inner join staff
        on reporting_dates.la_code = staff.la_code
            and {{ version_valid_at('staff', 'reporting_dates.staff_basis_date') }}
    where reporting_dates.date_kind = 'census_date'
        or (
            staff.start_date <= reporting_dates.reporting_date
            and (staff.end_date is null or staff.end_date >= reporting_dates.period_start_date)
        )
)

select * from final
