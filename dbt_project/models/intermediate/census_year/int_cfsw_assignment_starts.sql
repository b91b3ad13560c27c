-- The CFSW assignments started in each census year, one row per person and start day, with what
-- the person held just before: any employed assignment (the post was filled from within the
-- authority) and the most senior CFSW role (a promotion when the new role is more senior). Held
-- just before: started earlier and still held, or ended at most var spell_join_gap_days days
-- before the start (the rule that joins a person's posts into one spell).
{%- set open_end = "date '9999-12-31'" %}

with

staff as (
    select * from {{ ref('int_staff_assignments_at_census_basis') }}
    where {{ in_build_scope() }}
),

cfsw_starts as (
    select
        la_code,
        census_year,
        employee_pseudonym,
        start_date,
        org_role
    from staff
    where is_cfsw and start_date between period_start_date and census_date
),

with_previous as (
    select
        cfsw_starts.la_code,
        cfsw_starts.census_year,
        cfsw_starts.employee_pseudonym,
        cfsw_starts.start_date,
        -- of several CFSW posts started the same day, the most senior role (1 is the most senior)
        min(cfsw_starts.org_role) as org_role,
        count(earlier.assignment_id) > 0 as is_internal_fill,
        min(earlier.org_role) filter (where earlier.is_cfsw) as previous_org_role
    from cfsw_starts
    left join staff as earlier
        on
            cfsw_starts.la_code = earlier.la_code
            and cfsw_starts.census_year = earlier.census_year
            and cfsw_starts.employee_pseudonym = earlier.employee_pseudonym
            and cfsw_starts.start_date > earlier.start_date
            and cfsw_starts.start_date - 1 - {{ var('spell_join_gap_days') }}
            <= coalesce(earlier.end_date, {{ open_end }})
    group by
        cfsw_starts.la_code,
        cfsw_starts.census_year,
        cfsw_starts.employee_pseudonym,
        cfsw_starts.start_date
),

final as (
    select
        -- ids
        la_code,
        census_year,
        employee_pseudonym,
        start_date,

        -- roles
        org_role,
        previous_org_role,
        case
            when org_role = 4 and previous_org_role in (5, 6) then 'senior_practitioner'
            when org_role <= 3 and previous_org_role >= 4 then 'manager'
        end as promoted_to,

        -- flags
        is_internal_fill

    from with_previous
)

select * from final
